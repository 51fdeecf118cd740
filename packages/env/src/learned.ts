/**
 * A learned world model: matrix factorisation with biases, r(u, i) = mu + b_u + b_i + p_u . q_i, trained
 * with TF.js (tfjs-core ops and variables, wasm backend, Adam, full-batch MSE + L2) on a training log. An ensemble of
 * independently seeded models (EasyRL4Rec uses 5) is averaged into one predicted users x items matrix.
 *
 * EasyRL4Rec trains DeepFM instead (`deepfm.ts`); `user-model.ts` chooses between them or ensembles both.
 *
 * The gradients are written out (segment sums of the residuals) instead of using TF.js autodiff: tfjs-core
 * alone registers no gradient kernels, and its ESM gradient registry cannot be loaded by Node. Adam then
 * applies them through `optimizer.applyGradients`.
 *
 * TF.js is an optional peer of this package, imported on first use: `import "@farsight/env"` never loads it, and
 * without it `engine: "auto"` trains on the sparse engine (same gradients, in TypeScript).
 */
import type * as TF from "@tensorflow/tfjs-core";
import { FarsightError, Rng } from "@farsight/core";
import type { RatingLog } from "./data/dataset.js";
import { fitSparse, predictAll, type MFFactors } from "./mf-sparse.js";

export interface MFOptions {
  /** Latent size (default 16). */
  readonly dim: number;
  /** Full-batch Adam steps (default 200). */
  readonly epochs: number;
  /** Adam learning rate (default 0.05). */
  readonly learningRate: number;
  /** L2 weight on factors and biases, per rating as in SGD MF (default 0.3). */
  readonly l2: number;
  /** Std of the initial factors (default 0.1). */
  readonly initStd: number;
  /**
   * `tfjs`: dense full-batch TF.js; `sparse`: the same gradients over the ratings in TypeScript; `auto`
   * (default): tfjs up to 2M users x items cells, sparse beyond or when TF.js is not installed.
   */
  readonly engine: "auto" | "tfjs" | "sparse";
  /** Number of models averaged (default 1; EasyRL4Rec uses 5). */
  readonly ensemble: number;
  /** Clip predictions into [min, max] of the training ratings (default true). */
  readonly clip: boolean;
  readonly seed: number;
}

/** Largest users x items matrix the full-batch trainer accepts (ML-1M is 22M cells). */
export const MAX_DENSE_CELLS = 60_000_000;

export const DEFAULT_MF: MFOptions = { engine: "auto", dim: 16, epochs: 200, learningRate: 0.05, l2: 0.3, initStd: 0.1, ensemble: 1, clip: true, seed: 0 };

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
  /** Factors of the first model (sparse engine only), e.g. for {@link columnEmbeddings}. */
  readonly factors?: MFFactors;
  /** The engine that trained it (`auto` resolved). */
  readonly engine: "tfjs" | "sparse";
}

/** Above this many users x items cells `engine: "auto"` trains on the sparse path. */
export const SPARSE_ENGINE_CELLS = 2_000_000;

/** TF.js, once {@link tfjsAvailable} has imported it. */
let tf: typeof TF;
let tfjsLoad: Promise<boolean> | undefined;
const TFJS_PACKAGES = "@tensorflow/tfjs-core@4.22.0 @tensorflow/tfjs-backend-cpu@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0";

/**
 * Whether TF.js can be imported here (it is an optional peer dependency); imports it once. The wasm backend is
 * optional in turn (cpu is the fallback).
 */
export function tfjsAvailable(): Promise<boolean> {
  tfjsLoad ??= (async () => {
    try {
      tf = await import("@tensorflow/tfjs-core");
      await import("@tensorflow/tfjs-backend-cpu");
    } catch (err) {
      if (isMissingModule(err)) return false;
      throw err;
    }
    await import("@tensorflow/tfjs-backend-wasm").catch((err: unknown) => {
      if (!isMissingModule(err)) throw err;
    });
    return true;
  })();
  return tfjsLoad;
}

function isMissingModule(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}

let backendReady: Promise<void> | undefined;
/**
 * Selects the TF.js backend once: wasm (about 4x faster than cpu here), else cpu. When the process has
 * already chosen a backend (e.g. rl-policy picked tfjs-node), that choice is kept.
 */
export function ensureBackend(): Promise<void> {
  backendReady ??= (async () => {
    if (!(await tfjsAvailable())) {
      backendReady = undefined; // installing TF.js later in the process should work
      throw new FarsightError("env/tfjs-missing", `This needs TF.js, an optional peer of @farsight/env: npm install ${TFJS_PACKAGES}`, {});
    }
    if ((tf.engine() as unknown as { backendInstance?: unknown }).backendInstance) return;
    let ok = false;
    try {
      ok = await tf.setBackend("wasm");
      if (ok) await tf.ready();
    } catch {
      ok = false;
    }
    if (!ok) {
      await tf.setBackend("cpu");
      await tf.ready();
    }
    // The cpu backend prints a "use tfjs-node" banner on first use; tfjs-node cannot install here.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  })();
  return backendReady;
}

function fitOne(log: RatingLog, numUsers: number, numItems: number, mu: number, o: MFOptions, seed: number): Float32Array {
  const rng = new Rng(seed, "mf-init");
  const init = (rows: number) => tf.tensor2d(Float32Array.from({ length: rows * o.dim }, () => rng.normal(0, o.initStd)), [rows, o.dim]);
  const tag = `mf${seed}_${Math.floor(Math.random() * 1e9)}`;
  const P = tf.variable(init(numUsers), true, `${tag}_P`);
  const Q = tf.variable(init(numItems), true, `${tag}_Q`);
  const bu = tf.variable(tf.zeros([numUsers]), true, `${tag}_bu`);
  const bi = tf.variable(tf.zeros([numItems]), true, `${tag}_bi`);
  // Dense observed-rating matrix and mask (duplicates averaged): full-batch gradients are then two matmuls.
  const cells = numUsers * numItems;
  const sum = new Float32Array(cells), count = new Float32Array(cells);
  for (let j = 0; j < log.user.length; j++) {
    const c = log.user[j]! * numItems + log.item[j]!;
    sum[c]! += log.rating[j]! - mu;
    count[c]!++;
  }
  let n = 0;
  for (let c = 0; c < cells; c++) if (count[c]! > 0) {
    sum[c]! /= count[c]!;
    count[c] = 1;
    n++;
  }
  // Per-rating L2 (as SGD MF): a user's / item's penalty grows with its number of ratings.
  const userCount = new Float32Array(numUsers), itemCount = new Float32Array(numItems);
  for (let j = 0; j < log.user.length; j++) {
    userCount[log.user[j]!]!++;
    itemCount[log.item[j]!]!++;
  }
  const target = tf.tensor2d(sum, [numUsers, numItems]);
  const mask = tf.tensor2d(count, [numUsers, numItems]);
  const optimizer = tf.train.adam(o.learningRate);
  const g = 2 / n;
  const rUser = tf.tensor1d(userCount.map((c) => (2 * o.l2 * c) / log.user.length));
  const rItem = tf.tensor1d(itemCount.map((c) => (2 * o.l2 * c) / log.user.length));
  for (let e = 0; e < o.epochs; e++) {
    const grads = tf.tidy(() => {
      const pred = tf.add(tf.add(tf.matMul(P, Q, false, true), tf.expandDims(bu, 1)), tf.expandDims(bi, 0));
      // d(mean squared error over observed cells)/d(pred) = 2 (pred - r) / n there, 0 elsewhere.
      const err = tf.mul(tf.mul(tf.sub(pred, target), mask), g);
      return [
        { name: P.name, tensor: tf.add(tf.matMul(err, Q), tf.mul(P, tf.expandDims(rUser, 1))) },
        { name: Q.name, tensor: tf.add(tf.matMul(err, P, true, false), tf.mul(Q, tf.expandDims(rItem, 1))) },
        { name: bu.name, tensor: tf.add(tf.sum(err, 1), tf.mul(bu, rUser)) },
        { name: bi.name, tensor: tf.add(tf.sum(err, 0), tf.mul(bi, rItem)) },
      ];
    });
    optimizer.applyGradients(grads);
    tf.dispose(grads.map((x) => x.tensor));
  }
  const full = tf.tidy(() => tf.add(tf.add(tf.add(tf.matMul(P, Q, false, true), tf.expandDims(bu, 1)), tf.expandDims(bi, 0)), mu));
  const out = full.dataSync() as Float32Array;
  const result = Float32Array.from(out);
  tf.dispose([P, Q, bu, bi, target, mask, rUser, rItem, full]);
  optimizer.dispose();
  return result;
}

/** Trains MF (or an ensemble) on `log` and returns the predicted matrix. */
export async function trainMF(log: RatingLog, numUsers: number, numItems: number, partial: Partial<MFOptions> = {}): Promise<TrainedMF> {
  const o: MFOptions = { ...DEFAULT_MF, ...partial };
  if (log.user.length === 0) throw new FarsightError("env/empty-log", "cannot train a world model on an empty log", {});
  const sparse = o.engine === "sparse" || (o.engine === "auto" && (numUsers * numItems > SPARSE_ENGINE_CELLS || !(await tfjsAvailable())));
  if (!sparse && numUsers * numItems > MAX_DENSE_CELLS) {
    throw new FarsightError("env/too-large", `MF trains full-batch on a dense ${numUsers} x ${numItems} matrix; more than ${MAX_DENSE_CELLS} cells is not supported`, { numUsers, numItems });
  }
  if (!sparse) await ensureBackend();
  let mu = 0, lo = Infinity, hi = -Infinity;
  for (const r of log.rating) {
    mu += r;
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  mu /= log.rating.length;
  const predicted = new Float32Array(numUsers * numItems);
  let factors: MFFactors | undefined;
  for (let m = 0; m < o.ensemble; m++) {
    let one: Float32Array;
    if (sparse) {
      const f = fitSparse(log, numUsers, numItems, mu, o, o.seed * 1000 + m);
      factors ??= f;
      one = predictAll(f, numUsers, numItems);
    } else one = fitOne(log, numUsers, numItems, mu, o, o.seed * 1000 + m);
    for (let j = 0; j < predicted.length; j++) predicted[j]! += one[j]! / o.ensemble;
  }
  if (o.clip) for (let j = 0; j < predicted.length; j++) predicted[j] = Math.min(hi, Math.max(lo, predicted[j]!));
  return { predicted, numUsers, numItems, globalMean: mu, trainRmse: rmse(predicted, numItems, log), options: o, engine: sparse ? "sparse" : "tfjs", ...(factors ? { factors } : {}) };
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

/**
 * Euclidean distances between the item columns of a users x items matrix, with TF.js matmuls (MᵀM):
 * for matrices too large for {@link columnDistances}' float64 loops (ML-1M: 3,706 items x 6,040 users).
 * Float32 accumulation: distances carry an absolute error around 1e-2 at ML-1M's scale (theta is 75).
 */
export async function columnDistancesTf(matrix: Float32Array, numUsers: number, numItems: number): Promise<Float32Array> {
  await ensureBackend();
  const out = tf.tidy(() => {
    const m = tf.tensor2d(matrix, [numUsers, numItems]);
    const gram = tf.matMul(m, m, true, false);
    const norms = tf.sum(tf.square(m), 0);
    const d2 = tf.sub(tf.add(tf.expandDims(norms, 1), tf.expandDims(norms, 0)), tf.mul(gram, 2));
    return tf.sqrt(tf.relu(d2));
  });
  const values = Float32Array.from(out.dataSync() as Float32Array);
  out.dispose();
  for (let i = 0; i < numItems; i++) values[i * numItems + i] = 0;
  return values;
}
