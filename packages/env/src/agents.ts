/**
 * Baseline agents that need no learning. The deterministic ones (popularity, greedy, oracle, round-robin)
 * never show an item twice in a session, in every mode: a repeat is never what a ranking baseline means,
 * and under the distance rule it would end the session at once. `random` repeats only in FB mode, and not
 * there either with `{ noRepeat: true }` (what a comparison with no-repeat learned policies needs).
 */
import { FarsightError, Rng, type ItemScorer } from "@farsight/core";
import type { QuitRule } from "./quit.js";
import type { Agent, VecEnv } from "./types.js";

/** Picks K distinct items for slot b with the highest `scores`, skipping items already shown. */
function topUnseen(env: VecEnv, b: number, scores: ArrayLike<number>, out: Int32Array): void {
  const K = env.slateSize, N = env.numItems, off = b * K;
  for (let k = 0; k < K; k++) {
    let best = -1, bestScore = -Infinity;
    for (let i = 0; i < N; i++) {
      const s = scores[i]!;
      if (s <= bestScore || env.wasRecommended(b, i)) continue;
      let taken = false;
      for (let j = 0; j < k; j++) if (out[off + j] === i) taken = true;
      if (!taken) {
        best = i;
        bestScore = s;
      }
    }
    // Every item shown already (a very long session): fall back to the best overall.
    if (best < 0) best = (off + k) % N;
    out[off + k] = best;
  }
}

export interface RandomAgentOptions {
  /** Seed of the agent's random stream. Default 0. */
  readonly seed?: number;
  /**
   * Never show an item twice in a session, in FB mode too (NX modes always forbid it). Default false:
   * EasyRL4Rec's FB random baseline repeats. Rl-policy's `PolicyAgent` and the ranking baselines never repeat,
   * so a comparison with them sets this.
   */
  readonly noRepeat?: boolean;
}

/** Uniformly random items (distinct within a slate; unseen ones in NX modes or with `noRepeat`). */
export class RandomAgent implements Agent {
  readonly name = "random";
  private readonly rng: Rng;
  private readonly noRepeat: boolean;
  /** `new RandomAgent({ seed, noRepeat })`. */
  constructor(options?: RandomAgentOptions);
  /** @deprecated Pass one options object: `new RandomAgent({ seed, ...options })`. This form goes in the next minor release. */
  constructor(seed: number, options?: Omit<RandomAgentOptions, "seed">);
  constructor(first: RandomAgentOptions | number = {}, rest: Omit<RandomAgentOptions, "seed"> = {}) {
    const options: RandomAgentOptions = typeof first === "number" ? { ...rest, seed: first } : first;
    this.rng = new Rng(options.seed ?? 0, "agent/random");
    this.noRepeat = options.noRepeat ?? false;
  }
  act(env: VecEnv, out: Int32Array): void {
    const K = env.slateSize, N = env.numItems, nx = this.noRepeat || env.mode !== "FB";
    for (let b = 0; b < env.batchSize; b++) {
      if (!env.active[b]) continue;
      for (let k = 0; k < K; k++) {
        let item = this.rng.int(N), tries = 0;
        for (;;) {
          let ok = !(nx && env.wasRecommended(b, item));
          for (let j = 0; j < k && ok; j++) if (out[b * K + j] === item) ok = false;
          // Every item shown already (a session longer than the catalogue): repeat rather than spin.
          if (ok || tries >= 64 + N) break;
          item = ++tries < 64 ? this.rng.int(N) : (item + 1) % N;
        }
        out[b * K + k] = item;
      }
    }
  }
}

/** Options of {@link GreedyAgent}. */
export interface GreedyAgentOptions {
  /** What ranks the items (a world model's scorer). Required. */
  readonly scorer: ItemScorer;
  /** Name in results. Default "greedy". */
  readonly name?: string;
}

/** Greedy on a static scorer: the K best unseen items per user (myopic). */
export class GreedyAgent implements Agent {
  readonly scorer: ItemScorer;
  readonly name: string;
  private readonly cache = new Map<number, Float32Array>();
  /** `new GreedyAgent({ scorer, name? })`. */
  constructor(options: GreedyAgentOptions);
  /** @deprecated Pass one options object: `new GreedyAgent({ scorer, name })`. This form goes in the next minor release. */
  constructor(scorer: ItemScorer, name?: string);
  constructor(first: GreedyAgentOptions | ItemScorer, nameArg?: string) {
    const options: GreedyAgentOptions = "scoreAll" in first ? { scorer: first, ...(nameArg !== undefined ? { name: nameArg } : {}) } : first;
    this.scorer = options.scorer;
    this.name = options.name ?? "greedy";
  }
  private scores(user: number): Float32Array {
    let s = this.cache.get(user);
    if (!s) {
      s = this.scorer.scoreAll(user);
      if (this.cache.size > 4096) this.cache.clear();
      this.cache.set(user, s);
    }
    return s;
  }
  act(env: VecEnv, out: Int32Array): void {
    for (let b = 0; b < env.batchSize; b++) if (env.active[b]) topUnseen(env, b, this.scores(env.users[b]!), out);
  }
}

/** Options of {@link PopularityAgent}. */
export interface PopularityAgentOptions {
  /** Items of the catalogue. Required. */
  readonly numItems: number;
  /** The item of every interaction of the training log (e.g. `setup.trainLog.item`). Required. */
  readonly items: ArrayLike<number>;
}

/** Popularity from a training log: the most-interacted items, the same ranking for every user. */
export class PopularityAgent implements Agent {
  readonly name = "popularity";
  private readonly counts: Float64Array;
  /** `new PopularityAgent({ numItems, items })`. */
  constructor(options: PopularityAgentOptions);
  /** @deprecated Pass one options object: `new PopularityAgent({ numItems, items })`. This form goes in the next minor release. */
  constructor(numItems: number, items: ArrayLike<number>);
  constructor(first: PopularityAgentOptions | number, itemsArg?: ArrayLike<number>) {
    const { numItems, items } = typeof first === "number" ? { numItems: first, items: itemsArg! } : first;
    this.counts = new Float64Array(numItems);
    // Ties broken by a tiny id-based term so that the ranking is total and stable.
    for (let i = 0; i < numItems; i++) this.counts[i] = -i * 1e-9;
    for (let j = 0; j < items.length; j++) this.counts[items[j]!]!++;
  }
  act(env: VecEnv, out: Int32Array): void {
    for (let b = 0; b < env.batchSize; b++) if (env.active[b]) topUnseen(env, b, this.counts, out);
  }
}

/**
 * Oracle greedy: the K best unseen items under the live ground truth, including in-session state such as
 * the synthetic users' boredom (`expected(slot, user, item)`). A reference, not a fair baseline.
 */
export class OracleAgent implements Agent {
  readonly name = "oracle";
  private buf = new Float32Array(0);
  private readonly expected: (slot: number, user: number, item: number) => number;
  /** `new OracleAgent({ expected })`: `expected(slot, user, item)` is the live ground truth's expected reward. */
  constructor(options: { readonly expected: (slot: number, user: number, item: number) => number });
  /** @deprecated Pass one options object: `new OracleAgent({ expected })`. This form goes in the next minor release. */
  constructor(expected: (slot: number, user: number, item: number) => number);
  constructor(first: { readonly expected: (slot: number, user: number, item: number) => number } | ((slot: number, user: number, item: number) => number)) {
    this.expected = typeof first === "function" ? first : first.expected;
  }
  act(env: VecEnv, out: Int32Array): void {
    if (this.buf.length !== env.numItems) this.buf = new Float32Array(env.numItems);
    for (let b = 0; b < env.batchSize; b++) {
      if (!env.active[b]) continue;
      const u = env.users[b]!;
      for (let i = 0; i < env.numItems; i++) this.buf[i] = this.expected(b, u, i);
      topUnseen(env, b, this.buf, out);
    }
  }
}

/**
 * The oracle that also reads the quit rule: at each step the best unseen item under the live ground truth
 * among those the preset's quit rules let through, else the best unseen item. It shows how long sessions can
 * last on a preset when what is shown decides when users leave (the myopic {@link OracleAgent} shows the best
 * items, which under a distance rule sit close together, so its users leave early). A reference, not a
 * baseline: it knows the world and the rule. Window rules are probed with slates of one item. The temper
 * rules change their state when asked, so they are read instead: a slate's items come from distinct
 * categories while any are left (similar items cost clicks under the slate's similarity penalty), and under
 * LERL's temper slot k never repeats the previous slate's category at slot k (a repeat costs patience). Under
 * KuaiSim's response temper the best items are also what keeps users: clicks are its only currency.
 */
export class QuitAwareOracleAgent implements Agent {
  readonly name = "oracle-quit-aware";
  private rules: QuitRule[] = [];
  private scores = new Float32Array(0);
  private order: number[] = [];
  private readonly probe = new Int32Array(1);
  private readonly probeFeedback = new Float32Array(1);
  private temper = false;
  /** LERL's temper: a slot's category repeated from the previous slate costs patience. */
  private avoidSlotRepeats = false;
  /** Under temper: the category shown at each slot of each session's previous slate (-1: none yet). */
  private prevCats = new Int32Array(0);
  private serials = new Float64Array(0);
  private readonly expected: (slot: number, user: number, item: number) => number;
  private readonly makeRules: () => QuitRule[];
  /**
   * `new QuitAwareOracleAgent({ expected, makeRules })`: `expected(slot, user, item)` is the live ground truth's
   * expected reward, `makeRules` the preset's quit-rule factory (`setup.makeRules`).
   */
  constructor(options: { readonly expected: (slot: number, user: number, item: number) => number; readonly makeRules: () => QuitRule[] });
  /** @deprecated Pass one options object: `new QuitAwareOracleAgent({ expected, makeRules })`. This form goes in the next minor release. */
  constructor(expected: (slot: number, user: number, item: number) => number, makeRules: () => QuitRule[]);
  constructor(
    first: { readonly expected: (slot: number, user: number, item: number) => number; readonly makeRules: () => QuitRule[] } | ((slot: number, user: number, item: number) => number),
    makeRules?: () => QuitRule[],
  ) {
    if (typeof first === "function") {
      if (!makeRules) throw new FarsightError("env/bad-option", "QuitAwareOracleAgent(expected, makeRules): makeRules is missing", {});
      this.expected = first;
      this.makeRules = makeRules;
    } else {
      this.expected = first.expected;
      this.makeRules = first.makeRules;
    }
  }
  begin(env: VecEnv): void {
    this.rules = this.makeRules();
    const isTemper = (r: QuitRule) => r.name === "temper" || r.name === "response-temper";
    this.temper = this.rules.some(isTemper);
    this.avoidSlotRepeats = this.rules.some((r) => r.name === "temper");
    if (this.temper && this.rules.length > 1) {
      throw new FarsightError("env/bad-option", `the quit-aware oracle reads a temper rule alone; this preset combines it with ${this.rules.filter((r) => !isTemper(r)).map((r) => r.name).join(", ")}`, { rules: this.rules.map((r) => r.name) });
    }
    if (!this.temper && env.slateSize !== 1) throw new FarsightError("env/bad-option", `the quit-aware oracle probes window rules one item per step; this simulator's slates have ${env.slateSize}`, { slateSize: env.slateSize });
    if (!this.temper) for (const r of this.rules) r.bind(env.batchSize, 1);
    this.scores = new Float32Array(env.numItems);
    this.order = Array.from({ length: env.numItems }, (_, i) => i);
    this.prevCats = new Int32Array(env.batchSize * env.slateSize).fill(-1);
    this.serials = new Float64Array(env.batchSize).fill(-1);
  }
  act(env: VecEnv, out: Int32Array): void {
    if (this.temper) return this.actUnderTemper(env, out);
    const scores = this.scores;
    for (let b = 0; b < env.batchSize; b++) {
      if (!env.active[b]) continue;
      const u = env.users[b]!, t = env.steps[b]!;
      for (let i = 0; i < env.numItems; i++) scores[i] = this.expected(b, u, i);
      this.order.sort((x, y) => scores[y]! - scores[x]!);
      let pick = -1, fallback = -1;
      for (const i of this.order) {
        if (env.wasRecommended(b, i)) continue;
        if (fallback < 0) fallback = i;
        this.probe[0] = i;
        this.probeFeedback[0] = scores[i]!;
        if (!this.rules.some((r) => r.shouldQuit(b, t, this.probe, 0, this.probeFeedback))) {
          pick = i;
          break;
        }
      }
      out[b] = pick >= 0 ? pick : fallback >= 0 ? fallback : 0;
      // The rules' windows follow the session: this agent chose every item of it.
      for (const r of this.rules) r.push(b, t, out, b);
    }
  }

  /** Best unseen items by expected feedback, slot by slot: a new category per slot, never the slot's last one. */
  private actUnderTemper(env: VecEnv, out: Int32Array): void {
    const K = env.slateSize, scores = this.scores, cat = env.catalog.itemCategory;
    const used = new Set<number>();
    for (let b = 0; b < env.batchSize; b++) {
      if (!env.active[b]) continue;
      if (this.serials[b] !== env.sessionSerial[b]) {
        this.serials[b] = env.sessionSerial[b]!;
        this.prevCats.fill(-1, b * K, (b + 1) * K);
      }
      const u = env.users[b]!;
      for (let i = 0; i < env.numItems; i++) scores[i] = this.expected(b, u, i);
      this.order.sort((x, y) => scores[y]! - scores[x]!);
      used.clear();
      const chosen = new Set<number>();
      for (let k = 0; k < K; k++) {
        const avoid = this.avoidSlotRepeats ? this.prevCats[b * K + k]! : -1;
        let pick = -1, sameSlateCat = -1, any = -1;
        for (const i of this.order) {
          if (chosen.has(i) || env.wasRecommended(b, i)) continue;
          if (any < 0) any = i;
          if (cat[i] === avoid) continue;
          if (sameSlateCat < 0) sameSlateCat = i;
          if (!used.has(cat[i]!)) { pick = i; break; }
        }
        const item = pick >= 0 ? pick : sameSlateCat >= 0 ? sameSlateCat : any >= 0 ? any : 0;
        chosen.add(item);
        used.add(cat[item]!);
        out[b * K + k] = item;
        this.prevCats[b * K + k] = cat[item]!;
      }
    }
  }
}

/**
 * Category round-robin: slot b at step t recommends from category (start_b + t) mod C, where start_b is
 * random per session; within the category the best unseen items by `scorer` (random order without one).
 */
export class RoundRobinAgent implements Agent {
  readonly name = "round-robin";
  private readonly rng: Rng;
  private readonly scorer: ItemScorer | undefined;
  private starts = new Int32Array(0);
  private serials = new Float64Array(0);
  private buf = new Float32Array(0);
  /** `new RoundRobinAgent({ scorer?, seed? })`: without a scorer, random order inside the category; seed default 0. */
  constructor(options?: { readonly scorer?: ItemScorer; readonly seed?: number });
  /** @deprecated Pass one options object: `new RoundRobinAgent({ scorer, seed })`. This form goes in the next minor release. */
  constructor(scorer: ItemScorer | undefined, seed?: number);
  constructor(first?: { readonly scorer?: ItemScorer; readonly seed?: number } | ItemScorer, seedArg?: number) {
    // No default parameter: the old form's `new RoundRobinAgent(undefined, seed)` must keep its seed.
    const options = first === undefined || "scoreAll" in first ? { scorer: first, seed: seedArg } : first;
    this.scorer = options.scorer;
    this.rng = new Rng(options.seed ?? 0, "agent/round-robin");
  }
  act(env: VecEnv, out: Int32Array): void {
    const C = env.catalog.numCategories, N = env.numItems, cat = env.catalog.itemCategory;
    if (this.starts.length !== env.batchSize) {
      this.starts = new Int32Array(env.batchSize);
      this.serials = new Float64Array(env.batchSize).fill(-1);
    }
    if (this.buf.length !== N) this.buf = new Float32Array(N);
    for (let b = 0; b < env.batchSize; b++) {
      if (!env.active[b]) continue;
      if (this.serials[b] !== env.sessionSerial[b]) {
        this.serials[b] = env.sessionSerial[b]!;
        this.starts[b] = this.rng.int(C);
      }
      const c = (this.starts[b]! + env.steps[b]!) % C;
      if (this.scorer) this.scorer.scoreAll(env.users[b]!, this.buf);
      else for (let i = 0; i < N; i++) this.buf[i] = this.rng.float();
      // Items of other categories rank below every item of c.
      for (let i = 0; i < N; i++) if (cat[i] !== c) this.buf[i] = this.buf[i]! - 1e9;
      topUnseen(env, b, this.buf, out);
    }
  }
}
