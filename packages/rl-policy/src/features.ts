/**
 * From the env's typed arrays to policy inputs: the last L interactions per slot ({@link HistoryBatch}),
 * and the item mask that combines "not yet recommended" (NX modes) with the plan's categories.
 */
import type { VecEnv } from "@farsight/env";
import { tf } from "./backend.js";
import type { HistoryBatch } from "./encoders.js";

/** Allocates an empty history batch (every row padding). */
export function emptyHistory(batchSize: number, length: number, padItem: number): HistoryBatch & { users: Int32Array } {
  return { batchSize, length, items: new Int32Array(batchSize * length).fill(padItem), feedback: new Float32Array(batchSize * length), valid: new Float32Array(batchSize * length), users: new Int32Array(batchSize).fill(-1) };
}

/**
 * Writes the last `out.length` interactions of every slot of `env` into `out` (right-aligned, newest last;
 * within a slate, position order). Rows of inactive slots are left as padding.
 *
 * @param feedbackScale divides raw feedback (e.g. 5 for 1..5 ratings) so tokens stay O(1).
 */
export function readHistory(env: VecEnv, out: HistoryBatch, feedbackScale = 1): HistoryBatch {
  const { length: len } = out;
  const h = env.historyLength;
  const k = env.slateSize;
  const pad = env.numItems;
  out.items.fill(pad);
  out.feedback.fill(0);
  out.valid.fill(0);
  out.users?.fill(-1);
  for (let b = 0; b < out.batchSize; b++) {
    if (!env.active[b]) continue;
    if (out.users) out.users[b] = env.users[b]!;
    const steps = env.steps[b]!;
    const oldest = Math.max(0, steps - h);
    let j = len - 1;
    for (let s = steps - 1; s >= oldest && j >= 0; s--) {
      const row = s % h;
      for (let pos = k - 1; pos >= 0 && j >= 0; pos--) {
        const idx = (b * h + row) * k + pos;
        const item = env.historyItems[idx]!;
        if (item < 0) continue;
        const o = b * len + j;
        out.items[o] = item;
        out.feedback[o] = env.historyFeedback[idx]! / feedbackScale;
        out.valid[o] = 1;
        j--;
      }
    }
  }
  return out;
}

/** Copies rows `[from, from+count)` of a history batch (for minibatches). */
export function sliceHistory(src: HistoryBatch, rows: ArrayLike<number>): HistoryBatch {
  const len = src.length;
  const out = emptyHistory(rows.length, len, 0);
  for (let r = 0; r < rows.length; r++) {
    const s = rows[r]! * len;
    out.items.set(src.items.subarray(s, s + len), r * len);
    out.feedback.set(src.feedback.subarray(s, s + len), r * len);
    out.valid.set(src.valid.subarray(s, s + len), r * len);
    out.users[r] = src.users ? src.users[rows[r]!]! : -1;
  }
  return out;
}

/**
 * Item mask: 1 where the item has not been shown in the slot's session, B*N. The NX modes require it;
 * in FB mode it is applied only when `noRepeatInFB` (the env's ranking baselines never repeat either),
 * otherwise null is returned (every item allowed, and FB rollouts store no masks).
 */
export function readRepeatMask(env: VecEnv, out?: Uint8Array, noRepeatInFB = false): Uint8Array | null {
  if (env.mode === "FB" && !noRepeatInFB) return null;
  const n = env.numItems;
  const mask = out ?? new Uint8Array(env.batchSize * n);
  for (let b = 0; b < env.batchSize; b++) {
    const base = b * n;
    for (let i = 0; i < n; i++) mask[base + i] = env.wasRecommended(b, i) ? 0 : 1;
  }
  return mask;
}

/** Counts of what {@link combineMasks} had to relax, for honest logs. */
export interface MaskStats {
  /** Slots whose plan left fewer than K allowed items, so the plan was ignored for them. */
  planRelaxed: number;
  /** Slots with fewer than K allowed items even without the plan, so every item was allowed. */
  maskRelaxed: number;
}

/**
 * Allowed items per slot, B*N: the item mask (or all) AND the plan's categories (when given, B*C over
 * `itemCategory`). A slot left with fewer than `k` items falls back, first to ignoring the plan, then to
 * allowing everything, and the fallback is counted in `stats`. Returns null when nothing is masked.
 */
export function combineMasks(
  batchSize: number,
  itemCategory: Int32Array,
  numCategories: number,
  k: number,
  itemMask: Uint8Array | null | undefined,
  planMask: Uint8Array | null | undefined,
  stats?: MaskStats,
): Uint8Array | null {
  if (!itemMask && !planMask) return null;
  const n = itemCategory.length;
  const out = new Uint8Array(batchSize * n);
  for (let b = 0; b < batchSize; b++) {
    const base = b * n;
    const cbase = b * numCategories;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const ok = (!itemMask || itemMask[base + i] === 1) && (!planMask || planMask[cbase + itemCategory[i]!] === 1);
      out[base + i] = ok ? 1 : 0;
      if (ok) count++;
    }
    if (count >= k) continue;
    if (planMask) {
      count = 0;
      for (let i = 0; i < n; i++) {
        const ok = !itemMask || itemMask[base + i] === 1;
        out[base + i] = ok ? 1 : 0;
        if (ok) count++;
      }
      if (stats) stats.planRelaxed++;
      if (count >= k) continue;
    }
    out.fill(1, base, base + n);
    if (stats) stats.maskRelaxed++;
  }
  return out;
}

/** Plan mask B*C from per-slot category lists (undefined: no plan for that slot, every category allowed). */
export function planMaskFromCategories(plans: readonly (readonly number[] | undefined)[], numCategories: number): Uint8Array {
  const out = new Uint8Array(plans.length * numCategories);
  plans.forEach((cats, b) => {
    if (!cats) out.fill(1, b * numCategories, (b + 1) * numCategories);
    else for (const c of cats) if (c >= 0 && c < numCategories) out[b * numCategories + c] = 1;
  });
  return out;
}

/** 1 where an item is among a history row's valid items, [B, N]. */
export function seenItems(history: HistoryBatch, numItems: number): tf.Tensor2D {
  const { batchSize: b, length: l } = history;
  const seen = new Float32Array(b * numItems);
  for (let r = 0; r < b; r++) {
    for (let j = 0; j < l; j++) if (history.valid[r * l + j]! > 0) seen[r * numItems + history.items[r * l + j]!] = 1;
  }
  return tf.tensor2d(seen, [b, numItems]);
}
