import { FarsightError, Rng, type Plan } from "@farsight/core";
import { assertPlannable } from "./request.js";
import { RandomCategoryPlanner, type RandomCategoryPlannerOptions } from "./simple-planners.js";
import type { PlanCallOptions, PlanRequest, Planner } from "@farsight/core";

export interface NoisyOraclePlannerOptions extends Pick<RandomCategoryPlannerOptions, "minCategories" | "maxCategories"> {
  /** The planner whose plans are followed with probability `q` (a quit-aware oracle). */
  readonly oracle: Planner;
  /** Probability, per session and step, of the oracle's plan; otherwise a random plan. In [0, 1]. */
  readonly q: number;
  /** Seed of the coin and of the random plans. Default 0. */
  readonly seed?: number;
}

/** Throws a {@link FarsightError} unless `q` is a probability. */
export function checkPlannerQuality(q: number): void {
  if (typeof q !== "number" || !(q >= 0 && q <= 1)) {
    throw new FarsightError("planner/bad-option", `planner quality q must be a probability in [0, 1] (the share of plans taken from the oracle), got ${String(q)}`, { q });
  }
}

/**
 * A planner of known quality q: for each (session, step) a seeded coin says whether the plan is the oracle's
 * (probability q) or a random one, drawn exactly as {@link RandomCategoryPlanner} with the same seed draws it.
 * So q = 0 is the random planner, q = 1 the oracle, and the q in between place planners on one axis
 * ("how good must the planner be for LERL to win?").
 *
 * The coin is a function of (seed, session, step) alone, independent of call order, batch layout and of the
 * random plan's own stream. Runs at two q with the same seed share their coins (the oracle steps at q = 0.5
 * are a subset of those at q = 0.75) and their random plans, so sweeps along q compare like with like.
 * It is an oracle (`oracle: true`) as soon as q > 0: it reads what the oracle reads.
 */
export class NoisyOraclePlanner implements Planner {
  readonly name: string;
  readonly usesLlm = false;
  readonly oracle: boolean;
  readonly q: number;
  private readonly inner: Planner;
  private readonly random: RandomCategoryPlanner;
  private readonly seed: number;

  constructor(options: NoisyOraclePlannerOptions) {
    checkPlannerQuality(options.q);
    if (options.oracle.usesLlm) {
      throw new FarsightError("planner/bad-option", `noisy-oracle wraps a non-LLM oracle; ${options.oracle.name} calls a model`, { oracle: options.oracle.name });
    }
    this.q = options.q;
    this.seed = options.seed ?? 0;
    this.inner = options.oracle;
    this.name = noisyOracleName(options.q);
    this.oracle = options.q > 0;
    this.random = new RandomCategoryPlanner({
      seed: this.seed,
      ...(options.minCategories !== undefined ? { minCategories: options.minCategories } : {}),
      ...(options.maxCategories !== undefined ? { maxCategories: options.maxCategories } : {}),
    });
  }

  /** True when the plan of this (session, step) is the oracle's. */
  followsOracle(request: PlanRequest): boolean {
    // u < q: at q = 1 always (u < 1), at q = 0 never.
    return new Rng(this.seed, `planner/noisy-oracle/coin/${request.sessionId}/${request.step}`).float() < this.q;
  }

  async plan(requests: readonly PlanRequest[], options?: PlanCallOptions): Promise<Plan[]> {
    for (const r of requests) assertPlannable(r);
    const fromOracle = requests.map((r) => this.followsOracle(r));
    const oracleRequests = requests.filter((_, i) => fromOracle[i]);
    const randomRequests = requests.filter((_, i) => !fromOracle[i]);
    const [oraclePlans, randomPlans] = await Promise.all([
      oracleRequests.length ? this.inner.plan(oracleRequests, options) : Promise.resolve([]),
      this.random.plan(randomRequests),
    ]);
    let o = 0, r = 0;
    return fromOracle.map((yes) => {
      const plan = yes ? oraclePlans[o++]! : randomPlans[r++]!;
      const detail = yes ? `oracle plan (${this.inner.name}${plan.source.detail ? `: ${plan.source.detail}` : ""})` : "random plan";
      return { ...plan, source: { kind: "heuristic", by: this.name, detail } };
    });
  }

  forget(sessionIds?: readonly string[]): void {
    this.inner.forget?.(sessionIds);
  }
}

/** `noisy-oracle(q=0.50)`: the name of a {@link NoisyOraclePlanner} (two decimals, so a sweep's names sort). */
export function noisyOracleName(q: number): string {
  return `noisy-oracle(q=${q.toFixed(2)})`;
}
