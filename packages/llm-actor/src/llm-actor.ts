import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import { z } from "zod";
import { FarsightError, Rng, topK, type Catalog, type ItemId, type ItemScorer, type Observation } from "@farsight/core";
import { collectCalls, complete, LlmStats, NoModelError, settle, structured } from "@farsight/llm";
import { planCandidates } from "./candidates.js";
import { catalogTitles, TitleGrounder, type GroundingOptions } from "./grounding.js";
import { ActorMemory } from "./memory.js";
import { actorMessages, firstLineAsTitle, FORMAT_REMINDER, parseRecommendations } from "./prompt.js";
import type { ActDecision, Actor, ActorExperience, ActRequest, GroundingResult } from "@farsight/core";

/** Options of {@link LlmActor}. Defaults follow BiLLP where it has a value. */
export interface LlmActorOptions {
  /** The chat model that names items. Required; `null` (no model configured) throws a NoModelError naming CatalogGreedyActor. */
  model: BaseChatModel | null;
  /** The catalogue recommended from (titles for the prompt and for grounding). Required. */
  catalog: Catalog;
  /** Name in provenance, logs and `LlmStats.fallbacksByComponent`. Default "llm-actor". */
  name?: string;
  /** "text": recommend[<title>] lines (BiLLP); "structured": JSON {recommendations: string[]} through `structured()`. Default "text". */
  output?: "text" | "structured";
  /** Candidate items shown in the prompt. Default 30. */
  maxCandidates?: number;
  /** Ranks candidates (e.g. a learned world model); without it candidates are a seeded sample of the plan's items. */
  candidateScorer?: ItemScorer;
  /** History items shown. Default 15 (BiLLP shows the last 15). */
  historyWindow?: number;
  /** Where named items may be grounded: the whole catalogue (BiLLP) or only the plan's categories. Default "catalog". */
  groundingScope?: "catalog" | "plan";
  grounding?: GroundingOptions;
  /** Re-asks after an answer without recommend[...] (text mode). Default 2 (BiLLP allows 5). */
  maxParseRetries?: number;
  /** BiLLP's exploration hint: "(Please recommend {g1} and {g2} items ...)" with this many random categories; 0 disables. Default 2. */
  exploreCategories?: number;
  /** Actor memory; a fresh one by default. Pass `null` to run without memory (the "w/o micro-learning" ablation). */
  memory?: ActorMemory | null;
  /** Most hint items per sign shown from memory. Default 5. */
  maxMemoryItems?: number;
  /** Seed of candidate sampling and exploration hints (each call derives a stream from session id and step). Default 0. */
  seed?: number;
  stats?: LlmStats;
}

/** What an {@link LlmActor} counted; plain numbers. */
export interface LlmActorCounters {
  acts: number;
  modelCalls: number;
  parseRetries: number;
  /** Answers with no recommend[...] after every retry (the first line was then grounded as a title). */
  parseFailures: number;
  /** Slots filled, and how: grounding methods plus fallbacks (no usable text). */
  slots: number;
  exact: number;
  normalised: number;
  fuzzy: number;
  embedding: number;
  fallback: number;
  /** Slots whose item differs from what the model named (fuzzy, embedding, fallback after a named title). */
  replaced: number;
  /** Calls whose prompt carried actor-memory hints. */
  memoryHints: number;
}

/** Case and spacing do not make a different title. */
const titleKey = (t: string) => t.trim().replace(/\s+/g, " ").toLowerCase();

/**
 * The structured answer schema of one act: `recommendations` lists k titles, each one of this call's candidate
 * titles (an enum), so json_schema, tools, format or a grammar can only name candidates, and the answer's length is
 * bounded by the schema (its token budget follows). A prompt-only answer that names no candidate fails validation
 * saying so, and gets a repair turn.
 */
export function recommendationsSchemaFor(candidateTitles: readonly string[], k: number): { schema: z.ZodType<{ recommendations: string[] }>; jsonSchema: Record<string, unknown> } {
  const titles = [...new Set(candidateTitles)];
  const keys = new Set(titles.map(titleKey));
  const max = Math.max(1, Math.min(k, titles.length));
  // Prompt-only answers: at least one named title must be a candidate's (else a repair turn says which were not);
  // other near-miss titles go to grounding (fuzzy, embedding), as BiLLP's text answers do.
  const schema = z.object({
    recommendations: z
      .array(z.string())
      .min(1)
      .superRefine((named, ctx) => {
        if (named.some((t) => keys.has(titleKey(t)))) return;
        ctx.addIssue({ code: "custom", message: `none of ${JSON.stringify(named.slice(0, 5).map((t) => t.slice(0, 60)))} is one of the candidate titles; copy titles exactly from the candidate list` });
      }),
  });
  const jsonSchema = {
    type: "object",
    // Exactly k entries (the prompt asks for k items): fewer would leave slots to the fallback.
    properties: { recommendations: { type: "array", items: { type: "string", enum: titles }, minItems: max, maxItems: max, description: "exact candidate titles, best first" } },
    required: ["recommendations"],
    additionalProperties: false,
  };
  return { schema, jsonSchema };
}

/**
 * BiLLP's LLM actor: a plan, the session history and candidate items from the plan's categories in; item
 * choices out. Named titles are grounded to catalogue items (exact, normalised, fuzzy, embedding); anything the
 * model leaves unusable is filled from the candidates and reported. Never throws for a bad answer.
 */
export class LlmActor implements Actor {
  readonly name: string;
  readonly options: Required<Omit<LlmActorOptions, "model" | "catalog" | "candidateScorer" | "grounding" | "memory" | "stats" | "name">>;
  readonly model: BaseChatModel | null;
  readonly catalog: Catalog;
  readonly grounder: TitleGrounder;
  readonly memory: ActorMemory | null;
  readonly stats: LlmStats;
  readonly counters: LlmActorCounters = {
    acts: 0, modelCalls: 0, parseRetries: 0, parseFailures: 0, slots: 0, exact: 0, normalised: 0, fuzzy: 0, embedding: 0, fallback: 0, replaced: 0, memoryHints: 0,
  };
  private readonly titles: readonly string[];
  private readonly scorer?: ItemScorer;
  private readonly scoreBuffer: Float32Array;

  /** `new LlmActor({ model, catalog, ...options })`. */
  constructor(options: LlmActorOptions);
  /** @deprecated Pass one options object: `new LlmActor({ model, catalog, ...options })`. This form goes in the next minor release. */
  constructor(model: BaseChatModel | null, catalog: Catalog, options?: Omit<LlmActorOptions, "model" | "catalog">);
  constructor(first: LlmActorOptions | BaseChatModel | null, catalogArg?: Catalog, rest: Omit<LlmActorOptions, "model" | "catalog"> = {}) {
    // The old positional form always passes the catalogue second.
    const options: LlmActorOptions = catalogArg !== undefined ? { ...rest, model: first as BaseChatModel | null, catalog: catalogArg } : (first as LlmActorOptions);
    const { model, catalog } = options;
    this.model = model;
    this.catalog = catalog;
    if (!model) throw new NoModelError("LlmActor", ["CatalogGreedyActor"]);
    this.name = options.name ?? "llm-actor";
    this.options = {
      output: options.output ?? "text",
      maxCandidates: options.maxCandidates ?? 30,
      historyWindow: options.historyWindow ?? 15,
      groundingScope: options.groundingScope ?? "catalog",
      maxParseRetries: options.maxParseRetries ?? 2,
      exploreCategories: options.exploreCategories ?? 2,
      maxMemoryItems: options.maxMemoryItems ?? 5,
      seed: options.seed ?? 0,
    };
    if (options.candidateScorer && options.candidateScorer.numItems !== catalog.numItems) {
      throw new FarsightError("llm-actor/scorer-mismatch", `LlmActor: candidateScorer scores ${options.candidateScorer.numItems} items, the catalogue has ${catalog.numItems}`, {});
    }
    this.scorer = options.candidateScorer;
    this.scoreBuffer = new Float32Array(catalog.numItems);
    this.grounder = new TitleGrounder({ ...options.grounding, catalog });
    this.memory = options.memory === undefined ? new ActorMemory() : options.memory;
    this.stats = options.stats ?? new LlmStats();
    this.titles = catalogTitles(catalog);
  }

  /** Share of filled slots whose item differs from what the model named (BiLLP's logs: 0.48-0.71). */
  replacementRate(): number {
    return this.counters.slots === 0 ? 0 : this.counters.replaced / this.counters.slots;
  }

  learn(experience: ActorExperience): void {
    this.memory?.record(experience.observation, experience.item, experience.advantage);
  }

  async act(request: ActRequest): Promise<ActDecision> {
    const { observation, plan } = request;
    const k = Math.max(1, Math.floor(request.k ?? 1));
    const exclude = new Set(request.exclude ?? []);
    const rng = new Rng(this.options.seed, `llm-actor/${observation.sessionId}/${observation.step}`);
    const pool = planCandidates(this.catalog, plan, exclude);
    if (pool.items.length === 0) throw new FarsightError("llm-actor/no-items", "LlmActor: every catalogue item is excluded", { excluded: exclude.size });
    const candidates = this.pickCandidates(pool.items, observation, rng);
    const hints = this.hints(observation, pool.categories, rng);
    const inHistory = new Set(observation.history.map((h) => h.item));
    const { system, user } = actorMessages({
      catalog: this.catalog, titles: this.titles, observation, plan, planCategories: pool.categories, candidates,
      excludedNotInHistory: [...exclude].filter((i) => !inHistory.has(i)), hints, k,
      historyWindow: this.options.historyWindow, structuredOutput: this.options.output === "structured",
    });
    // The calls behind this answer (every format retry included) go into the run's answer records when it keeps them.
    const { result: answer, calls } = await collectCalls(this.stats.recordingAnswers, () =>
      this.ask([new SystemMessage(system), new HumanMessage(user)], request.signal, { titles: candidates.map((i) => this.titles[i]!), k }),
    );
    this.counters.acts++;

    const chosen: ItemId[] = [];
    const grounding: GroundingResult[] = [];
    const taken = (): Set<ItemId> => new Set([...exclude, ...chosen]);
    const allowed = this.options.groundingScope === "plan" && !pool.widened ? new Set(pool.items) : undefined;
    for (const text of answer.titles) {
      if (chosen.length >= k) break;
      const g = await this.grounder.ground(text, { exclude: taken(), ...(allowed ? { allowed } : {}) });
      const slot = g.item !== null ? g : this.fallbackSlot(candidates, pool.items, taken(), text, g.reason ?? "unknown title");
      if (!slot) break; // the catalogue ran out: return a shorter slate
      grounding.push(slot);
      chosen.push(slot.item!);
    }
    while (chosen.length < k) {
      const why = answer.titles.length === 0 ? answer.failure ?? "empty answer" : "fewer titles than requested";
      const slot = this.fallbackSlot(candidates, pool.items, taken(), "", why);
      if (!slot) break; // the catalogue ran out: return a shorter slate
      grounding.push(slot);
      chosen.push(slot.item!);
    }
    this.count(grounding);
    const fromModel = grounding.some((g) => g.method !== "fallback");
    // The slots are filled already (unusable titles by candidates); settle() counts the answer and records provenance.
    const [answered] = await settle(
      {
        component: this.name, model: this.model!, stats: this.stats, ...(request.signal ? { signal: request.signal } : {}),
        session: () => observation.sessionId,
        sample: () => ({ key: chosen.join(","), session: observation.sessionId }),
      },
      [{ ...(fromModel ? { ok: true as const, value: chosen, repairs: answer.repairs, cached: answer.cached } : { ok: false as const, reason: grounding[0]?.reason ?? "no usable answer" }), calls }],
      () => [chosen],
    );
    return {
      slate: chosen,
      grounding,
      source: answered!.outcome !== "fallback"
        ? { kind: "llm", by: answered!.model, ...(pool.widened ? { detail: `candidates: ${pool.widened}` } : {}) }
        : { kind: "fallback", by: this.name, detail: answered!.reason! },
      raw: answer.raw,
      hints,
    };
  }

  /** Candidates shown: the top of `candidateScorer`, or a seeded sample; always in a deterministic order. */
  private pickCandidates(items: readonly ItemId[], observation: Observation, rng: Rng): ItemId[] {
    const n = Math.min(this.options.maxCandidates, items.length);
    if (this.scorer && observation.userId >= 0 && observation.userId < this.scorer.numUsers) {
      const scores = this.scorer.scoreAll(observation.userId, this.scoreBuffer);
      const allowed = new Uint8Array(this.catalog.numItems);
      for (const i of items) allowed[i] = 1;
      return topK(scores, n, allowed);
    }
    return rng.derive("candidates").sample(items.length, n).map((j) => items[j]!);
  }

  private hints(observation: Observation, planCategories: readonly number[], rng: Rng): string[] {
    const hints: string[] = [];
    const want = this.options.exploreCategories;
    if (want > 0) {
      // BiLLP: random genres not among the categories of the last 4 items, to help the user explore.
      const recent = new Set(observation.history.slice(-4).map((h) => h.category));
      const pool = (planCategories.length > 0 ? planCategories : Array.from({ length: this.catalog.numCategories }, (_, c) => c)).filter((c) => !recent.has(c));
      if (pool.length > 0) {
        const picked = rng.derive("explore").sample(pool.length, Math.min(want, pool.length)).map((j) => this.catalog.categoryNames[pool[j]!]);
        hints.push(`(Please recommend ${picked.join(" and ")} items to help the user explore their interests.)`);
      }
    }
    const memory = this.memory?.retrieve(observation);
    if (memory && (memory.encourage.length > 0 || memory.discourage.length > 0)) {
      const m = this.options.maxMemoryItems;
      const names = (items: readonly ItemId[]) => items.slice(0, m).map((i) => this.titles[i]).join("; ");
      const parts = [
        memory.encourage.length > 0 ? `we encourage recommending ${names(memory.encourage)}` : "",
        memory.discourage.length > 0 ? `we discourage recommending ${names(memory.discourage)}` : "",
      ].filter(Boolean);
      hints.push(`According to historical experience, when the user's history was like this, ${parts.join(" and ")}.`);
      this.counters.memoryHints++;
    }
    return hints;
  }

  /** Asks the model; returns the titles it named (possibly none) and why none, without throwing. */
  private async ask(
    messages: BaseMessage[],
    signal: AbortSignal | undefined,
    shown: { titles: readonly string[]; k: number },
  ): Promise<{ titles: string[]; raw?: string; failure?: string; repairs?: number; cached?: boolean }> {
    const opts = { stats: this.stats, ...(signal ? { signal } : {}) };
    if (this.options.output === "structured") {
      this.counters.modelCalls++;
      const { schema, jsonSchema } = recommendationsSchemaFor(shown.titles, shown.k);
      const res = await structured(this.model!, schema, messages, { name: "recommendations", jsonSchema, ...opts });
      if (!res.ok) return { titles: [], failure: `model answer unusable (${res.reason}: ${res.error})`, ...(res.raw !== undefined ? { raw: res.raw } : {}) };
      return { titles: res.value.recommendations.map((t) => t.trim()).filter((t) => t.length > 0), raw: res.raw, repairs: res.repairs, cached: res.cached };
    }
    let convo = messages;
    let raw = "";
    for (let attempt = 0; attempt <= this.options.maxParseRetries; attempt++) {
      this.counters.modelCalls++;
      const res = await complete(this.model!, convo, opts);
      if (!res.ok) return { titles: [], failure: `model call failed (${res.reason}: ${res.error})`, raw };
      raw = res.text;
      const titles = parseRecommendations(raw);
      if (titles.length > 0) return { titles, raw, repairs: attempt, cached: res.cached === true };
      if (raw.trim().length === 0) break; // an empty answer will not improve by asking for a format
      if (attempt < this.options.maxParseRetries) {
        this.counters.parseRetries++;
        convo = [...messages, new AIMessage(raw), new HumanMessage(FORMAT_REMINDER)];
      }
    }
    if (raw.trim().length === 0) return { titles: [], raw, failure: "empty answer" };
    this.counters.parseFailures++;
    const title = firstLineAsTitle(raw);
    return title ? { titles: [title], raw } : { titles: [], raw, failure: "no recommend[...] in the answer" };
  }

  /** The next candidate (then plan item, then any item) not taken, as a fallback slot; null when none is left. */
  private fallbackSlot(candidates: readonly ItemId[], pool: readonly ItemId[], taken: Set<ItemId>, text: string, reason: string): GroundingResult | null {
    const replaced = text.length > 0;
    const item = candidates.find((i) => !taken.has(i)) ?? pool.find((i) => !taken.has(i));
    if (item !== undefined) return { text, item, method: "fallback", score: 0, replaced, reason };
    for (let i = 0; i < this.catalog.numItems; i++) if (!taken.has(i)) return { text, item: i, method: "fallback", score: 0, replaced, reason: `${reason}; plan exhausted` };
    return null;
  }

  private count(grounding: readonly GroundingResult[]): void {
    for (const g of grounding) {
      this.counters.slots++;
      if (g.method !== "none" && g.method !== "direct") this.counters[g.method]++;
      if (g.replaced) this.counters.replaced++;
    }
  }
}
