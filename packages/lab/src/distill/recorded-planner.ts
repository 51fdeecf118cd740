/**
 * Answer records for a planner that calls no model: with `--record`, `run lerl` keeps a non-LLM planner's plans
 * in llm-records.jsonl in the same form as an LLM planner's (role `planner/<spec>`, the request as `input`, the
 * plan as `value`, no calls), so that any planner can be the teacher of `farsight distill`. The `model` field
 * says plainly that no model answered.
 */
import type { Plan, PlanCallOptions, PlanRequest, Planner } from "@farsight/core";
import type { LlmStats } from "@farsight/llm";
import { planRequestForRecord } from "@farsight/planner";

/** What a record of a non-LLM planner names as its model. */
export const NO_MODEL = "none (in-process planner, no LLM)";

/** Wraps `planner` so that each fresh plan it makes is recorded to `stats`' answer sink (while one is set). */
export class RecordedPlanner implements Planner {
  readonly usesLlm = false;

  constructor(
    private readonly inner: Planner,
    private readonly stats: LlmStats,
    /** The planner as the run names it (`noisy-oracle:0.8`): the records' role is `planner/<spec>`. */
    private readonly spec: string,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get oracle(): boolean {
    return this.inner.oracle ?? false;
  }

  async plan(requests: readonly PlanRequest[], options?: PlanCallOptions): Promise<Plan[]> {
    const t0 = performance.now();
    const plans = await this.inner.plan(requests, options);
    if (!this.stats.recordingAnswers) return plans;
    const latencyMs = Math.round((performance.now() - t0) / Math.max(1, requests.length));
    plans.forEach((plan, i) => {
      // A reused plan (plan-every-k) was not made for this request: it would teach the wrong thing.
      if (plan.source.kind === "cache") return;
      const request = requests[i]!;
      this.stats.recordAnswerRecord({
        time: new Date().toISOString(),
        role: `planner/${this.spec}`,
        session: request.sessionId,
        model: NO_MODEL,
        outcome: "model",
        valid: true,
        key: [...plan.categories].sort((a, b) => a - b).join(","),
        value: plan,
        input: planRequestForRecord(request),
        calls: [],
        latencyMs,
      });
    });
    return plans;
  }

  forget(sessionIds?: readonly string[]): void {
    this.inner.forget?.(sessionIds);
  }
}
