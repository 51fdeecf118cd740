/**
 * Gymnasium-shaped space descriptions for {@link GymEnv}: `Discrete`, a slate of distinct item ids
 * (`MultiDiscrete`-like), `Box` and `Dict`. Each says what a valid value is (`contains`), draws one (`sample`,
 * with an optional mask of allowed items as Gymnasium's `sample(mask)`), and serialises to plain JSON.
 */
import { FarsightError, Rng } from "@farsight/core";

/** `{0, ..., n-1}`: one item id when slates hold one item. */
export class DiscreteSpace {
  readonly type = "Discrete";
  private rng: Rng;
  constructor(readonly n: number, seed = 0) {
    if (!Number.isInteger(n) || n < 1) throw new FarsightError("env/bad-option", `a Discrete space needs n >= 1, got ${n}`, { n });
    this.rng = new Rng(seed, "space");
  }
  /** Restarts the sampling stream (Gymnasium's `space.seed(n)`). */
  seed(seed: number): void {
    this.rng = new Rng(seed, "space");
  }
  contains(x: unknown): x is number {
    return typeof x === "number" && Number.isInteger(x) && x >= 0 && x < this.n;
  }
  /** A uniform value; with `mask` (1 = allowed, length n) a uniform allowed one. */
  sample(mask?: ArrayLike<number>): number {
    return drawDistinct(this.rng, this.n, 1, mask)[0]!;
  }
  toJSON(): { type: "Discrete"; n: number } {
    return { type: "Discrete", n: this.n };
  }
}

/**
 * A slate: `size` distinct ids, each in `{0, ..., n-1}`, as Gymnasium's `MultiDiscrete([n] * size)` with one more
 * condition: no id twice in a slate (the simulator's NX modes end a session on a repeat, and no slate needs one).
 */
export class SlateSpace {
  readonly type = "MultiDiscrete";
  /** Gymnasium's `nvec`: `n` at every position. */
  readonly nvec: readonly number[];
  readonly unique = true;
  private rng: Rng;
  constructor(readonly n: number, readonly size: number, seed = 0) {
    if (!Number.isInteger(size) || size < 1 || size > n) throw new FarsightError("env/bad-option", `a slate space needs 1 <= size <= n, got size ${size} and n ${n}`, { n, size });
    this.nvec = Array.from({ length: size }, () => n);
    this.rng = new Rng(seed, "space");
  }
  seed(seed: number): void {
    this.rng = new Rng(seed, "space");
  }
  contains(x: unknown): x is ArrayLike<number> {
    if (!isArrayLike(x) || x.length !== this.size) return false;
    const seen = new Set<number>();
    for (let k = 0; k < x.length; k++) {
      const v = x[k];
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= this.n || seen.has(v)) return false;
      seen.add(v);
    }
    return true;
  }
  /** `size` distinct uniform ids; with `mask` (1 = allowed, length n) drawn from the allowed ones. */
  sample(mask?: ArrayLike<number>): Int32Array {
    return drawDistinct(this.rng, this.n, this.size, mask);
  }
  toJSON(): { type: "MultiDiscrete"; nvec: readonly number[]; unique: true } {
    return { type: "MultiDiscrete", nvec: this.nvec, unique: true };
  }
}

/** A fixed-shape array of numbers within `[low, high]` (row-major, as a typed array). */
export class BoxSpace {
  readonly type = "Box";
  private rng: Rng;
  constructor(readonly low: number, readonly high: number, readonly shape: readonly number[], readonly dtype: "int32" | "float32", seed = 0) {
    if (!(low <= high)) throw new FarsightError("env/bad-option", `a Box space needs low <= high, got ${low} and ${high}`, { low, high });
    this.rng = new Rng(seed, "space");
  }
  /** Values in the array: the product of the shape. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  seed(seed: number): void {
    this.rng = new Rng(seed, "space");
  }
  contains(x: unknown): x is ArrayLike<number> {
    if (!isArrayLike(x) || x.length !== this.size) return false;
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (typeof v !== "number" || Number.isNaN(v) || v < this.low || v > this.high) return false;
      if (this.dtype === "int32" && !Number.isInteger(v)) return false;
    }
    return true;
  }
  /** Uniform in `[low, high]` where both are finite; an unbounded side draws a standard normal (as Gymnasium). */
  sample(): Int32Array | Float32Array {
    const out = this.dtype === "int32" ? new Int32Array(this.size) : new Float32Array(this.size);
    const lowFinite = Number.isFinite(this.low), highFinite = Number.isFinite(this.high);
    for (let i = 0; i < out.length; i++) {
      let v: number;
      if (lowFinite && highFinite) v = this.dtype === "int32" ? this.low + this.rng.int(this.high - this.low + 1) : this.low + this.rng.float() * (this.high - this.low);
      else if (lowFinite) v = this.low + Math.abs(this.rng.normal());
      else if (highFinite) v = this.high - Math.abs(this.rng.normal());
      else v = this.rng.normal();
      out[i] = this.dtype === "int32" ? Math.round(v) : v;
    }
    return out;
  }
  toJSON(): { type: "Box"; low: number | null; high: number | null; shape: readonly number[]; dtype: string } {
    // JSON has no Infinity: an unbounded side is null.
    return { type: "Box", low: Number.isFinite(this.low) ? this.low : null, high: Number.isFinite(this.high) ? this.high : null, shape: this.shape, dtype: this.dtype };
  }
}

/** Named sub-spaces. */
export class DictSpace<S extends Record<string, Space>> {
  readonly type = "Dict";
  constructor(readonly spaces: S) {}
  seed(seed: number): void {
    for (const [i, space] of Object.values(this.spaces).entries()) space.seed(seed + i);
  }
  contains(x: unknown): boolean {
    if (typeof x !== "object" || x === null) return false;
    const record = x as Record<string, unknown>;
    return Object.entries(this.spaces).every(([key, space]) => space.contains(record[key]));
  }
  sample(): { [K in keyof S]: ReturnType<S[K]["sample"]> } {
    return Object.fromEntries(Object.entries(this.spaces).map(([key, space]) => [key, space.sample()])) as { [K in keyof S]: ReturnType<S[K]["sample"]> };
  }
  toJSON(): { type: "Dict"; spaces: Record<string, unknown> } {
    return { type: "Dict", spaces: Object.fromEntries(Object.entries(this.spaces).map(([key, space]) => [key, space.toJSON()])) };
  }
}

export type Space = DiscreteSpace | SlateSpace | BoxSpace | DictSpace<Record<string, Space>>;

function isArrayLike(x: unknown): x is ArrayLike<unknown> {
  return Array.isArray(x) || ArrayBuffer.isView(x);
}

/** `count` distinct ids of `{0..n-1}` drawn uniformly, from those with mask 1 when a mask is given. */
function drawDistinct(rng: Rng, n: number, count: number, mask: ArrayLike<number> | undefined): Int32Array {
  if (mask && mask.length !== n) throw new FarsightError("env/bad-option", `a sampling mask needs one entry per value (${n}), got ${mask.length}`, { n, length: mask.length });
  const allowed: number[] = [];
  for (let i = 0; i < n; i++) if (!mask || mask[i]) allowed.push(i);
  if (allowed.length < count) throw new FarsightError("env/bad-option", `the mask allows ${allowed.length} values; a sample needs ${count} distinct ones`, { allowed: allowed.length, count });
  // A partial Fisher-Yates shuffle: the first `count` entries are a uniform draw without replacement.
  const out = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const j = k + rng.int(allowed.length - k);
    [allowed[k], allowed[j]] = [allowed[j]!, allowed[k]!];
    out[k] = allowed[k]!;
  }
  return out;
}
