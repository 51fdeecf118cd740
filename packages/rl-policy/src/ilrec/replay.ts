/**
 * IL-Rec's mixed replay B_env U B_demo with "global priority" sampling (released code): every environment
 * transition has priority `envPriority` (0.05), every demonstration its weight w, and a batch is drawn
 * from the union in proportion to those priorities (a demonstration of weight 0 is never drawn).
 * {@link replayActorCriticLoss} is the actor-critic term on such a batch, `-E[log pi(a|s) A_hat] + c_v E[(V(s) - y)^2]`
 * with the TD target y = r + gamma V(s') (1 - done) and A_hat = y - V(s) normalised and clipped; the imitation
 * term on the batch's demonstrations is the A2C package's own `imitationLoss`.
 *
 * Every log-prob here uses the mask the action was taken under: env rows keep the rollout's mask (no-repeat),
 * demonstration rows get the same no-repeat mask rebuilt from their session ({@link DemoBuffer.masks}). Without
 * it the replayed log-probs are over a different distribution than the one that acted (and serves).
 */
import type { Rng } from "@farsight/core";
import { tf } from "../backend.js";
import { gatherRows, historyRows, ReplayBuffer, stackMasks, type RolloutBuffer } from "../buffers.js";
import type { HistoryBatch } from "../encoders.js";
import type { A2CPolicy, AuxiliaryLoss, DemoBatch } from "../a2c.js";
import type { DemoBuffer } from "./demo-buffer.js";
import { meanStd } from "./weights.js";

/** A drawn mixed batch: which env rows and which demonstration rows. */
export interface MixedSample {
  readonly envRows: Int32Array;
  readonly demoRows: Int32Array;
}

/** The union of an environment replay and the demonstrations, sampled by priority. */
export class MixedReplay {
  readonly env: ReplayBuffer;
  /** The mask each env row's action was taken under (null: nothing masked), aligned with `env`'s ring. */
  private readonly envMasks: (Uint8Array | null)[];
  private envCursor = 0;
  private cumulative = new Float64Array(0);

  constructor(
    readonly demos: DemoBuffer,
    capacity: number,
    readonly envPriority = 0.05,
  ) {
    const s = demos.shape;
    this.env = new ReplayBuffer(capacity, { historyLength: s.historyLength, slateSize: s.slateSize, actionDim: 0, numItems: s.numItems });
    this.envMasks = new Array<Uint8Array | null>(capacity).fill(null);
    this.refreshPriorities();
  }

  /** Re-reads the demonstrations' weights (call after they change). */
  refreshPriorities(): void {
    const w = this.demos.weights;
    this.cumulative = new Float64Array(w.length);
    let s = 0;
    for (let i = 0; i < w.length; i++) this.cumulative[i] = s += Math.max(0, w[i]!);
  }

  /**
   * Adds a finished rollout: row t*B+b's next state is row (t+1)*B+b's state, and after the last step the
   * collector's current observation (`last`). Rows that ended a session have their next state masked by done.
   */
  addRollout(buf: RolloutBuffer, last: HistoryBatch): void {
    const b = buf.batchSize, l = buf.shape.historyLength, k = buf.shape.slateSize;
    const stepRows = (t: number) => historyRows(buf, l, Int32Array.from({ length: b }, (_v, s) => t * b + s));
    // Step t's next state is step t+1's state: gather each step's rows once and carry them forward.
    let state = buf.size > 0 ? stepRows(0) : last;
    for (let t = 0; t < buf.size; t++) {
      const next = t + 1 < buf.size ? stepRows(t + 1) : last;
      this.env.addBatch(state, buf.slates.subarray(t * b * k, (t + 1) * b * k), buf.rewards.subarray(t * b, (t + 1) * b), buf.dones.subarray(t * b, (t + 1) * b), next, null);
      // ReplayBuffer writes its ring in order, so row s of this step lands at envCursor + s (mod capacity).
      for (let s = 0; s < b; s++) this.envMasks[(this.envCursor + s) % this.env.capacity] = buf.masks[t * b + s] ?? null;
      this.envCursor = (this.envCursor + b) % this.env.capacity;
      state = next;
    }
  }

  /** Draws `n` transitions by global priority. */
  sample(n: number, rng: Rng): MixedSample {
    const envMass = this.envPriority * this.env.size;
    const demoMass = this.cumulative.length ? this.cumulative[this.cumulative.length - 1]! : 0;
    const envRows: number[] = [], demoRows: number[] = [];
    for (let i = 0; i < n; i++) {
      const u = rng.float() * (envMass + demoMass);
      if (u < envMass || demoMass === 0) {
        if (this.env.size > 0) envRows.push(rng.int(this.env.size));
      } else demoRows.push(searchCumulative(this.cumulative, u - envMass));
    }
    return { envRows: Int32Array.from(envRows), demoRows: Int32Array.from(demoRows) };
  }

  /** The demonstrations of a sample as an imitation batch (weights w). */
  demoBatch(sample: MixedSample): DemoBatch | null {
    if (sample.demoRows.length === 0) return null;
    const rows = sample.demoRows;
    return { history: this.demos.history(rows), slates: this.demos.slatesOf(rows), weights: Float32Array.from(rows, (r) => this.demos.weights[r]!), mask: this.demos.masks(rows) };
  }

  /** Masks of env rows (null when none of them was masked). */
  envMasksOf(rows: ArrayLike<number>): Uint8Array | null {
    return stackMasks(this.envMasks, rows, this.demos.shape.numItems);
  }

  /** All transitions of a sample, env rows first, with rewards, dones and next states. */
  transitions(sample: MixedSample): MixedTransitions {
    const l = this.demos.shape.historyLength, k = this.demos.shape.slateSize;
    const e = sample.envRows, d = sample.demoRows;
    const envNext = { items: this.env.nextItems, feedback: this.env.nextFeedback, valid: this.env.nextValid };
    const cat = (a: HistoryBatch, b: HistoryBatch): HistoryBatch => ({
      batchSize: a.batchSize + b.batchSize, length: l,
      items: concat(a.items, b.items, Int32Array), feedback: concat(a.feedback, b.feedback, Float32Array), valid: concat(a.valid, b.valid, Float32Array),
    });
    return {
      history: cat(historyRows(this.env, l, e), this.demos.history(d)),
      next: cat(historyRows(envNext, l, e), this.demos.nextHistory(d)),
      slates: concat(gatherRows(this.env.slates, k, e, (m) => new Int32Array(m)), this.demos.slatesOf(d), Int32Array),
      rewards: Float32Array.from([...Array.from(e, (r) => this.env.rewards[r]!), ...Array.from(d, (r) => this.demos.rewards[r]!)]),
      dones: Float32Array.from([...Array.from(e, (r) => this.env.dones[r]!), ...Array.from(d, (r) => this.demos.dones[r]!)]),
      mask: concat(this.envMasksOf(e) ?? new Uint8Array(e.length * this.demos.shape.numItems).fill(1), this.demos.masks(d), Uint8Array),
    };
  }
}

/** A mixed batch, env rows first: states, next states, slates, rewards, dones, and the masks the slates were chosen under. */
export interface MixedTransitions {
  readonly history: HistoryBatch;
  readonly next: HistoryBatch;
  readonly slates: Int32Array;
  readonly rewards: Float32Array;
  readonly dones: Float32Array;
  readonly mask: Uint8Array;
}

function concat<T extends Int32Array | Float32Array | Uint8Array>(a: T, b: T, C: { new (n: number): T }): T {
  const out = new C(a.length + b.length);
  out.set(a as never);
  out.set(b as never, a.length);
  return out;
}

/** First index whose cumulative sum exceeds `u`. */
function searchCumulative(c: Float64Array, u: number): number {
  let lo = 0, hi = c.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Options of {@link replayActorCriticLoss}. */
export interface ReplayLossOptions {
  gamma: number;
  /** Coefficient of the whole term (0 turns it off). */
  coef: number;
  valueCoef: number;
  /** |A_hat| cap after normalisation (released code: 5). */
  advantageClip: number;
  /**
   * Keep only positive advantages (self-imitation style), after normalisation: the rows above the batch's
   * mean advantage, not those with a raw advantage > 0 (on Coat seed 0 the two differ on 0.1% of the rows
   * kept). Replayed actions are off-policy: pushing down
   * log pi of an action the policy already avoids never saturates, and without the released code's logit
   * soft-clip the logits run away (observed on Coat: losses of -6e4 and a collapsed policy).
   */
  positiveOnly: boolean;
}

/**
 * The actor-critic term on the current mixed batch, as an A2C auxiliary loss. `current()` returns the batch
 * drawn for this update (or null). The advantage uses the policy's own value head, outside the gradient.
 */
export function replayActorCriticLoss(current: () => MixedTransitions | null, o: ReplayLossOptions): AuxiliaryLoss {
  return (policy: A2CPolicy) => {
    const batch = current();
    if (!batch || batch.history.batchSize === 0 || o.coef === 0) return null;
    const n = batch.history.batchSize;
    const { target, adv } = tf.tidy(() => {
      const table = policy.table();
      const v = policy.value(policy.encode(batch.history, table)).dataSync();
      const vNext = policy.value(policy.encode(batch.next, table)).dataSync();
      const y = new Float32Array(n), a = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        y[i] = batch.rewards[i]! + o.gamma * vNext[i]! * (1 - batch.dones[i]!);
        a[i] = y[i]! - v[i]!;
      }
      const { mean, std } = meanStd(a);
      const floor = o.positiveOnly ? 0 : -o.advantageClip;
      for (let i = 0; i < n; i++) a[i] = Math.max(floor, Math.min(o.advantageClip, n > 1 ? (a[i]! - mean) / (std + 1e-8) : a[i]!));
      return { target: y, adv: a };
    });
    const { logProb, state } = policy.logProbOf(batch.history, batch.slates, batch.mask);
    const actor = tf.neg(tf.mean(tf.mul(logProb, tf.tensor1d(adv))));
    // On the critic's normalised return scale, as A2C's own value loss (so neither swamps the other).
    const scale = policy.returnStd();
    const critic = tf.mean(tf.square(tf.sub(policy.normalizedValue(state), tf.div(tf.tensor1d(target), scale))));
    return tf.mul(tf.add(actor, tf.mul(critic, o.valueCoef)), o.coef) as tf.Scalar;
  };
}
