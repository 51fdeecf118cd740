/**
 * The same MF model and loss as `learned.ts`, trained on the ratings themselves (sparse gradients, Adam on
 * typed arrays) instead of a dense users x items matrix: for catalogues where the dense TF.js path is too
 * slow or too large (ML-1M: 22M cells, KuaiRand: 207M). tfjs-core has no sparse kernel that helps here
 * (its cpu unsortedSegmentSum is O(ratings x segments)), so this path is plain TypeScript.
 */
import { Rng } from "@farsight/core";
import type { RatingLog } from "./data/dataset.js";

/** Factors of one trained model: r(u, i) = mu + bu[u] + bi[i] + P[u] . Q[i]. */
export interface MFFactors {
  readonly dim: number;
  readonly mu: number;
  readonly P: Float32Array;
  readonly Q: Float32Array;
  readonly bu: Float32Array;
  readonly bi: Float32Array;
}

export interface SparseFitOptions {
  readonly dim: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly l2: number;
  readonly initStd: number;
}

/** Full-batch Adam (TF.js defaults: beta1 0.9, beta2 0.999, epsilon 1e-7) on MSE + per-rating L2. */
export function fitSparse(log: RatingLog, numUsers: number, numItems: number, mu: number, o: SparseFitOptions, seed: number): MFFactors {
  const d = o.dim, n = log.user.length;
  const rng = new Rng(seed, "mf-init");
  const P = Float32Array.from({ length: numUsers * d }, () => rng.normal(0, o.initStd));
  const Q = Float32Array.from({ length: numItems * d }, () => rng.normal(0, o.initStd));
  const bu = new Float32Array(numUsers), bi = new Float32Array(numItems);
  const params = [P, Q, bu, bi];
  const grads = params.map((p) => new Float32Array(p.length));
  const m1 = params.map((p) => new Float32Array(p.length));
  const m2 = params.map((p) => new Float32Array(p.length));
  const [gP, gQ, gbu, gbi] = grads as [Float32Array, Float32Array, Float32Array, Float32Array];
  const userCount = new Float32Array(numUsers), itemCount = new Float32Array(numItems);
  for (let j = 0; j < n; j++) {
    userCount[log.user[j]!]!++;
    itemCount[log.item[j]!]!++;
  }
  const g = 2 / n, reg = (2 * o.l2) / n;
  const b1 = 0.9, b2 = 0.999, eps = 1e-7;
  for (let e = 1; e <= o.epochs; e++) {
    for (const gr of grads) gr.fill(0);
    for (let j = 0; j < n; j++) {
      const u = log.user[j]!, i = log.item[j]!, pu = u * d, qi = i * d;
      let pred = mu + bu[u]! + bi[i]!;
      for (let k = 0; k < d; k++) pred += P[pu + k]! * Q[qi + k]!;
      const err = g * (pred - log.rating[j]!);
      for (let k = 0; k < d; k++) {
        gP[pu + k]! += err * Q[qi + k]!;
        gQ[qi + k]! += err * P[pu + k]!;
      }
      gbu[u]! += err;
      gbi[i]! += err;
    }
    // Per-rating L2: a user's / item's penalty grows with its number of ratings.
    for (let u = 0; u < numUsers; u++) {
      const r = reg * userCount[u]!;
      for (let k = 0; k < d; k++) gP[u * d + k]! += r * P[u * d + k]!;
      gbu[u]! += r * bu[u]!;
    }
    for (let i = 0; i < numItems; i++) {
      const r = reg * itemCount[i]!;
      for (let k = 0; k < d; k++) gQ[i * d + k]! += r * Q[i * d + k]!;
      gbi[i]! += r * bi[i]!;
    }
    const lr = (o.learningRate * Math.sqrt(1 - b2 ** e)) / (1 - b1 ** e);
    for (let p = 0; p < params.length; p++) {
      const x = params[p]!, gr = grads[p]!, a = m1[p]!, v = m2[p]!;
      for (let j = 0; j < x.length; j++) {
        a[j] = b1 * a[j]! + (1 - b1) * gr[j]!;
        v[j] = b2 * v[j]! + (1 - b2) * gr[j]! * gr[j]!;
        x[j]! -= (lr * a[j]!) / (Math.sqrt(v[j]!) + eps);
      }
    }
  }
  return { dim: d, mu, P, Q, bu, bi };
}

/** The dense users x items prediction of a model. */
export function predictAll(f: MFFactors, numUsers: number, numItems: number): Float32Array {
  const out = new Float32Array(numUsers * numItems), d = f.dim;
  for (let u = 0; u < numUsers; u++) {
    for (let i = 0; i < numItems; i++) {
      let s = f.mu + f.bu[u]! + f.bi[i]!;
      for (let k = 0; k < d; k++) s += f.P[u * d + k]! * f.Q[i * d + k]!;
      out[u * numItems + i] = s;
    }
  }
  return out;
}

/**
 * Item vectors whose Euclidean distances equal the distances between the item columns of the model's
 * (unclipped) prediction matrix: column_a - column_b = [P, 1] (x_a - x_b) with x = [q; b_i], so with
 * G = [P, 1]^T [P, 1] = L L^T the vectors z = L^T x have |z_a - z_b| = |column_a - column_b|.
 * Costs O(users d^2 + items d^2) instead of O(users items^2).
 */
export function columnEmbeddings(f: MFFactors, numUsers: number, numItems: number): { dim: number; values: Float32Array } {
  const d = f.dim, D = d + 1;
  const G = new Float64Array(D * D);
  const row = new Float64Array(D);
  for (let u = 0; u < numUsers; u++) {
    for (let k = 0; k < d; k++) row[k] = f.P[u * d + k]!;
    row[d] = 1;
    for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) G[a * D + b] += row[a]! * row[b]!;
  }
  // Cholesky G = L L^T (tiny jitter: G is PSD and could be singular).
  const L = new Float64Array(D * D);
  for (let a = 0; a < D; a++) {
    for (let b = 0; b <= a; b++) {
      let s = G[a * D + b]! + (a === b ? 1e-9 * (1 + G[a * D + a]!) : 0);
      for (let k = 0; k < b; k++) s -= L[a * D + k]! * L[b * D + k]!;
      L[a * D + b] = a === b ? Math.sqrt(Math.max(s, 0)) : s / (L[b * D + b]! || 1);
    }
  }
  const values = new Float32Array(numItems * D);
  for (let i = 0; i < numItems; i++) {
    for (let k = 0; k < d; k++) row[k] = f.Q[i * d + k]!;
    row[d] = f.bi[i]!;
    // z = L^T x: z[b] = sum_{a >= b} L[a][b] x[a]
    for (let b = 0; b < D; b++) {
      let s = 0;
      for (let a = b; a < D; a++) s += L[a * D + b]! * row[a]!;
      values[i * D + b] = s;
    }
  }
  return { dim: D, values };
}
