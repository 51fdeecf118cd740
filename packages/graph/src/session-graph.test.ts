import { Command, isInterrupted, INTERRUPT } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { generateSynthetic, SyntheticWorld } from "@farsight/env";
import { LlmStats, ScriptedChatModel } from "@farsight/llm";
import { LlmCategoryPlanner, SaturationAwarePlanner } from "@farsight/planner";
import { ReflectionPool, TemplateReflector } from "@farsight/reflector";
import { createSessionGraph, type SessionPrompt } from "./index.js";

const data = generateSynthetic({ numCategories: 5, numItems: 40, numUsers: 10, embeddingDim: 4, seed: 1 });
const world = new SyntheticWorld(data);

function promptOf(out: unknown): SessionPrompt {
  expect(isInterrupted(out)).toBe(true);
  return (out as Record<string, { value: SessionPrompt }[]>)[INTERRUPT]![0]!.value;
}

describe("createSessionGraph (B = 1, human feedback through interrupt)", () => {
  it("pauses at every slate, takes feedback, re-plans, and reflects when the person quits", async () => {
    const model = new ScriptedChatModel({ responses: () => JSON.stringify({ categories: [2, 4] }) });
    const stats = new LlmStats();
    const pool = new ReflectionPool();
    const graph = createSessionGraph({ catalog: data.catalog, planner: new LlmCategoryPlanner({ model, stats }), scorer: world.scorer, slateSize: 2, reflector: new TemplateReflector(), pool });
    const cfg = { configurable: { thread_id: "person-1" } };
    let out: unknown = await graph.invoke({ sessionId: "person-1", userId: 3 }, cfg);
    const seen: SessionPrompt[] = [];
    for (let t = 0; t < 3; t++) {
      const p = promptOf(out);
      seen.push(p);
      expect(p.step).toBe(t);
      expect(p.plan).toEqual([2, 4]);
      expect(p.slate).toHaveLength(2);
      for (const i of p.slate) expect([2, 4]).toContain(data.catalog.itemCategory[i]);
      out = await graph.invoke(new Command({ resume: { feedback: [1, 0] } }), cfg);
    }
    promptOf(out);
    const done = await graph.invoke(new Command({ resume: { quit: true } }), cfg);
    expect(isInterrupted(done)).toBe(false);
    expect(done.steps).toHaveLength(3);
    expect(done.returnSoFar).toBeCloseTo(1.5);
    expect(done.history.map((h) => h.feedback)).toEqual([1, 0, 1, 0, 1, 0]);
    expect(pool.size).toBe(1);
    expect(pool.all()[0]!.sessionId).toBe("person-1");
    expect(done.reflection).toBe(pool.all()[0]!.text);
    // The planner saw the feedback: its later prompts hold the session's history.
    expect(model.prompts.length).toBe(4);
    expect(model.prompts[0]).toMatch(/no interaction history/i);
    expect(model.prompts[3]).not.toMatch(/no interaction history/i);
    expect(seen).toHaveLength(3);
  });

  it("ends by itself at maxSteps and refuses to build without a recommender", async () => {
    const graph = createSessionGraph({ catalog: data.catalog, planner: new SaturationAwarePlanner(), scorer: world.scorer, maxSteps: 2 });
    const cfg = { configurable: { thread_id: "p2" } };
    await graph.invoke({ userId: 1 }, cfg);
    await graph.invoke(new Command({ resume: { feedback: [1] } }), cfg);
    const done = await graph.invoke(new Command({ resume: { feedback: [0] } }), cfg);
    expect(isInterrupted(done)).toBe(false);
    expect(done.done).toBe(true);
    expect(done.step).toBe(2);
    expect(() => createSessionGraph({ catalog: data.catalog, planner: new SaturationAwarePlanner() })).toThrow(/policy or a scorer/);
  });
});
