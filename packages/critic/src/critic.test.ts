import { describe, expect, it } from "vitest";
import { createCatalog, type ItemId, type ItemScorer, type Observation } from "@farsight/core";
import { LlmStats, NoModelError, ScriptedChatModel } from "@farsight/llm";
import { criticConformance } from "../../testing/src/critic-conformance.js";
import { advantage, tdTarget } from "./advantage.js";
import { CriticMemory } from "./critic-memory.js";
import { LlmCritic } from "./llm.js";
import { parseCriticValue } from "./prompt.js";
import { ScorerCritic } from "./scorer-critic.js";
import { TabularAverageCritic } from "./tabular-critic.js";

/** user u likes item i by (i * 5 + u) % 12. */
function tableScorer(numUsers: number, numItems: number): ItemScorer {
  return {
    numUsers, numItems,
    scoreAll(user, out = new Float32Array(numItems)) {
      for (let i = 0; i < numItems; i++) out[i] = (i * 5 + user) % 12;
      return out;
    },
  };
}

const toJson = (text: string) => {
  const p = parseCriticValue(text);
  return p.ok ? JSON.stringify({ value: p.value }) : text;
};

criticConformance("LlmCritic (text)", { usesModel: true, create: ({ catalog, answer }) => new LlmCritic({ model: new ScriptedChatModel({ responses: answer }), catalog }) });
criticConformance("LlmCritic (structured output)", {
  usesModel: true,
  create: ({ catalog, answer }) => new LlmCritic({ model: new ScriptedChatModel({ responses: (p, i) => toJson(answer(p, i)) }), catalog, output: "structured" }),
});
criticConformance("ScorerCritic", { usesModel: false, create: ({ catalog }) => new ScorerCritic({ scorer: tableScorer(2, catalog.numItems) }) });
criticConformance("TabularAverageCritic", { usesModel: false, create: () => new TabularAverageCritic() });

const catalog = createCatalog({
  itemCategories: [[0], [0], [1], [1]],
  categoryNames: ["Strategy", "Puzzle"],
  itemTitles: ["Stellaris", "Civilization V", "Portal 2", "The Witness"],
});
const obs = (items: ItemId[], feedback = 4): Observation => ({
  sessionId: "s", userId: 0, step: items.length, returnSoFar: 0,
  history: items.map((item, step) => ({ item, category: catalog.itemCategory[item]!, feedback, step })),
});

describe("advantage", () => {
  it("is r + gamma V(s') - V(s), gamma 0.5 by default, no bootstrap from a terminal state", () => {
    expect(advantage({ reward: 4, value: 2, nextValue: 3 })).toBe(3.5);
    expect(advantage({ reward: 4, value: 2, nextValue: 3, gamma: 0.9 })).toBeCloseTo(4.7);
    expect(advantage({ reward: -1000, value: 1, nextValue: 3, done: true })).toBe(-1001);
    expect(tdTarget({ reward: 1, nextValue: -4 })).toBe(-1);
  });
});

describe("parseCriticValue", () => {
  it("prefers the labelled value, else the last number", () => {
    expect(parseCriticValue("Value: -2")).toEqual({ ok: true, value: -2 });
    expect(parseCriticValue("On a scale from -5 to 5 the value is 3.")).toEqual({ ok: true, value: 3 });
    expect(parseCriticValue("Between -5 and 5 I would say 2")).toEqual({ ok: true, value: 2 });
    expect(parseCriticValue("Value: −4")).toEqual({ ok: true, value: -4 });
    expect(parseCriticValue("great list")).toEqual({ ok: false, issue: "non-numeric" });
    expect(parseCriticValue("  ")).toEqual({ ok: false, issue: "empty" });
  });
});

describe("LlmCritic", () => {
  it("shows few-shot examples and the recent list, and counts clamped and rounded answers", async () => {
    const model = new ScriptedChatModel({ responses: ["Value: 9", "Value: 2.4", "Value: 1"] });
    const critic = new LlmCritic({ model, catalog, window: 2 });
    expect((await critic.evaluate({ observation: obs([0, 1, 2]) })).value).toBe(5);
    const rounded = await critic.evaluate({ observation: obs([0, 1, 2]) });
    expect(rounded).toMatchObject({ value: 2, issue: "non-integer" });
    await critic.evaluate({ observation: obs([3]) });
    const prompt = model.prompts[0]!;
    expect(prompt).toContain("integer from -5 to 5");
    expect(prompt).toContain("Example 3:");
    expect(prompt).toContain("- Civilization V (Strategy): feedback 4\n- Portal 2 (Puzzle): feedback 4");
    expect(prompt).not.toContain("- Stellaris (Strategy): feedback 4"); // outside the window of 2
    expect(critic.counters).toMatchObject({ evaluations: 3, outOfRange: 1, nonInteger: 1, nonNumeric: 0 });
  });

  it("retrieves critic memory into the prompt and falls back to it when the answer is unusable", async () => {
    const model = new ScriptedChatModel({ responses: ["no idea", "no idea"] });
    const stats = new LlmStats();
    const critic = new LlmCritic({ model, catalog, stats });
    const unknown = await critic.evaluate({ observation: obs([0, 2]) });
    expect(unknown).toMatchObject({ value: 0, issue: "non-numeric", source: { kind: "fallback" } });
    critic.learn({ observation: obs([0, 2]), target: -1000 }); // BiLLP's quit penalty: shown clamped
    const remembered = await critic.evaluate({ observation: obs([0, 2]) });
    expect(model.prompts[1]).toContain("for this same recent list the Value was -5");
    expect(remembered).toMatchObject({ value: -5, fromMemory: true, source: { kind: "fallback" } });
    expect(critic.counters.memoryHits).toBe(1);
    expect(stats.fallbacksByComponent["llm-critic"]).toBe(2);
  });

  it("counts a failing model call and still answers", async () => {
    const model = new ScriptedChatModel({ responses: () => { throw new Error("timeout from server"); } });
    const critic = new LlmCritic({ model, catalog, fallbackValue: 1 });
    expect(await critic.evaluate({ observation: obs([1]) })).toMatchObject({ value: 1, issue: "model-error" });
    expect(critic.counters.modelErrors).toBe(1);
  });

  it("rejects a missing model and a bad range", () => {
    expect(() => new LlmCritic({ model: null, catalog })).toThrow(NoModelError);
    expect(() => new LlmCritic({ model: new ScriptedChatModel({ responses: [] }), catalog, range: [3, 3] })).toThrow(/lo < hi/);
  });

  it("still takes the deprecated positional form of 0.1 (model, catalog, options), with the same meaning", async () => {
    const model = new ScriptedChatModel({ responses: () => "Value: 9" });
    const old = new LlmCritic(model, catalog, { range: [-2, 2], name: "old" });
    expect([old.name, old.range, old.catalog, old.model]).toEqual(["old", [-2, 2], catalog, model]);
    expect((await old.evaluate({ observation: obs([1]) })).value).toBe(2);
    expect(() => new LlmCritic(null, catalog)).toThrow(NoModelError);
    const scorer = tableScorer(1, 4);
    expect(await new ScorerCritic(scorer, { range: [0, 1] }).evaluate({ observation: obs([2]) })).toEqual(await new ScorerCritic({ scorer, range: [0, 1] }).evaluate({ observation: obs([2]) }));
  });
});

describe("CriticMemory", () => {
  it("keeps the latest target per history and round-trips through JSON", () => {
    const m = new CriticMemory({ window: 2 });
    m.record(obs([0, 1, 2]), 3);
    m.record(obs([3, 1, 2]), 4); // same last-2 key
    m.record(obs([0]), Number.POSITIVE_INFINITY);
    expect(m.size).toBe(1);
    expect(m.retrieve(obs([1, 2]))).toEqual({ value: 4, similarity: 1 });
    expect(m.retrieve(obs([2, 1]))).toEqual({ value: 4, similarity: 1 }); // the same items in another order
    expect(m.retrieve(obs([1, 3]))).toBeNull(); // minSimilarity 1: only the same item set is retrieved
    expect(CriticMemory.fromJSON(m.toJSON(), { window: 2 }).retrieve(obs([1, 2]))?.value).toBe(4);
    expect(() => CriticMemory.fromJSON([{ key: [1], value: "x" }])).toThrow(/entry 0/);
  });
});

describe("non-LLM critics", () => {
  it("ScorerCritic places the recent list inside the user's score range", async () => {
    const scorer = tableScorer(1, 4); // scores 0, 5, 10, 3
    const critic = new ScorerCritic({ scorer });
    expect((await critic.evaluate({ observation: obs([2]) })).value).toBe(5);
    expect((await critic.evaluate({ observation: obs([0]) })).value).toBe(-5);
    expect((await critic.evaluate({ observation: obs([1]) })).value).toBeCloseTo(0);
    expect((await critic.evaluate({ observation: obs([]) })).value).toBe(0);
    await expect(critic.evaluate({ observation: { ...obs([]), userId: 3 } })).rejects.toThrow(/user 3/);
  });

  it("TabularAverageCritic averages clamped targets per state, the global mean elsewhere", async () => {
    const critic = new TabularAverageCritic({ window: 1 });
    expect((await critic.evaluate({ observation: obs([0]) })).value).toBe(0);
    critic.learn({ observation: obs([0]), target: 4 });
    critic.learn({ observation: obs([2, 0]), target: -1000 }); // same key (last item 0), clamped to -5
    critic.learn({ observation: obs([1]), target: 2 });
    expect((await critic.evaluate({ observation: obs([0]) })).value).toBe(-0.5);
    expect((await critic.evaluate({ observation: obs([3]) })).value).toBeCloseTo((4 - 5 + 2) / 3);
  });
});
