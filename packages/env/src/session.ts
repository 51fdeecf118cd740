/**
 * A single-session convenience API over a one-slot {@link Simulator}: plain arrays in, plain objects out.
 * For interactive use, LLM agents and examples; training loops use the batched simulator directly.
 */
import type { EndReason, Observation, Slate, UserId } from "@farsight/core";
import { FarsightError } from "@farsight/core";
import type { Simulator } from "./simulator.js";
import { END_REASONS } from "./types.js";

export interface SessionStep {
  readonly reward: number;
  readonly feedback: readonly number[];
  readonly done: boolean;
  readonly endReason?: EndReason;
  /** The session after the step. */
  readonly observation: Observation;
}

export class Session {
  private readonly slate: Int32Array;

  /** @param sim a simulator with batchSize 1 and autoReset off. */
  constructor(readonly sim: Simulator) {
    if (sim.batchSize !== 1 || sim.options.autoReset) {
      throw new FarsightError("env/bad-option", "Session needs a simulator with batchSize 1 and autoReset off", { batchSize: sim.batchSize });
    }
    this.slate = new Int32Array(sim.slateSize);
  }

  /** Starts a session (with `user`, or one drawn from the simulator's pool). */
  reset(user?: UserId): Observation {
    this.sim.resetSlot(0, user);
    return this.sim.observation(0);
  }

  get done(): boolean {
    return this.sim.active[0] === 0;
  }

  /** Shows one slate (an item id, or K ids). */
  step(slate: Slate | number): SessionStep {
    if (this.done) throw new FarsightError("env/session-over", "the session has ended; call reset() to start another", {});
    const items = typeof slate === "number" ? [slate] : slate;
    if (items.length !== this.sim.slateSize) {
      throw new FarsightError("env/bad-slate", `expected a slate of ${this.sim.slateSize} items, got ${items.length}`, { slate: items });
    }
    this.slate.set(items);
    const r = this.sim.step(this.slate);
    const endReason = END_REASONS[r.endCode[0]!];
    return {
      reward: r.reward[0]!,
      feedback: Array.from(r.feedback),
      done: r.done[0] === 1,
      ...(endReason ? { endReason } : {}),
      observation: this.sim.observation(0),
    };
  }
}
