import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { Plan, PlanCallOptions, Planner, PlanRequest } from "@farsight/core";
import { attemptOf, modelIdOf, NoModelError, structured, type LlmStats } from "@farsight/llm";
import { LlmPlannerBase, mapLimit, type PlanAttempt } from "./llm-planner-base.js";
import { cohortLabel, lerlCohortPrompt, lerlPlanPrompt, type LerlPromptOptions, type PromptMessages } from "./prompt-lerl.js";
import { SaturationAwarePlanner } from "./saturation-planner.js";
import { answerParts, categoryPlanSchemaFor, cohortPlanSchemaFor, validateCategories, type PlanSchemaBounds } from "./validate.js";

export interface LlmCategoryPlannerOptions {
  /** Any LangChain chat model. `null` (the "none" spec) throws a NoModelError naming the non-LLM planners. */
  readonly model: BaseChatModel | null;
  /** Shared run accounting; fallbacks are recorded here as component "planner/llm-category". */
  readonly stats?: LlmStats;
  /** Answers when the model fails or names no valid candidate. Default `SaturationAwarePlanner({ seed })`. */
  readonly fallback?: Planner;
  /** Seed of the default fallback planner. Default 0. */
  readonly seed?: number;
  /**
   * Categories the plan must name at least (LERL: "more than 1", i.e. 2): the request's schema has this `minItems`
   * (clamped to the number of candidates), so constrained decoding cannot answer fewer and a prompt-only answer with
   * fewer gets a repair turn saying so. Default 2.
   */
  readonly minCategories?: number;
  /** Categories the plan may name at most: the schema's `maxItems` (clamped to the candidates). Default: every candidate. */
  readonly maxCategories?: number;
  /** Temporal abstraction: re-plan every k steps, reuse a session's plan in between. Default 1 (LERL: every step). */
  readonly planEvery?: number;
  /** Sessions per model call: 1 is LERL (one call per user per step); larger plans a cohort chunk in one call. Default 1. */
  readonly cohortSize?: number;
  /** Model calls in flight at once (the @farsight/llm wrapper may limit further). Default 8. */
  readonly concurrency?: number;
  /** Repair requests after an invalid answer (passed to `structured`). Default 2. */
  readonly maxRepairs?: number;
  /** How to read the feedback numbers, e.g. "1 = click, 0 = no click"; shown in the history part. */
  readonly feedbackMeaning?: string;
  /** Replaces the system message. */
  readonly systemPrompt?: string;
}

const COMPONENT = "planner/llm-category";

/**
 * LERL's high-level semantic planner: a frozen LLM picks a category subset per session from the four-part prompt
 * (candidate categories, the last H slates with feedback, reflective summaries of high-return sessions, the task).
 * Answers are validated against the candidates: unknown ids are dropped and counted, and a session left with no
 * valid category gets the fallback planner's plan (recorded through `LlmStats.recordFallback`).
 */
export class LlmCategoryPlanner extends LlmPlannerBase {
  readonly name = "llm-category";
  private readonly model: BaseChatModel;
  private readonly o: Required<Pick<LlmCategoryPlannerOptions, "minCategories" | "cohortSize" | "concurrency" | "maxRepairs">> & LlmCategoryPlannerOptions;

  constructor(options: LlmCategoryPlannerOptions) {
    if (!options.model) throw new NoModelError("LlmCategoryPlanner", ["saturation-aware", "random", "all-categories"]);
    const planEvery = Math.max(1, Math.floor(options.planEvery ?? 1));
    super({
      model: options.model,
      fallback: options.fallback ?? new SaturationAwarePlanner({ seed: options.seed ?? 0 }),
      ...(options.stats ? { stats: options.stats } : {}),
      planEvery,
      component: COMPONENT,
    });
    this.model = options.model;
    this.o = {
      ...options,
      minCategories: Math.max(1, options.minCategories ?? 2),
      cohortSize: Math.max(1, Math.floor(options.cohortSize ?? 1)),
      concurrency: Math.max(1, options.concurrency ?? 8),
      maxRepairs: Math.max(0, options.maxRepairs ?? 2),
    };
  }

  /** The exact messages the model gets for one session (for `--show-prompt` and tests). */
  promptFor(request: PlanRequest): PromptMessages {
    return lerlPlanPrompt(request, this.promptOptions(request.candidates.length));
  }

  /** The exact messages the model gets for a cohort chunk. */
  cohortPromptFor(requests: readonly PlanRequest[]): PromptMessages {
    const n = Math.min(...requests.map((r) => r.candidates.length));
    return lerlCohortPrompt(requests, this.promptOptions(n));
  }

  protected async planFresh(requests: readonly PlanRequest[], options?: PlanCallOptions): Promise<PlanAttempt[]> {
    if (this.o.cohortSize <= 1) return mapLimit(requests, this.o.concurrency, (r) => this.planSession(r, options));
    const chunks: PlanRequest[][] = [];
    for (let i = 0; i < requests.length; i += this.o.cohortSize) chunks.push(requests.slice(i, i + this.o.cohortSize));
    const answered = await mapLimit(chunks, this.o.concurrency, (c) => this.planCohort(c, options));
    return answered.flat();
  }

  private promptOptions(numCandidates: number): LerlPromptOptions {
    const min = Math.min(this.o.minCategories, numCandidates);
    const max = this.o.maxCategories !== undefined ? Math.min(this.o.maxCategories, numCandidates) : undefined;
    return {
      minCategories: min,
      ...(max !== undefined ? { maxCategories: Math.max(min, max) } : {}),
      ...(this.o.feedbackMeaning ? { feedbackMeaning: this.o.feedbackMeaning } : {}),
      ...(this.o.systemPrompt ? { systemPrompt: this.o.systemPrompt } : {}),
    };
  }

  /** The bounds of a request's schema: the same numbers the prompt states. */
  schemaBounds(numCandidates: number): PlanSchemaBounds {
    const o = this.promptOptions(numCandidates);
    return { minItems: o.minCategories, ...(o.maxCategories !== undefined ? { maxItems: o.maxCategories } : {}) };
  }

  private callOptions(options?: PlanCallOptions) {
    return {
      maxRepairs: this.o.maxRepairs,
      ...(this.o.stats ? { stats: this.o.stats } : {}),
      ...(options?.signal ? { signal: options.signal } : {}),
    };
  }

  private async planSession(request: PlanRequest, options?: PlanCallOptions): Promise<PlanAttempt> {
    this.counters.modelCalls++;
    // The schema of this request: its candidate ids as an enum, the list bounded as the prompt asks.
    const { schema, jsonSchema } = categoryPlanSchemaFor(request.candidates, this.schemaBounds(request.candidates.length));
    const res = await structured(this.model, schema, this.promptFor(request), { name: "category_plan", jsonSchema, ...this.callOptions(options) });
    return attemptOf(res, (value) => {
      const { refs, rationale } = answerParts(value);
      return this.toPlan(request, refs, rationale);
    });
  }

  private async planCohort(requests: readonly PlanRequest[], options?: PlanCallOptions): Promise<PlanAttempt[]> {
    this.counters.modelCalls++;
    // Candidates shared by the chunk (usually all of them; a session's own are checked again in toPlan).
    const shared = requests[0]!.candidates.filter((c) => requests.every((r) => r.candidates.some((x) => x.id === c.id)));
    const labels = requests.map((_, i) => cohortLabel(i));
    const n = Math.min(...requests.map((r) => r.candidates.length));
    const { schema, jsonSchema } = cohortPlanSchemaFor(labels, shared.length ? shared : requests[0]!.candidates, this.schemaBounds(Math.min(n, shared.length || n)));
    const res = await structured(this.model, schema, this.cohortPromptFor(requests), { name: "cohort_plan", jsonSchema, ...this.callOptions(options) });
    return requests.map((r, i) =>
      attemptOf(res, (value) => {
        const label = cohortLabel(i);
        const entry = value.plans.find((p) => matchesLabel(p.session, label, i, r.sessionId));
        if (!entry) return { ok: false, reason: `cohort answer has no plan for ${label}` };
        return this.toPlan(r, entry.categories, entry.rationale);
      }),
    );
  }

  private toPlan(request: PlanRequest, refs: readonly (number | string)[], rationale?: string): PlanAttempt {
    const v = validateCategories(refs, request.candidates, this.o.maxCategories ?? Infinity);
    this.counters.unknownIdsDropped += v.unknown.length;
    this.counters.truncatedIds += v.truncated;
    if (v.kept.length === 0) {
      const what = v.unknown.length ? `only unknown categories ${JSON.stringify(v.unknown.slice(0, 10))}` : "no category";
      return { ok: false, reason: `model named ${what}` };
    }
    const notes = [
      v.unknown.length ? `dropped unknown ${JSON.stringify(v.unknown.slice(0, 10))}` : "",
      v.truncated ? `cut ${v.truncated} beyond maxCategories` : "",
    ].filter(Boolean);
    const plan: Plan = {
      categories: v.kept,
      ...(rationale ? { rationale: rationale.trim() } : {}),
      source: { kind: "llm", by: modelIdOf(this.model), ...(notes.length ? { detail: notes.join("; ") } : {}) },
    };
    return { ok: true, value: plan };
  }
}

function matchesLabel(session: string | number, label: string, index: number, sessionId: string): boolean {
  const s = String(session).trim().toUpperCase();
  return s === label || s === String(index + 1) || s === sessionId.toUpperCase();
}
