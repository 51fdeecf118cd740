/**
 * LERL's (and HAC's) hyper-action policy, the paper's variant of the low level; the softmax
 * {@link SlatePolicy} is the default.
 *
 * The actor outputs a diagonal Gaussian over a hyper-action w (itemDim dims); items are scored `w . e_i`
 * with e_i the policy's item table, masked items (already shown, outside the plan) get minus infinity, and the
 * slate is the top K. PPO ratios the Gaussian density of w.
 *
 * What the first version lacked, and this one has, so that it can learn at our budgets:
 * - no bias dimension (a bias shared by every item never changes a ranking; it only added noise);
 * - HAC's behaviour loss, returned as `auxiliaryLoss`: the score of each shown item under the mean hyper-action,
 *   `mu(s) . e_i`, regressed on its feedback. It is the only term that reaches the item vectors as the scoring
 *   kernel (the Gaussian density does not depend on them), so without it the item table never learns to rank;
 * - the std is a learned parameter (initial `initStd`, LERL 0.8) that the entropy bonus keeps from collapsing.
 * Greedy acting (`deterministic`) scores with the mean; evaluate it sampled too: the mean is a different policy
 * from the one PPO trained (the review measured a fixed item sequence at the mean after 8000 steps).
 */
import { tf } from "./backend.js";
import { ActorCriticPolicy, type ActionEvaluation, type StoredActions } from "./actor-critic.js";
import { gaussianEntropy, gaussianLogProb, topKSlates } from "./distributions.js";
import { mlp } from "./params.js";
import type { ActRequest, ActResult, PolicyContext, PolicyOptionsInit } from "./policy.js";

export const DEFAULT_INIT_STD = 0.8;

/** A Gaussian hyper-action scoring items by `w . e_i`. Trained by PPO (`policyHead: "hyper-action"`). */
export class HyperActionPolicy extends ActorCriticPolicy {
  readonly kind = "ppo" as const;
  /** Hyper-action width (= the item vectors' width). */
  override readonly actionDim: number;
  /** log std as data, read once per parameter version (batch-1 latency counts every sync). */
  private logStdData: Float32Array | undefined;

  constructor(context: PolicyContext, options: PolicyOptionsInit = {}, initStd = DEFAULT_INIT_STD, criticGradient = false) {
    super(context, options, criticGradient);
    this.refuseCategoryLogit("the hyper-action policy");
    this.actionDim = this.options.encoder.itemDim;
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

  get logStd(): tf.Variable {
    return this.params.require("actor/logStd");
  }

  /** Mean std of the hyper-action (a diagnostic: a std that never moves means the actor is not learning). */
  meanStd(): number {
    const s = this.logStd.dataSync();
    let sum = 0;
    for (const x of s) sum += Math.exp(x);
    return sum / s.length;
  }

  override invalidate(): void {
    super.invalidate();
    this.logStdData = undefined;
  }

  evaluateActions(stored: StoredActions): ActionEvaluation {
    const m = stored.history.batchSize;
    const a = this.actionDim;
    const table = this.table(true);
    const state = this.encode(stored.history, table);
    const mu = this.mean(state);
    const logStd = this.logStd as tf.Tensor1D;
    const logProb = gaussianLogProb(tf.tensor2d(stored.actions, [m, a]), mu, logStd);
    const entropy = tf.mul(tf.onesLike(logProb), gaussianEntropy(logStd)) as tf.Tensor1D;
    let auxiliaryLoss: tf.Scalar | null = null;
    if (stored.slateFeedback) {
      const k = this.context.slateSize;
      const e = tf.reshape(tf.gather(table, tf.tensor1d(stored.slates, "int32")), [m, k, a]);
      const score = tf.sum(tf.mul(e, tf.reshape(mu, [m, 1, a])), 2);
      const target = tf.div(tf.tensor2d(stored.slateFeedback, [m, k]), this.options.feedbackScale);
      auxiliaryLoss = tf.mean(tf.square(tf.sub(score, target))) as tf.Scalar;
    }
    return { logProb, entropy, state, normalizedValue: this.normalizedValue(state), auxiliaryLoss };
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
    // Sample w = mu + sigma * eps in JS (seeded), and its log-density with the same formula as the loss.
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
    const scores = tf.tidy(() => tf.matMul(tf.tensor2d(action, [b, a]), this.itemRows(this.table()), false, true).dataSync() as Float32Array);
    const slates = topKSlates(scores, n, k, mask, new Int32Array(b * k));
    return { slates, logProb, value: valueData, action, mask };
  }
}
