/**
 * Episode metrics (definitions in the README). An {@link EpisodeTracker} follows the B slots of a
 * simulator step by step with fixed-size typed arrays and folds every finished episode into running sums,
 * so evaluating 100k episodes keeps no per-episode objects.
 */
import type { Catalog } from "@farsight/core";
import type { VecEnv, VecStepResult } from "./types.js";

/** Per-run means (and std over episodes) of every metric. */
export interface MetricSummary {
  readonly episodes: number;
  readonly len: number;
  readonly r_traj: number;
  readonly r_each: number;
  /** Sum of returns / sum of lengths over all episodes (IL-Rec's avg_reward); r_each averages per episode. */
  readonly r_each_pooled: number;
  readonly ctr: number;
  readonly item_coverage: number;
  readonly category_coverage: number;
  readonly ild: number;
  readonly category_entropy: number;
  readonly mcd: number;
  readonly len_std: number;
  readonly r_traj_std: number;
  readonly r_each_std: number;
  readonly ctr_std: number;
  readonly category_coverage_std: number;
  readonly ild_std: number;
  readonly category_entropy_std: number;
  readonly mcd_std: number;
}

/** Per-episode metrics, in the order the summary names them. */
const EPISODE_METRICS = ["len", "r_traj", "r_each", "ctr", "category_coverage", "ild", "category_entropy", "mcd"] as const;
type EpisodeMetric = (typeof EPISODE_METRICS)[number];

export interface TrackerOptions {
  /** Feedback at or above this counts as a positive (a click: 1; a 1-5 rating: 4). */
  readonly positiveThreshold: number;
  /** Majority categories for MCD (0/1 per category); see {@link majorityCategories}. */
  readonly majority: Uint8Array;
}

/** Welford accumulators for one metric (mean and population std over episodes). */
class Running {
  n = 0;
  mean = 0;
  m2 = 0;
  add(x: number): void {
    if (!Number.isFinite(x)) return;
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }
  std(): number {
    return this.n > 0 ? Math.sqrt(this.m2 / this.n) : NaN;
  }
}

/**
 * The majority categories of a training log: the most frequent categories (by interactions) that together
 * cover at least `share` (default 0.5) of the log. MCD is the share of recommended items inside them.
 */
export function majorityCategories(catalog: Catalog, items: ArrayLike<number>, share = 0.5): Uint8Array {
  const counts = new Float64Array(catalog.numCategories);
  for (let j = 0; j < items.length; j++) counts[catalog.itemCategory[items[j]!]!]++;
  const order = Array.from(counts.keys()).sort((a, b) => counts[b]! - counts[a]! || a - b);
  const total = counts.reduce((a, b) => a + b, 0);
  const out = new Uint8Array(catalog.numCategories);
  let covered = 0;
  for (const c of order) {
    if (total > 0 && covered >= share * total) break;
    out[c] = 1;
    covered += counts[c]!;
    if (total === 0) break;
  }
  return out;
}

export class EpisodeTracker {
  private readonly C: number;
  private readonly catCounts: Int32Array;
  private readonly positives: Int32Array;
  private readonly shown: Int32Array;
  private readonly itemSeen: Uint8Array;
  private distinctItems = 0;
  private readonly acc: Record<EpisodeMetric, Running>;

  constructor(readonly env: VecEnv, readonly options: TrackerOptions) {
    this.C = env.catalog.numCategories;
    this.catCounts = new Int32Array(env.batchSize * this.C);
    this.positives = new Int32Array(env.batchSize);
    this.shown = new Int32Array(env.batchSize);
    this.itemSeen = new Uint8Array(env.numItems);
    this.acc = Object.fromEntries(EPISODE_METRICS.map((m) => [m, new Running()])) as Record<EpisodeMetric, Running>;
  }

  /** Call before `env.step(slates)` with the same slates: records what the active slots are shown. */
  beforeStep(slates: Int32Array): void {
    const K = this.env.slateSize, cat = this.env.catalog.itemCategory;
    for (let b = 0; b < this.env.batchSize; b++) {
      if (!this.env.active[b]) continue;
      for (let k = 0; k < K; k++) {
        const item = slates[b * K + k]!;
        if (item < 0 || item >= this.env.numItems) continue;
        this.catCounts[b * this.C + cat[item]!]!++;
        if (!this.itemSeen[item]) {
          this.itemSeen[item] = 1;
          this.distinctItems++;
        }
      }
      this.shown[b]! += K;
    }
  }

  /** Call after the step with its result: counts positives and closes finished episodes. */
  afterStep(r: VecStepResult, stepped: Uint8Array): void {
    const K = this.env.slateSize, thr = this.options.positiveThreshold;
    for (let b = 0; b < this.env.batchSize; b++) {
      if (!stepped[b]) continue;
      for (let k = 0; k < K; k++) if (r.feedback[b * K + k]! >= thr) this.positives[b]!++;
      if (r.done[b]) this.close(b, r.finalLength[b]!, r.finalReturn[b]!);
    }
  }

  private close(b: number, len: number, ret: number): void {
    const C = this.C, base = b * C;
    let n = 0, same = 0, distinct = 0, maj = 0, h = 0;
    for (let c = 0; c < C; c++) n += this.catCounts[base + c]!;
    for (let c = 0; c < C; c++) {
      const m = this.catCounts[base + c]!;
      if (m === 0) continue;
      distinct++;
      same += m * (m - 1);
      if (this.options.majority[c]) maj += m;
      const p = m / n;
      h -= p * Math.log(p);
    }
    const a = this.acc;
    a.len.add(len);
    a.r_traj.add(ret);
    a.r_each.add(len > 0 ? ret / len : NaN);
    a.ctr.add(this.shown[b]! > 0 ? this.positives[b]! / this.shown[b]! : NaN);
    a.category_coverage.add(n > 0 ? distinct / C : NaN);
    a.ild.add(n > 1 ? 1 - same / (n * (n - 1)) : NaN);
    a.category_entropy.add(n > 0 ? h : NaN);
    a.mcd.add(n > 0 ? maj / n : NaN);
    this.catCounts.fill(0, base, base + C);
    this.positives[b] = 0;
    this.shown[b] = 0;
  }

  summary(): MetricSummary {
    const a = this.acc;
    const out: Record<string, number> = {
      episodes: a.len.n,
      item_coverage: this.distinctItems / this.env.numItems,
      r_each_pooled: a.len.n > 0 ? a.r_traj.mean / a.len.mean : NaN,
    };
    for (const m of EPISODE_METRICS) {
      out[m] = a[m].n > 0 ? a[m].mean : NaN;
      out[`${m}_std`] = a[m].std();
    }
    return out as unknown as MetricSummary;
  }
}
