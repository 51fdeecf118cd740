/**
 * The logging policy, replayed: what produced a dataset's log, as an agent. Offline RL learns from a log and is
 * measured against the policy that wrote it (EasyRL4Rec's and d3rlpy's reference), so that policy must be playable.
 *
 * A log records which items each user interacted with, not the order a recommender offered them in (Coat's
 * ratings are self-selected; MovieLens records what users chose to rate), so the logging policy is taken as: each
 * step, a uniform draw among the user's own logged items not yet shown in the session; once those run out, or for a
 * user the log does not have, a draw proportional to how often the log holds each item (the log's marginal), still
 * among unseen items. The log holds no item twice per user, so the agent never repeats, in any mode.
 */
import { FarsightError, Rng } from "@farsight/core";
import type { RatingLog } from "./data/dataset.js";
import type { Agent, VecEnv } from "./types.js";

/** Options of {@link LoggingAgent}. */
export interface LoggingAgentOptions {
  /** Items of the catalogue. Required. */
  readonly numItems: number;
  /** The logs the logging policy wrote (e.g. a preset's training log and its withheld rows). Required, at least one row. */
  readonly logs: readonly Pick<RatingLog, "user" | "item">[];
  /** Seed of the agent's draws. Default 0. */
  readonly seed?: number;
}

/** Replays the logging policy: each user's logged items in a random order, then the log's item marginal. */
export class LoggingAgent implements Agent {
  readonly name = "logging";
  private readonly byUser = new Map<number, Int32Array>();
  /** Cumulative item counts of the whole log, for marginal draws. */
  private readonly cumulative: Float64Array;
  private readonly rng: Rng;
  private readonly numItems: number;

  constructor(options: LoggingAgentOptions) {
    const { numItems, logs } = options;
    this.numItems = numItems;
    this.rng = new Rng(options.seed ?? 0, "agent/logging");
    const lists = new Map<number, Set<number>>();
    const counts = new Float64Array(numItems);
    let rows = 0;
    for (const log of logs) {
      for (let j = 0; j < log.user.length; j++) {
        const u = log.user[j]!, item = log.item[j]!;
        if (!(item >= 0 && item < numItems)) throw new FarsightError("env/bad-option", `logging agent: log row ${j} has item ${item}, outside the catalogue of ${numItems} items`, { row: j, item });
        (lists.get(u) ?? lists.set(u, new Set()).get(u)!).add(item);
        counts[item]!++;
        rows++;
      }
    }
    if (rows === 0) throw new FarsightError("env/bad-option", "logging agent: the log is empty, so there is no logging policy to replay", {});
    for (const [u, items] of lists) this.byUser.set(u, Int32Array.from(items));
    this.cumulative = new Float64Array(numItems);
    let total = 0;
    for (let i = 0; i < numItems; i++) this.cumulative[i] = total += counts[i]!;
  }

  act(env: VecEnv, out: Int32Array): void {
    const K = env.slateSize;
    for (let b = 0; b < env.batchSize; b++) {
      if (!env.active[b]) continue;
      for (let k = 0; k < K; k++) out[b * K + k] = this.draw(env, b, out.subarray(b * K, b * K + k));
    }
  }

  /** One item for slot b, not shown in its session and not already in `taken` (this slate so far). */
  private draw(env: VecEnv, b: number, taken: Int32Array): number {
    const free = (i: number) => !env.wasRecommended(b, i) && !taken.includes(i);
    const own = this.byUser.get(env.users[b]!);
    if (own) {
      const left = Array.from(own).filter(free);
      if (left.length > 0) return left[this.rng.int(left.length)]!;
    }
    const total = this.cumulative[this.numItems - 1]!;
    for (let tries = 0; tries < 64; tries++) {
      const i = this.upperBound(this.rng.float() * total);
      if (free(i)) return i;
    }
    // The log's frequent items are all shown: any unseen item, else (a session longer than the catalogue) any.
    for (let i = 0; i < this.numItems; i++) if (free(i)) return i;
    return this.rng.int(this.numItems);
  }

  /** The first item whose cumulative count exceeds x (items the log never holds are never drawn here). */
  private upperBound(x: number): number {
    let lo = 0, hi = this.numItems - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
