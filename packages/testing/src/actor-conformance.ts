/**
 * Conformance suite for actors (`@farsight/llm-actor`'s `Actor` interface, or anything shaped like it).
 * Every implementation runs it from its own tests:
 *
 *   actorConformance("LlmActor", { usesModel: true, create: ({ catalog, seed, answer }) =>
 *     new LlmActor(new ScriptedChatModel({ responses: answer }), catalog, { seed }) });
 *
 * The suite is structural (it does not import `@farsight/llm-actor`), so components stay independent.
 * LLM actors build a scripted model from `answer`; non-LLM actors ignore it.
 */
import { describe, expect, it } from "vitest";
import { createCatalog, type Catalog, type ItemId, type Observation, type Plan, type Provenance } from "@farsight/core";

/** The part of the Actor interface the suite exercises. */
export interface ConformanceActor {
  readonly name: string;
  act(request: { observation: Observation; plan?: Plan; exclude?: readonly ItemId[]; k?: number }): Promise<{
    readonly slate: readonly ItemId[];
    readonly grounding: readonly { readonly item: ItemId | null; readonly replaced: boolean; readonly method: string }[];
    readonly source: Provenance;
  }>;
  learn?(experience: { observation: Observation; item: ItemId; advantage: number }): void;
}

export interface ActorConformanceContext {
  readonly catalog: Catalog;
  readonly seed: number;
  /** What a scripted model answers to the prompt of each call (LLM actors only). */
  readonly answer: (prompt: string, callIndex: number) => string;
}

export interface ActorConformanceOptions {
  /** True for actors that call a model built from `answer`: enables the checks on what the model said. */
  readonly usesModel: boolean;
  create(context: ActorConformanceContext): ConformanceActor | Promise<ConformanceActor>;
}

const TITLES = [
  "Iron Harbor", "Crimson Skies Over Tokyo", "The Last Lighthouse", "Neon Drift",
  "Puzzle Garden", "Quiet Numbers", "Paper Labyrinth", "Glass Orchard",
  "Rally of the Dunes", "Midnight Circuit", "Turbo Valley", "Salt Flat Legends",
];

/** The suite's catalogue: 12 titled items, 3 categories (Action 0-3, Puzzle 4-7, Racing 8-11), 2 users. */
export function conformanceCatalog(): Catalog {
  return createCatalog({
    itemCategories: TITLES.map((_, i) => [Math.floor(i / 4)]),
    categoryNames: ["Action", "Puzzle", "Racing"],
    itemTitles: TITLES,
  });
}

/** Number of users a non-LLM actor's scorer must cover for the suite (user ids 0 and 1). */
export const CONFORMANCE_USERS = 2;

function observation(history: ItemId[], userId = 1): Observation {
  return {
    sessionId: "conformance-session",
    userId,
    step: history.length,
    history: history.map((item, step) => ({ item, category: Math.floor(item / 4), feedback: 3, step })),
    returnSoFar: 3 * history.length,
  };
}

const PUZZLE_PLAN: Plan = { categories: [1], thought: "The user enjoyed puzzles; offer another one.", source: { kind: "heuristic", by: "conformance" } };

function expectValidSlate(catalog: Catalog, decision: Awaited<ReturnType<ConformanceActor["act"]>>, k: number, exclude: readonly ItemId[]): void {
  expect(decision.slate.length).toBe(k);
  expect(new Set(decision.slate).size).toBe(decision.slate.length);
  for (const item of decision.slate) {
    expect(Number.isInteger(item) && item >= 0 && item < catalog.numItems).toBe(true);
    expect(exclude).not.toContain(item);
  }
  expect(decision.grounding.length).toBe(decision.slate.length);
  expect(["llm", "heuristic", "learned", "fallback", "cache", "human"]).toContain(decision.source.kind);
}

/** Registers the actor conformance tests for one implementation. */
export function actorConformance(name: string, options: ActorConformanceOptions): void {
  const catalog = conformanceCatalog();
  const make = (answer: ActorConformanceContext["answer"], seed = 7) => options.create({ catalog, seed, answer });
  const title = (i: ItemId) => TITLES[i]!;
  const history = [0, 4];

  describe(`actor conformance: ${name}`, () => {
    it("returns k distinct, valid, non-excluded items for a plan", async () => {
      const actor = await make(() => `recommend[${title(5)}]\nrecommend[${title(6)}]`);
      const decision = await actor.act({ observation: observation(history), plan: PUZZLE_PLAN, exclude: history, k: 2 });
      expectValidSlate(catalog, decision, 2, history);
      if (options.usesModel) {
        expect(decision.slate).toEqual([5, 6]);
        expect(decision.grounding.every((g) => !g.replaced)).toBe(true);
        expect(decision.source.kind).toBe("llm");
      }
    });

    it("replaces a hallucinated title with a real item and reports it", async () => {
      const actor = await make(() => "recommend[The Nonexistent Saga of Zorblax]");
      const decision = await actor.act({ observation: observation(history), plan: PUZZLE_PLAN, exclude: history });
      expectValidSlate(catalog, decision, 1, history);
      if (options.usesModel) expect(decision.grounding[0]!.replaced || decision.grounding[0]!.method === "fallback").toBe(true);
    });

    it("grounds a misspelt title to the intended item, as a replacement", async () => {
      const actor = await make(() => "recommend[paper labirynth]");
      const decision = await actor.act({ observation: observation(history), plan: PUZZLE_PLAN, exclude: history });
      expectValidSlate(catalog, decision, 1, history);
      if (options.usesModel) expect(decision.slate[0]).toBe(6);
    });

    it("survives an empty answer and says it fell back", async () => {
      const actor = await make(() => "");
      const decision = await actor.act({ observation: observation(history), plan: PUZZLE_PLAN, exclude: history, k: 2 });
      expectValidSlate(catalog, decision, 2, history);
      if (options.usesModel) expect(decision.source.kind).toBe("fallback");
    });

    it("never returns an excluded item, even when the model names one", async () => {
      const exclude = [0, 4, 5];
      const actor = await make(() => `recommend[${title(5)}]`);
      const decision = await actor.act({ observation: observation(history), plan: PUZZLE_PLAN, exclude });
      expectValidSlate(catalog, decision, 1, exclude);
      if (options.usesModel) expect(decision.grounding[0]!.replaced || decision.grounding[0]!.method === "fallback").toBe(true);
    });

    it("handles out-of-range plan categories, numeric garbage and a nearly exhausted catalogue", async () => {
      const actor = await make(() => "recommend[42]\nrecommend[-1]");
      const badPlan: Plan = { categories: [99, -1], source: { kind: "heuristic", by: "conformance" } };
      const wide = await actor.act({ observation: observation(history), plan: badPlan, exclude: history, k: 2 });
      expectValidSlate(catalog, wide, 2, history);
      const exclude = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
      const last = await actor.act({ observation: observation(history), plan: PUZZLE_PLAN, exclude, k: 5 });
      expect([...last.slate].sort()).toEqual([10, 11]);
    });

    it("is deterministic under a seed", async () => {
      const prompts: string[][] = [[], []];
      const run = async (run: number) => {
        const actor = await make((prompt) => {
          prompts[run]!.push(prompt);
          return "recommend[something vague]";
        }, 11);
        const out: ItemId[][] = [];
        for (let step = 0; step < 3; step++) {
          const d = await actor.act({ observation: observation([0, 4, 8].slice(0, step + 1)), plan: PUZZLE_PLAN, exclude: [0, 4, 8], k: 2 });
          out.push([...d.slate]);
        }
        return out;
      };
      expect(await run(0)).toEqual(await run(1));
      expect(prompts[0]).toEqual(prompts[1]);
    });

    it("keeps working after learning from extreme or missing advantages", async () => {
      const actor = await make(() => `recommend[${title(7)}]`);
      if (!actor.learn) return;
      for (const advantage of [-1000, 1e9, Number.NaN, 0]) actor.learn({ observation: observation(history), item: 5, advantage });
      const decision = await actor.act({ observation: observation(history), plan: PUZZLE_PLAN, exclude: history });
      expectValidSlate(catalog, decision, 1, history);
    });
  });
}
