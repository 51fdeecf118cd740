/**
 * Per-user profiles: what a recommender knows of a user before the session starts.
 *
 * - The user's logged past: every rating of the log the learned models see (`EnvSetup.trainLog`), so a training
 *   user's whole training log, a held-out user's fold-in share (never the withheld rest), and on the synthetic
 *   presets the synthetic pre-session log. Stored best first (highest rating; ties: most recent where the log has
 *   timestamps, else log order), so "the user's k best logged items" is a prefix.
 * - The user's features where the dataset has them (Coat's 14 one-hot columns: gender, age, location, fashion
 *   interest), with their column names.
 *
 * Flat typed arrays (CSR over users): a policy gathers a batch of profiles without per-user objects.
 */
import { FarsightError } from "@farsight/core";
import type { RatingLog } from "./data/dataset.js";

/** Where a user's logged past comes from, for reports and the planners' user summary. */
export type UserPastSource = "training log" | "fold-in" | "synthetic log" | "none";

export interface UserProfiles {
  readonly numUsers: number;
  /** User u's past is rows `offsets[u] .. offsets[u+1]-1` of `items` / `ratings`, best first. */
  readonly offsets: Int32Array;
  readonly items: Int32Array;
  /** Raw logged feedback (a 1..5 rating, a watch ratio, a synthetic satisfaction), as the env's feedback. */
  readonly ratings: Float32Array;
  /** Feature columns per user (0 when the dataset has none). */
  readonly featureDim: number;
  /** numUsers x featureDim, row-major, when the dataset has user features. */
  readonly features: Float32Array | undefined;
  /** Column names of `features` (`group:value`, e.g. `gender:women`). */
  readonly featureNames: readonly string[];
  /** Where each user's past comes from, per user (see {@link UserPastSource}). */
  readonly source: readonly UserPastSource[];
}

/** One logged rating of a user's past, as observations and planners see it. */
export interface LoggedItem {
  readonly item: number;
  readonly rating: number;
}

export interface UserProfileInput {
  readonly numUsers: number;
  /** The log the learned models see (train users whole, held-out users' fold-in share). */
  readonly log: RatingLog;
  /** Users held out for evaluation (their past is the fold-in share); empty when every user trains. */
  readonly testUsers?: Int32Array;
  /** True when the log is generated (synthetic presets). */
  readonly synthetic?: boolean;
  readonly features?: Float32Array;
  readonly featureDim?: number;
  readonly featureNames?: readonly string[];
}

/** Builds profiles from a log (best first per user) and optional user features. */
export function buildUserProfiles(input: UserProfileInput): UserProfiles {
  const { numUsers, log } = input;
  const featureDim = input.features ? (input.featureDim ?? 0) : 0;
  if (input.features && !(featureDim > 0 && input.features.length === numUsers * featureDim)) {
    throw new FarsightError("env/bad-option", `user features have ${input.features.length} values, expected ${numUsers} users x ${featureDim} columns`, { numUsers, featureDim });
  }
  const counts = new Int32Array(numUsers + 1);
  for (let j = 0; j < log.user.length; j++) {
    const u = log.user[j]!;
    if (!(u >= 0 && u < numUsers)) throw new FarsightError("env/bad-user", `log row ${j} names user ${u}, outside the ${numUsers} users`, { user: u, row: j });
    counts[u + 1]!++;
  }
  const offsets = new Int32Array(numUsers + 1);
  for (let u = 0; u < numUsers; u++) offsets[u + 1] = offsets[u]! + counts[u + 1]!;
  const rowsOf: number[][] = Array.from({ length: numUsers }, () => []);
  for (let j = 0; j < log.user.length; j++) rowsOf[log.user[j]!]!.push(j);
  const items = new Int32Array(log.user.length), ratings = new Float32Array(log.user.length);
  const time = log.timestamp;
  for (let u = 0; u < numUsers; u++) {
    // Array.prototype.sort is stable: equal ratings keep log order unless timestamps say which is newer.
    const rows = rowsOf[u]!.sort((a, b) => log.rating[b]! - log.rating[a]! || (time ? time[b]! - time[a]! : 0));
    rows.forEach((j, r) => {
      items[offsets[u]! + r] = log.item[j]!;
      ratings[offsets[u]! + r] = log.rating[j]!;
    });
  }
  const isTest = new Uint8Array(numUsers);
  for (const u of input.testUsers ?? []) isTest[u] = 1;
  const source: UserPastSource[] = Array.from({ length: numUsers }, (_, u) =>
    counts[u + 1] === 0 ? "none" : input.synthetic ? "synthetic log" : isTest[u] ? "fold-in" : "training log",
  );
  return {
    numUsers,
    offsets,
    items,
    ratings,
    featureDim,
    features: featureDim > 0 ? input.features : undefined,
    featureNames: featureDim > 0 ? (input.featureNames ?? Array.from({ length: featureDim }, (_, i) => `f${i}`)) : [],
    source,
  };
}

/** The user's `k` best logged items (all of them when k is omitted), best first. */
export function userPast(p: UserProfiles, user: number, k = Infinity): LoggedItem[] {
  if (!(user >= 0 && user < p.numUsers)) return [];
  const start = p.offsets[user]!, end = Math.min(p.offsets[user + 1]!, start + k);
  const out: LoggedItem[] = [];
  for (let r = start; r < end; r++) out.push({ item: p.items[r]!, rating: p.ratings[r]! });
  return out;
}

/** The user's non-zero features by column name (empty without features). */
export function userFeatureMap(p: UserProfiles, user: number): Record<string, number> {
  const out: Record<string, number> = {};
  if (!p.features || !(user >= 0 && user < p.numUsers)) return out;
  for (let c = 0; c < p.featureDim; c++) {
    const v = p.features[user * p.featureDim + c]!;
    if (v !== 0) out[p.featureNames[c]!] = v;
  }
  return out;
}

/** Profiles cut to each user's `k` best logged items (what a checkpoint keeps). */
export function truncateProfiles(p: UserProfiles, k: number): UserProfiles {
  const offsets = new Int32Array(p.numUsers + 1);
  for (let u = 0; u < p.numUsers; u++) offsets[u + 1] = offsets[u]! + Math.min(k, p.offsets[u + 1]! - p.offsets[u]!);
  const items = new Int32Array(offsets[p.numUsers]!), ratings = new Float32Array(offsets[p.numUsers]!);
  for (let u = 0; u < p.numUsers; u++) {
    const n = offsets[u + 1]! - offsets[u]!;
    items.set(p.items.subarray(p.offsets[u]!, p.offsets[u]! + n), offsets[u]!);
    ratings.set(p.ratings.subarray(p.offsets[u]!, p.offsets[u]! + n), offsets[u]!);
  }
  return { ...p, offsets, items, ratings };
}
