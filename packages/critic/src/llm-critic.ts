import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { z } from "zod";
import { clamp, FarsightError, type Catalog } from "@farsight/core";
import { complete, LlmStats, NoModelError, structured, withFallback } from "@farsight/llm";
import { CriticMemory } from "./critic-memory.js";
import { criticMessages, DEFAULT_CRITIC_EXAMPLES, parseCriticValue, type CriticExample } from "./prompt.js";
import type { Critic, CriticAnswerIssue, CriticExperience, CriticJudgement, CriticRequest } from "@farsight/core";

/** Options of {@link LlmCritic}. Defaults follow BiLLP. */
export interface LlmCriticOptions {
  /** The chat model that judges. Required; `null` (no model configured) throws a NoModelError naming the non-LLM critics. */
  model: BaseChatModel | null;
  /** The catalogue of the items judged (titles and categories for the prompt). Required. */
  catalog: Catalog;
  /** Name in provenance and `LlmStats.fallbacksByComponent`. Default "llm-critic". */
  name?: string;
  /** Inclusive integer value range. Default [-5, 5]. */
  range?: readonly [number, number];
  /** Recent items shown (history plus recommendations). Default 10. */
  window?: number;
  /** Few-shot examples. Default {@link DEFAULT_CRITIC_EXAMPLES} (three, as BiLLP). */
  examples?: readonly CriticExample[];
  /** "text": "Value: <integer>" (BiLLP); "structured": JSON {value} through `structured()`. Default "text". */
  output?: "text" | "structured";
  /** Critic memory; a fresh one by default, `null` to run without (ablation). */
  memory?: CriticMemory | null;
  /** Value used when the answer is unusable and memory has nothing for the state. Default 0 (neutral). */
  fallbackValue?: number;
  stats?: LlmStats;
}

/** What an {@link LlmCritic} counted. */
export interface LlmCriticCounters {
  evaluations: number;
  modelCalls: number;
  /** Numbers outside the range (clamped). */
  outOfRange: number;
  /** Numbers with a fraction (rounded). */
  nonInteger: number;
  /** Answers without a number, empty answers and failed calls (fallback value used). */
  nonNumeric: number;
  empty: number;
  modelErrors: number;
  /** Prompts that carried a remembered value. */
  memoryHits: number;
}

/**
 * The structured answer schema of a critic with range [lo, hi]: `value` is one of the integers lo..hi (an enum, which
 * grammars and json_schema enforce where `minimum`/`maximum` are often ignored), so a constrained model can only
 * answer a valid score. A prompt-only answer outside the range is clamped, a fraction rounded, each counted.
 */
export function criticValueSchema(range: readonly [number, number]): { schema: z.ZodType<{ value: number }>; jsonSchema: Record<string, unknown> } {
  const [lo, hi] = range;
  const values = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  // Prompt-only answers outside the range or with a fraction are clamped and rounded, and counted (outOfRange, nonInteger).
  const schema = z.object({ value: z.number() });
  const jsonSchema = {
    type: "object",
    properties: { value: { type: "integer", enum: values, description: `${lo} = about to leave, 0 = neutral, ${hi} = delighted` } },
    required: ["value"],
    additionalProperties: false,
  };
  return { schema, jsonSchema };
}

/**
 * BiLLP's LLM critic: an integer in [-5, 5] for how well the user's recent list satisfies them, with few-shot
 * examples and critic memory. Out-of-range answers are clamped, fractions rounded, unusable answers replaced by
 * the remembered value or `fallbackValue`; each case is counted. Never throws for a bad answer.
 */
export class LlmCritic implements Critic {
  readonly name: string;
  readonly range: readonly [number, number];
  readonly memory: CriticMemory | null;
  readonly stats: LlmStats;
  readonly counters: LlmCriticCounters = { evaluations: 0, modelCalls: 0, outOfRange: 0, nonInteger: 0, nonNumeric: 0, empty: 0, modelErrors: 0, memoryHits: 0 };
  private readonly window: number;
  private readonly examples: readonly CriticExample[];
  private readonly output: "text" | "structured";
  private readonly fallbackValue: number;
  private readonly valueSchema: ReturnType<typeof criticValueSchema>;

  readonly model: BaseChatModel | null;
  readonly catalog: Catalog;

  /** `new LlmCritic({ model, catalog, ...options })`. */
  constructor(options: LlmCriticOptions);
  /** @deprecated Pass one options object: `new LlmCritic({ model, catalog, ...options })`. This form goes in the next minor release. */
  constructor(model: BaseChatModel | null, catalog: Catalog, options?: Omit<LlmCriticOptions, "model" | "catalog">);
  constructor(first: LlmCriticOptions | BaseChatModel | null, catalog?: Catalog, rest: Omit<LlmCriticOptions, "model" | "catalog"> = {}) {
    // The old positional form always passes the catalogue second.
    const options: LlmCriticOptions = catalog !== undefined ? { ...rest, model: first as BaseChatModel | null, catalog } : (first as LlmCriticOptions);
    const model = options.model;
    this.model = model;
    this.catalog = options.catalog;
    if (!model) throw new NoModelError("LlmCritic", ["ScorerCritic", "TabularAverageCritic"]);
    this.name = options.name ?? "llm-critic";
    this.range = options.range ?? [-5, 5];
    const [lo, hi] = this.range;
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo >= hi) {
      throw new FarsightError("critic/bad-range", `LlmCritic: range must be two integers lo < hi, got [${lo}, ${hi}]`, { range: this.range });
    }
    this.window = options.window ?? 10;
    this.examples = options.examples ?? DEFAULT_CRITIC_EXAMPLES;
    this.output = options.output ?? "text";
    this.memory = options.memory === undefined ? new CriticMemory({ window: this.window }) : options.memory;
    this.fallbackValue = clamp(options.fallbackValue ?? 0, lo, hi);
    this.stats = options.stats ?? new LlmStats();
    this.valueSchema = criticValueSchema(this.range);
  }

  learn(experience: CriticExperience): void {
    this.memory?.record(experience.observation, experience.target);
  }

  async evaluate(request: CriticRequest): Promise<CriticJudgement> {
    this.counters.evaluations++;
    const remembered = this.memory?.retrieveClamped(request.observation, this.range) ?? null;
    if (remembered) this.counters.memoryHits++;
    const { system, user } = criticMessages({
      catalog: this.catalog, observation: request.observation, window: this.window, range: this.range, examples: this.examples,
      structuredOutput: this.output === "structured", ...(remembered ? { remembered: remembered.value } : {}),
    });
    const messages = [new SystemMessage(system), new HumanMessage(user)];
    const opts = { stats: this.stats, ...(request.signal ? { signal: request.signal } : {}) };
    this.counters.modelCalls++;
    let raw: string | undefined;
    let failure: CriticAnswerIssue = "model-error";
    // Call, fall back, count: @farsight/llm's withFallback; this class keeps the prompt and the value's checks.
    const answered = await withFallback(
      {
        component: this.name, model: this.model!, stats: this.stats, ...(request.signal ? { signal: request.signal } : {}),
        session: () => request.observation.sessionId,
        // Quality guards: the score as judged (rounded, clamped): a critic that gives every list one value says nothing.
        sample: (v: number) => {
          const score = clamp(Math.round(v), this.range[0], this.range[1]);
          return { key: String(score), session: request.observation.sessionId, score };
        },
      },
      async () => {
        let parsed: { ok: true; value: number } | { ok: false; issue: CriticAnswerIssue; detail: string };
        let meta: { repairs?: number; cached?: boolean } = {};
        if (this.output === "structured") {
          const res = await structured(this.model!, this.valueSchema.schema, messages, { name: "critic_value", jsonSchema: this.valueSchema.jsonSchema, ...opts });
          raw = res.raw;
          if (res.ok) meta = { repairs: res.repairs, cached: res.cached };
          parsed = res.ok
            ? (Number.isFinite(res.value.value) ? { ok: true, value: res.value.value } : { ok: false, issue: "non-numeric", detail: "non-finite value" })
            : { ok: false, issue: res.reason === "timeout" || res.reason === "error" ? "model-error" : "non-numeric", detail: `${res.reason}: ${res.error}` };
        } else {
          const res = await complete(this.model!, messages, opts);
          if (res.ok) {
            raw = res.text;
            meta = { cached: res.cached === true };
            const p = parseCriticValue(res.text);
            parsed = p.ok ? p : { ok: false, issue: p.issue, detail: p.issue === "empty" ? "empty answer" : "no number in the answer" };
          } else parsed = { ok: false, issue: "model-error", detail: `model call failed (${res.reason}: ${res.error})` };
        }
        if (!parsed.ok) {
          failure = parsed.issue;
          return { ok: false, reason: parsed.detail };
        }
        return { ok: true, value: parsed.value, ...meta };
      },
      () => (remembered ? remembered.value : this.fallbackValue),
    );
    const rawPart = raw !== undefined ? { raw } : {};
    if (answered.outcome === "fallback") {
      if (failure === "model-error") this.counters.modelErrors++;
      else if (failure === "empty") this.counters.empty++;
      this.counters.nonNumeric++;
      return { value: answered.value, source: { kind: "fallback", by: this.name, detail: answered.reason! }, issue: failure, fromMemory: remembered !== null, ...rawPart };
    }
    const parsed = { value: answered.value };
    let value = parsed.value;
    let issue: CriticAnswerIssue | undefined;
    if (!Number.isInteger(value)) {
      this.counters.nonInteger++;
      issue = "non-integer";
      value = Math.round(value);
    }
    if (value < this.range[0] || value > this.range[1]) {
      this.counters.outOfRange++;
      issue = "out-of-range";
      value = clamp(value, this.range[0], this.range[1]);
    }
    return {
      value,
      source: { kind: "llm", by: answered.model },
      ...rawPart,
      ...(issue ? { issue } : {}),
      ...(remembered ? { fromMemory: true } : {}),
    };
  }
}
