/**
 * Quit rules: when a simulated user leaves. Each is an exact port of one simulator's rule (see README).
 *
 * Protocol of a rule inside the simulator, per slot and step t (t = steps already taken, 0-based):
 * 1. `shouldQuit(slot, t, slates, offset, feedback)` is asked BEFORE the new slate enters the history
 *    (EasyRL4Rec's order); the step's reward is still paid when it fires.
 * 2. `push(slot, t, slates, offset)` records the slate afterwards.
 * Rules keep their own fixed-size ring buffers (typed arrays, sized at `bind`), so they cost no allocation.
 */
import type { Catalog } from "@farsight/core";
import { FarsightError } from "@farsight/core";

export interface QuitRule {
  readonly name: string;
  /** Sizes the per-slot state for B slots with slates of K items. */
  bind(batchSize: number, slateSize: number): void;
  /** Forgets the slot's session (a new user arrives). */
  reset(slot: number): void;
  /** True when the user in `slot` leaves on this slate (checked before the slate joins the history). */
  shouldQuit(slot: number, t: number, slates: Int32Array, offset: number, feedback: Float32Array): boolean;
  /** Records the slate shown at step t. */
  push(slot: number, t: number, slates: Int32Array, offset: number): void;
}

/** `compat: "easyrl4rec"` reproduces the Python slice `seq[t-N:t]` (see {@link windowStart}). */
export type WindowCompat = "none" | "easyrl4rec";

/**
 * First step index of the look-back window at step t over the last N steps.
 * Intended: `max(0, t - N)`. EasyRL4Rec's `seq[t-N:t]` on a list of length t wraps the negative start
 * when t < N, giving `max(0, 2t - N)`: a shorter window when N/2 < t < N.
 */
export function windowStart(t: number, n: number, compat: WindowCompat): number {
  if (compat === "easyrl4rec" && t < n) return Math.max(0, 2 * t - n);
  return Math.max(0, t - n);
}

/** Ring buffer of the last N slates per slot, shared by the window rules. */
class SlateWindow {
  items = new Int32Array(0);
  constructor(readonly n: number) {}
  slateSize = 1;
  bind(batchSize: number, slateSize: number): void {
    this.slateSize = slateSize;
    this.items = new Int32Array(batchSize * this.n * slateSize);
  }
  /** Index of the first item of step s's slate in `items`. */
  at(slot: number, s: number): number {
    return (slot * this.n + (s % this.n)) * this.slateSize;
  }
  push(slot: number, t: number, slates: Int32Array, offset: number): void {
    const base = this.at(slot, t);
    for (let k = 0; k < this.slateSize; k++) this.items[base + k] = slates[offset + k]!;
  }
}

export interface CategoryWindowOptions {
  /** Look-back N (EasyRL4Rec `num_leave_compute`). */
  readonly window: number;
  /** Leave if a category of the new item occurs MORE than this many times in the window (`leave_threshold`). */
  readonly threshold: number;
  readonly compat?: WindowCompat;
}

/** Throws `env/bad-option` naming the problem when category-window options are invalid. */
export function checkCategoryWindow(options: CategoryWindowOptions): void {
  if (!(options.window >= 1) || !Number.isInteger(options.window)) {
    throw new FarsightError("env/bad-option", `category window must be an integer >= 1, got ${options.window}`, { options });
  }
  // Counts are compared with `>`: a fractional threshold would silently act as its floor.
  if (!(options.threshold >= 0) || !Number.isInteger(options.threshold)) {
    throw new FarsightError("env/bad-option", `category threshold must be an integer >= 0 (a count of items), got ${options.threshold}`, { options });
  }
}

/**
 * Category window (EasyRL4Rec KuaiEnv / KuaiRand): count every category of every item in the last N
 * steps' slates; the user leaves if any category of a new item has a count above `threshold`.
 * Never fires at t = 0 (empty window). Items of the same new slate do not count against each other.
 */
export class CategoryWindowRule implements QuitRule {
  readonly name = "category-window";
  private readonly win: SlateWindow;
  private counts: Int32Array;
  private readonly compat: WindowCompat;

  constructor(private readonly catalog: Catalog, readonly options: CategoryWindowOptions) {
    checkCategoryWindow(options);
    this.win = new SlateWindow(options.window);
    this.counts = new Int32Array(catalog.numCategories);
    this.compat = options.compat ?? "none";
  }

  bind(batchSize: number, slateSize: number): void {
    this.win.bind(batchSize, slateSize);
  }

  reset(): void {}

  shouldQuit(slot: number, t: number, slates: Int32Array, offset: number): boolean {
    if (t === 0) return false;
    const { categoryOffsets, categoryIndex } = this.catalog;
    const counts = this.counts;
    const K = this.win.slateSize;
    const start = windowStart(t, this.win.n, this.compat);
    // Count categories of the window's items (only those the new slate touches matter, but the
    // window is tiny: counting all of them and clearing afterwards is simplest and exact).
    for (let s = start; s < t; s++) {
      const base = this.win.at(slot, s);
      for (let k = 0; k < K; k++) {
        const item = this.win.items[base + k]!;
        for (let j = categoryOffsets[item]!; j < categoryOffsets[item + 1]!; j++) counts[categoryIndex[j]!]!++;
      }
    }
    let quit = false;
    for (let k = 0; k < K && !quit; k++) {
      const item = slates[offset + k]!;
      for (let j = categoryOffsets[item]!; j < categoryOffsets[item + 1]!; j++) {
        if (counts[categoryIndex[j]!]! > this.options.threshold) {
          quit = true;
          break;
        }
      }
    }
    for (let s = start; s < t; s++) {
      const base = this.win.at(slot, s);
      for (let k = 0; k < K; k++) {
        const item = this.win.items[base + k]!;
        for (let j = categoryOffsets[item]!; j < categoryOffsets[item + 1]!; j++) counts[categoryIndex[j]!] = 0;
      }
    }
    return quit;
  }

  push(slot: number, t: number, slates: Int32Array, offset: number): void {
    this.win.push(slot, t, slates, offset);
  }
}

/** Distance between two items; a dense matrix (n x n, row-major) or item embeddings. */
export type ItemDistance =
  | { readonly kind: "matrix"; readonly numItems: number; readonly values: Float32Array }
  | { readonly kind: "embedding"; readonly numItems: number; readonly dim: number; readonly values: Float32Array };

/** Euclidean distance between items a and b under a metric (a matrix look-up, or a distance of embeddings). */
export function itemDistanceOf(d: ItemDistance, a: number, b: number): number {
  if (d.kind === "matrix") return d.values[a * d.numItems + b]!;
  let s = 0;
  const v = d.values;
  for (let j = 0, pa = a * d.dim, pb = b * d.dim; j < d.dim; j++) {
    const x = v[pa + j]! - v[pb + j]!;
    s += x * x;
  }
  return Math.sqrt(s);
}

export interface DistanceWindowOptions {
  /** Look-back N. */
  readonly window: number;
  /** Leave if the distance to any window item is below theta (EasyRL4Rec `leave_threshold`). */
  readonly theta: number;
  /** BiLLP / IL-Rec: also leave if the new item's feedback is below this (e.g. 2). Off when undefined. */
  readonly minReward?: number;
  /**
   * BiLLP's loop over an empty history never runs, so `reward < minReward` cannot end step 0 there;
   * IL-Rec checks it at every step (the default).
   */
  readonly minRewardSkipsFirstStep?: boolean;
  readonly compat?: WindowCompat;
}

/** Throws `env/bad-option` naming the problem when distance-window options are invalid. */
export function checkDistanceWindow(options: DistanceWindowOptions): void {
  if (!(options.window >= 1) || !Number.isInteger(options.window)) {
    throw new FarsightError("env/bad-option", `distance window must be an integer >= 1, got ${options.window}`, { options });
  }
  if (!(options.theta >= 0) || !Number.isFinite(options.theta)) {
    throw new FarsightError("env/bad-option", `distance threshold theta must be a finite number >= 0, got ${options.theta}`, { options });
  }
}

/**
 * Distance window (EasyRL4Rec Coat / MovieLens / Yahoo; BiLLP / IL-Rec with `minReward`): the user leaves
 * if a new item lies closer than `theta` to any item of the last N steps. With the ground-truth matrix's
 * item columns as the metric, repeating an item inside the window always ends the session (distance 0).
 */
export class DistanceWindowRule implements QuitRule {
  readonly name = "distance-window";
  private readonly win: SlateWindow;
  private readonly compat: WindowCompat;

  constructor(readonly distance: ItemDistance, readonly options: DistanceWindowOptions) {
    checkDistanceWindow(options);
    this.win = new SlateWindow(options.window);
    this.compat = options.compat ?? "none";
  }

  bind(batchSize: number, slateSize: number): void {
    this.win.bind(batchSize, slateSize);
  }

  reset(): void {}

  /** Euclidean distance between items a and b under this rule's metric. */
  dist(a: number, b: number): number {
    return itemDistanceOf(this.distance, a, b);
  }

  shouldQuit(slot: number, t: number, slates: Int32Array, offset: number, feedback: Float32Array): boolean {
    const K = this.win.slateSize;
    const { minReward, theta } = this.options;
    if (minReward !== undefined && !(t === 0 && this.options.minRewardSkipsFirstStep)) {
      for (let k = 0; k < K; k++) if (feedback[offset + k]! < minReward) return true;
    }
    const n = this.win.n;
    const start = this.compat === "easyrl4rec" && t < n ? Math.max(0, 2 * t - n) : Math.max(0, t - n);
    const d = this.distance, items = this.win.items, slotBase = slot * n;
    if (d.kind === "matrix" && K === 1) {
      // The common case (one item per step, a precomputed distance matrix), kept tight: it is the hot path.
      const row = slates[offset]! * d.numItems, values = d.values;
      for (let s = start; s < t; s++) if (values[row + items[slotBase + (s % n)]!]! < theta) return true;
      return false;
    }
    for (let k = 0; k < K; k++) {
      const a = slates[offset + k]!;
      for (let s = start; s < t; s++) {
        const base = (slotBase + (s % n)) * K;
        for (let j = 0; j < K; j++) if (this.dist(a, items[base + j]!) < theta) return true;
      }
    }
    return false;
  }

  push(slot: number, t: number, slates: Int32Array, offset: number): void {
    this.win.push(slot, t, slates, offset);
  }
}

export interface TemperOptions {
  /** Initial patience T0 (KuaiSim: initial_temper = MAX_STEP = 20). */
  readonly initial: number;
  /** Patience lost every step (1). */
  readonly stepCost?: number;
  /** Extra patience lost when some position repeats the previous slate's category (1). */
  readonly repeatCost?: number;
}

/** Per-slot patience, spent in `shouldQuit`: the state both temper rules share. */
abstract class PatienceRule {
  protected temper = new Float32Array(0);
  protected K = 1;
  constructor(private readonly initialPatience: number) {}

  bind(batchSize: number, slateSize: number): void {
    this.K = slateSize;
    this.temper = new Float32Array(batchSize).fill(this.initialPatience);
  }

  reset(slot: number): void {
    this.temper[slot] = this.initialPatience;
  }

  /** Patience left in the slot (after the last check). */
  patience(slot: number): number {
    return this.temper[slot]!;
  }

  /** Spends `cost` of the slot's patience; true when the user leaves (below 1). */
  protected spend(slot: number, cost: number): boolean {
    const next = this.temper[slot]! - cost;
    this.temper[slot] = next;
    return next < 1;
  }
}

/**
 * Temper as LERL's code runs KuaiSim: T <- T - 1 - [t > 0 and some position j has
 * cat(a_t,j) = cat(a_{t-1},j)]; the user leaves when T < 1. The update of step t happens in the check, so
 * with T0 = 20 a session lasts 11..20 steps. Clicks play no part (LERL computes a click bonus and never uses
 * it); KuaiSim's own, click-driven leave model is {@link ResponseTemperRule}.
 */
export class TemperRule extends PatienceRule implements QuitRule {
  readonly name = "temper";
  private prevCats = new Int32Array(0);
  private readonly stepCost: number;
  private readonly repeatCost: number;

  constructor(private readonly catalog: Catalog, readonly options: TemperOptions) {
    super(options.initial);
    this.stepCost = options.stepCost ?? 1;
    this.repeatCost = options.repeatCost ?? 1;
  }

  override bind(batchSize: number, slateSize: number): void {
    super.bind(batchSize, slateSize);
    this.prevCats = new Int32Array(batchSize * slateSize).fill(-1);
  }

  override reset(slot: number): void {
    super.reset(slot);
    this.prevCats.fill(-1, slot * this.K, (slot + 1) * this.K);
  }

  shouldQuit(slot: number, t: number, slates: Int32Array, offset: number): boolean {
    let repeat = false;
    if (t > 0) {
      for (let k = 0; k < this.K; k++) {
        if (this.catalog.itemCategory[slates[offset + k]!] === this.prevCats[slot * this.K + k]) {
          repeat = true;
          break;
        }
      }
    }
    return this.spend(slot, this.stepCost + (repeat ? this.repeatCost : 0));
  }

  push(slot: number, _t: number, slates: Int32Array, offset: number): void {
    for (let k = 0; k < this.K; k++) this.prevCats[slot * this.K + k] = this.catalog.itemCategory[slates[offset + k]!]!;
  }
}

export interface ResponseTemperOptions {
  /** Initial patience T0 (KuaiSim: initial_temper = MAX_STEP = 20). */
  readonly initial: number;
  /** The slate's mean response is compared with this (KuaiSim: 2). */
  readonly baseline?: number;
  /** Most patience one slate can cost (KuaiSim: 2). */
  readonly maxDrop?: number;
}

/**
 * KuaiSim's own leave model (`KREnvironment_WholeSession_GPU.get_leave_signal`, single response):
 * T <- T + clamp(mean_k y_k - baseline, -maxDrop, 0), the user leaves when T < 1. With clicks y in {0, 1} and
 * KuaiSim's constants a slate costs 2 - (its click rate): a session lasts 10 slates without a click and 20
 * with every item clicked, so what is shown decides how long users stay. Reads the slate's feedback, so the
 * simulator's feedback must be the response itself (clicks), not a rating.
 */
export class ResponseTemperRule extends PatienceRule implements QuitRule {
  readonly name = "response-temper";
  private readonly baseline: number;
  private readonly maxDrop: number;

  constructor(readonly options: ResponseTemperOptions) {
    super(options.initial);
    this.baseline = options.baseline ?? 2;
    this.maxDrop = options.maxDrop ?? 2;
    if (!(options.initial >= 1) || !(this.maxDrop >= 0)) {
      throw new FarsightError("env/bad-option", `response temper needs initial >= 1 and maxDrop >= 0, got initial ${options.initial}, maxDrop ${this.maxDrop}`, { options });
    }
  }

  shouldQuit(slot: number, _t: number, _slates: Int32Array, offset: number, feedback: Float32Array): boolean {
    let sum = 0;
    for (let k = 0; k < this.K; k++) sum += feedback[offset + k]!;
    return this.spend(slot, -Math.min(0, Math.max(-this.maxDrop, sum / this.K - this.baseline)));
  }

  push(): void {}
}
