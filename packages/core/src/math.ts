/** Small numeric helpers shared by components. Plain loops over array-likes; no allocation beyond results. */

export function sum(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}

export function mean(xs: ArrayLike<number>): number {
  return xs.length === 0 ? NaN : sum(xs) / xs.length;
}

/** Population standard deviation (ddof = 0), as numpy's default. */
export function std(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return Math.sqrt(s / xs.length);
}

/** Linear-interpolated quantile (numpy's default method), q in [0, 1]. */
export function quantile(xs: ArrayLike<number>, q: number): number {
  if (xs.length === 0) return NaN;
  const sorted = Array.from(xs).sort((a, b) => a - b);
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function logSumExp(xs: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i]! > m) m = xs[i]!;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += Math.exp(xs[i]! - m);
  return m + Math.log(s);
}

/** Softmax of xs / temperature, numerically stable. */
export function softmax(xs: ArrayLike<number>, temperature = 1): Float64Array {
  if (!(temperature > 0)) throw new RangeError(`softmax: temperature must be > 0, got ${temperature}`);
  const out = new Float64Array(xs.length);
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, xs[i]! / temperature);
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    out[i] = Math.exp(xs[i]! / temperature - m);
    s += out[i]!;
  }
  for (let i = 0; i < xs.length; i++) out[i]! /= s;
  return out;
}

/** Index of the largest value (first on ties); -1 for an empty input. */
export function argmax(xs: ArrayLike<number>): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    if (best === -1 || xs[i]! > bestValue) {
      best = i;
      bestValue = xs[i]!;
    }
  }
  return best;
}

/**
 * Indices of the k largest scores, best first, skipping indices where `allowed` is 0.
 * Ties break towards the smaller index, so results are deterministic. O(n k) for small k, which beats a
 * sort for slate sizes; returns fewer than k indices when fewer are allowed.
 */
export function topK(scores: ArrayLike<number>, k: number, allowed?: ArrayLike<number>): number[] {
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (allowed && !allowed[i]) continue;
    const v = scores[i]!;
    if (Number.isNaN(v)) continue;
    if (idx.length === k && v <= val[k - 1]!) continue;
    let p = idx.length < k ? idx.length : k - 1;
    while (p > 0 && val[p - 1]! < v) {
      if (p < k) {
        idx[p] = idx[p - 1]!;
        val[p] = val[p - 1]!;
      }
      p--;
    }
    idx[p] = i;
    val[p] = v;
    if (idx.length > k) {
      idx.length = k;
      val.length = k;
    }
  }
  return idx;
}

/** Shannon entropy (natural log) of a count or probability vector. */
export function entropy(counts: ArrayLike<number>): number {
  const total = sum(counts);
  if (total <= 0) return 0;
  let h = 0;
  for (let i = 0; i < counts.length; i++) {
    const p = counts[i]! / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
