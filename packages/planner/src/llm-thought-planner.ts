import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { z } from "zod";
import { attemptOf, modelIdOf, NoModelError, structured, type LlmStats } from "@farsight/llm";
import { LlmPlannerBase, mapLimit, type PlanAttempt } from "./llm-planner-base.js";
import { billpThoughtPrompt, DEFAULT_THOUGHT_EXAMPLES } from "./prompt-billp.js";
import type { PromptMessages } from "./prompt-lerl.js";
import { SaturationAwarePlanner } from "./saturation-planner.js";
import type { PlanCallOptions, PlanRequest, Planner } from "@farsight/core";
import { candidateIdList, categoryRefSchema, validateCategories, type RequestSchema } from "./validate.js";

export interface LlmThoughtPlannerOptions {
  /** Any LangChain chat model. `null` (the "none" spec) throws a NoModelError naming the non-LLM planners. */
  readonly model: BaseChatModel | null;
  /** Shared run accounting; fallbacks are recorded as component "planner/llm-thought". */
  readonly stats?: LlmStats;
  /**
   * Supplies the categories when the model gives none or only unknown ones, and the whole plan when the
   * answer is unusable. Default `SaturationAwarePlanner({ seed })`.
   */
  readonly fallback?: Planner;
  /** Seed of the default fallback planner. Default 0. */
  readonly seed?: number;
  /** Few-shot examples shown before the session. Default {@link DEFAULT_THOUGHT_EXAMPLES}. */
  readonly examples?: readonly string[];
  /** Ask the model for categories beside the thought. Default true. */
  readonly askForCategories?: boolean;
  /** Word budget stated in the prompt; longer thoughts are cut at twice this. Default 30. */
  readonly maxThoughtWords?: number;
  /** Re-plan every k steps, reusing the thought in between. Default 1 (BiLLP: every step). */
  readonly planEvery?: number;
  /** Model calls in flight at once. Default 8. */
  readonly concurrency?: number;
  /** Repair requests after an invalid answer. Default 2. */
  readonly maxRepairs?: number;
  readonly feedbackMeaning?: string;
  readonly systemPrompt?: string;
}

const COMPONENT = "planner/llm-thought";

interface ThoughtAnswer {
  thought: string;
  categories?: (number | string)[];
}

/** Characters per word a thought may average (English words and the spaces between them, generously). */
const CHARS_PER_WORD = 8;

/**
 * The thought schema of one request: a thought of at most `maxWords` words' worth of characters and (when asked)
 * one to three ids of this request's candidates as an enum, so a constrained model cannot name a missing category.
 * The zod side stays lenient for prompt-only models (long thoughts are cut to words, unknown ids dropped and counted).
 */
export function thoughtSchemaFor(request: PlanRequest, maxWords: number, askForCategories: boolean): RequestSchema<ThoughtAnswer> {
  const maxChars = Math.max(16, maxWords * CHARS_PER_WORD);
  const thought = { type: "string", minLength: 1, maxLength: maxChars, description: "the next high-level sub-goal" };
  if (!askForCategories) {
    const schema = z.object({ thought: z.string().min(1) }) as unknown as z.ZodType<ThoughtAnswer>;
    return { schema, jsonSchema: { type: "object", properties: { thought }, required: ["thought"], additionalProperties: false } };
  }
  const list = candidateIdList(request.candidates, { minItems: 1, maxItems: 3 });
  // Prompt-only answers: a thought without categories is still a thought (the fallback planner adds categories).
  const schema = z.object({ thought: z.string().min(1), categories: z.array(categoryRefSchema).optional() }) as unknown as z.ZodType<ThoughtAnswer>;
  const jsonSchema = {
    type: "object",
    properties: { thought, categories: { ...list.jsonSchema, description: "ids of candidate categories the thought points at" } },
    required: ["thought", "categories"],
    additionalProperties: false,
  };
  return { schema, jsonSchema };
}

/**
 * BiLLP's planner: a frozen LLM writes a textual sub-goal ("thought") from the session history, the reflections
 * retrieved for the session (put them in `PlanRequest.reflections`, e.g. from `ReflectionPool.retrieveSimilar`)
 * and few-shot examples. The plan carries the thought plus categories: the model's where it named valid ones,
 * the fallback planner's otherwise (said in `source.detail`).
 */
export class LlmThoughtPlanner extends LlmPlannerBase {
  readonly name = "llm-thought";
  private readonly model: BaseChatModel;
  private readonly fallbackPlanner: Planner;
  private readonly examples: readonly string[];
  private readonly askForCategories: boolean;
  private readonly maxThoughtWords: number;
  private readonly concurrency: number;
  private readonly maxRepairs: number;
  private readonly stats: LlmStats | undefined;
  private readonly extra: Pick<LlmThoughtPlannerOptions, "feedbackMeaning" | "systemPrompt">;

  constructor(options: LlmThoughtPlannerOptions) {
    if (!options.model) throw new NoModelError("LlmThoughtPlanner", ["saturation-aware", "random", "all-categories"]);
    const fallback = options.fallback ?? new SaturationAwarePlanner({ seed: options.seed ?? 0 });
    super({ model: options.model, fallback, ...(options.stats ? { stats: options.stats } : {}), planEvery: Math.max(1, Math.floor(options.planEvery ?? 1)), component: COMPONENT });
    this.model = options.model;
    this.fallbackPlanner = fallback;
    this.examples = options.examples ?? DEFAULT_THOUGHT_EXAMPLES;
    this.askForCategories = options.askForCategories ?? true;
    this.maxThoughtWords = Math.max(1, options.maxThoughtWords ?? 30);
    this.concurrency = Math.max(1, options.concurrency ?? 8);
    this.maxRepairs = Math.max(0, options.maxRepairs ?? 2);
    this.stats = options.stats;
    this.extra = { feedbackMeaning: options.feedbackMeaning, systemPrompt: options.systemPrompt };
  }

  /** The exact messages the model gets for one session. */
  promptFor(request: PlanRequest): PromptMessages {
    return billpThoughtPrompt(request, {
      examples: this.examples,
      maxThoughtWords: this.maxThoughtWords,
      askForCategories: this.askForCategories,
      ...(this.extra.feedbackMeaning ? { feedbackMeaning: this.extra.feedbackMeaning } : {}),
      ...(this.extra.systemPrompt ? { systemPrompt: this.extra.systemPrompt } : {}),
    });
  }

  protected async planFresh(requests: readonly PlanRequest[], options?: PlanCallOptions): Promise<PlanAttempt[]> {
    return mapLimit(requests, this.concurrency, (r) => this.planSession(r, options));
  }

  private async planSession(request: PlanRequest, options?: PlanCallOptions): Promise<PlanAttempt> {
    this.counters.modelCalls++;
    const { schema, jsonSchema } = thoughtSchemaFor(request, this.maxThoughtWords, this.askForCategories);
    const res = await structured(this.model, schema, this.promptFor(request), {
      name: "thought",
      jsonSchema,
      maxRepairs: this.maxRepairs,
      ...(this.stats ? { stats: this.stats } : {}),
      ...(options?.signal ? { signal: options.signal } : {}),
    });
    const usable = attemptOf(res, (value) => {
      const thought = capWords(value.thought, this.maxThoughtWords * 2);
      return thought ? { ok: true, value: { thought, categories: value.categories } } : { ok: false, reason: "model wrote an empty thought" };
    });
    if (!usable.ok) return usable;
    const { thought, categories } = usable.value;
    // The calls go with the plan into the run's answer records (when it keeps them).
    const meta = { ...(usable.repairs ? { repairs: usable.repairs } : {}), ...(usable.cached ? { cached: true } : {}), ...(usable.calls ? { calls: usable.calls } : {}) };
    const by = modelIdOf(this.model);
    const v = validateCategories(this.askForCategories ? (categories ?? []) : [], request.candidates);
    this.counters.unknownIdsDropped += v.unknown.length;
    if (v.kept.length > 0) {
      const detail = v.unknown.length ? { detail: `dropped unknown ${JSON.stringify(v.unknown.slice(0, 10))}` } : {};
      return { ok: true, value: { categories: v.kept, thought, source: { kind: "llm", by, ...detail } }, ...meta };
    }
    const [backup] = await this.fallbackPlanner.plan([request], options);
    const why = v.unknown.length ? `model named only unknown categories ${JSON.stringify(v.unknown.slice(0, 10))}` : "model named no category";
    return {
      ok: true,
      value: { categories: backup!.categories, thought, source: { kind: "llm", by, detail: `thought by the model; categories by ${this.fallbackPlanner.name} (${why})` } },
      ...meta,
    };
  }
}

/** Whitespace-normalised text with at most `maxWords` words. */
export function capWords(text: string, maxWords: number): string {
  const words = text.trim().split(/\s+/).filter(Boolean);
  return words.slice(0, maxWords).join(" ");
}
