/**
 * A learned world model: matrix factorisation with biases, r(u, i) = mu + b_u + b_i + p_u . q_i, trained
 * with TF.js (tfjs-core ops and variables, Adam, full-batch MSE + L2) on a training log. An ensemble of
 * independently seeded models (EasyRL4Rec uses 5) is averaged into one predicted users x items matrix.
 *
 * Deviation: EasyRL4Rec trains DeepFM with a point-wise loss and negative sampling; we fit explicit
 * ratings with MF (DeepFM is optional in the issue and not built here).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { FarsightError, Rng } from "@farsight/core";
import type { RatingLog } from "./data/dataset.js";

export interface MFOptions {
  /** Latent size (default 16). */
  readonly dim: number;
  /** Full-batch Adam steps (default 300). */
  readonly epochs: number;
  /** Adam learning rate (default 0.05). */
  readonly learningRate: number;
  /** L2 weight on factors and biases, per rating (default 0.05). */
  readonly l2: number;
  /** Std of the initial factors (default 0.1). */
  readonly initStd: number;
  /** Number of models averaged (default 1; EasyRL4Rec uses 5). */
  readonly ensemble: number;
  /** Clip predictions into [min, max] of the training ratings (default true). */
  readonly clip: boolean;
  readonly seed: number;
}

export const DEFAULT_MF: MFOptions = { dim: 16, epochs: 300, learningRate: 0.05, l2: 0.05, initStd: 0.1, ensemble: 1, clip: true, seed: 0 };

export interface TrainedMF {
  /** Averaged predicted matrix, users x items. */
  readonly predicted: Float32Array;
  readonly numUsers: number;
  readonly numItems: number;
  /** Global mean of the training ratings (the baseline predictor). */
  readonly globalMean: number;
  /** Training RMSE of the averaged model. */
  readonly trainRmse: number;
  readonly options: MFOptions;
}

let backendReady: Promise<void> | undefined;
/** Selects the TF.js backend once: the cpu backend (always present); small models train fast on it. */
export function ensureBackend(): Promise<void> {
  backendReady ??= (async () => {
    await tf.setBackend("cpu");
    await tf.ready();
  })();
  return backendReady;
}

function fitOne(log: RatingLog, numUsers: number, numItems: number, mu: number, o: MFOptions, seed: number): Float32Array {
  const rng = new Rng(seed, "mf-init");
  const init = (rows: number) => tf.tensor2d(Float32Array.from({ length: rows * o.dim }, () => rng.normal(0, o.initStd)), [rows, o.dim]);
  const P = tf.variable(init(numUsers));
  const Q = tf.variable(init(numItems));
  const bu = tf.variable(tf.zeros([numUsers]));
  const bi = tf.variable(tf.zeros([numItems]));
  const users = tf.tensor1d(log.user, "int32");
  const items = tf.tensor1d(log.item, "int32");
  const target = tf.tensor1d(log.rating);
  const optimizer = tf.train.adam(o.learningRate);
  const n = log.user.length;
  for (let e = 0; e < o.epochs; e++) {
    optimizer.minimize(() => {
      const pu = tf.gather(P, users), qi = tf.gather(Q, items);
      const pred = tf.addN([tf.sum(tf.mul(pu, qi), 1), tf.gather(bu, users), tf.gather(bi, items)]);
      const mse = tf.mean(tf.square(tf.sub(tf.add(pred, mu), target)));
      const reg = tf.addN([tf.sum(tf.square(P)), tf.sum(tf.square(Q)), tf.sum(tf.square(bu)), tf.sum(tf.square(bi))]);
      return tf.add(mse, tf.mul(reg, o.l2 / n)) as tf.Scalar;
    });
  }
  const full = tf.tidy(() => tf.add(tf.add(tf.add(tf.matMul(P, Q, false, true), tf.expandDims(bu, 1)), tf.expandDims(bi, 0)), mu));
  const out = full.dataSync() as Float32Array;
  const result = Float32Array.from(out);
  tf.dispose([P, Q, bu, bi, users, items, target, full]);
  optimizer.dispose();
  return result;
}

/** Trains MF (or an ensemble) on `log` and returns the predicted matrix. */
export async function trainMF(log: RatingLog, numUsers: number, numItems: number, partial: Partial<MFOptions> = {}): Promise<TrainedMF> {
  const o: MFOptions = { ...DEFAULT_MF, ...partial };
  if (log.user.length === 0) throw new FarsightError("env/empty-log", "cannot train a world model on an empty log", {});
  await ensureBackend();
  let mu = 0, lo = Infinity, hi = -Infinity;
  for (const r of log.rating) {
    mu += r;
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  mu /= log.rating.length;
  const predicted = new Float32Array(numUsers * numItems);
  for (let m = 0; m < o.ensemble; m++) {
    const one = fitOne(log, numUsers, numItems, mu, o, o.seed * 1000 + m);
    for (let j = 0; j < predicted.length; j++) predicted[j]! += one[j]! / o.ensemble;
  }
  if (o.clip) for (let j = 0; j < predicted.length; j++) predicted[j] = Math.min(hi, Math.max(lo, predicted[j]!));
  return { predicted, numUsers, numItems, globalMean: mu, trainRmse: rmse(predicted, numItems, log), options: o };
}

/** Root mean squared error of a users x items matrix on a log. */
export function rmse(matrix: Float32Array, numItems: number, log: RatingLog): number {
  let s = 0;
  for (let j = 0; j < log.user.length; j++) {
    const d = matrix[log.user[j]! * numItems + log.item[j]!]! - log.rating[j]!;
    s += d * d;
  }
  return Math.sqrt(s / log.user.length);
}

/** RMSE of predicting the constant `value` on a log (the global-mean baseline). */
export function constantRmse(value: number, log: RatingLog): number {
  let s = 0;
  for (const r of log.rating) s += (r - value) * (r - value);
  return Math.sqrt(s / log.rating.length);
}
