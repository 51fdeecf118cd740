/**
 * Demonstrations as policy inputs. A demonstration is a finished session (`@farsight/core` {@link Episode}:
 * slates, feedback, rewards), whoever produced it (an LLM agent, a heuristic, a log). Each step becomes one
 * transition whose state is built exactly as the env's `readHistory` builds it for the policy: the last L
 * interactions of the session before the step, oldest first, right-aligned, feedback divided by
 * `feedbackScale`. So a demonstration and a live rollout of the same session give the policy the same input,
 * and the same item mask: {@link DemoBuffer.masks} allows exactly the items not yet shown in the session, as the
 * rollout collector and `PolicyAgent` do (no repeats in any mode; IL-Rec's policy serves without a plan, so the
 * teacher's plan is not part of the mask).
 */
import { FarsightError, type Episode } from "@farsight/core";
import type { HistoryBatch } from "../encoders.js";
import { gatherRows, historyRows } from "../buffers.js";
import { discountedReturns } from "./weights.js";

/** How demonstrations are turned into transitions. */
export interface DemoShape {
  readonly historyLength: number;
  readonly slateSize: number;
  readonly numItems: number;
  /** Raw feedback is divided by this (the policy's `feedbackScale`). */
  readonly feedbackScale: number;
  /** Discount of the demonstration returns G (IL-Rec: 0.5). */
  readonly gamma: number;
}

/** Transitions of demonstrated sessions, in typed arrays; row r = one demonstrated step. */
export class DemoBuffer {
  readonly items: Int32Array;
  readonly feedback: Float32Array;
  readonly valid: Float32Array;
  /** The state after the step (the next row's state, or the final history for a last step). */
  readonly nextItems: Int32Array;
  readonly nextFeedback: Float32Array;
  readonly nextValid: Float32Array;
  readonly slates: Int32Array;
  readonly rewards: Float32Array;
  /** 1 on the last step of a session. */
  readonly dones: Uint8Array;
  /** Discounted demonstration return G_t. */
  readonly returns: Float32Array;
  /** Demonstration weights w, refreshed by the learner (1 until the first refresh). */
  weights: Float32Array;
  /** Index of the episode each row belongs to. */
  readonly episodeOf: Int32Array;
  /** First row of the episode each row belongs to (the items shown before row r are rows start..r-1). */
  readonly episodeStart: Int32Array;
  /**
   * 1 where the demonstrated slate is allowed by the no-repeat mask. A teacher that re-shows an item did
   * something the policy can never do (its log-prob is -inf under the mask): such rows get weight 0.
   */
  readonly usable: Uint8Array;

  private constructor(readonly size: number, readonly shape: DemoShape, readonly episodes: number) {
    const l = shape.historyLength;
    this.items = new Int32Array(size * l).fill(shape.numItems);
    this.feedback = new Float32Array(size * l);
    this.valid = new Float32Array(size * l);
    this.nextItems = new Int32Array(size * l).fill(shape.numItems);
    this.nextFeedback = new Float32Array(size * l);
    this.nextValid = new Float32Array(size * l);
    this.slates = new Int32Array(size * shape.slateSize);
    this.rewards = new Float32Array(size);
    this.dones = new Uint8Array(size);
    this.returns = new Float32Array(size);
    this.weights = new Float32Array(size).fill(1);
    this.episodeOf = new Int32Array(size);
    this.episodeStart = new Int32Array(size);
    this.usable = new Uint8Array(size).fill(1);
  }

  /** Builds the transitions of `episodes`; throws a {@link FarsightError} naming the session and step of a bad slate. */
  static fromEpisodes(episodes: readonly Episode[], shape: DemoShape): DemoBuffer {
    const size = episodes.reduce((n, e) => n + e.steps.length, 0);
    const buf = new DemoBuffer(size, shape, episodes.length);
    const { historyLength: l, slateSize: k, numItems: n } = shape;
    let row = 0;
    episodes.forEach((episode, e) => {
      const start = row;
      const shown = new Set<number>();
      const seenItems: number[] = [];
      const seenFeedback: number[] = [];
      episode.steps.forEach((step, t) => {
        if (step.slate.length !== k) {
          throw new FarsightError("rl-policy/ilrec-bad-demo", `demonstration ${episode.sessionId} step ${t}: slate of ${step.slate.length} items, the policy recommends ${k}`, { sessionId: episode.sessionId, step: t });
        }
        for (const item of step.slate) {
          if (!Number.isInteger(item) || item < 0 || item >= n) {
            throw new FarsightError("rl-policy/ilrec-bad-demo", `demonstration ${episode.sessionId} step ${t}: item ${item} is outside the catalogue (0..${n - 1})`, { sessionId: episode.sessionId, step: t, item });
          }
        }
        writeWindow(buf.items, buf.feedback, buf.valid, row * l, l, seenItems, seenFeedback);
        step.slate.forEach((item, j) => {
          seenItems.push(item);
          seenFeedback.push((step.feedback[j] ?? 0) / shape.feedbackScale);
        });
        writeWindow(buf.nextItems, buf.nextFeedback, buf.nextValid, row * l, l, seenItems, seenFeedback);
        buf.slates.set(step.slate, row * k);
        buf.rewards[row] = Number.isFinite(step.reward) ? step.reward : 0;
        buf.dones[row] = t === episode.steps.length - 1 ? 1 : 0;
        buf.episodeOf[row] = e;
        buf.episodeStart[row] = start;
        if (step.slate.some((item) => shown.has(item)) || new Set(step.slate).size !== k) {
          buf.usable[row] = 0;
          buf.weights[row] = 0;
        }
        for (const item of step.slate) shown.add(item);
        row++;
      });
    });
    buf.returns.set(discountedReturns(buf.rewards, buf.dones, shape.gamma));
    return buf;
  }

  /** States of `rows` as a policy input. */
  history(rows: ArrayLike<number>): HistoryBatch {
    return historyRows(this, this.shape.historyLength, rows);
  }

  /** States after the step of `rows`. */
  nextHistory(rows: ArrayLike<number>): HistoryBatch {
    return historyRows({ items: this.nextItems, feedback: this.nextFeedback, valid: this.nextValid }, this.shape.historyLength, rows);
  }

  /** Demonstrated slates of `rows`, B*K. */
  slatesOf(rows: ArrayLike<number>): Int32Array {
    return gatherRows(this.slates, this.shape.slateSize, rows, (m) => new Int32Array(m));
  }

  /**
   * Allowed-item masks of `rows` (rows.length * N): 1 where the item was not shown earlier in the row's
   * session. As `combineMasks` does, a row left with fewer than K items allows every item.
   */
  masks(rows: ArrayLike<number>): Uint8Array {
    const { numItems: n, slateSize: k } = this.shape;
    const out = new Uint8Array(rows.length * n).fill(1);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      const base = r * n;
      let blocked = 0;
      for (let p = this.episodeStart[row]!; p < row; p++) {
        for (let j = 0; j < k; j++) {
          const item = this.slates[p * k + j]!;
          if (out[base + item]) blocked++;
          out[base + item] = 0;
        }
      }
      if (n - blocked < k) out.fill(1, base, base + n);
    }
    return out;
  }

  /** Number of rows whose demonstrated slate repeats an item (weight 0, see {@link usable}). */
  get unusableRows(): number {
    let c = 0;
    for (const u of this.usable) if (!u) c++;
    return c;
  }

  /** All row indices. */
  allRows(): Int32Array {
    return Int32Array.from({ length: this.size }, (_v, i) => i);
  }
}

/** Writes the last `l` of the interactions seen so far, right-aligned, into one history row at `offset`. */
function writeWindow(items: Int32Array, feedback: Float32Array, valid: Float32Array, offset: number, l: number, seenItems: number[], seenFeedback: number[]): void {
  const take = Math.min(l, seenItems.length);
  for (let j = 0; j < take; j++) {
    const src = seenItems.length - take + j;
    const dst = offset + l - take + j;
    items[dst] = seenItems[src]!;
    feedback[dst] = seenFeedback[src]!;
    valid[dst] = 1;
  }
}
