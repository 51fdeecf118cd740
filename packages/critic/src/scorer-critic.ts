import { clamp, FarsightError, type ItemScorer } from "@farsight/core";
import type { Critic, CriticJudgement, CriticRequest } from "@farsight/core";

/** Options of {@link ScorerCritic}. */
export interface ScorerCriticOptions {
  /** What scores the items: the environment's ground truth (then the critic is an oracle) or a learned model. Required. */
  scorer: ItemScorer;
  name?: string;
  /** Output range. Default [-5, 5], BiLLP's scale, so it can stand in for the LLM critic. */
  range?: readonly [number, number];
  /** Recent items valued. Default 10 (the LLM critic's window). */
  window?: number;
  /** Value of an empty history. Default 0 (the middle of the default range). */
  emptyValue?: number;
}

/**
 * Non-LLM critic: asks a world model ({@link ItemScorer}) how much the user likes the items of their recent
 * list. The mean score of the last `window` items is placed inside the user's own score range (worst item 0,
 * best item 1) and mapped linearly onto `range`. That is the question BiLLP's LLM critic answers ("can the
 * recent list satisfy the user?") with a model's scores instead of a prompt. It is a heuristic, not a learned
 * value function: it does not look ahead.
 */
export class ScorerCritic implements Critic {
  readonly name: string;
  readonly range: readonly [number, number];
  private readonly window: number;
  private readonly emptyValue: number;
  private readonly userBounds = new Map<number, { lo: number; hi: number; scores: Float32Array }>();

  readonly scorer: ItemScorer;

  /** `new ScorerCritic({ scorer, ...options })`. */
  constructor(options: ScorerCriticOptions);
  /** @deprecated Pass one options object: `new ScorerCritic({ scorer, ...options })`. This form goes in the next minor release. */
  constructor(scorer: ItemScorer, options?: Omit<ScorerCriticOptions, "scorer">);
  constructor(first: ScorerCriticOptions | ItemScorer, rest: Omit<ScorerCriticOptions, "scorer"> = {}) {
    // An ItemScorer has numItems and scoreAll; the options object holds one under `scorer`.
    const options: ScorerCriticOptions = "scoreAll" in first ? { ...rest, scorer: first } : first;
    this.scorer = options.scorer;
    this.name = options.name ?? "scorer-critic";
    this.range = options.range ?? [-5, 5];
    if (!(this.range[0] < this.range[1])) throw new FarsightError("critic/bad-range", `ScorerCritic: range must be lo < hi, got [${this.range.join(", ")}]`, {});
    this.window = options.window ?? 10;
    this.emptyValue = clamp(options.emptyValue ?? (this.range[0] + this.range[1]) / 2, this.range[0], this.range[1]);
  }

  private bounds(user: number) {
    let b = this.userBounds.get(user);
    if (!b) {
      const scores = this.scorer.scoreAll(user, new Float32Array(this.scorer.numItems));
      let lo = Infinity, hi = -Infinity;
      for (const s of scores) if (Number.isFinite(s)) { lo = Math.min(lo, s); hi = Math.max(hi, s); }
      b = { lo, hi, scores };
      this.userBounds.set(user, b);
    }
    return b;
  }

  async evaluate(request: CriticRequest): Promise<CriticJudgement> {
    const { observation } = request;
    const source = { kind: "heuristic" as const, by: this.name };
    if (!Number.isInteger(observation.userId) || observation.userId < 0 || observation.userId >= this.scorer.numUsers) {
      throw new FarsightError("critic/unknown-user", `ScorerCritic: user ${observation.userId} is not scored (0..${this.scorer.numUsers - 1})`, { userId: observation.userId });
    }
    const recent = observation.history.slice(-this.window);
    const b = this.bounds(observation.userId);
    let total = 0, n = 0;
    for (const h of recent) {
      const s = b.scores[h.item];
      if (s !== undefined && Number.isFinite(s)) { total += s; n++; }
    }
    if (n === 0 || !(b.hi > b.lo)) return { value: this.emptyValue, source };
    const position = (total / n - b.lo) / (b.hi - b.lo);
    const [lo, hi] = this.range;
    return { value: clamp(lo + position * (hi - lo), lo, hi), source };
  }
}
