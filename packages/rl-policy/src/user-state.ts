/**
 * User-aware state: what the policy knows of the user before the session opens the history it reads.
 *
 * Without it the policy's input is the current session alone, so every new user gets the same first slate and
 * greedy play is one item sequence for everyone. With it, `1 + topK` tokens precede the session's tokens:
 * - a user token: a learned vector, plus a projection of the user's features (Coat's 14 one-hot columns) when
 *   the env has them and `features` is on, plus a per-user embedding when `userEmbedding` is on (only useful
 *   when the evaluated users are the training users: a held-out user's row is never trained);
 * - the user's `topK` best logged items (`UserProfiles`, best first at the oldest positions), each
 *   `e_item + W_f * rating + p_past[j]` with the session tokens' feedback weights (ratings scaled as feedback).
 *
 * These tokens live apart from `HistoryBatch.items`: the repeat logit and the no-repeat masks read only the
 * session, so an item the user rated in the log is not "already recommended".
 */
import { FarsightError } from "@farsight/core";
import type { UserProfiles } from "@farsight/env";
import { tf } from "./backend.js";
import type { HistoryTokens } from "./encoders.js";
import type { ParamSet } from "./params.js";
import { type UserStateOptions } from "./plain-types.js";
export type { UserStateOptions } from "./plain-types.js";


export const DEFAULT_USER_STATE: UserStateOptions = { topK: 5, features: true, userEmbedding: false };

/** Per-user tables as tensors, with a pad row (index numUsers) for slots without a known user. */
export class UserTables {
  /** [U+1, k] item ids (pad id = numItems), scaled ratings, validity. */
  readonly pastItems: tf.Tensor2D;
  readonly pastFeedback: tf.Tensor2D;
  readonly pastValid: tf.Tensor2D;
  /** [U+1, F], when features are used. */
  readonly features: tf.Tensor2D | undefined;

  constructor(
    readonly profiles: UserProfiles | undefined,
    readonly o: UserStateOptions,
    numItems: number,
    feedbackScale: number,
    /** Feature width the policy was built for (0: none). */
    readonly featureDim: number,
    /** Users the policy was built for (the id embedding's rows); 0 without one. */
    readonly numUsers: number,
  ) {
    const u = profiles?.numUsers ?? 0, k = o.topK;
    if (featureDim > 0 && profiles?.featureDim !== featureDim) {
      throw new FarsightError("rl-policy/env-mismatch", `the policy reads ${featureDim} user feature columns; this env's profiles have ${profiles?.featureDim ?? 0}`, { featureDim, envFeatureDim: profiles?.featureDim ?? 0 });
    }
    if (o.userEmbedding && u !== numUsers) {
      throw new FarsightError("rl-policy/env-mismatch", `the policy's user embedding has ${numUsers} users; this env has profiles of ${u}`, { numUsers, envUsers: u });
    }
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
  }

  /** Row indices of a batch's users: unknown (-1) or out-of-range users read the pad row. */
  rows(users: Int32Array): tf.Tensor1D {
    const u = this.profiles?.numUsers ?? 0;
    return tf.tensor1d(Int32Array.from(users, (x) => (x >= 0 && x < u ? x : u)), "int32");
  }

  dispose(): void {
    tf.dispose([this.pastItems, this.pastFeedback, this.pastValid]);
    this.features?.dispose();
  }
}

/**
 * The `1 + topK` user tokens of a batch, [B, 1+k, d], in {@link HistoryTokens} form so they can be put before the
 * session's tokens. The user token counts as a valid interaction with feedback 1.
 */
export function userTokens(ps: ParamSet, o: UserStateOptions, tables: UserTables, users: Int32Array, table: tf.Tensor2D): HistoryTokens {
  const b = users.length, k = o.topK, d = table.shape[1];
  const rows = tables.rows(users);
  let user: tf.Tensor = tf.mul(ps.get("user/token", [1, d], "normal"), tf.ones([b, 1]));
  if (tables.features) user = tf.add(user, tf.matMul(tf.gather(tables.features, rows), ps.get("user/featureProj", [tables.featureDim, d])));
  if (o.userEmbedding) user = tf.add(user, tf.gather(ps.get("user/embedding", [tables.numUsers + 1, d], "normal"), rows));
  const user3 = tf.reshape(user, [b, 1, d]) as tf.Tensor3D;
  if (k === 0) return { tokens: user3, items: user3, feedback: tf.ones([b, 1]), valid: tf.ones([b, 1]) };
  const items = tf.gather(tables.pastItems, rows) as tf.Tensor2D;
  const feedback = tf.gather(tables.pastFeedback, rows) as tf.Tensor2D;
  const valid = tf.gather(tables.pastValid, rows) as tf.Tensor2D;
  const itemEmb = tf.reshape(tf.gather(table, tf.reshape(items, [-1])), [b, k, d]) as tf.Tensor3D;
  // The session tokens' feedback weights: a logged rating and an in-session rating mean the same thing.
  const fbEmb = tf.add(tf.mul(tf.expandDims(feedback, 2), ps.get("tokens/feedbackW", [d], "normal")), ps.get("tokens/feedbackB", [d], "zeros"));
  const pastTokens = tf.add(tf.add(itemEmb, fbEmb), ps.get("user/pastPosition", [k, d], "normal"));
  return {
    tokens: tf.concat([user3, pastTokens], 1) as tf.Tensor3D,
    items: tf.concat([user3, itemEmb], 1) as tf.Tensor3D,
    feedback: tf.concat([tf.ones([b, 1]), feedback], 1) as tf.Tensor2D,
    valid: tf.concat([tf.ones([b, 1]), valid], 1) as tf.Tensor2D,
  };
}

/** User tokens first (oldest), then the session's: the sequence a state tracker reads. */
export function prependTokens(user: HistoryTokens, session: HistoryTokens): HistoryTokens {
  return {
    tokens: tf.concat([user.tokens, session.tokens], 1) as tf.Tensor3D,
    items: tf.concat([user.items, session.items], 1) as tf.Tensor3D,
    feedback: tf.concat([user.feedback, session.feedback], 1) as tf.Tensor2D,
    valid: tf.concat([user.valid, session.valid], 1) as tf.Tensor2D,
  };
}
