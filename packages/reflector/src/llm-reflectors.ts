import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { z } from "zod";
import type { Episode, ReflectContext, Reflection, Reflector } from "@farsight/core";
import { attemptOf, jsonSchemaOf, NoModelError, structured, withFallback, type LlmStats } from "@farsight/llm";
import { capWords } from "./episode-facts.js";
import { billpFailurePrompt, lerlReflectionPrompt, type PromptMessages, type ReflectionPromptOptions } from "./prompts.js";
import { TemplateReflector } from "./template-reflector.js";
import type { ReflectorCounters } from "./counters.js";

export interface LlmReflectorOptions {
  /** Any LangChain chat model. `null` (the "none" spec) throws a NoModelError naming TemplateReflector. */
  readonly model: BaseChatModel | null;
  /** Shared run accounting; fallbacks are recorded with the reflector's component name. */
  readonly stats?: LlmStats;
  /** Writes the reflection when the model's answer is unusable. Default `new TemplateReflector()`. */
  readonly fallback?: TemplateReflector;
  /** Word limit stated in the prompt and enforced on the answer (cut, counted). LERL: 20; failure reflector: 60. */
  readonly maxWords?: number;
  /** Steps of the session shown at most (the last ones). Default 30. */
  readonly maxSteps?: number;
  /** Candidate categories listed in the prompt; default the ones the session saw. */
  readonly candidateCategories?: readonly number[];
  /** Repair requests after an invalid answer. Default 2. */
  readonly maxRepairs?: number;
  readonly feedbackMeaning?: string;
}

/** Characters per word a reflection's text fields are sized for (English words average about 6, with the space). */
export const CHARS_PER_WORD = 8;

/**
 * The reflection's JSON schema with a `maxLength` on each text field: together they hold `maxWords` words at
 * {@link CHARS_PER_WORD} characters each. Words past `maxWords` are cut anyway, so a grammar-constrained model that
 * keeps writing spends its tokens on text nobody reads: SmolLM2 filled the 300 characters a grammar allows an
 * unbounded string with one phrase repeated, where a 20-word reflection needs 160.
 */
export function reflectionJsonSchema(schema: z.ZodType, maxWords: number): Record<string, unknown> {
  const json = jsonSchemaOf(schema);
  const props = (json.properties ?? {}) as Record<string, Record<string, unknown>>;
  const texts = Object.keys(props).filter((k) => props[k]!.type === "string");
  const maxLength = Math.max(16, Math.ceil((maxWords * CHARS_PER_WORD) / Math.max(1, texts.length)));
  return { ...json, properties: Object.fromEntries(Object.entries(props).map(([k, v]) => [k, texts.includes(k) ? { ...v, maxLength } : v])) };
}

/** Model call, validation, word cap and template fallback shared by the two LLM reflectors. */
abstract class ModelReflector<S extends z.ZodType> implements Reflector {
  abstract readonly name: string;
  readonly usesLlm = true;
  readonly counters: ReflectorCounters = { reflections: 0, modelCalls: 0, fallbacks: 0, truncated: 0 };
  protected readonly model: BaseChatModel;
  protected readonly fallback: TemplateReflector;
  protected readonly promptOptions: ReflectionPromptOptions;

  /**
   * @param className named in the NoModelError.
   * @param component name under which fallbacks are recorded in `LlmStats`.
   */
  protected constructor(
    className: string,
    protected readonly options: LlmReflectorOptions,
    defaultMaxWords: number,
    private readonly schema: S,
    private readonly component: string,
  ) {
    if (!options.model) throw new NoModelError(className, ["template"]);
    this.model = options.model;
    this.fallback = options.fallback ?? new TemplateReflector();
    this.promptOptions = {
      maxWords: Math.max(1, options.maxWords ?? defaultMaxWords),
      maxSteps: Math.max(1, options.maxSteps ?? 30),
      ...(options.candidateCategories ? { candidateCategories: options.candidateCategories } : {}),
      ...(options.feedbackMeaning ? { feedbackMeaning: options.feedbackMeaning } : {}),
    };
  }

  /** The exact messages the model gets for an episode. */
  abstract promptFor(episode: Episode, context?: ReflectContext): PromptMessages;
  protected abstract textOf(answer: z.infer<S>): string;

  async reflect(episode: Episode, context?: ReflectContext): Promise<Reflection> {
    this.counters.reflections++;
    this.counters.modelCalls++;
    const base = this.fallback.reflectSync(episode, context);
    const maxWords = this.promptOptions.maxWords;
    // Call, validate, fall back, count: @farsight/llm's withFallback; this class keeps the prompt and the word cap.
    const answered = await withFallback(
      {
        component: this.component, model: this.model, ...(this.options.stats ? { stats: this.options.stats } : {}), ...(context?.signal ? { signal: context.signal } : {}),
        // Quality guards: reflections that repeat earlier ones (word-trigram overlap) teach the planner nothing new.
        sample: (v: { text: string }) => ({ key: v.text.trim().toLowerCase(), text: v.text }),
        session: () => episode.sessionId,
      },
      async () => {
        const res = await structured(this.model, this.schema, this.promptFor(episode, context), {
          name: "reflection",
          jsonSchema: reflectionJsonSchema(this.schema, maxWords),
          maxRepairs: this.options.maxRepairs ?? 2,
          ...(this.options.stats ? { stats: this.options.stats } : {}),
          ...(context?.signal ? { signal: context.signal } : {}),
        });
        return attemptOf(res, (value) => {
          const capped = capWords(this.textOf(value), maxWords);
          return capped.text ? { ok: true, value: capped } : { ok: false, reason: "model wrote an empty reflection" };
        });
      },
      // The template can run longer than this reflector's promise; keep the promise.
      () => ({ ...capWords(base.text, maxWords), cut: false }),
    );
    const { text, cut } = answered.value;
    if (answered.outcome === "fallback") {
      this.counters.fallbacks++;
      return { ...base, text, source: { kind: "fallback", by: `${this.name}->${this.fallback.name}`, detail: answered.reason! } };
    }
    if (cut) this.counters.truncated++;
    return { ...base, text, source: { kind: "llm", by: answered.model, ...(cut ? { detail: `cut to ${maxWords} words` } : {}) } };
  }
}

const lerlSchema = z.object({ reflection: z.string().describe("the reflection text") });

/**
 * LERL's reflector: after a session ends, the model sees its categories and feedback per step, the number of
 * steps and the return, and writes fewer than 20 words on repetition effects and an actionable insight.
 */
export class LlmReflector extends ModelReflector<typeof lerlSchema> {
  readonly name = "llm";

  constructor(options: LlmReflectorOptions) {
    super("LlmReflector", options, 20, lerlSchema, "reflector/llm");
  }

  promptFor(episode: Episode, context?: ReflectContext): PromptMessages {
    return lerlReflectionPrompt(episode, this.promptOptions, context);
  }

  protected textOf(answer: z.infer<typeof lerlSchema>): string {
    return answer.reflection;
  }
}

const billpSchema = z.object({
  diagnosis: z.string().describe("a possible reason why the session ended"),
  plan: z.string().describe("a new, concise, high-level plan that avoids the same failure"),
});

/**
 * BiLLP's reflector: diagnoses why a session ended and devises a concise high-level plan; the reflection text
 * is "<diagnosis> Plan: <plan>" (at most 60 words by default), meant for similarity retrieval.
 */
export class LlmFailureReflector extends ModelReflector<typeof billpSchema> {
  readonly name = "llm-failure";

  constructor(options: LlmReflectorOptions) {
    super("LlmFailureReflector", options, 60, billpSchema, "reflector/llm-failure");
  }

  promptFor(episode: Episode, context?: ReflectContext): PromptMessages {
    return billpFailurePrompt(episode, this.promptOptions, context);
  }

  protected textOf(answer: z.infer<typeof billpSchema>): string {
    const d = answer.diagnosis.trim();
    const p = answer.plan.trim();
    if (!d && !p) return "";
    return p ? `${d}${d && !/[.!?]$/.test(d) ? "." : ""} Plan: ${p}`.trim() : d;
  }
}
