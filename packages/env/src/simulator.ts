/**
 * The batched simulator: B sessions stepped together over typed arrays. See `types.ts` for the protocol
 * and the array layouts, and the README for the exact order of the checks in a step.
 */
import { FarsightError, Rng, type Interaction, type Observation, type UserId } from "@farsight/core";
import type { QuitRule } from "./quit.js";
import { EndCode, type EvalMode, type FeedbackKind, type SlateReward, type VecEnv, type VecStepResult } from "./types.js";
import { slateSimilarity, type WorldModel } from "./world.js";
import { userFeatureMap, userPast, type UserProfiles } from "./user-profiles.js";

/** Logged items an observation carries (the planners' user summary reads a few of them). */
const OBSERVATION_PAST = 20;

export interface SimulatorOptions {
  /** Concurrent sessions B (default 1). */
  readonly batchSize: number;
  /** Items per slate K (default 1). */
  readonly slateSize: number;
  /** History rows kept per slot H (default 10). */
  readonly historyLength: number;
  /** Step limit per session (default 30, EasyRL4Rec's max_turn); NX_10 forces 10. */
  readonly maxSteps: number;
  /** FB / NX_0 / NX_10 (default FB). */
  readonly mode: EvalMode;
  /** How item feedback is drawn from the world's expected value (default "rating"). */
  readonly feedback: FeedbackKind;
  /** KuaiSim's rho: click probability minus rho x the item's mean similarity to the rest of the slate (default 0). */
  readonly similarityPenalty: number;
  /** Slate aggregate that becomes the step reward (default "mean"). */
  readonly slateReward: SlateReward;
  /** Draw a replacement user into a finished slot right after the step (LERL training; default false). */
  readonly autoReset: boolean;
  /** No new session starts once this many have started (default unlimited); for exact episode counts. */
  readonly sessionLimit: number;
  /** Users the env draws from (held-out users at test time); default all users of the world. */
  readonly users: Int32Array | undefined;
  /** Users' logged past and features (every preset passes its `EnvSetup.profiles`); default none. */
  readonly profiles: UserProfiles | undefined;
  readonly seed: number;
}

export const DEFAULT_SIMULATOR: SimulatorOptions = {
  batchSize: 1,
  slateSize: 1,
  historyLength: 10,
  maxSteps: 30,
  mode: "FB",
  feedback: "rating",
  similarityPenalty: 0,
  slateReward: "mean",
  autoReset: false,
  sessionLimit: Infinity,
  users: undefined,
  profiles: undefined,
  seed: 0,
};

/** Above this many (slot, item) cells the repeat tracker uses per-slot sets instead of a bitset (32 MiB). */
const BITSET_LIMIT = 1 << 28;

export class Simulator implements VecEnv {
  readonly options: SimulatorOptions;
  readonly batchSize: number;
  readonly slateSize: number;
  readonly historyLength: number;
  readonly maxSteps: number;
  readonly mode: EvalMode;
  readonly numUsers: number;
  readonly numItems: number;
  readonly users: Int32Array;
  readonly steps: Int32Array;
  readonly returns: Float32Array;
  readonly active: Uint8Array;
  readonly sessionSerial: Float64Array;
  readonly historyItems: Int32Array;
  readonly historyFeedback: Float32Array;
  readonly historyReward: Float32Array;
  /** Sessions started so far. */
  sessionsStarted = 0;

  private readonly result: { -readonly [K in keyof VecStepResult]: VecStepResult[K] };
  private readonly userPool: Int32Array;
  // Set by reseed(), which the constructor calls.
  private userRng!: Rng;
  private clickRng!: Rng;
  private worldRng!: Rng;
  /** Bit (b * numItems + item) is set while item was shown in slot b's current session. */
  private readonly seenBits: Uint32Array | undefined;
  /** Items shown in each slot's session, to clear its bits at reset (maxSteps * K per slot). */
  private readonly sessionItems: Int32Array;
  private readonly hasAfterStep: boolean;
  private readonly seenSets: Set<number>[] | undefined;
  private readonly quitOn: boolean;
  private readonly noRepeats: boolean;

  constructor(readonly world: WorldModel, readonly rules: readonly QuitRule[], partial: Partial<SimulatorOptions> = {}) {
    const o: SimulatorOptions = { ...DEFAULT_SIMULATOR, ...partial };
    for (const k of ["batchSize", "slateSize", "historyLength", "maxSteps"] as const) {
      if (!Number.isInteger(o[k]) || o[k] < 1) throw new FarsightError("env/bad-option", `simulator ${k} must be an integer >= 1, got ${o[k]}`, { [k]: o[k] });
    }
    this.options = o;
    const B = (this.batchSize = o.batchSize);
    const K = (this.slateSize = o.slateSize);
    const H = (this.historyLength = o.historyLength);
    this.mode = o.mode;
    this.maxSteps = o.mode === "NX_10" ? 10 : o.maxSteps;
    this.quitOn = o.mode !== "NX_10";
    this.noRepeats = o.mode !== "FB";
    this.numUsers = world.numUsers;
    this.numItems = world.numItems;
    if (K > this.numItems) throw new FarsightError("env/bad-option", `slate size ${K} exceeds the ${this.numItems} items`, {});
    this.userPool = o.users ?? Int32Array.from({ length: world.numUsers }, (_, u) => u);
    if (o.profiles && o.profiles.numUsers !== world.numUsers) throw new FarsightError("env/bad-option", `user profiles cover ${o.profiles.numUsers} users, the world has ${world.numUsers}`, {});
    if (this.userPool.length === 0) throw new FarsightError("env/no-users", "the simulator's user pool is empty", {});
    for (const u of this.userPool) {
      if (!(u >= 0 && u < world.numUsers)) throw new FarsightError("env/bad-user", `user ${u} is outside the world's ${world.numUsers} users`, { user: u });
    }
    this.users = new Int32Array(B);
    this.steps = new Int32Array(B);
    this.returns = new Float32Array(B);
    this.active = new Uint8Array(B);
    this.sessionSerial = new Float64Array(B);
    this.historyItems = new Int32Array(B * H * K).fill(-1);
    this.historyFeedback = new Float32Array(B * H * K);
    this.historyReward = new Float32Array(B * H);
    this.result = {
      reward: new Float32Array(B),
      feedback: new Float32Array(B * K),
      done: new Uint8Array(B),
      endCode: new Uint8Array(B),
      finalReturn: new Float32Array(B),
      finalLength: new Int32Array(B),
      finalUser: new Int32Array(B),
      resetSlots: new Int32Array(B),
      numReset: 0,
    };
    this.reseed(o.seed);
    if (B * this.numItems <= BITSET_LIMIT) this.seenBits = new Uint32Array(Math.ceil((B * this.numItems) / 32));
    else this.seenSets = Array.from({ length: B }, () => new Set<number>());
    this.sessionItems = new Int32Array(B * this.maxSteps * K);
    this.hasAfterStep = typeof world.afterStep === "function";
    world.bind(B);
    for (const r of rules) r.bind(B, K);
  }

  get catalog() {
    return this.world.catalog;
  }
  get itemEmbeddings() {
    return this.world.itemEmbeddings;
  }
  get embeddingDim() {
    return this.world.embeddingDim;
  }
  get scorer() {
    return this.world.scorer;
  }
  get profiles() {
    return this.options.profiles;
  }

  /**
   * Restarts the user, feedback and world random streams as a simulator built with `seed` would have them
   * (the Gymnasium adapter's `reset({ seed })`). Running sessions keep their state; reset them after this.
   */
  reseed(seed: number): void {
    if (!Number.isSafeInteger(seed)) throw new FarsightError("env/bad-option", `a simulator seed must be an integer, got ${seed}`, { seed });
    const rng = new Rng(seed, "env");
    this.userRng = rng.derive("users");
    this.clickRng = rng.derive("feedback");
    this.worldRng = rng.derive("world");
  }

  reset(): Int32Array {
    for (let b = 0; b < this.batchSize; b++) {
      if (this.sessionsStarted < this.options.sessionLimit) this.resetSlot(b);
      else this.active[b] = 0;
    }
    return this.users;
  }

  resetSlot(slot: number, user?: UserId): void {
    const u = user ?? this.userPool[this.userRng.int(this.userPool.length)]!;
    if (!(u >= 0 && u < this.numUsers)) throw new FarsightError("env/bad-user", `user ${u} is outside the world's ${this.numUsers} users`, { user: u });
    if (this.seenBits) {
      // Clear the bits of the previous session's items (at most maxSteps * K of them).
      const K = this.slateSize, n = Math.min(this.steps[slot]!, this.maxSteps) * K, base = slot * this.maxSteps * K;
      for (let j = 0; j < n; j++) {
        const bit = slot * this.numItems + this.sessionItems[base + j]!;
        this.seenBits[bit >>> 5]! &= ~(1 << (bit & 31));
      }
    }
    this.users[slot] = u;
    this.steps[slot] = 0;
    this.returns[slot] = 0;
    this.active[slot] = 1;
    this.sessionSerial[slot] = ++this.sessionsStarted;
    if (this.seenSets) this.seenSets[slot]!.clear();
    this.world.startSession(slot, u, this.worldRng);
    for (let q = 0; q < this.rules.length; q++) this.rules[q]!.reset(slot);
  }

  wasRecommended(slot: number, item: number): boolean {
    if (this.seenBits) {
      const bit = slot * this.numItems + item;
      return (this.seenBits[bit >>> 5]! & (1 << (bit & 31))) !== 0;
    }
    return this.seenSets![slot]!.has(item);
  }

  recentItem(slot: number, back: number, k = 0): number {
    const t = this.steps[slot]!;
    if (back < 0 || back >= Math.min(t, this.historyLength)) return -1;
    return this.historyItems[(slot * this.historyLength + ((t - 1 - back) % this.historyLength)) * this.slateSize + k]!;
  }

  numActive(): number {
    let n = 0;
    for (let b = 0; b < this.batchSize; b++) n += this.active[b]!;
    return n;
  }

  step(slates: Int32Array): VecStepResult {
    const B = this.batchSize, K = this.slateSize, H = this.historyLength, N = this.numItems;
    if (slates.length < B * K) throw new FarsightError("env/bad-slate", `step expects ${B * K} item ids (B=${B} x K=${K}), got ${slates.length}`, {});
    const r = this.result;
    const { reward, feedback, done, endCode } = r;
    const world = this.world, rules = this.rules, nRules = rules.length;
    const click = this.options.feedback === "click", rho = this.options.similarityPenalty;
    const sumReward = this.options.slateReward === "sum";
    // Hoisted fields: this loop is the simulator's hot path.
    const seenBits = this.seenBits, active = this.active, users = this.users, steps = this.steps, returns = this.returns;
    const histItems = this.historyItems, histFeedback = this.historyFeedback, histReward = this.historyReward;
    const sessionItems = this.sessionItems, maxSteps = this.maxSteps, quitOn = this.quitOn, hasAfterStep = this.hasAfterStep;
    const simpleCheck = K === 1 && !this.noRepeats;
    r.numReset = 0;
    done.fill(0);
    endCode.fill(0);
    for (let b = 0; b < B; b++) {
      reward[b] = 0;
      if (!active[b]) continue;
      const off = b * K, user = users[b]!, t = steps[b]!;
      const valid = simpleCheck ? slates[off]! >= 0 && slates[off]! < N : this.validSlate(b, slates, off);
      if (!valid) {
        for (let k = 0; k < K; k++) feedback[off + k] = 0;
        this.finish(b, EndCode.InvalidAction);
        continue;
      }
      // 1. Feedback of every item (the world's state before this step).
      let total = 0;
      for (let k = 0; k < K; k++) {
        let f = world.expected(b, user, slates[off + k]!);
        if (click) {
          const p = f - (rho > 0 && K > 1 ? rho * slateSimilarity(world, slates, off, K, k) : 0);
          f = this.clickRng.float() < p ? 1 : 0;
        }
        feedback[off + k] = f;
        total += f;
      }
      const rew = sumReward ? total : total / K;
      reward[b] = rew;
      // 2. Quit rules, before the slate joins the history; the reward is paid either way.
      let code: number = EndCode.None;
      if (quitOn) {
        for (let q = 0; q < nRules; q++) {
          if (rules[q]!.shouldQuit(b, t, slates, off, feedback)) {
            code = EndCode.Quit;
            break;
          }
        }
      }
      // 3. Step limit: t >= maxSteps - 1 ends the session too.
      if (code === EndCode.None && t >= maxSteps - 1) code = quitOn ? EndCode.MaxSteps : EndCode.ForcedLength;
      // 4. History, repeat tracking and the world's state.
      for (let q = 0; q < nRules; q++) rules[q]!.push(b, t, slates, off);
      const row = (b * H + (t % H)) * K, sess = (b * maxSteps + t) * K;
      for (let k = 0; k < K; k++) {
        const item = slates[off + k]!;
        histItems[row + k] = item;
        histFeedback[row + k] = feedback[off + k]!;
        sessionItems[sess + k] = item; // t < maxSteps always: the session ends at t = maxSteps - 1
        if (seenBits) {
          const bit = b * N + item;
          seenBits[bit >>> 5]! |= 1 << (bit & 31);
        } else this.seenSets![b]!.add(item);
      }
      histReward[b * H + (t % H)] = rew;
      if (hasAfterStep) world.afterStep!(b, slates, off, K, this.worldRng);
      steps[b] = t + 1;
      returns[b]! += rew;
      if (code !== EndCode.None) this.finish(b, code);
    }
    return r;
  }

  /** Range check, and in NX modes no item already shown in the session nor twice in the slate. */
  private validSlate(b: number, slates: Int32Array, off: number): boolean {
    const K = this.slateSize;
    for (let k = 0; k < K; k++) {
      const item = slates[off + k]!;
      if (!(item >= 0 && item < this.numItems)) return false;
      if (this.noRepeats) {
        if (this.wasRecommended(b, item)) return false;
        for (let j = 0; j < k; j++) if (slates[off + j] === item) return false;
      }
    }
    return true;
  }

  private finish(b: number, code: number): void {
    const r = this.result;
    r.done[b] = 1;
    r.endCode[b] = code;
    r.finalReturn[b] = this.returns[b]!;
    r.finalLength[b] = this.steps[b]!;
    r.finalUser[b] = this.users[b]!;
    this.active[b] = 0;
    if (this.options.autoReset && this.sessionsStarted < this.options.sessionLimit) {
      this.resetSlot(b);
      r.resetSlots[r.numReset++] = b;
    }
  }

  observation(slot: number): Observation {
    const t = this.steps[slot]!, H = this.historyLength, K = this.slateSize;
    const history: Interaction[] = [];
    for (let s = Math.max(0, t - H); s < t; s++) {
      const row = (slot * H + (s % H)) * K;
      for (let k = 0; k < K; k++) {
        const item = this.historyItems[row + k]!;
        history.push({ item, category: this.catalog.itemCategory[item]!, feedback: this.historyFeedback[row + k]!, step: s });
      }
    }
    const base = { sessionId: `s${this.sessionSerial[slot]}`, userId: this.users[slot]!, step: t, history, returnSoFar: this.returns[slot]! };
    const p = this.options.profiles;
    if (!p) return base;
    const u = this.users[slot]!;
    const userPastItems = userPast(p, u, OBSERVATION_PAST).map((x) => ({ ...x, category: this.catalog.itemCategory[x.item]! }));
    return { ...base, userPast: userPastItems, ...(p.features ? { userFeatures: userFeatureMap(p, u) } : {}) };
  }
}
