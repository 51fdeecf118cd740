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
  /**
   * Share of distinct sequences among the sessions of different users: each user's first session contributes
   * its first {@link SEQUENCE_PREFIX} items (all of them when it is shorter), and the share is distinct
   * sequences / users (1 when every user saw something else, 1/users when everyone saw the same).
   */
  readonly distinct_sequence_share: number;
  /** Users whose first sessions `distinct_sequence_share` compares. */
  readonly sequence_users: number;
  /**
   * 1 when the evaluation collapsed (one or a few sequences served to everyone: `distinct_sequence_share` <
   * {@link COLLAPSE_SHARE} over at least {@link COLLAPSE_MIN_USERS} users), 0 when not, NaN with fewer users.
   * Averaged over seeds it is the share of collapsed runs.
   */
  readonly collapsed: number;
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

/** Items at the start of a session that the collapse measure compares across users. */
export const SEQUENCE_PREFIX = 10;
/** A run is collapsed when its distinct-sequence share is below this (fewer than 1 sequence per 10 users). */
export const COLLAPSE_SHARE = 0.1;
/**
 * Fewest users a collapse verdict needs. 30, not more: the synthetic and Coat presets hold out 58-60 test
 * users, and a 100-session evaluation draws about 49 distinct ones of 60 (users are drawn with replacement).
 * At 30 users a run that serves everyone one sequence scores 0.033, and 3 sequences (0.1) are not a collapse.
 */
export const COLLAPSE_MIN_USERS = 30;

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
  /** Per slot: a 2 x 32-bit hash of the session's first items and how many went in. */
  private readonly seqHash: Int32Array;
  private readonly seqCount: Uint8Array;
  /** Users whose first session has closed, and the distinct sequence hashes of those sessions. */
  private readonly seqUsers = new Set<number>();
  private readonly sequences = new Set<number>();

  constructor(readonly env: VecEnv, readonly options: TrackerOptions) {
    this.C = env.catalog.numCategories;
    this.catCounts = new Int32Array(env.batchSize * this.C);
    this.positives = new Int32Array(env.batchSize);
    this.shown = new Int32Array(env.batchSize);
    this.itemSeen = new Uint8Array(env.numItems);
    this.acc = Object.fromEntries(EPISODE_METRICS.map((m) => [m, new Running()])) as Record<EpisodeMetric, Running>;
    this.seqHash = new Int32Array(2 * env.batchSize);
    this.seqCount = new Uint8Array(env.batchSize);
    this.resetSequence(0, env.batchSize);
  }

  private resetSequence(from: number, to: number): void {
    for (let b = from; b < to; b++) {
      this.seqHash[2 * b] = 0x811c9dc5 | 0; // FNV-1a offset basis
      this.seqHash[2 * b + 1] = 0x6a09e667; // an unrelated start for the second hash
      this.seqCount[b] = 0;
    }
  }

  /** Folds one shown item into slot b's sequence hash (two independent 32-bit mixes: ~2^52 keys). */
  private hashItem(b: number, item: number): void {
    this.seqHash[2 * b] = Math.imul(this.seqHash[2 * b]! ^ item, 0x01000193);
    let h = Math.imul(this.seqHash[2 * b + 1]! + item + 0x9e3779b9, 0x85ebca6b);
    h ^= h >>> 13;
    this.seqHash[2 * b + 1] = Math.imul(h, 0xc2b2ae35);
    this.seqCount[b]!++;
  }

  /** Call before `env.step(slates)` with the same slates: records what the active slots are shown. */
  beforeStep(slates: Int32Array): void {
    const K = this.env.slateSize, cat = this.env.catalog.itemCategory;
    for (let b = 0; b < this.env.batchSize; b++) {
      if (!this.env.active[b]) continue;
      for (let k = 0; k < K; k++) {
        const item = slates[b * K + k]!;
        if (item < 0 || item >= this.env.numItems) continue;
        if (this.seqCount[b]! < SEQUENCE_PREFIX) this.hashItem(b, item);
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
      if (r.done[b]) this.close(b, r.finalLength[b]!, r.finalReturn[b]!, r.finalUser[b]!);
    }
  }

  private close(b: number, len: number, ret: number, user: number): void {
    if (!this.seqUsers.has(user)) {
      this.seqUsers.add(user);
      // The count goes in too, so that a shorter session is never taken for a longer one's start.
      const h1 = Math.imul(this.seqHash[2 * b]! ^ this.seqCount[b]!, 0x01000193) >>> 0;
      this.sequences.add(h1 * 2 ** 20 + (this.seqHash[2 * b + 1]! >>> 12));
    }
    this.resetSequence(b, b + 1);
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

  /** The collapse measure over the users seen so far (see {@link MetricSummary.collapsed}). */
  private collapse(): Pick<MetricSummary, "distinct_sequence_share" | "sequence_users" | "collapsed"> {
    const users = this.seqUsers.size;
    const share = users > 0 ? this.sequences.size / users : NaN;
    return { distinct_sequence_share: share, sequence_users: users, collapsed: users >= COLLAPSE_MIN_USERS ? Number(share < COLLAPSE_SHARE) : NaN };
  }

  summary(): MetricSummary {
    const a = this.acc;
    const out: Record<string, number> = {
      episodes: a.len.n,
      item_coverage: this.distinctItems / this.env.numItems,
      ...this.collapse(),
      r_each_pooled: a.len.n > 0 ? a.r_traj.mean / a.len.mean : NaN,
    };
    for (const m of EPISODE_METRICS) {
      out[m] = a[m].n > 0 ? a[m].mean : NaN;
      out[`${m}_std`] = a[m].std();
    }
    return out as unknown as MetricSummary;
  }
}
