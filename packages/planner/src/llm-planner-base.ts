import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { Plan } from "@farsight/core";
import { settle, type Attempt, type LlmStats } from "@farsight/llm";
import { assertPlannable, planRequestForRecord } from "./request.js";
import { type PlanCallOptions, type PlanRequest, type Planner, type PreviousPlan } from "@farsight/core";
import { emptyCounters, type PlannerCounters } from "./counters.js";

/** A plan from the model, or why there is none (the fallback planner answers instead). */
export type PlanAttempt = Attempt<Plan>;

/** Runs `fn` over `items` with at most `limit` promises in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = Array.from({ length: items.length });
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Sessions whose last plan is kept for plan-every-k; far above any cohort size. */
const MAX_REMEMBERED = 10_000;

/** Plumbing shared by the LLM planners: plan-every-k reuse, fallback with accounting, counters. */
export interface LlmPlannerCommon {
  readonly model: BaseChatModel;
  readonly fallback: Planner;
  readonly stats?: LlmStats;
  /** Re-plan every k steps, reusing a session's last plan in between. */
  readonly planEvery: number;
  /** Component name for `LlmStats.recordFallback`. */
  readonly component: string;
}

export abstract class LlmPlannerBase implements Planner {
  abstract readonly name: string;
  readonly usesLlm = true;
  /** What this planner counted so far (plans, model calls, fallbacks, dropped ids, ...). */
  readonly counters: PlannerCounters = emptyCounters();
  private readonly memory = new Map<string, PreviousPlan>();

  protected constructor(protected readonly common: LlmPlannerCommon) {}

  /** Plans for the sessions that need a fresh plan; one entry per request, a failure where the model gave none. */
  protected abstract planFresh(requests: readonly PlanRequest[], options?: PlanCallOptions): Promise<PlanAttempt[]>;

  async plan(requests: readonly PlanRequest[], options?: PlanCallOptions): Promise<Plan[]> {
    requests.forEach(assertPlannable);
    const out: (Plan | undefined)[] = Array.from({ length: requests.length });
    const todo: number[] = [];
    requests.forEach((r, i) => {
      const reused = this.reuse(r);
      if (reused) out[i] = reused;
      else todo.push(i);
    });
    const fresh = todo.length ? await this.planFresh(todo.map((i) => requests[i]!), options) : [];
    // Counting, fallback and provenance are @farsight/llm's settle(); a cancelled run throws there.
    const ctx = {
      component: this.common.component,
      model: this.common.model,
      ...(this.common.stats ? { stats: this.common.stats } : {}),
      ...(options?.signal ? { signal: options.signal } : {}),
      session: (j: number) => requests[todo[j]!]!.sessionId,
      // The request itself (without item history), so recorded plans can train a planner (`farsight distill`).
      input: (j: number) => planRequestForRecord(requests[todo[j]!]!),
      // Quality guards: the plan's categories per session (a planner that gives every session one plan has collapsed).
      sample: (plan: Plan, j: number) => ({
        key: [...plan.categories].sort((a, b) => a - b).join(","),
        session: requests[todo[j]!]!.sessionId,
        categories: plan.categories,
        ...(plan.thought ? { text: plan.thought } : {}),
      }),
    };
    const answered = await settle(ctx, fresh, (failed) => this.common.fallback.plan(failed.map((f) => requests[todo[f.index]!]!), options));
    answered.forEach((a, j) => {
      const at = todo[j]!;
      if (a.outcome === "fallback") {
        this.counters.fallbacks++;
        out[at] = { ...a.value, source: { kind: "fallback", by: `${this.name}->${this.common.fallback.name}`, detail: a.reason! } };
      } else {
        out[at] = a.value;
        this.counters.fromModel++;
        this.remember(requests[at]!, a.value);
      }
    });
    this.counters.plans += requests.length;
    return out as Plan[];
  }

  forget(sessionIds?: readonly string[]): void {
    if (!sessionIds) this.memory.clear();
    else for (const id of sessionIds) this.memory.delete(id);
  }

  private reuse(request: PlanRequest): Plan | undefined {
    const k = this.common.planEvery;
    if (k <= 1) return undefined;
    // This planner's own memory knows when a plan was made; a caller's `previous` fills in after a restore.
    // A reused (cache) plan handed back as `previous` has lost its origin step: re-plan rather than reuse forever.
    const given = request.previous?.plan.source.kind === "cache" ? undefined : request.previous;
    const prev = this.memory.get(request.sessionId) ?? given;
    if (!prev || request.step < prev.step || request.step - prev.step >= k) return undefined;
    // Candidates can change between steps: keep only the ones still offered; re-plan if none is left.
    const allowed = new Set(request.candidates.map((c) => c.id));
    const categories = prev.plan.categories.filter((c) => allowed.has(c));
    if (categories.length === 0) return undefined;
    this.counters.reused++;
    return {
      ...prev.plan,
      categories,
      source: { kind: "cache", by: this.name, detail: `${prev.plan.source.kind} plan of step ${prev.step} reused (planEvery ${k})` },
    };
  }

  private remember(request: PlanRequest, plan: Plan): void {
    if (this.common.planEvery <= 1) return;
    this.memory.delete(request.sessionId); // re-insert: Map order is then least recently planned first
    this.memory.set(request.sessionId, { plan, step: request.step });
    // Callers that never call forget() (sessions end and are replaced) must not grow this without bound.
    if (this.memory.size > MAX_REMEMBERED) this.memory.delete(this.memory.keys().next().value!);
  }
}
