/**
 * n-step transitions for off-policy learners (Sutton & Barto ch. 7; Rainbow's multi-step returns): each slot's
 * last n steps wait in a queue; when the queue is full, its oldest step leaves as (s_t, a_t, r_t + gamma r_t+1 +
 * ... + gamma^(n-1) r_t+n-1, s_t+n, mask_t+n) with horizon n, so the learner bootstraps with gamma^n. When a
 * session ends, every step still queued leaves at once with its truncated return and `done` set. n = 1 is the
 * plain one-step transition.
 *
 * Why: a one-step target leans on Q(s') at every step, so an error of the bootstrap (here, of a Q-network trained
 * in a learned world model) is copied back one step per update; n steps of real rewards carry the session's
 * consequences (a quit) back n times faster and with less weight on the bootstrap.
 */
import type { StepBatch } from "./algorithm.js";
import type { HistoryBatch } from "./encoders.js";

/**
 * The rows an {@link NStepQueue} hands to a replay buffer: B' transitions of horizons 1..n, with `rewards` the
 * discounted sums of up to n rewards.
 */
export interface NStepRows extends StepBatch {
  /** Env steps each reward sum covers: the bootstrap is discounted by gamma^horizon. */
  readonly horizons: Uint8Array;
}

interface Pending {
  items: Int32Array;
  feedback: Float32Array;
  valid: Float32Array;
  user: number;
  slate: Int32Array;
  reward: number;
}

/** Per-slot queues of the last n steps of a batched env. */
export class NStepQueue {
  private readonly queues: Pending[][];

  constructor(
    readonly n: number,
    readonly gamma: number,
    readonly batchSize: number,
    readonly slateSize: number,
    readonly numItems: number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`nStep must be an integer >= 1, got ${n}`);
    this.queues = Array.from({ length: batchSize }, () => []);
  }

  /** Queues one batched step and returns the transitions it completes (possibly none). */
  push(history: HistoryBatch, slates: Int32Array, rewards: Float32Array, dones: Uint8Array, next: HistoryBatch, nextMask: Uint8Array | null): NStepRows {
    if (history.batchSize !== this.batchSize) {
      throw new RangeError(`NStepQueue was made for ${this.batchSize} sessions per step and got a step of ${history.batchSize}; train on one env (one batch size) per DQN`);
    }
    const l = history.length;
    const k = this.slateSize;
    const out: { p: Pending; reward: number; horizon: number; done: boolean; slot: number }[] = [];
    for (let b = 0; b < this.batchSize; b++) {
      const q = this.queues[b]!;
      q.push({
        items: history.items.slice(b * l, b * l + l),
        feedback: history.feedback.slice(b * l, b * l + l),
        valid: history.valid.slice(b * l, b * l + l),
        user: history.users ? history.users[b]! : -1,
        slate: slates.slice(b * k, b * k + k),
        reward: rewards[b]!,
      });
      const done = dones[b] === 1;
      // A finished session empties its queue; otherwise only a full queue releases its oldest step.
      const release = done ? q.length : q.length === this.n ? 1 : 0;
      for (let j = 0; j < release; j++) {
        let sum = 0;
        for (let i = q.length - 1; i >= 0; i--) sum = q[i]!.reward + this.gamma * sum;
        out.push({ p: q[0]!, reward: sum, horizon: q.length, done, slot: b });
        q.shift();
      }
    }
    const m = out.length;
    const rows: NStepRows = {
      history: { batchSize: m, length: l, items: new Int32Array(m * l), feedback: new Float32Array(m * l), valid: new Float32Array(m * l), users: new Int32Array(m) },
      slates: new Int32Array(m * k),
      rewards: new Float32Array(m),
      dones: new Uint8Array(m),
      next: { batchSize: m, length: l, items: new Int32Array(m * l), feedback: new Float32Array(m * l), valid: new Float32Array(m * l), users: new Int32Array(m) },
      nextMask: nextMask ? new Uint8Array(m * this.numItems) : null,
      horizons: new Uint8Array(m),
    };
    out.forEach((o, i) => {
      rows.history.items.set(o.p.items, i * l);
      rows.history.feedback.set(o.p.feedback, i * l);
      rows.history.valid.set(o.p.valid, i * l);
      rows.history.users![i] = o.p.user;
      rows.next.users![i] = o.p.user;
      rows.slates.set(o.p.slate, i * k);
      rows.rewards[i] = o.reward;
      rows.dones[i] = o.done ? 1 : 0;
      rows.horizons[i] = o.horizon;
      // s_t+n is the history after this batched step; for a finished session it is never used (done).
      const s = o.slot;
      rows.next.items.set(next.items.subarray(s * l, s * l + l), i * l);
      rows.next.feedback.set(next.feedback.subarray(s * l, s * l + l), i * l);
      rows.next.valid.set(next.valid.subarray(s * l, s * l + l), i * l);
      if (nextMask && rows.nextMask) rows.nextMask.set(nextMask.subarray(s * this.numItems, (s + 1) * this.numItems), i * this.numItems);
    });
    return rows;
  }
}
