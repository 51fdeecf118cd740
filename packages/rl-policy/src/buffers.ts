/**
 * Buffers, once for all algorithms (Stable-Baselines3's lesson): an on-policy {@link RolloutBuffer}
 * (PPO, A2C) with GAE, and an off-policy {@link ReplayBuffer} (DQN). Both store typed arrays only.
 */
import type { Rng } from "@farsight/core";
import type { HistoryBatch } from "./encoders.js";

/** Shape of what a buffer stores per transition. */
export interface TransitionShape {
  /** History length L. */
  readonly historyLength: number;
  /** Slate size K. */
  readonly slateSize: number;
  /** Continuous action width (PPO hyper-action), 0 for discrete policies. */
  readonly actionDim: number;
  /** Items N (mask width). */
  readonly numItems: number;
}

/**
 * Generalised advantage estimation over a [T, B] rollout (time-major), in place into `advantages` and
 * `returns`. `dones[t,b] = 1` means the session ended at step t (no bootstrap across it);
 * `lastValues` are V(s_T) of the states after the last step. `lambda = 0` is TD(0) (LERL's estimator),
 * `lambda = 1` the Monte-Carlo return minus the baseline.
 */
export function computeGae(
  t: number,
  b: number,
  rewards: Float32Array,
  values: Float32Array,
  dones: Uint8Array,
  lastValues: Float32Array,
  gamma: number,
  lambda: number,
  advantages: Float32Array,
  returns: Float32Array,
): void {
  for (let slot = 0; slot < b; slot++) {
    let next = 0;
    for (let step = t - 1; step >= 0; step--) {
      const i = step * b + slot;
      const nextValue = step === t - 1 ? lastValues[slot]! : values[i + b]!;
      const notDone = dones[i] ? 0 : 1;
      const delta = rewards[i]! + gamma * nextValue * notDone - values[i]!;
      next = delta + gamma * lambda * notDone * next;
      advantages[i] = next;
      returns[i] = next + values[i]!;
    }
  }
}

/** On-policy storage for T steps of B slots. Row `t*B + b`. */
export class RolloutBuffer {
  readonly items: Int32Array;
  /** User per row (-1 unknown): the user-aware state looks their profile up. */
  readonly users: Int32Array;
  readonly feedback: Float32Array;
  readonly valid: Float32Array;
  readonly slates: Int32Array;
  readonly actions: Float32Array;
  readonly logProbs: Float32Array;
  readonly values: Float32Array;
  readonly rewards: Float32Array;
  /** Feedback per slate position (B*K per step), when the caller passes it to {@link addOutcome}. */
  readonly slateFeedback: Float32Array;
  /** Whether every stored step came with slate feedback. */
  hasSlateFeedback = true;
  readonly dones: Uint8Array;
  /** Masks per row, or null rows where nothing was masked. */
  readonly masks: (Uint8Array | null)[];
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  /** Steps written so far. */
  size = 0;

  constructor(
    readonly steps: number,
    readonly batchSize: number,
    readonly shape: TransitionShape,
  ) {
    const n = steps * batchSize;
    this.items = new Int32Array(n * shape.historyLength);
    this.users = new Int32Array(n).fill(-1);
    this.feedback = new Float32Array(n * shape.historyLength);
    this.valid = new Float32Array(n * shape.historyLength);
    this.slates = new Int32Array(n * shape.slateSize);
    this.actions = new Float32Array(n * shape.actionDim);
    this.logProbs = new Float32Array(n);
    this.values = new Float32Array(n);
    this.rewards = new Float32Array(n);
    this.slateFeedback = new Float32Array(n * shape.slateSize);
    this.dones = new Uint8Array(n);
    this.masks = new Array<Uint8Array | null>(n).fill(null);
    this.advantages = new Float32Array(n);
    this.returns = new Float32Array(n);
  }

  get full(): boolean {
    return this.size >= this.steps;
  }

  /** Records the observation and the action of one step (all B slots). */
  addAction(history: HistoryBatch, slates: Int32Array, actions: Float32Array, logProbs: Float32Array, values: Float32Array, mask: Uint8Array | null): void {
    if (this.full) throw new Error("RolloutBuffer is full: call reset() after the update");
    const { historyLength: l, slateSize: k, actionDim: a, numItems: n } = this.shape;
    const b = this.batchSize;
    const row = this.size * b;
    this.items.set(history.items, row * l);
    this.feedback.set(history.feedback, row * l);
    this.valid.set(history.valid, row * l);
    if (history.users) this.users.set(history.users, row);
    else this.users.fill(-1, row, row + b);
    this.slates.set(slates, row * k);
    if (a > 0) this.actions.set(actions, row * a);
    this.logProbs.set(logProbs, row);
    this.values.set(values, row);
    for (let s = 0; s < b; s++) this.masks[row + s] = mask ? mask.slice(s * n, (s + 1) * n) : null;
  }

  /**
   * Records the outcome of the step added last. `slateFeedback` (raw feedback per slate position, B*K)
   * enables PPO's response loss; without it that loss is skipped for this rollout.
   */
  addOutcome(rewards: Float32Array, dones: Uint8Array, slateFeedback?: Float32Array): void {
    const row = this.size * this.batchSize;
    const k = this.shape.slateSize;
    this.rewards.set(rewards.subarray(0, this.batchSize), row);
    if (slateFeedback) this.slateFeedback.set(slateFeedback.subarray(0, this.batchSize * k), row * k);
    else this.hasSlateFeedback = false;
    this.dones.set(dones.subarray(0, this.batchSize), row);
    this.size++;
  }

  /** Fills `advantages` and `returns` (see {@link computeGae}). */
  finish(lastValues: Float32Array, gamma: number, lambda: number): void {
    computeGae(this.size, this.batchSize, this.rewards, this.values, this.dones, lastValues, gamma, lambda, this.advantages, this.returns);
  }

  /** Number of stored transitions. */
  get length(): number {
    return this.size * this.batchSize;
  }

  reset(): void {
    this.size = 0;
    this.hasSlateFeedback = true;
  }
}

/** Gathers rows of a flat per-row array of width `w`. */
export function gatherRows<T extends Int32Array | Float32Array | Uint8Array>(src: T, w: number, rows: ArrayLike<number>, make: (n: number) => T): T {
  const out = make(rows.length * w);
  for (let r = 0; r < rows.length; r++) out.set(src.subarray(rows[r]! * w, rows[r]! * w + w) as never, r * w);
  return out;
}

/** The history rows `rows` of a buffer as a {@link HistoryBatch}. */
export function historyRows(buf: { items: Int32Array; feedback: Float32Array; valid: Float32Array; users?: Int32Array }, l: number, rows: ArrayLike<number>): HistoryBatch {
  return {
    ...(buf.users ? { users: gatherRows(buf.users, 1, rows, (n) => new Int32Array(n)) } : {}),
    batchSize: rows.length,
    length: l,
    items: gatherRows(buf.items, l, rows, (n) => new Int32Array(n)),
    feedback: gatherRows(buf.feedback, l, rows, (n) => new Float32Array(n)),
    valid: gatherRows(buf.valid, l, rows, (n) => new Float32Array(n)),
  };
}

/** Stacks per-row masks (null = all allowed) into one B*N mask, or null when every row is null. */
export function stackMasks(masks: readonly (Uint8Array | null)[], rows: ArrayLike<number>, n: number): Uint8Array | null {
  let any = false;
  for (let r = 0; r < rows.length; r++) if (masks[rows[r]!]) any = true;
  if (!any) return null;
  const out = new Uint8Array(rows.length * n).fill(1);
  for (let r = 0; r < rows.length; r++) {
    const m = masks[rows[r]!];
    if (m) out.set(m, r * n);
  }
  return out;
}

/** A random permutation of 0..n-1 (Fisher-Yates with the given stream). */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/**
 * Off-policy ring buffer of (s, slate, r, done, s', mask', horizon) for DQN. `horizon` is the number of env steps
 * the reward covers (1 for a plain transition, up to n for the rows of `NStepQueue`): the learner discounts the
 * bootstrap by gamma^horizon.
 */
export class ReplayBuffer {
  readonly items: Int32Array;
  /** User of each transition (-1 unknown); the next state's user is the same (a reset slot's is never bootstrapped). */
  readonly users: Int32Array;
  readonly feedback: Float32Array;
  readonly valid: Float32Array;
  readonly nextItems: Int32Array;
  readonly nextFeedback: Float32Array;
  readonly nextValid: Float32Array;
  readonly slates: Int32Array;
  readonly rewards: Float32Array;
  readonly dones: Uint8Array;
  readonly horizons: Uint8Array;
  readonly nextMasks: (Uint8Array | null)[];
  private cursor = 0;
  size = 0;

  constructor(
    readonly capacity: number,
    readonly shape: TransitionShape,
  ) {
    const l = shape.historyLength;
    this.items = new Int32Array(capacity * l);
    this.users = new Int32Array(capacity).fill(-1);
    this.feedback = new Float32Array(capacity * l);
    this.valid = new Float32Array(capacity * l);
    this.nextItems = new Int32Array(capacity * l);
    this.nextFeedback = new Float32Array(capacity * l);
    this.nextValid = new Float32Array(capacity * l);
    this.slates = new Int32Array(capacity * shape.slateSize);
    this.rewards = new Float32Array(capacity);
    this.dones = new Uint8Array(capacity);
    this.horizons = new Uint8Array(capacity);
    this.nextMasks = new Array<Uint8Array | null>(capacity).fill(null);
  }

  /**
   * Adds B transitions: row b of each argument. `next` is the history after the step (before any reset);
   * `horizons` (default all 1) the env steps each reward covers.
   */
  addBatch(history: HistoryBatch, slates: Int32Array, rewards: Float32Array, dones: Uint8Array, next: HistoryBatch, nextMask: Uint8Array | null, horizons?: Uint8Array): void {
    const { historyLength: l, slateSize: k, numItems: n } = this.shape;
    for (let b = 0; b < history.batchSize; b++) {
      const i = this.cursor;
      this.items.set(history.items.subarray(b * l, b * l + l), i * l);
      this.feedback.set(history.feedback.subarray(b * l, b * l + l), i * l);
      this.valid.set(history.valid.subarray(b * l, b * l + l), i * l);
      this.users[i] = history.users ? history.users[b]! : -1;
      this.nextItems.set(next.items.subarray(b * l, b * l + l), i * l);
      this.nextFeedback.set(next.feedback.subarray(b * l, b * l + l), i * l);
      this.nextValid.set(next.valid.subarray(b * l, b * l + l), i * l);
      this.slates.set(slates.subarray(b * k, b * k + k), i * k);
      this.rewards[i] = rewards[b]!;
      this.dones[i] = dones[b]!;
      this.horizons[i] = horizons ? horizons[b]! : 1;
      this.nextMasks[i] = nextMask ? nextMask.slice(b * n, b * n + n) : null;
      this.cursor = (this.cursor + 1) % this.capacity;
      this.size = Math.min(this.size + 1, this.capacity);
    }
  }

  /** Uniformly sampled row indices. */
  sample(batchSize: number, rng: Rng): Int32Array {
    const rows = new Int32Array(batchSize);
    for (let i = 0; i < batchSize; i++) rows[i] = rng.int(this.size);
    return rows;
  }
}
