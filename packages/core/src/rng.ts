/**
 * Seeded random numbers: xoshiro128** (Blackman & Vigna, 2018), a small, fast 32-bit generator with a
 * period of 2^128 - 1, seeded through SplitMix32 so that nearby seeds give unrelated states.
 *
 * Streams are keyed: `new Rng(seed, "env/users")` and `new Rng(seed, "policy")` are independent, and a
 * stream does not depend on how many numbers another stream has drawn. That is what keeps a run
 * reproducible when a component is added or removed. `derive(key)` makes a child stream.
 */

/** Serialisable generator state (for checkpoints). */
export interface RngState {
  readonly s: readonly [number, number, number, number];
  /** The spare normal deviate of the polar method, if one is pending. */
  readonly spare: number | null;
}

const TWO_POW_32 = 4294967296;

/** FNV-1a over the UTF-16 code units of a string, 32 bits. */
export function hashString(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function splitmix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) | 0;
  let z = state.x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  readonly seed: number;
  readonly key: string;
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /**
   * @param seed any integer (non-integers are rejected: a float seed is usually a bug).
   * @param key stream name; different keys give independent streams for the same seed.
   */
  constructor(seed: number, key = "") {
    if (!Number.isSafeInteger(seed)) throw new TypeError(`Rng: seed must be a safe integer, got ${seed}`);
    this.seed = seed;
    this.key = key;
    // Fold the full 53-bit seed and the key into the SplitMix32 start.
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    const st = { x: (lo ^ Math.imul(hi, 0x9e3779b1) ^ hashString(key)) | 0 };
    splitmix32(st);
    st.x = (st.x ^ Math.imul(hashString(key) ^ 0x5bd1e995, 0x27d4eb2f)) | 0;
    this.s0 = splitmix32(st);
    this.s1 = splitmix32(st);
    this.s2 = splitmix32(st);
    this.s3 = splitmix32(st);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** A child stream, independent of this one and of the draws made on it. */
  derive(key: string | number): Rng {
    return new Rng(this.seed, this.key === "" ? String(key) : `${this.key}/${key}`);
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 = s2 ^ s0;
    this.s3 = s3 ^ s1;
    this.s1 = s1 ^ this.s2;
    this.s0 = s0 ^ this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  float(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling). n must be in 1..2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new RangeError(`Rng.int: n must be an integer in 1..2^32, got ${n}`);
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  intBetween(lo: number, hi: number): number {
    if (hi < lo) throw new RangeError(`Rng.intBetween: empty range [${lo}, ${hi}]`);
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.float() < p;
  }

  /** Normal deviate (Marsaglia's polar method). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.float() - 1;
      v = 2 * this.float() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return mean + std * u * f;
  }

  /** Index drawn with probability proportional to `weights` (non-negative, finite, not all zero). */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`Rng.categorical: weight ${i} is ${w}; weights must be finite and >= 0`);
      total += w;
    }
    if (total <= 0) throw new RangeError("Rng.categorical: all weights are zero");
    let r = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    // Rounding can leave r at ~0 after the loop: return the last index with positive weight.
    for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i;
    return weights.length - 1;
  }

  /** A uniformly chosen element. */
  choice<T>(items: ArrayLike<T>): T {
    if (items.length === 0) throw new RangeError("Rng.choice: empty array");
    return items[this.int(items.length)]!;
  }

  /** Shuffles in place (Fisher-Yates) and returns the same array. */
  shuffle<T, A extends { length: number; [i: number]: T }>(array: A): A {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i]!;
      array[i] = array[j]!;
      array[j] = tmp;
    }
    return array;
  }

  /** k distinct integers from [0, n), in random order. */
  sample(n: number, k: number): number[] {
    if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`Rng.sample: cannot draw ${k} distinct values from ${n}`);
    if (k * 4 > n) {
      // Dense case: partial Fisher-Yates over all indices.
      const pool = Array.from({ length: n }, (_, i) => i);
      for (let i = 0; i < k; i++) {
        const j = i + this.int(n - i);
        const tmp = pool[i]!;
        pool[i] = pool[j]!;
        pool[j] = tmp;
      }
      return pool.slice(0, k);
    }
    // Sparse case: Floyd's algorithm, then shuffle so the order is uniform too.
    const chosen = new Set<number>();
    for (let j = n - k; j < n; j++) {
      const t = this.int(j + 1);
      chosen.add(chosen.has(t) ? j : t);
    }
    return this.shuffle([...chosen]);
  }

  /**
   * k distinct indices drawn without replacement with probability proportional to `weights`
   * (successive draws, as `numpy.random.choice(replace=False, p=...)`), via Efraimidis-Spirakis keys.
   * Zero-weight indices are drawn only after every positive-weight index.
   */
  sampleWeighted(weights: ArrayLike<number>, k: number): number[] {
    const n = weights.length;
    if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`Rng.sampleWeighted: cannot draw ${k} of ${n}`);
    const keys: { i: number; key: number }[] = [];
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`Rng.sampleWeighted: weight ${i} is ${w}`);
      const u = this.float();
      // log(u)/w is the log of u^(1/w); larger keys win. Zero weight -> -Infinity shifted by u for a random tail order.
      keys.push({ i, key: w > 0 ? Math.log(u === 0 ? Number.MIN_VALUE : u) / w : -1e308 * (1 + u) });
    }
    keys.sort((a, b) => b.key - a.key);
    return keys.slice(0, k).map((x) => x.i);
  }

  getState(): RngState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spare: this.spare };
  }

  setState(state: RngState): void {
    const [a, b, c, d] = state.s;
    if ([a, b, c, d].some((x) => !Number.isInteger(x))) throw new TypeError("Rng.setState: state words must be integers");
    this.s0 = a | 0;
    this.s1 = b | 0;
    this.s2 = c | 0;
    this.s3 = d | 0;
    this.spare = state.spare;
  }
}
