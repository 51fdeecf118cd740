/**
 * User-aware state: what the policy knows of the user before the session starts, as its own input channel.
 *
 * Without it the policy's input is the current session alone, so every new user gets the same first slate and
 * greedy play is one item sequence for everyone. With it, a user vector is joined to the tracker's session state
 * (`[session state, user vector]`, what the policy heads read). The user vector is one dense layer, layer-normalised,
 * over:
 * - a user token: a learned vector, plus a projection of the user's features (Coat's 14 one-hot columns) when the
 *   env has them and `features` is on, plus a per-user embedding when `userEmbedding` is on (only useful when the
 *   evaluated users are the training users: a held-out user's row is never trained);
 * - the masked mean of the user's `topK` best logged items (`UserProfiles`, best first), each
 *   `e_item + W_f * rating + p_past[j]` with the session tokens' feedback weights (ratings scaled as feedback);
 * - with `categories`, the user's preference per category: {@link categoryAffinity} of their whole logged past.
 *
 * Why a channel and not tokens before the session's (the first version, measured in the README): the default `mean`
 * tracker averages its tokens, so six user tokens diluted what the session shows (at step t the session's share of
 * the mean was t / (t + 6)) and changed the meaning of the mean with the session's length. As a channel, the
 * session state is computed exactly as without a user state.
 *
 * The user's past never enters `HistoryBatch.items`: the repeat logit and the no-repeat masks read only the
 * session, so an item the user rated in the log is not "already recommended".
 */
import { FarsightError } from "@farsight/core";
import type { UserProfiles } from "@farsight/env";
import { tf } from "./backend.js";
import { dense, layerNorm, type ParamSet } from "./params.js";
import { type UserStateOptions } from "./plain-types.js";
export type { UserStateOptions } from "./plain-types.js";

export const DEFAULT_USER_STATE: UserStateOptions = { topK: 5, features: true, userEmbedding: false, categories: true };

/**
 * Per user and category, how much the user's logged ratings in the category exceed their own mean, in units of
 * their own rating std, shrunk towards 0 by n / (n + 1) for n ratings in the category; 0 where the user rated
 * nothing of the category. [numUsers x numCategories], row-major. Standardised per user, so a 1-5 rating and a
 * 0-1 satisfaction give the same scale (the network's input stays near unit size on every dataset).
 */
export function categoryAffinity(profiles: UserProfiles, itemCategory: ArrayLike<number>, numCategories: number): Float32Array {
  const u = profiles.numUsers, c = numCategories;
  const out = new Float32Array(u * c);
  const sum = new Float64Array(c), count = new Float64Array(c);
  for (let user = 0; user < u; user++) {
    const start = profiles.offsets[user]!, end = profiles.offsets[user + 1]!, n = end - start;
    if (n === 0) continue;
    let mean = 0;
    for (let r = start; r < end; r++) mean += profiles.ratings[r]!;
    mean /= n;
    let variance = 0;
    for (let r = start; r < end; r++) variance += (profiles.ratings[r]! - mean) ** 2;
    const std = Math.sqrt(variance / n);
    // A user whose ratings are all equal says nothing about categories: their row stays 0.
    if (!(std > 1e-6)) continue;
    sum.fill(0);
    count.fill(0);
    for (let r = start; r < end; r++) {
      const cat = itemCategory[profiles.items[r]!]!;
      sum[cat]! += profiles.ratings[r]!;
      count[cat]!++;
    }
    for (let k = 0; k < c; k++) {
      if (count[k]! > 0) out[user * c + k] = ((sum[k]! / count[k]! - mean) / std) * (count[k]! / (count[k]! + 1));
    }
  }
  return out;
}

/** Per-user tables as tensors, with a pad row (index numUsers) for slots without a known user. */
export class UserTables {
  /** [U+1, k] item ids (pad id = numItems), scaled ratings, validity. */
  readonly pastItems: tf.Tensor2D;
  readonly pastFeedback: tf.Tensor2D;
  readonly pastValid: tf.Tensor2D;
  /** [U+1, F], when features are used. */
  readonly features: tf.Tensor2D | undefined;
  /** [U, C] category affinities (host copy, what a checkpoint keeps) and [U+1, C] as a tensor, with `categories`. */
  readonly affinity: Float32Array | undefined;
  readonly affinityTable: tf.Tensor2D | undefined;

  constructor(
    readonly profiles: UserProfiles | undefined,
    readonly o: UserStateOptions,
    numItems: number,
    feedbackScale: number,
    /** Feature width the policy was built for (0: none). */
    readonly featureDim: number,
    /** Users the policy was built for (the id embedding's rows); 0 without one. */
    readonly numUsers: number,
    /** The catalogue's categories (for {@link categoryAffinity}). */
    categories: { itemCategory: ArrayLike<number>; numCategories: number },
    /** Precomputed affinities (a checkpoint's: it keeps only the top-k past, not the whole log); else computed. */
    affinity?: Float32Array,
  ) {
    const u = profiles?.numUsers ?? 0, k = o.topK;
    if (featureDim > 0 && profiles?.featureDim !== featureDim) {
      throw new FarsightError("rl-policy/env-mismatch", `the policy reads ${featureDim} user feature columns; this env's profiles have ${profiles?.featureDim ?? 0}`, { featureDim, envFeatureDim: profiles?.featureDim ?? 0 });
    }
    if (o.userEmbedding && u !== numUsers) {
      throw new FarsightError("rl-policy/env-mismatch", `the policy's user embedding has ${numUsers} users; this env has profiles of ${u}`, { numUsers, envUsers: u });
    }
    const c = categories.numCategories;
    if (affinity && affinity.length !== u * c) throw new FarsightError("rl-policy/env-mismatch", `the user affinities have ${affinity.length} values, expected ${u} users x ${c} categories`, { users: u, categories: c });
    const items = new Int32Array((u + 1) * k).fill(numItems), fb = new Float32Array((u + 1) * k), valid = new Float32Array((u + 1) * k);
    for (let user = 0; user < u; user++) {
      const start = profiles!.offsets[user]!, n = Math.min(k, profiles!.offsets[user + 1]! - start);
      for (let j = 0; j < n; j++) {
        items[user * k + j] = profiles!.items[start + j]!;
        fb[user * k + j] = profiles!.ratings[start + j]! / feedbackScale;
        valid[user * k + j] = 1;
      }
    }
    this.pastItems = tf.keep(tf.tensor2d(items, [u + 1, k], "int32"));
    this.pastFeedback = tf.keep(tf.tensor2d(fb, [u + 1, k]));
    this.pastValid = tf.keep(tf.tensor2d(valid, [u + 1, k]));
    if (featureDim > 0) {
      const f = new Float32Array((u + 1) * featureDim);
      f.set(profiles!.features!.subarray(0, u * featureDim));
      this.features = tf.keep(tf.tensor2d(f, [u + 1, featureDim]));
    }
    if (o.categories) {
      this.affinity = affinity ?? (profiles ? categoryAffinity(profiles, categories.itemCategory, c) : new Float32Array(0));
      const padded = new Float32Array((u + 1) * c);
      padded.set(this.affinity);
      this.affinityTable = tf.keep(tf.tensor2d(padded, [u + 1, c]));
    }
  }

  /** Row indices of a batch's users: unknown (-1) or out-of-range users read the pad row. */
  rows(users: Int32Array): tf.Tensor1D {
    const u = this.profiles?.numUsers ?? 0;
    return tf.tensor1d(Int32Array.from(users, (x) => (x >= 0 && x < u ? x : u)), "int32");
  }

  dispose(): void {
    tf.dispose([this.pastItems, this.pastFeedback, this.pastValid]);
    this.features?.dispose();
    this.affinityTable?.dispose();
  }
}

/**
 * The user vector of a batch, [B, d] (d = the item width): one dense layer over the user token, the mean of the
 * user's top-k past tokens and (with `categories`) their category affinities, then layer normalisation, so its
 * scale is the same whatever the dataset's ratings and however many parts it has.
 */
export function userVector(ps: ParamSet, o: UserStateOptions, tables: UserTables, users: Int32Array, table: tf.Tensor2D): tf.Tensor2D {
  const b = users.length, k = o.topK, d = table.shape[1]!;
  const rows = tables.rows(users);
  let user: tf.Tensor = tf.mul(ps.get("user/token", [1, d], "normal"), tf.ones([b, 1]));
  if (tables.features) user = tf.add(user, tf.matMul(tf.gather(tables.features, rows), ps.get("user/featureProj", [tables.featureDim, d])));
  if (o.userEmbedding) user = tf.add(user, tf.gather(ps.get("user/embedding", [tables.numUsers + 1, d], "normal"), rows));
  const parts: tf.Tensor[] = [user];
  if (k > 0) {
    const items = tf.gather(tables.pastItems, rows) as tf.Tensor2D;
    const feedback = tf.gather(tables.pastFeedback, rows) as tf.Tensor2D;
    const valid = tf.expandDims(tf.gather(tables.pastValid, rows), 2);
    const itemEmb = tf.reshape(tf.gather(table, tf.reshape(items, [-1])), [b, k, d]);
    // The session tokens' feedback weights: a logged rating and an in-session rating mean the same thing.
    const fbEmb = tf.add(tf.mul(tf.expandDims(feedback, 2), ps.get("tokens/feedbackW", [d], "normal")), ps.get("tokens/feedbackB", [d], "zeros"));
    const pastTokens = tf.add(tf.add(itemEmb, fbEmb), ps.get("user/pastPosition", [k, d], "normal"));
    parts.push(tf.div(tf.sum(tf.mul(pastTokens, valid), 1), tf.maximum(tf.sum(valid, 1), 1)));
  }
  if (tables.affinityTable) parts.push(tf.gather(tables.affinityTable, rows));
  const joined = parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
  return layerNorm(ps, "user/norm", dense(ps, "user/proj", joined, d, "relu")) as tf.Tensor2D;
}
