import { describe, expect, it } from "vitest";
import { createCatalog, type ItemId, type ItemScorer, type Observation, type Plan } from "@farsight/core";
import { LlmStats, NoModelError, ScriptedChatModel } from "@farsight/llm";
import { actorConformance, CONFORMANCE_USERS } from "../../testing/src/actor-conformance.js";
import { CatalogGreedyActor } from "./greedy-actor.js";
import { TitleGrounder } from "./grounding.js";
import { LlmActor } from "./llm.js";
import { parseRecommendations } from "./prompt.js";

/** A fixed score table: user u likes item i by (i * 7 + u * 3) % 11. */
function tableScorer(numUsers: number, numItems: number): ItemScorer {
  return {
    numUsers,
    numItems,
    scoreAll(user, out = new Float32Array(numItems)) {
      for (let i = 0; i < numItems; i++) out[i] = (i * 7 + user * 3) % 11;
      return out;
    },
  };
}

const toJsonAnswer = (text: string) => {
  const titles = parseRecommendations(text);
  return titles.length === 0 ? text : JSON.stringify({ recommendations: titles });
};

actorConformance("LlmActor (text)", {
  usesModel: true,
  create: ({ catalog, seed, answer }) => new LlmActor({ model: new ScriptedChatModel({ responses: answer }), catalog, seed }),
});
actorConformance("LlmActor (structured output)", {
  usesModel: true,
  create: ({ catalog, seed, answer }) =>
    new LlmActor({ model: new ScriptedChatModel({ responses: (p, i) => toJsonAnswer(answer(p, i)) }), catalog, seed, output: "structured" }),
});
actorConformance("CatalogGreedyActor", {
  usesModel: false,
  create: ({ catalog }) => new CatalogGreedyActor({ catalog, scorer: tableScorer(CONFORMANCE_USERS, catalog.numItems) }),
});

const catalog = createCatalog({
  itemCategories: [[0], [0], [0], [1], [1], [1], [2], [2]],
  categoryNames: ["Strategy", "Racing", "Puzzle"],
  itemTitles: ["Stellaris", "Civilization V", "Crusader Kings", "Forza Horizon 4", "Dirt Rally", "Trackmania", "Portal 2", "The Witness"],
});
const plan: Plan = { categories: [2], thought: "Try a puzzle game to refresh the session.", source: { kind: "llm", by: "test" } };
const obs = (items: ItemId[], sessionId = "s1"): Observation => ({
  sessionId, userId: 0, step: items.length, returnSoFar: 0,
  history: items.map((item, step) => ({ item, category: catalog.itemCategory[item]!, feedback: 4, step })),
});

describe("LlmActor", () => {
  it("shows the plan, the history and only in-plan candidates, and picks the named item", async () => {
    const model = new ScriptedChatModel({ responses: ["Thought: puzzles.\nrecommend[The Witness]"] });
    const actor = new LlmActor({ model, catalog });
    const d = await actor.act({ observation: obs([0, 3]), plan, exclude: [0, 3] });
    expect(d.slate).toEqual([7]);
    expect(d.grounding[0]).toMatchObject({ method: "exact", replaced: false });
    const prompt = model.prompts[0]!;
    expect(prompt).toContain("Plan: Try a puzzle game");
    expect(prompt).toContain("Focus categories: Puzzle");
    expect(prompt).toContain("- Stellaris (Strategy): feedback 4");
    const candidates = prompt.slice(prompt.indexOf("Candidates:"));
    expect(candidates).toContain("Portal 2");
    expect(candidates).not.toContain("Dirt Rally");
    expect(prompt).toMatch(/Please recommend Puzzle items/);
  });

  it("re-asks when the answer lacks recommend[...], then counts replacements", async () => {
    const model = new ScriptedChatModel({ responses: ["I would suggest a puzzle.", "recommend[Portal Two]"] });
    const actor = new LlmActor({ model, catalog });
    const d = await actor.act({ observation: obs([0]), plan });
    expect(d.slate).toEqual([6]);
    expect(model.prompts[1]).toContain("contained no recommend[<title>]");
    expect(actor.counters).toMatchObject({ modelCalls: 2, parseRetries: 1, fuzzy: 1, replaced: 1 });
  });

  it("reports the replacement rate over exact, misspelt and invented titles", async () => {
    const model = new ScriptedChatModel({ responses: ["recommend[Portal 2]", "recommend[The Witnes]", "recommend[Half-Life 3]"] });
    const stats = new LlmStats();
    const actor = new LlmActor({ model, catalog, stats, maxParseRetries: 0 });
    const first = await actor.act({ observation: obs([]), plan });
    const second = await actor.act({ observation: obs([6]), plan, exclude: [6] });
    const third = await actor.act({ observation: obs([6, 7]), plan, exclude: [6, 7] });
    expect([first.slate[0], second.slate[0]]).toEqual([6, 7]);
    expect(third.grounding[0]).toMatchObject({ method: "fallback", replaced: true, text: "Half-Life 3" });
    expect(third.slate[0]).not.toBe(6);
    expect(actor.replacementRate()).toBeCloseTo(2 / 3);
    expect(stats.fallbacks).toBe(1);
  });

  it("grounds only inside the plan when asked to", async () => {
    const model = new ScriptedChatModel({ responses: () => "recommend[Forza Horizon 4]" });
    const inPlan = await new LlmActor({ model, catalog, groundingScope: "plan" }).act({ observation: obs([]), plan });
    expect([6, 7]).toContain(inPlan.slate[0]);
    const anywhere = await new LlmActor({ model, catalog }).act({ observation: obs([]), plan });
    expect(anywhere.slate).toEqual([3]);
  });

  it("turns learned advantages into prompt hints for similar histories", async () => {
    const model = new ScriptedChatModel({ responses: () => "recommend[Portal 2]" });
    const actor = new LlmActor({ model, catalog });
    await actor.act({ observation: obs([0, 1]), plan });
    expect(model.prompts[0]).not.toContain("historical experience");
    actor.learn({ observation: obs([0, 1]), item: 6, advantage: 2.5 });
    actor.learn({ observation: obs([0, 1]), item: 4, advantage: -3 });
    const d = await actor.act({ observation: obs([0, 1], "another-session"), plan });
    expect(model.prompts[1]).toContain("we encourage recommending Portal 2 and we discourage recommending Dirt Rally");
    expect(d.hints?.some((h) => h.includes("historical experience"))).toBe(true);
    expect(actor.counters.memoryHints).toBe(1);
    await actor.act({ observation: obs([3, 4, 5]), plan });
    expect(model.prompts[2]).not.toContain("historical experience");
  });

  it("grounds through embeddings when fuzzy matching finds nothing", async () => {
    // Embeddings that know "portal" and "witness" are puzzle titles: the vector is [has portal, has witness, other].
    const vec = (t: string) => [/portal/i.test(t) ? 1 : 0, /witness/i.test(t) ? 1 : 0, /portal|witness/i.test(t) ? 0 : 1];
    const embeddings = { embedDocuments: async (ts: string[]) => ts.map(vec), embedQuery: async (t: string) => vec(t) };
    const model = new ScriptedChatModel({ responses: () => "recommend[Portal: The Complete Anniversary Collection]" });
    const actor = new LlmActor({ model, catalog, grounding: { embeddings } });
    const d = await actor.act({ observation: obs([]), plan });
    expect(d.slate).toEqual([6]);
    expect(d.grounding[0]).toMatchObject({ method: "embedding", replaced: true });
    expect(actor.counters.embedding).toBe(1);
  });

  it("can run without memory (the w/o micro-learning ablation)", async () => {
    const model = new ScriptedChatModel({ responses: () => "recommend[Portal 2]" });
    const actor = new LlmActor({ model, catalog, memory: null });
    actor.learn({ observation: obs([0]), item: 6, advantage: 1 });
    await actor.act({ observation: obs([0]), plan });
    expect(model.prompts[0]).not.toContain("historical experience");
  });

  it("ranks candidates with a scorer when given one", async () => {
    const model = new ScriptedChatModel({ responses: () => "recommend[Stellaris]" });
    const scorer = tableScorer(1, catalog.numItems); // scores 0,7,3,10,6,2,9,5
    const actor = new LlmActor({ model, catalog, candidateScorer: scorer, maxCandidates: 3 });
    await actor.act({ observation: obs([]) });
    const list = model.prompts[0]!.slice(model.prompts[0]!.indexOf("Candidates:"));
    expect(list).toMatch(/1\. Forza Horizon 4[\s\S]*2\. Portal 2[\s\S]*3\. Civilization V/);
    expect(list).not.toContain("Stellaris");
  });

  it("falls back without throwing when the model call fails", async () => {
    const model = new ScriptedChatModel({ responses: () => { throw new Error("connection refused"); } });
    const stats = new LlmStats();
    const d = await new LlmActor({ model, catalog, stats }).act({ observation: obs([]), plan, k: 2 });
    expect(d.source.kind).toBe("fallback");
    expect(d.source.detail).toMatch(/model call failed/);
    expect(d.slate).toHaveLength(2);
    expect(stats.fallbacksByComponent["llm-actor"]).toBe(1);
  });

  it("needs a model and names the non-LLM alternative", () => {
    expect(() => new LlmActor({ model: null, catalog })).toThrow(NoModelError);
    expect(() => new LlmActor({ model: null, catalog })).toThrow(/CatalogGreedyActor/);
  });
});

describe("CatalogGreedyActor", () => {
  const scorer = tableScorer(2, catalog.numItems);
  it("takes the best items inside the plan, skipping excluded ones", async () => {
    const actor = new CatalogGreedyActor({ catalog, scorer });
    // user 0 scores: 0,7,3,10,6,2,9,5 -> racing plan best first: 3 (10), 4 (6), 5 (2)
    const racing: Plan = { categories: [1], source: { kind: "heuristic", by: "t" } };
    expect((await actor.act({ observation: obs([]), plan: racing, k: 2 })).slate).toEqual([3, 4]);
    expect((await actor.act({ observation: obs([]), plan: racing, exclude: [3], k: 2 })).slate).toEqual([4, 5]);
    expect((await actor.act({ observation: obs([]), k: 2 })).slate).toEqual([3, 6]);
  });
  it("widens an exhausted plan and says so", async () => {
    const d = await new CatalogGreedyActor({ catalog, scorer }).act({ observation: obs([]), plan, exclude: [6, 7] });
    expect(d.slate).toEqual([3]);
    expect(d.source).toMatchObject({ kind: "heuristic", detail: "plan exhausted" });
  });
  it("rejects a scorer of another catalogue and unknown users", async () => {
    expect(() => new CatalogGreedyActor({ catalog, scorer: tableScorer(1, 3) })).toThrow(/scores 3 items/);
    await expect(new CatalogGreedyActor({ catalog, scorer }).act({ observation: { ...obs([]), userId: 5 } })).rejects.toThrow(/user 5/);
  });
  it("still takes the deprecated positional forms of 0.1, with the same meaning", async () => {
    const old = new CatalogGreedyActor(catalog, scorer, { name: "old" });
    expect([old.name, old.catalog, old.scorer]).toEqual(["old", catalog, scorer]);
    expect((await old.act({ observation: obs([]), k: 2 })).slate).toEqual([3, 6]);
    const model = new ScriptedChatModel({ responses: [] });
    const actor = new LlmActor(model, catalog, { seed: 3, maxCandidates: 4 });
    expect([actor.model, actor.catalog, actor.options.seed, actor.options.maxCandidates]).toEqual([model, catalog, 3, 4]);
    expect(() => new LlmActor(null, catalog)).toThrow(/CatalogGreedyActor/);
    expect(new TitleGrounder(catalog, { fuzzyThreshold: 0.3 }).options.fuzzyThreshold).toBe(0.3);
  });
});
