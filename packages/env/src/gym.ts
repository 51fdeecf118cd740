/**
 * A Gymnasium-shaped view of one simulated user session, for users who know `gymnasium.Env`:
 *
 * ```ts
 * const env = await makeGymEnv("synthetic");
 * let { observation, info } = env.reset({ seed: 0 });
 * for (let done = false; !done; ) {
 *   const action = env.actionSpace.sample(info.actionMask);
 *   const r = env.step(action);
 *   done = r.terminated || r.truncated;
 *   ({ observation, info } = r);
 * }
 * ```
 *
 * `terminated` means the user quit (or an invalid slate ended the session); `truncated` means the step limit
 * (`maxSteps`, or NX_10's fixed length) ended it. The adapter wraps a one-slot {@link Simulator}; training
 * loops take the batched simulator of the same world from {@link GymEnv.vecEnv}.
 */
import { FarsightError, type EndReason, type Observation, type UserId } from "@farsight/core";
import { BoxSpace, DictSpace, DiscreteSpace, SlateSpace } from "./gym-spaces.js";
import { loadPreset, type EnvSetup, type PresetOptions, type SimulatorRole } from "./presets.js";
import { Simulator, type SimulatorOptions } from "./simulator.js";
import { END_REASONS, EndCode } from "./types.js";
import type { WorldModel } from "./world.js";

/** What the agent sees: the last H slates and their feedback, oldest first, padded at the start. */
export interface GymObservation {
  /** Item ids shown in the last H steps, H x K row-major, oldest row first; -1 in rows before the session began. */
  readonly items: Int32Array;
  /** The feedback to each of those items (0 in padding rows). */
  readonly feedback: Float32Array;
  /** The session's user. */
  readonly user: number;
  /** Steps taken in the session. */
  readonly step: number;
}

/** Gymnasium's `info`: what the agent may read but is not the observation. */
export interface GymInfo {
  readonly sessionId: string;
  /** Reward collected in the session so far. */
  readonly sessionReturn: number;
  /** Valid actions now, one entry per item (1 = allowed): every item in FB, the items not yet shown in NX modes. */
  readonly actionMask: Uint8Array;
  /** Per-item feedback of the slate just shown (after `step`; empty after `reset`). */
  readonly feedback: readonly number[];
  /** Why the session ended (after a step that ended it). */
  readonly endReason?: EndReason;
}

export interface GymStepResult {
  readonly observation: GymObservation;
  readonly reward: number;
  /** The user quit, or the slate was invalid (`info.endReason` says which). */
  readonly terminated: boolean;
  /** The session hit its step limit. */
  readonly truncated: boolean;
  readonly info: GymInfo;
}

export interface GymResetOptions {
  /** Restarts the env's random streams (users, clicks, world) as Gymnasium's `reset(seed=...)`; omitted, they go on. */
  readonly seed?: number;
  /** Gymnasium's `options`: `user` starts the session with that user instead of one drawn from the pool. */
  readonly options?: { readonly user?: UserId };
}

/** Options of {@link makeGymEnv}. */
export interface GymEnvOptions {
  /** Which world and users (see `makeSimulator`): `train` (the predicted world, train users; default), `test`, `train-gt`. */
  readonly role?: SimulatorRole;
  /** Simulator settings over the preset's (slate size, step limit, mode, seed...); one slot, no auto-reset. */
  readonly simulator?: Partial<SimulatorOptions>;
  /** Preset options when `makeGymEnv` is given a preset name. */
  readonly preset?: PresetOptions;
}

/** The pieces a {@link GymEnv} is built from: a preset's setup, the world of the chosen role and the simulator settings. */
export interface GymEnvSource {
  readonly setup: EnvSetup;
  readonly role: SimulatorRole;
  readonly world: WorldModel;
  readonly simulator: Partial<SimulatorOptions>;
}

/** A one-session Gymnasium-shaped env over a preset: `makeGymEnv("synthetic", { role: "train" })`. */
export async function makeGymEnv(preset: string | EnvSetup, options: GymEnvOptions = {}): Promise<GymEnv> {
  const setup = typeof preset === "string" ? await loadPreset(preset, options.preset) : preset;
  if (typeof preset !== "string" && options.preset) throw new FarsightError("env/bad-option", "preset options apply to a preset name; this env was given a loaded setup", {});
  const role = options.role ?? "train";
  if (!["train", "test", "train-gt"].includes(role)) throw new FarsightError("env/bad-option", `unknown simulator role "${role}"; expected train, test or train-gt`, { role });
  const world = role === "train" ? (await setup.predicted()).world : setup.groundTruth;
  return new GymEnv({ setup, role, world, simulator: options.simulator ?? {} });
}

export class GymEnv {
  /** A `Discrete(numItems)` item id for slates of one item, else a slate of `slateSize` distinct ids. */
  readonly actionSpace: DiscreteSpace | SlateSpace;
  readonly observationSpace: DictSpace<{ items: BoxSpace; feedback: BoxSpace; user: DiscreteSpace; step: DiscreteSpace }>;
  /** The one-slot simulator underneath (read-only use: stepping it directly desynchronises the adapter). */
  readonly sim: Simulator;
  private readonly slate: Int32Array;
  private started = false;

  constructor(readonly source: GymEnvSource) {
    const o = source.simulator;
    if ((o.batchSize ?? 1) !== 1 || o.autoReset) {
      throw new FarsightError("env/bad-option", "a GymEnv is one session: leave batchSize and autoReset unset (training loops batch through vecEnv())", { batchSize: o.batchSize, autoReset: o.autoReset });
    }
    this.sim = this.simulator({ batchSize: 1, autoReset: false });
    const { numItems, slateSize: K, historyLength: H, numUsers, maxSteps } = this.sim;
    this.actionSpace = K === 1 ? new DiscreteSpace(numItems) : new SlateSpace(numItems, K);
    const clicks = this.sim.options.feedback === "click";
    this.observationSpace = new DictSpace({
      items: new BoxSpace(-1, numItems - 1, [H, K], "int32"),
      feedback: new BoxSpace(clicks ? 0 : -Infinity, clicks ? 1 : Infinity, [H, K], "float32"),
      user: new DiscreteSpace(numUsers),
      step: new DiscreteSpace(maxSteps + 1),
    });
    this.slate = new Int32Array(K);
  }

  get setup(): EnvSetup {
    return this.source.setup;
  }

  /**
   * A batched simulator of the same world, rules and users, for training loops (`batchSize` sessions that
   * refill themselves with new users by default) or evaluation (`sessionLimit`). Each call builds a new one.
   */
  vecEnv(options: Partial<SimulatorOptions> = {}): Simulator {
    return this.simulator({ autoReset: true, ...options });
  }

  /** Starts a session: `{ observation, info }`. */
  reset(options: GymResetOptions = {}): { observation: GymObservation; info: GymInfo } {
    if (options.seed !== undefined) {
      this.sim.reseed(options.seed);
      this.actionSpace.seed(options.seed);
    }
    this.sim.resetSlot(0, options.options?.user);
    this.started = true;
    return { observation: this.observe(), info: this.info([], undefined) };
  }

  /** Shows one slate (an item id, or `slateSize` ids) to the session's user. */
  step(action: number | ArrayLike<number>): GymStepResult {
    if (!this.started) throw new FarsightError("env/session-over", "call reset() before the first step", {});
    if (this.sim.active[0] === 0) throw new FarsightError("env/session-over", "the session has ended (terminated or truncated); call reset() to start another", {});
    const items = typeof action === "number" ? [action] : action;
    if (items.length !== this.slate.length) throw new FarsightError("env/bad-slate", `expected a slate of ${this.slate.length} item ids, got ${items.length}`, { slate: Array.from(items) });
    for (let k = 0; k < items.length; k++) {
      const item = items[k]!;
      // Int32Array.set would truncate 2.5 to 2 and wrap 2^32 to 0: an id that is not an integer is an error.
      if (!Number.isInteger(item)) throw new FarsightError("env/bad-slate", `item ids are integers, got ${item}`, { slate: Array.from(items) });
      this.slate[k] = item;
    }
    const r = this.sim.step(this.slate);
    const code = r.endCode[0]!;
    const endReason = END_REASONS[code];
    return {
      observation: this.observe(),
      reward: r.reward[0]!,
      terminated: code === EndCode.Quit || code === EndCode.InvalidAction,
      truncated: code === EndCode.MaxSteps || code === EndCode.ForcedLength,
      info: this.info(Array.from(r.feedback), endReason),
    };
  }

  /** The session as the LLM-facing components (planners, reflectors) read it: a core `Observation`. */
  sessionObservation(): Observation {
    return this.sim.observation(0);
  }

  /** Nothing to release (Gymnasium's `close()`); here so loops written for Gymnasium run unchanged. */
  close(): void {}

  private simulator(options: Partial<SimulatorOptions>): Simulator {
    const { setup, role, world } = this.source;
    const users = role === "test" ? setup.testUsers : setup.trainUsers;
    return new Simulator(world.fork?.() ?? world, setup.makeRules(), { ...setup.simulator, users, profiles: setup.profiles, ...this.source.simulator, ...options });
  }

  private observe(): GymObservation {
    const sim = this.sim, H = sim.historyLength, K = sim.slateSize, t = sim.steps[0]!;
    const items = new Int32Array(H * K).fill(-1);
    const feedback = new Float32Array(H * K);
    // Row r of the observation is session step t - H + r (oldest first); the ring buffer keeps step s at row s % H.
    for (let r = Math.max(0, H - t); r < H; r++) {
      const ring = (t - H + r) % H;
      for (let k = 0; k < K; k++) {
        items[r * K + k] = sim.historyItems[ring * K + k]!;
        feedback[r * K + k] = sim.historyFeedback[ring * K + k]!;
      }
    }
    return { items, feedback, user: sim.users[0]!, step: t };
  }

  private info(feedback: readonly number[], endReason: EndReason | undefined): GymInfo {
    const sim = this.sim, mask = new Uint8Array(sim.numItems).fill(1);
    if (sim.mode !== "FB") for (let i = 0; i < mask.length; i++) if (sim.wasRecommended(0, i)) mask[i] = 0;
    return { sessionId: `s${sim.sessionSerial[0]}`, sessionReturn: sim.returns[0]!, actionMask: mask, feedback, ...(endReason ? { endReason } : {}) };
  }
}
