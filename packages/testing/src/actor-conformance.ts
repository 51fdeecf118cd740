/**
 * Conformance suite for actors (`@farsight/llm-actor`'s `Actor` interface, or anything shaped like it).
 * Every implementation runs it from its own tests:
 *
 *   actorConformance("LlmActor", { usesModel: true, create: ({ catalog, seed, answer }) =>
 *     new LlmActor({ model: new ScriptedChatModel({ responses: answer }), catalog, seed }) });
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

type Decision = Awaited<ReturnType<ConformanceActor["act"]>>;

/** What is wrong with a decision (empty when nothing): k distinct valid items, none excluded, one grounding each. */
export function slateProblems(catalog: Catalog, decision: Decision, k: number, exclude: readonly ItemId[]): string[] {
  const problems: string[] = [];
  if (decision.slate.length !== k) problems.push(`slate has ${decision.slate.length} items, expected ${k}`);
  if (new Set(decision.slate).size !== decision.slate.length) problems.push(`slate repeats an item: ${decision.slate.join(",")}`);
  for (const item of decision.slate) {
    if (!(Number.isInteger(item) && item >= 0 && item < catalog.numItems)) problems.push(`item ${item} is not in the catalogue`);
    if (exclude.includes(item)) problems.push(`item ${item} was excluded`);
  }
  if (decision.grounding.length !== decision.slate.length) problems.push(`${decision.grounding.length} grounding entries for ${decision.slate.length} items`);
  if (!["llm", "heuristic", "learned", "fallback", "cache", "human"].includes(decision.source.kind)) problems.push(`unknown source kind ${decision.source.kind}`);
  return problems;
}

/** Registers the actor conformance tests for one implementation. */
export function actorConformance(name: string, options: ActorConformanceOptions): void {
  const catalog = conformanceCatalog();
  const make = (answer: ActorConformanceContext["answer"], seed = 7) => options.create({ catalog, seed, answer });
  const title = (i: ItemId) => TITLES[i]!;
  const history = [0, 4];

  describe(`actor conformance: ${name}`, () => {
    const puzzleRequest = (exclude: readonly ItemId[], k = 1) => ({ observation: observation(history), plan: PUZZLE_PLAN, exclude, k });

    // Every implementation: whatever the model says (or if there is no model), the slate is valid.
    const answers: [string, string, readonly ItemId[], number][] = [
      ["a valid answer", `recommend[${title(5)}]\nrecommend[${title(6)}]`, history, 2],
      ["a hallucinated title", "recommend[The Nonexistent Saga of Zorblax]", history, 1],
      ["a misspelt title", "recommend[paper labirynth]", history, 1],
      ["an empty answer", "", history, 2],
      ["an excluded item named", `recommend[${title(5)}]`, [0, 4, 5], 1],
    ];
    for (const [what, answer, exclude, k] of answers) {
      it(`returns k distinct, valid, non-excluded items after ${what}`, async () => {
        const actor = await make(() => answer);
        expect(slateProblems(catalog, await actor.act(puzzleRequest(exclude, k)), k, exclude)).toEqual([]);
      });
    }

    // Model-backed implementations: what the model named is used, replaced or refused as it should be.
    describe.runIf(options.usesModel)("grounding of what the model named", () => {
      it("takes the named items without replacements", async () => {
        const decision = await (await make(() => `recommend[${title(5)}]\nrecommend[${title(6)}]`)).act(puzzleRequest(history, 2));
        expect(decision.slate).toEqual([5, 6]);
        expect(decision.grounding.map((g) => g.replaced)).toEqual([false, false]);
        expect(decision.source.kind).toBe("llm");
      });

      it("reports a hallucinated title as replaced (or filled by a fallback)", async () => {
        const g = (await (await make(() => "recommend[The Nonexistent Saga of Zorblax]")).act(puzzleRequest(history))).grounding[0]!;
        expect(g.replaced || g.method === "fallback").toBe(true);
      });

      it("grounds a misspelt title to the intended item", async () => {
        expect((await (await make(() => "recommend[paper labirynth]")).act(puzzleRequest(history))).slate).toEqual([6]);
      });

      it("says it fell back after an empty answer", async () => {
        expect((await (await make(() => "")).act(puzzleRequest(history, 2))).source.kind).toBe("fallback");
      });

      it("reports a named but excluded item as replaced (or filled by a fallback)", async () => {
        const g = (await (await make(() => `recommend[${title(5)}]`)).act(puzzleRequest([0, 4, 5]))).grounding[0]!;
        expect(g.replaced || g.method === "fallback").toBe(true);
      });
    });

    it("handles out-of-range plan categories, numeric garbage and a nearly exhausted catalogue", async () => {
      const actor = await make(() => "recommend[42]\nrecommend[-1]");
      const badPlan: Plan = { categories: [99, -1], source: { kind: "heuristic", by: "conformance" } };
      const wide = await actor.act({ observation: observation(history), plan: badPlan, exclude: history, k: 2 });
      expect(slateProblems(catalog, wide, 2, history)).toEqual([]);
      const exclude = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
      const last = await actor.act(puzzleRequest(exclude, 5));
      expect([...last.slate].sort()).toEqual([10, 11]);
    });

    it("is deterministic under a seed", async () => {
      const prompts: string[][] = [[], []];
      const playThreeSteps = async (runIndex: number) => {
        const actor = await make((prompt) => {
          prompts[runIndex]!.push(prompt);
          return "recommend[something vague]";
        }, 11);
        const out: ItemId[][] = [];
        for (let step = 0; step < 3; step++) {
          const d = await actor.act({ observation: observation([0, 4, 8].slice(0, step + 1)), plan: PUZZLE_PLAN, exclude: [0, 4, 8], k: 2 });
          out.push([...d.slate]);
        }
        return out;
      };
      expect(await playThreeSteps(0)).toEqual(await playThreeSteps(1));
      expect(prompts[0]).toEqual(prompts[1]);
    });

    it("keeps working after learning from extreme or missing advantages", async () => {
      const actor = await make(() => `recommend[${title(7)}]`);
      for (const advantage of [-1000, 1e9, Number.NaN, 0]) actor.learn?.({ observation: observation(history), item: 5, advantage });
      expect(slateProblems(catalog, await actor.act(puzzleRequest(history)), 1, history)).toEqual([]);
    });
  });
}
