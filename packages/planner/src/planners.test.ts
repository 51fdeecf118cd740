import { describe, expect, it } from "vitest";
import type { Reflection } from "@farsight/core";
import { LlmStats, ScriptedChatModel } from "@farsight/llm";
import { SaturationAwarePlanner, slatesFromHistory, type PlanRequest } from "./index.js";
import { LlmThoughtPlanner } from "./llm.js";

const candidates = [
  { id: 0, name: "Action" },
  { id: 1, name: "Puzzle" },
  { id: 2, name: "Racing" },
  { id: 3, name: "Drama" },
];

function request(history: PlanRequest["history"], reflections: Reflection[] = []): PlanRequest {
  return { sessionId: "s", step: history.length, candidates, history, reflections };
}

describe("slatesFromHistory", () => {
  it("groups interactions by step and keeps the last H slates", () => {
    const history = [0, 0, 1, 2, 2, 2].map((step, i) => ({ item: i, category: i % 3, feedback: i, step }));
    expect(slatesFromHistory(history, 2)).toEqual([
      { step: 1, categories: [2], feedback: [2] },
      { step: 2, categories: [0, 1, 2], feedback: [3, 4, 5] },
    ]);
    expect(slatesFromHistory([], 5)).toEqual([]);
  });
});

describe("SaturationAwarePlanner", () => {
  it("keeps a liked category, drops the one that saturated the recent window, explores an unseen one", async () => {
    const planner = new SaturationAwarePlanner({ numCategories: 2 });
    const history = [
      { step: 0, categories: [1, 2, 0], feedback: [1, 0, 0] },
      { step: 1, categories: [2, 2, 2], feedback: [1, 1, 0] },
      { step: 2, categories: [2, 2, 1], feedback: [1, 0, 1] },
    ];
    const [plan] = await planner.plan([request(history)]);
    expect(plan!.categories).not.toContain(2); // Racing: 5 of the last 6 items
    expect(plan!.categories).toContain(1); // Puzzle: liked twice out of two
    expect(plan!.rationale).toMatch(/avoided saturated Racing/);
    const ev = planner.evidence(request(history));
    expect(ev.find((e) => e.id === 2)).toMatchObject({ saturated: true, seen: 6 });
    expect(ev.find((e) => e.id === 3)).toMatchObject({ saturated: false, seen: 0 });
  });

  it("falls back to the least saturated category when every candidate is saturated", async () => {
    const planner = new SaturationAwarePlanner({ saturationShare: 0.1, minRepeats: 1 });
    const history = [{ step: 0, categories: [0, 0, 0, 1], feedback: [1, 1, 1, 1] }];
    const [plan] = await planner.plan([{ ...request(history), candidates: candidates.slice(0, 2) }]);
    expect(plan!.categories).toEqual([1]);
  });
});

describe("LlmThoughtPlanner", () => {
  const reflections: Reflection[] = [
    { text: "Puzzle fatigue after four steps; plan: switch to Drama early.", return: 3, length: 4, categories: [1], source: { kind: "llm", by: "m" } },
  ];
  const history = [{ step: 0, categories: [1, 1], feedback: [1, 0] }];

  it("puts instruction, few-shot examples, retrieved reflections and the session history in the prompt", async () => {
    const model = new ScriptedChatModel({ responses: () => '{"thought": "Puzzle is fading; try Drama and Action.", "categories": [3, 0]}' });
    const planner = new LlmThoughtPlanner({ model, examples: ["History: EXAMPLE-ONE\nAnswer: {}"] });
    const [plan] = await planner.plan([request(history, reflections)]);
    expect(plan).toMatchObject({ categories: [3, 0], thought: "Puzzle is fading; try Drama and Action.", source: { kind: "llm" } });
    const prompt = model.prompts[0]!;
    const order = ["[Instruction]", "[Examples]", "EXAMPLE-ONE", "[Reflections]", "switch to Drama early", "[Candidate Categories]", "- 3 (Drama)", "[Current Session]", "- Step 0: categories [Puzzle, Puzzle]; feedback [1, 0]", "[Your Task]"];
    const at = order.map((s) => prompt.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it("keeps the model's thought and takes categories from the fallback planner when it names none", async () => {
    const stats = new LlmStats();
    const model = new ScriptedChatModel({ responses: () => '{"thought": "Explore widely."}' });
    const planner = new LlmThoughtPlanner({ model, stats });
    const [plan] = await planner.plan([request(history)]);
    expect(plan!.thought).toBe("Explore widely.");
    expect(plan!.categories.length).toBeGreaterThan(0);
    expect(plan!.source.detail).toMatch(/categories by saturation-aware/);
    expect(stats.fallbacks).toBe(0); // the plan is the model's; only its mask came from the heuristic
  });
});
