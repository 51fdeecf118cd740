/**
 * Discrete advantage actor-critic (A2C) with a softmax over items.
 *
 * Item logits are `u(s) . e_i + c_i` (a state vector against the item table, plus a per-item bias),
 * masked items get minus infinity, and a slate of K is drawn without replacement (Plackett-Luce; K = 1 is
 * the plain softmax policy). One gradient step per rollout on
 * `-E[log pi(slate|s) A] + c_v E[(V - R)^2] - c_e H(pi)` plus any auxiliary losses.
 *
 * The auxiliary-loss hook is where IL-Rec's imitation term goes without touching this file:
 * `auxiliaryLosses: [imitationLoss(() => demoBatch, 0.5)]` adds `-lambda E_demo[w log pi(a|s)]`.
 */
import { tf } from "./backend.js";
import { historyRows, stackMasks, type RolloutBuffer } from "./buffers.js";
import { applyMask, plackettLuceLogProb, sampleSlates, topKSlates } from "./distributions.js";
import type { HistoryBatch } from "./encoders.js";
import type { OnPolicyAlgorithm, UpdateStats } from "./algorithm.js";
import { mlp } from "./params.js";
import { gradientStep, maskTensor, NeuralPolicy, type ActRequest, type ActResult, type PolicyContext, type PolicyOptionsInit } from "./policy.js";
import { normalised } from "./ppo.js";

/** An extra differentiable loss term, evaluated inside the A2C gradient tape. Return null to skip. */
export type AuxiliaryLoss = (policy: A2CPolicy, update: number) => tf.Scalar | null;

/** A2C hyper-parameters. */
export interface A2COptions {
  gamma: number;
  /** GAE lambda; 1 gives the classic n-step A2C advantage. */
  gaeLambda: number;
  /** Steps per slot between updates (n in n-step A2C). */
  rolloutSteps: number;
  learningRate: number;
  valueCoef: number;
  /** Entropy bonus on the first slate position's distribution. */
  entropyCoef: number;
  maxGradNorm: number;
  normalizeAdvantages: boolean;
  /** Extra loss terms (IL-Rec's imitation term). Not saved with checkpoints: they hold data and code. */
  auxiliaryLosses: AuxiliaryLoss[];
}

export const DEFAULT_A2C_OPTIONS: A2COptions = {
  gamma: 0.9,
  gaeLambda: 0.95,
  rolloutSteps: 10,
  learningRate: 1e-3,
  valueCoef: 0.5,
  entropyCoef: 0.01,
  maxGradNorm: 1,
  normalizeAdvantages: true,
  auxiliaryLosses: [],
};

/** The acting half: softmax over items, sampled or greedy slates. */
export class A2CPolicy extends NeuralPolicy {
  readonly kind = "a2c" as const;

  constructor(context: PolicyContext, options: PolicyOptionsInit = {}) {
    super(context, options);
    this.build();
  }

  protected forwardForBuild(state: tf.Tensor2D, table: tf.Tensor2D): void {
    this.logits(state, table);
    this.value(state);
  }

  /** Unmasked item logits [B, N]. */
  logits(state: tf.Tensor2D, table: tf.Tensor2D): tf.Tensor2D {
    const u = mlp(this.params, "actor", state, this.options.hidden, this.options.encoder.itemDim);
    const bias = this.params.get("actor/itemBias", [this.context.numItems], "zeros");
    return tf.add(tf.matMul(u, this.itemRows(table), false, true), bias) as tf.Tensor2D;
  }

  value(state: tf.Tensor2D): tf.Tensor1D {
    return tf.reshape(mlp(this.params, "critic", state, this.options.hidden, 1), [-1]) as tf.Tensor1D;
  }

  /**
   * Differentiable log pi(slate | s) [B] and first-position entropy [B] for given histories, slates
   * (B*K) and masks: what the A2C loss and imitation terms need. Call inside a gradient tape.
   */
  logProbOf(history: HistoryBatch, slates: Int32Array, mask: Uint8Array | null): { logProb: tf.Tensor1D; entropy: tf.Tensor1D; state: tf.Tensor2D } {
    const b = history.batchSize;
    const table = this.table(true);
    const state = this.encode(history, table);
    const masked = applyMask(this.logits(state, table), maskTensor(mask, b, this.context.numItems));
    const r = plackettLuceLogProb(masked, tf.tensor2d(slates, [b, this.context.slateSize], "int32"));
    return { ...r, state };
  }

  act(request: ActRequest): ActResult {
    const b = request.history.batchSize;
    const { numItems: n, slateSize: k } = this.context;
    const mask = this.maskOf(request);
    const [logits, value] = tf.tidy(() => {
      const table = this.table();
      const state = this.encode(request.history, table);
      return [this.logits(state, table).dataSync() as Float32Array, request.withValue ? (this.value(state).dataSync() as Float32Array) : new Float32Array(b)];
    });
    const slates = new Int32Array(b * k);
    if (request.deterministic) topKSlates(logits, n, k, mask, slates);
    else sampleSlates(logits, n, k, mask, this.rng, slates);
    return { slates, logProb: plackettLuceLogProbJs(logits, n, k, mask, slates), value, action: new Float32Array(0), mask };
  }
}

/** Plackett-Luce log-probability of each row's slate, in JS (for the act result; the loss uses tf). */
function plackettLuceLogProbJs(logits: Float32Array, n: number, k: number, mask: Uint8Array | null, slates: Int32Array): Float32Array {
  const b = logits.length / n;
  const out = new Float32Array(b);
  const taken = new Uint8Array(n);
  for (let row = 0; row < b; row++) {
    taken.fill(0);
    let lp = 0;
    for (let pos = 0; pos < k; pos++) {
      let max = -Infinity;
      for (let i = 0; i < n; i++) if (!taken[i] && (!mask || mask[row * n + i])) max = Math.max(max, logits[row * n + i]!);
      let z = 0;
      for (let i = 0; i < n; i++) if (!taken[i] && (!mask || mask[row * n + i])) z += Math.exp(logits[row * n + i]! - max);
      const item = slates[row * k + pos]!;
      lp += logits[row * n + item]! - max - Math.log(z);
      taken[item] = 1;
    }
    out[row] = lp;
  }
  return out;
}

/** The learning half: one advantage actor-critic step per rollout. */
export class A2CAlgorithm implements OnPolicyAlgorithm {
  readonly kind = "a2c" as const;
  readonly onPolicy = true as const;
  readonly options: A2COptions;
  readonly optimizer: tf.Optimizer;
  updates = 0;

  constructor(
    readonly policy: A2CPolicy,
    options: Partial<A2COptions> = {},
  ) {
    this.options = { ...DEFAULT_A2C_OPTIONS, ...options };
    this.optimizer = tf.train.adam(this.options.learningRate);
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
    const n = buf.length;
    const rows = Int32Array.from({ length: n }, (_v, i) => i);
    const history = historyRows(buf, p.options.historyLength, rows);
    const slates = buf.slates.slice(0, n * p.context.slateSize);
    const mask = stackMasks(buf.masks, rows, p.context.numItems);
    const adv = normalised(buf.advantages.subarray(0, n), o.normalizeAdvantages);
    const ret = buf.returns.slice(0, n);
    let entropyValue = 0;
    const stats = gradientStep(this.optimizer, p.params.list(), () => {
      const { logProb, entropy, state } = p.logProbOf(history, slates, mask);
      const policyLoss = tf.neg(tf.mean(tf.mul(logProb, tf.tensor1d(adv))));
      const valueLoss = tf.mean(tf.square(tf.sub(p.value(state), tf.tensor1d(ret))));
      const meanEntropy = tf.mean(entropy);
      entropyValue = meanEntropy.dataSync()[0]!;
      let loss = tf.add(tf.sub(policyLoss, tf.mul(meanEntropy, o.entropyCoef)), tf.mul(valueLoss, o.valueCoef));
      for (const aux of o.auxiliaryLosses) {
        const term = aux(p, this.updates);
        if (term) loss = tf.add(loss, term);
      }
      return loss as tf.Scalar;
    }, o.maxGradNorm);
    this.updates++;
    p.invalidate();
    return { loss: stats.loss, gradNorm: stats.gradNorm, entropy: entropyValue, skipped: stats.skipped ? 1 : 0 };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** A batch of demonstrations for {@link imitationLoss}: states, the demonstrated slates, weights, masks. */
export interface DemoBatch {
  readonly history: HistoryBatch;
  /** B*K demonstrated item ids. */
  readonly slates: Int32Array;
  /** Per-demonstration weight (IL-Rec: advantage-gated weights in [0, 1]); omitted = 1. */
  readonly weights?: Float32Array;
  /**
   * B*N allowed items, the mask the policy would act under in that state (no-repeat AND plan, as the rollout
   * collector builds it); null or omitted = every item. Without it the imitated log-prob is over a different
   * distribution than the one that acts and serves.
   */
  readonly mask?: Uint8Array | null;
}

/**
 * IL-Rec-style imitation term `-coef * E[w * log pi(a_demo | s_demo)]`, as an {@link AuxiliaryLoss}.
 * `next` is called once per update and may return null (no demonstrations this time).
 */
export function imitationLoss(next: () => DemoBatch | null, coef: number): AuxiliaryLoss {
  return (policy) => {
    const demo = next();
    if (!demo || demo.history.batchSize === 0) return null;
    const { logProb } = policy.logProbOf(demo.history, demo.slates, demo.mask ?? null);
    const w = demo.weights ? tf.tensor1d(demo.weights) : tf.onesLike(logProb);
    return tf.mul(tf.neg(tf.mean(tf.mul(logProb, w))), coef) as tf.Scalar;
  };
}
