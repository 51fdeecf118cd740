import { clamp, FarsightError } from "@farsight/core";
import { recentItems } from "./history-key.js";
import type { Critic, CriticExperience, CriticJudgement, CriticRequest } from "@farsight/core";

/** Options of {@link TabularAverageCritic}. */
export interface TabularAverageCriticOptions {
  name?: string;
  /** Output range; targets are clamped into it before averaging. Default [-5, 5]. */
  range?: readonly [number, number];
  /** Recent items forming a state's key. Default 3: longer keys rarely repeat, so the table stays empty. */
  window?: number;
  /** Value before any target was seen. Default 0. */
  initialValue?: number;
}

/**
 * Non-LLM, learned (tabular) critic: V(s) is the running mean of the TD targets seen for the state's key (its
 * last `window` items); unseen keys get the mean of all targets so far. Targets are clamped into `range` first,
 * so BiLLP's -1000 quit penalty reads as "worst" instead of swamping every average. Deterministic.
 */
export class TabularAverageCritic implements Critic {
  readonly name: string;
  readonly range: readonly [number, number];
  private readonly window: number;
  private readonly initialValue: number;
  private readonly table = new Map<string, { sum: number; n: number }>();
  private globalSum = 0;
  private globalN = 0;

  constructor(options: TabularAverageCriticOptions = {}) {
    this.name = options.name ?? "tabular-average-critic";
    this.range = options.range ?? [-5, 5];
    if (!(this.range[0] < this.range[1])) throw new FarsightError("critic/bad-range", `TabularAverageCritic: range must be lo < hi, got [${this.range.join(", ")}]`, {});
    this.window = options.window ?? 3;
    this.initialValue = clamp(options.initialValue ?? 0, this.range[0], this.range[1]);
  }

  /** Number of distinct state keys seen. */
  get size(): number {
    return this.table.size;
  }

  learn(experience: CriticExperience): void {
    if (Number.isNaN(experience.target)) return;
    const target = clamp(experience.target, this.range[0], this.range[1]);
    const key = recentItems(experience.observation, this.window).join(",");
    const cell = this.table.get(key) ?? { sum: 0, n: 0 };
    cell.sum += target;
    cell.n++;
    this.table.set(key, cell);
    this.globalSum += target;
    this.globalN++;
  }

  async evaluate(request: CriticRequest): Promise<CriticJudgement> {
    const cell = this.table.get(recentItems(request.observation, this.window).join(","));
    const value = cell ? cell.sum / cell.n : this.globalN > 0 ? this.globalSum / this.globalN : this.initialValue;
    return { value: clamp(value, this.range[0], this.range[1]), source: { kind: "learned", by: this.name, detail: cell ? `${cell.n} targets` : "unseen state" } };
  }
}
