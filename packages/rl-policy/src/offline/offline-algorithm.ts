/**
 * What the offline learners share (the plumbing once): the {@link OfflineAlgorithm} interface (one gradient step on a
 * batch of logged transitions), {@link trainOffline} (epochs of shuffled minibatches over a {@link LogDataset}, with
 * progress and a stop hook, no environment), the target network, and the small tensor helpers the losses use.
 */
import { mean, Rng } from "@farsight/core";
import type { AlgorithmBase, UpdateStats } from "../algorithm.js";
import { tf } from "../backend.js";
import { permutation } from "../buffers.js";
import { MASKED_LOGIT } from "../distributions.js";
import type { LogDataset, OfflineBatch } from "./log-dataset.js";
import { OfflinePolicy, type OfflineKind } from "./offline-policy.js";

/** An algorithm that learns from logged transitions alone. */
export interface OfflineAlgorithm extends AlgorithmBase {
  readonly kind: OfflineKind;
  readonly offline: true;
  readonly policy: OfflinePolicy;
  /** One gradient step on a batch; returns its diagnostics, `loss` always among them. */
  update(batch: OfflineBatch): UpdateStats;
}

/** Options of {@link trainOffline}. */
export interface OfflineTrainOptions {
  /** Passes over the dataset. Default 10. */
  epochs: number;
  /** Transitions per gradient step. Default 64. */
  batchSize: number;
  /** Seeds the minibatch order. Default the policy's seed. */
  seed?: number;
  /** After every epoch. */
  onEpoch?: (progress: OfflineEpoch) => void;
  /** Checked between epochs; true stops early. */
  shouldStop?: () => boolean;
}

/** One epoch's report: the mean of every diagnostic over its gradient steps. */
export interface OfflineEpoch {
  readonly epoch: number;
  readonly updates: number;
  readonly stats: UpdateStats;
  readonly elapsedMs: number;
}

export const DEFAULT_OFFLINE_TRAIN_OPTIONS: OfflineTrainOptions = { epochs: 10, batchSize: 64 };

/** Trains `algorithm` on the dataset for `epochs` passes; yields to the event loop between epochs. Returns every epoch's report. */
export async function trainOffline(algorithm: OfflineAlgorithm, data: LogDataset, options: Partial<OfflineTrainOptions> = {}): Promise<OfflineEpoch[]> {
  const o = { ...DEFAULT_OFFLINE_TRAIN_OPTIONS, ...options };
  const rng = new Rng(o.seed ?? algorithm.policy.options.seed, `offline/${algorithm.kind}/minibatches`);
  const start = performance.now();
  const epochs: OfflineEpoch[] = [];
  for (let epoch = 0; epoch < o.epochs && !o.shouldStop?.(); epoch++) {
    const order = permutation(data.size, rng);
    const sums = new Map<string, number[]>();
    for (let at = 0; at < data.size; at += o.batchSize) {
      const stats = algorithm.update(data.batch(order.subarray(at, Math.min(data.size, at + o.batchSize))));
      for (const [k, v] of Object.entries(stats)) (sums.get(k) ?? sums.set(k, []).get(k)!).push(v);
    }
    const stats: UpdateStats = {};
    for (const [k, v] of sums) stats[k] = mean(v);
    const report = { epoch: epoch + 1, updates: algorithm.updates, stats, elapsedMs: performance.now() - start };
    epochs.push(report);
    o.onEpoch?.(report);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return epochs;
}

/** A frozen copy of a policy for bootstrap targets, refreshed every `every` gradient steps (`tau` 1: hard copy). */
export class TargetNetwork {
  readonly policy: OfflinePolicy;

  constructor(
    private readonly online: OfflinePolicy,
    private readonly every: number,
    private readonly tau: number,
  ) {
    if (!(tau > 0 && tau <= 1)) throw new RangeError(`target network tau must be in (0, 1] (1 = hard copy), got ${tau}`);
    if (!(Number.isInteger(every) && every >= 1)) throw new RangeError(`target network update interval must be an integer >= 1, got ${every}`);
    this.policy = new OfflinePolicy(online.context, online.options, online.kind, online.heads);
    this.policy.params.copyFrom(online.params);
  }

  /** Called after each gradient step with the count so far. */
  afterUpdate(updates: number): void {
    if (updates % this.every !== 0) return;
    this.policy.params.copyFrom(this.online.params, this.tau);
    this.policy.invalidate();
  }

  /** Copies the online weights now (after a checkpoint load). */
  sync(): void {
    this.policy.params.copyFrom(this.online.params);
    this.policy.invalidate();
  }

  dispose(): void {
    this.policy.dispose();
  }
}

/** Float [B, N] one-hot of the logged actions. */
export function actionOneHot(actions: Int32Array, n: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(tf.tensor1d(actions, "int32"), n), "float32") as tf.Tensor2D;
}

/** Row-wise x[b, a_b] as [B], with `oneHot` from {@link actionOneHot}. */
export function pick(x: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.mul(x, oneHot), 1) as tf.Tensor1D;
}

/** Logits with disallowed items at {@link MASKED_LOGIT}; `mask` a B*N byte mask. */
export function maskLogits(logits: tf.Tensor2D, mask: Uint8Array): tf.Tensor2D {
  const m = tf.tensor2d(Float32Array.from(mask), logits.shape);
  return tf.add(tf.mul(logits, m), tf.mul(tf.sub(1, m), MASKED_LOGIT)) as tf.Tensor2D;
}

/** Mean of `x` over the allowed cells of a B*N byte mask (the mean Q over the items a state could take). */
export function maskedMean(x: tf.Tensor2D, mask: Uint8Array): tf.Scalar {
  const m = tf.tensor2d(Float32Array.from(mask), x.shape);
  return tf.div(tf.sum(tf.mul(x, m)), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
}

/** The Huber loss of `err`, mean over the batch (DQN's). */
export function huber(err: tf.Tensor1D): tf.Scalar {
  const a = tf.abs(err);
  return tf.mean(tf.where(tf.less(a, 1), tf.mul(tf.square(err), 0.5), tf.sub(a, 0.5))) as tf.Scalar;
}

/** Index of the best allowed item of row `r` of `scores` (B*N), or -1 when none is allowed. */
export function argmaxAllowed(scores: Float32Array, n: number, r: number, mask: Uint8Array | null): number {
  let best = -1, bestValue = -Infinity;
  for (let i = 0; i < n; i++) {
    if (mask && !mask[r * n + i]) continue;
    const v = scores[r * n + i]!;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/** Diagnostics as plain numbers, read from tensors in one transfer. */
export function readStats(named: Record<string, tf.Scalar>): Record<string, number> {
  const keys = Object.keys(named);
  const values = tf.stack(keys.map((k) => named[k]!)).dataSync();
  return Object.fromEntries(keys.map((k, i) => [k, values[i]!]));
}
