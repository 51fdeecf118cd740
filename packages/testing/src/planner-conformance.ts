/**
 * Conformance suite for planners (`@farsight/planner`'s `Planner` interface, or anything shaped like it).
 * Every implementation runs it from its own tests:
 *
 *   plannerConformance("LlmCategoryPlanner", { usesModel: true, create: ({ seed, answer, stats }) =>
 *     new LlmCategoryPlanner({ model: new ScriptedChatModel({ responses: answer }), stats, seed }) });
 *
 * The suite is structural (it does not import `@farsight/planner`), so components stay independent. LLM
 * planners build a scripted model from `answer` and record into `stats`; non-LLM planners ignore both.
 */
import { describe, expect, it } from "vitest";
import { Rng, type CategoryId, type Plan, type Reflection } from "@farsight/core";
import { LlmStats } from "@farsight/llm";

/** The planner request shape the suite sends (mirrors `PlanRequest`). */
export interface ConformancePlanRequest {
  readonly sessionId: string;
  readonly userId?: number;
  readonly step: number;
  readonly candidates: readonly { readonly id: CategoryId; readonly name?: string }[];
  readonly history: readonly { readonly step: number; readonly categories: readonly CategoryId[]; readonly feedback: readonly number[] }[];
  readonly reflections: readonly Reflection[];
  readonly returnSoFar?: number;
}

/** The part of the Planner interface the suite exercises. */
export interface ConformancePlanner {
  readonly name: string;
  plan(requests: readonly ConformancePlanRequest[], options?: { signal?: AbortSignal }): Promise<Plan[]>;
}

export interface PlannerConformanceContext {
  readonly seed: number;
  /** What a scripted model answers to each prompt (LLM planners only). */
  readonly answer: (prompt: string, callIndex: number) => string;
  /** Accounting the planner must record its fallbacks into (LLM planners only). */
  readonly stats: LlmStats;
}

export interface PlannerConformanceOptions {
  /** True for planners that call a model built from `answer`: enables the checks on model answers and fallbacks. */
  readonly usesModel: boolean;
  create(context: PlannerConformanceContext): ConformancePlanner | Promise<ConformancePlanner>;
}

/** A sensible single-session answer naming `ids` plus one unknown id (999), in every field a planner may read. */
export function plannerAnswer(ids: readonly CategoryId[]): string {
  return JSON.stringify({ thought: "Serve the liked category, explore a fresh one.", categories: [...ids, 999], rationale: "liked and fresh" });
}

/** Answers no planner can use; each must end in the fallback planner and be counted. */
export const GARBAGE_PLANNER_ANSWERS: readonly string[] = [
  "",
  "I would recommend some nice categories to this user.",
  '{"categories": [999, -4, 2.5]}',
  "[]",
  '{"categories": "all of them"}',
  "```json\n{ categories: [1, 2\n```",
];

const NAMES = ["Action", "Puzzle", "Racing", "Drama", "Comedy", "Jazz", "News", "Sports", "Cooking", "Travel", "Horror", "Kids"];

function reflection(rng: Rng, i: number): Reflection {
  return {
    text: `Session ${i} left after repeating ${NAMES[rng.int(NAMES.length)]}; mix in ${NAMES[rng.int(NAMES.length)]}.`,
    return: rng.uniform(0, 20),
    length: rng.intBetween(1, 20),
    categories: [rng.int(4)],
    source: { kind: "heuristic", by: "conformance" },
  };
}

/** A random but valid batch: shared candidates (ids 0..11, with or without names), random histories and reflections. */
export function randomPlanRequests(rng: Rng, batch: number, candidateIds: readonly CategoryId[], named: boolean): ConformancePlanRequest[] {
  const candidates = candidateIds.map((id) => (named ? { id, name: NAMES[id % NAMES.length]! } : { id }));
  const ratings = rng.bernoulli(0.5);
  const reflections = Array.from({ length: rng.int(4) }, (_x, i) => reflection(rng, i));
  return Array.from({ length: batch }, (_y, b) => {
    const slates = rng.int(6);
    const size = rng.intBetween(1, 6);
    const step = slates + rng.int(10);
    const history = Array.from({ length: slates }, (_, s) => ({
      step: step - slates + s,
      // History may hold categories that are not candidates now (e.g. outside a restricted candidate set).
      categories: Array.from({ length: size }, () => rng.int(14)),
      feedback: Array.from({ length: size }, () => (ratings ? rng.intBetween(1, 5) : rng.int(2))),
    }));
    return { sessionId: `s${b}`, userId: b, step, candidates, history, reflections, returnSoFar: rng.uniform(0, 5) };
  });
}

/** What is wrong with a batch of plans (empty when valid): the suite asserts `toEqual([])` so failures list every problem. */
export function planProblems(plans: readonly Plan[], requests: readonly ConformancePlanRequest[]): string[] {
  const problems: string[] = [];
  if (plans.length !== requests.length) problems.push(`${plans.length} plans for ${requests.length} requests`);
  plans.forEach((plan, i) => {
    const allowed = new Set(requests[i]?.candidates.map((c) => c.id));
    const where = `plan ${i} (${JSON.stringify(plan.categories)})`;
    if (plan.categories.length === 0) problems.push(`${where}: empty`);
    if (new Set(plan.categories).size !== plan.categories.length) problems.push(`${where}: repeats a category`);
    for (const c of plan.categories) if (!allowed.has(c)) problems.push(`${where}: ${c} is not a candidate`);
    if (!KINDS.includes(plan.source.kind)) problems.push(`${where}: unknown source kind ${plan.source.kind}`);
    if (typeof plan.source.by !== "string") problems.push(`${where}: source.by is not a string`);
    if (plan.thought !== undefined && typeof plan.thought !== "string") problems.push(`${where}: thought is not a string`);
  });
  return problems;
}

const KINDS: readonly string[] = ["llm", "heuristic", "learned", "fallback", "cache", "human"];
const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

/** Registers the planner conformance tests for one implementation. */
export function plannerConformance(name: string, options: PlannerConformanceOptions): void {
  const make = (answer: PlannerConformanceContext["answer"], seed = 7, stats = new LlmStats()) => options.create({ seed, answer, stats });

  describe(`planner conformance: ${name}`, () => {
    it("plans a valid, non-empty candidate subset for random valid batches", async () => {
      const rng = new Rng(2024, "planner-conformance");
      for (let trial = 0; trial < 6; trial++) {
        const n = rng.intBetween(2, 12);
        const candidates = rng.sample(12, n).sort((a, b) => a - b);
        const requests = randomPlanRequests(rng, rng.intBetween(1, 6), candidates, trial % 2 === 0);
        const good = candidates.slice(0, 2);
        const planner = await make(() => plannerAnswer(good));
        const plans = await planner.plan(requests);
        expect(planProblems(plans, requests)).toEqual([]);
        // A model planner must follow the model: its two valid ids, the unknown 999 dropped.
        const seen = plans.map((p) => ({ kind: p.source.kind, categories: sorted(p.categories) }));
        const followed = plans.map(() => ({ kind: "llm", categories: good }));
        expect(options.usesModel ? seen : followed).toEqual(followed);
      }
    });

    it("plans for a new session with no history and no reflections", async () => {
      const requests = randomPlanRequests(new Rng(1, "empty"), 2, [0, 1, 2, 3], true).map((r) => ({ ...r, step: 0, history: [], reflections: [], returnSoFar: 0 }));
      const planner = await make(() => plannerAnswer([1, 3]));
      const plans = await planner.plan(requests);
      expect(planProblems(plans, requests)).toEqual([]);
      expect(plans.every((p) => p.source.kind === "llm" || !options.usesModel)).toBe(true);
    });

    it("returns the only category of a single-category catalogue", async () => {
      const requests = randomPlanRequests(new Rng(3, "single"), 3, [0], true);
      const planner = await make(() => plannerAnswer([0]));
      const plans = await planner.plan(requests);
      expect(planProblems(plans, requests)).toEqual([]);
      expect(plans.map((p) => p.categories)).toEqual(requests.map(() => [0]));
    });

    it("is deterministic under a seed", async () => {
      const requests = randomPlanRequests(new Rng(5, "determinism"), 5, [0, 2, 3, 5, 7, 8], false);
      const run = async () => {
        const prompts: string[] = [];
        const planner = await make((prompt) => {
          prompts.push(prompt);
          return plannerAnswer([2, 7]);
        }, 11);
        const plans = await planner.plan(requests);
        return { plans: plans.map((p) => ({ categories: p.categories, thought: p.thought, kind: p.source.kind })), prompts: prompts.sort() };
      };
      const a = await run();
      expect(await run()).toEqual(a);
    });

    it.runIf(options.usesModel)("answers garbage through the fallback planner and counts every fallback", async () => {
      const requests = randomPlanRequests(new Rng(9, "garbage"), 3, [1, 2, 4, 6], true);
      for (const garbage of GARBAGE_PLANNER_ANSWERS) {
        const stats = new LlmStats();
        const planner = await make(() => garbage, 7, stats);
        const plans = await planner.plan(requests);
        // The answer rides along so a failure names the garbage that broke the planner.
        expect({ answer: garbage, problems: planProblems(plans, requests), kinds: plans.map((p) => p.source.kind), fallbacks: stats.fallbacks }).toEqual({
          answer: garbage,
          problems: [],
          kinds: requests.map(() => "fallback"),
          fallbacks: requests.length,
        });
      }
    });

    it.runIf(options.usesModel)("survives a model that throws", async () => {
      const requests = randomPlanRequests(new Rng(10, "throws"), 2, [0, 1, 2], false);
      const stats = new LlmStats();
      const planner = await make(() => {
        throw new Error("connection refused");
      }, 7, stats);
      const plans = await planner.plan(requests);
      expect(planProblems(plans, requests)).toEqual([]);
      expect(plans.every((p) => p.source.kind === "fallback")).toBe(true);
      expect(stats.fallbacks).toBe(requests.length);
    });
  });
}
