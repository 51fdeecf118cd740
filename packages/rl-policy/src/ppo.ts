/**
 * PPO for LERL's low level (arXiv 2601.19585; HAC-style hyper-action scoring).
 *
 * The actor outputs a Gaussian over a hyper-action a = [w; b] (itemDim + 1 dims). Items are scored
 * score_i = w . e_i + b with e_i the policy's item table, the plan's categories are applied as minus
 * infinity outside the plan, and the slate is the top-K. The log-probability that PPO ratios is the
 * Gaussian density of a, so masks never enter the loss. Value head, clipped surrogate, entropy bonus,
 * GAE(lambda) (lambda = 0 gives LERL's TD(0) advantage).
 *
 * Deviations from the released code: the mask is -infinity, not multiplicative; one Adam learning rate
 * (LERL uses four parameter groups); clip epsilon 0.2 (LERL's default 0.8 is effectively no clipping);
 * no target actor for rollouts; no batch-norm in the actor MLP.
 */
import { FarsightError } from "@farsight/core";
import { tf } from "./backend.js";
import { historyRows, permutation, type RolloutBuffer } from "./buffers.js";
import { gaussianEntropy, gaussianLogProb, topKSlates } from "./distributions.js";
import type { OnPolicyAlgorithm, UpdateStats } from "./algorithm.js";
import { mlp } from "./params.js";
import { gradientStep, NeuralPolicy, type ActRequest, type ActResult, type PolicyContext, type PolicyOptionsInit } from "./policy.js";
import { Rng } from "@farsight/core";

/** PPO hyper-parameters (defaults: CleanRL's PPO, with LERL's gamma and entropy coefficient). */
export interface PpoOptions {
  /** Discount. LERL: 0.9. */
  gamma: number;
  /** GAE lambda: 0 = TD(0) as in LERL, 1 = Monte-Carlo; 0.95 trades bias for variance. */
  gaeLambda: number;
  /** Ratio clipping epsilon. Typical 0.1-0.3. */
  clipEpsilon: number;
  /** Passes over each rollout. LERL: 4. */
  epochs: number;
  /** Minibatch size (transitions). LERL: 64; 128 halves the gradient steps, which dominate on TF.js. */
  minibatchSize: number;
  /** Steps per slot between updates. LERL: 20 (train_every). */
  rolloutSteps: number;
  /** Adam learning rate for every parameter. */
  learningRate: number;
  /** Weight of the value loss. */
  valueCoef: number;
  /** Entropy bonus weight. LERL: 0.001. */
  entropyCoef: number;
  /** Global gradient-norm clip. LERL: 20. */
  maxGradNorm: number;
  /** Initial std of the hyper-action Gaussian. LERL: 0.8. */
  initStd: number;
  /** Normalise advantages per rollout (zero mean, unit std). */
  normalizeAdvantages: boolean;
  /**
   * Weight of the response loss: the mean hyper-action's score of each shown item, mu(s) . e_i + b,
   * regressed on its feedback (divided by `feedbackScale`). HAC's supervision term; it is what gives the
   * item vectors that the hyper-action scores a meaning (the PPO loss alone never reaches them). Off by
   * default (the LERL description has no such term); 1 is a reasonable value to try.
   */
  responseCoef: number;
}

export const DEFAULT_PPO_OPTIONS: PpoOptions = {
  gamma: 0.9,
  gaeLambda: 0.95,
  clipEpsilon: 0.2,
  epochs: 4,
  minibatchSize: 128,
  rolloutSteps: 20,
  learningRate: 3e-4,
  valueCoef: 0.5,
  entropyCoef: 0.001,
  maxGradNorm: 1,
  initStd: 0.8,
  normalizeAdvantages: true,
  responseCoef: 0,
};

/** The acting half: a Gaussian hyper-action and masked top-K scoring. */
export class PpoPolicy extends NeuralPolicy {
  readonly kind = "ppo" as const;
  /** Hyper-action width: itemDim weights plus one bias. */
  readonly actionDim: number;

  constructor(context: PolicyContext, options: PolicyOptionsInit = {}, initStd = DEFAULT_PPO_OPTIONS.initStd) {
    super(context, options);
    this.actionDim = this.options.encoder.itemDim + 1;
    this.params.get("actor/logStd", [this.actionDim], Math.log(initStd));
    this.build();
  }

  protected forwardForBuild(state: tf.Tensor2D): void {
    this.mean(state);
    this.value(state);
  }

  /** Mean hyper-action [B, A]. */
  mean(state: tf.Tensor2D): tf.Tensor2D {
    return mlp(this.params, "actor", state, this.options.hidden, this.actionDim) as tf.Tensor2D;
  }

  /** V(s) [B]. */
  value(state: tf.Tensor2D): tf.Tensor1D {
    return tf.reshape(mlp(this.params, "critic", state, this.options.hidden, 1), [-1]) as tf.Tensor1D;
  }

  get logStd(): tf.Variable {
    return this.params.require("actor/logStd");
  }

  /** log std as data, read once per parameter version (batch-1 latency counts every sync). */
  private logStdData: Float32Array | undefined;

  override invalidate(): void {
    super.invalidate();
    this.logStdData = undefined;
  }

  act(request: ActRequest): ActResult {
    const b = request.history.batchSize;
    const { numItems: n, slateSize: k } = this.context;
    const a = this.actionDim;
    const mask = this.maskOf(request);
    const [muData, valueData] = tf.tidy(() => {
      const state = this.encode(request.history, this.table());
      return [this.mean(state).dataSync() as Float32Array, request.withValue ? (this.value(state).dataSync() as Float32Array) : new Float32Array(b)];
    });
    const logStd = (this.logStdData ??= this.logStd.dataSync() as Float32Array);
    // Sample a = mu + sigma * eps in JS (seeded), and its log-density with the same formula as the loss.
    const action = new Float32Array(b * a);
    const logProb = new Float32Array(b);
    for (let row = 0; row < b; row++) {
      let lp = 0;
      for (let j = 0; j < a; j++) {
        const eps = request.deterministic ? 0 : this.rng.normal();
        action[row * a + j] = muData[row * a + j]! + Math.exp(logStd[j]!) * eps;
        lp -= 0.5 * eps * eps + logStd[j]! + 0.5 * Math.log(2 * Math.PI);
      }
      logProb[row] = lp;
    }
    const scores = tf.tidy(() => {
      const act = tf.tensor2d(action, [b, a]);
      const w = tf.slice(act, [0, 0], [b, a - 1]);
      const bias = tf.slice(act, [0, a - 1], [b, 1]);
      return tf.add(tf.matMul(w, this.itemRows(this.table()), false, true), bias).dataSync() as Float32Array;
    });
    const slates = topKSlates(scores, n, k, mask, new Int32Array(b * k));
    return { slates, logProb, value: valueData, action, mask };
  }
}

/** The learning half: clipped-surrogate PPO over a rollout buffer. */
export class PpoAlgorithm implements OnPolicyAlgorithm {
  readonly kind = "ppo" as const;
  readonly onPolicy = true as const;
  readonly options: PpoOptions;
  readonly optimizer: tf.Optimizer;
  updates = 0;
  private readonly rng: Rng;

  constructor(
    readonly policy: PpoPolicy,
    options: Partial<PpoOptions> = {},
  ) {
    this.options = { ...DEFAULT_PPO_OPTIONS, ...options };
    if (this.options.clipEpsilon <= 0) throw new FarsightError("rl-policy/bad-option", "PPO clipEpsilon must be > 0", { clipEpsilon: this.options.clipEpsilon });
    this.optimizer = tf.train.adam(this.options.learningRate);
    this.rng = new Rng(policy.options.seed, "ppo/minibatches");
  }

  get rolloutSteps(): number {
    return this.options.rolloutSteps;
  }
  get gamma(): number {
    return this.options.gamma;
  }
  get gaeLambda(): number {
    return this.options.gaeLambda;
  }

  update(buf: RolloutBuffer): UpdateStats {
    const o = this.options;
    const p = this.policy;
    const l = p.options.historyLength;
    const a = p.actionDim;
    const n = buf.length;
    const adv = normalised(buf.advantages.subarray(0, n), o.normalizeAdvantages);
    const vars = p.params.list();
    const k = p.context.slateSize;
    const withResponse = o.responseCoef > 0 && buf.hasSlateFeedback;
    let lossSum = 0, steps = 0, skipped = 0, gradNorm = 0;
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const order = permutation(n, this.rng);
      for (let start = 0; start < n; start += o.minibatchSize) {
        const rows = order.subarray(start, Math.min(n, start + o.minibatchSize));
        const m = rows.length;
        const history = historyRows(buf, l, rows);
        const act = new Float32Array(m * a), oldLp = new Float32Array(m), advMb = new Float32Array(m), ret = new Float32Array(m);
        const shown = new Int32Array(m * k), response = new Float32Array(m * k);
        rows.forEach((r, i) => {
          shown.set(buf.slates.subarray(r * k, r * k + k), i * k);
          for (let j = 0; j < k; j++) response[i * k + j] = buf.slateFeedback[r * k + j]! / p.options.feedbackScale;
          act.set(buf.actions.subarray(r * a, r * a + a), i * a);
          oldLp[i] = buf.logProbs[r]!;
          advMb[i] = adv[r]!;
          ret[i] = buf.returns[r]!;
        });
        const stats = gradientStep(this.optimizer, vars, () => {
          const table = p.table(true);
          const state = p.encode(history, table);
          const mu = p.mean(state);
          const logp = gaussianLogProb(tf.tensor2d(act, [m, a]), mu, p.logStd as tf.Tensor1D);
          const ratio = tf.exp(tf.sub(logp, tf.tensor1d(oldLp)));
          const advT = tf.tensor1d(advMb);
          const surrogate = tf.minimum(tf.mul(ratio, advT), tf.mul(tf.clipByValue(ratio, 1 - o.clipEpsilon, 1 + o.clipEpsilon), advT));
          const valueLoss = tf.mean(tf.square(tf.sub(p.value(state), tf.tensor1d(ret))));
          const entropy = gaussianEntropy(p.logStd as tf.Tensor1D);
          let loss = tf.add(tf.sub(tf.neg(tf.mean(surrogate)), tf.mul(entropy, o.entropyCoef)), tf.mul(valueLoss, o.valueCoef));
          if (withResponse) {
            // score of shown item j of row i under the mean hyper-action: sum_d mu[i,d] e[item,d] + mu[i,A-1]
            const e = tf.reshape(tf.gather(table, tf.tensor1d(shown, "int32")), [m, k, a - 1]);
            const w = tf.reshape(tf.slice(mu, [0, 0], [m, a - 1]), [m, 1, a - 1]);
            const score = tf.add(tf.sum(tf.mul(e, w), 2), tf.slice(mu, [0, a - 1], [m, 1]));
            loss = tf.add(loss, tf.mul(tf.mean(tf.square(tf.sub(score, tf.tensor2d(response, [m, k])))), o.responseCoef));
          }
          return loss as tf.Scalar;
        }, o.maxGradNorm);
        lossSum += stats.loss;
        gradNorm = stats.gradNorm;
        if (stats.skipped) skipped++;
        steps++;
        this.updates++;
      }
    }
    p.invalidate();
    const std = Array.from(p.logStd.dataSync()).reduce((s, x) => s + Math.exp(x), 0) / a;
    return { loss: lossSum / Math.max(1, steps), gradNorm, actionStd: std, skipped };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** Advantages with zero mean and unit std (or a copy as-is). */
export function normalised(x: Float32Array, on: boolean): Float32Array {
  const out = Float32Array.from(x);
  if (!on || x.length < 2) return out;
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let varSum = 0;
  for (const v of x) varSum += (v - mean) ** 2;
  const std = Math.sqrt(varSum / x.length) + 1e-8;
  for (let i = 0; i < out.length; i++) out[i] = (out[i]! - mean) / std;
  return out;
}
