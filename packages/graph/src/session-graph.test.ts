import { Command, isInterrupted, INTERRUPT } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { generateSynthetic, SyntheticWorld } from "@farsight/env";
import { LlmStats, ScriptedChatModel } from "@farsight/llm";
import { SaturationAwarePlanner } from "@farsight/planner";
import { LlmCategoryPlanner } from "@farsight/planner/llm";
import { ReflectionPool, TemplateReflector } from "@farsight/reflector";
import { AllCategoriesPlanner } from "@farsight/planner";
import { initBackend, createPpoPolicy } from "@farsight/rl-policy/tf";
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

  /** Plays a person who likes everything until the graph ends the session; returns every slate shown. */
  async function playUntilEnd(graph: ReturnType<typeof createSessionGraph>, thread: string, userId: number) {
    const cfg = { configurable: { thread_id: thread } };
    const slates: number[][] = [];
    let out: unknown = await graph.invoke({ sessionId: thread, userId }, cfg);
    while (isInterrupted(out)) {
      const p = promptOf(out);
      slates.push([...p.slate]);
      out = await graph.invoke(new Command({ resume: { feedback: p.slate.map(() => 1) } }), cfg);
    }
    return { slates, final: out as { done: boolean; steps: unknown[] } };
  }

  it("never shows an item twice in a session, whether a scorer or a policy picks, and ends when unseen items run out", async () => {
    // 40 items, slates of 3, up to 30 steps: without the rule the best-scored items would come back every step.
    const scorerGraph = createSessionGraph({ catalog: data.catalog, planner: new AllCategoriesPlanner(), scorer: world.scorer, slateSize: 3, maxSteps: 30 });
    await initBackend();
    const policy = createPpoPolicy({ numItems: 40, numCategories: 5, slateSize: 3, itemCategory: data.catalog.itemCategory, featureDim: 0 }, { seed: 2, hidden: [8], historyLength: 4, encoder: { kind: "mean", itemDim: 4, stateDim: 8, transformer: { heads: 1, layers: 1, ffnDim: 4 } } });
    const policyGraph = createSessionGraph({ catalog: data.catalog, planner: new SaturationAwarePlanner(), policy, slateSize: 3, maxSteps: 30 });
    for (const [name, graph] of [["scorer", scorerGraph], ["policy", policyGraph]] as const) {
      const { slates, final } = await playUntilEnd(graph, `no-repeat-${name}`, 4);
      const shown = slates.flat();
      expect(new Set(shown).size, `${name}: every shown item is new`).toBe(shown.length);
      // 13 full slates use 39 of the 40 items; the 14th cannot be filled with unseen items, so the session ends.
      expect(slates, `${name}: slates`).toHaveLength(13);
      expect(final.done, `${name}: done`).toBe(true);
    }
    policy.dispose();
    // With allowRepeats the old behaviour is one flag away (a scorer shows its favourites again).
    const repeating = createSessionGraph({ catalog: data.catalog, planner: new AllCategoriesPlanner(), scorer: world.scorer, slateSize: 3, maxSteps: 3, allowRepeats: true });
    const { slates } = await playUntilEnd(repeating, "repeats", 4);
    expect(slates[1]).toEqual(slates[0]);
  });
  it("with actInPlanNode shows the same slates with one checkpoint fewer per slate, and saves the answer before planning", async () => {
    const build = (actInPlanNode: boolean) => createSessionGraph({ catalog: data.catalog, planner: new SaturationAwarePlanner({ seed: 5 }), scorer: world.scorer, slateSize: 2, maxSteps: 4, actInPlanNode });
    const play = async (graph: ReturnType<typeof build>, thread: string) => {
      const cfg = { configurable: { thread_id: thread } };
      const prompts: SessionPrompt[] = [];
      let out: unknown = await graph.invoke({ sessionId: "same", userId: 6 }, cfg);
      while (isInterrupted(out)) {
        const p = promptOf(out);
        prompts.push(p);
        out = await graph.invoke(new Command({ resume: { feedback: [1, 0] } }), cfg);
      }
      const saved = [];
      for await (const snapshot of graph.getStateHistory(cfg)) saved.push(snapshot.next);
      return { prompts, final: out, saved };
    };
    const separate = await play(build(false), "separate");
    const fused = await play(build(true), "fused");
    expect(fused.prompts).toEqual(separate.prompts);
    expect(fused.final).toEqual(separate.final);
    expect(fused.prompts).toHaveLength(4);
    // Four slates: one save fewer for each (the act node's).
    expect(separate.saved.length - fused.saved.length).toBe(4);
    expect(fused.saved.flat()).not.toContain("act");
    // Every answer is saved on its own, with planning next: a process that dies while planning keeps it.
    expect(fused.saved.filter((next) => next[0] === "plan")).toHaveLength(4);
  });
});
