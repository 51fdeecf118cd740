import { describe, expect, it } from "vitest";
import { CatalogGreedyActor } from "@farsight/llm-actor";
import { LlmActor } from "@farsight/llm-actor/llm";
import { ScorerCritic, TabularAverageCritic } from "@farsight/critic";
import { LlmCritic } from "@farsight/critic/llm";
import { loadPreset, makeSimulator, Session } from "@farsight/env";
import { ScriptedChatModel } from "@farsight/llm";
import { SaturationAwarePlanner, type Planner } from "@farsight/planner";
import { LlmThoughtPlanner } from "@farsight/planner/llm";
import { ReflectionPool, TemplateReflector } from "@farsight/reflector";
import { LlmFailureReflector } from "@farsight/reflector/llm";
import { runBillpSession, type BillpTrajectory } from "./billp-session.js";

/** A small synthetic world: 8 categories, 120 titled items, 20 users; category-window quit rule. */
async function synthetic(seed = 1) {
  const setup = await loadPreset("synthetic", { synthetic: { numCategories: 8, numItems: 120, numUsers: 20, seed: 3 } });
  const sim = await makeSimulator(setup, "test", { batchSize: 1, seed, maxSteps: 12 });
  return { setup, sim, session: new Session(sim) };
}

/** What breaks the invariants every BiLLP trajectory must satisfy, whatever the components (empty when nothing). */
function trajectoryProblems(t: BillpTrajectory, gamma = 0.5): string[] {
  const { episode, steps } = t;
  const problems: string[] = [];
  const near = (a: number, b: number) => Math.abs(a - b) < 1e-5;
  if (episode.length !== steps.length || steps.length === 0) problems.push(`episode length ${episode.length}, ${steps.length} step records`);
  if (!near(episode.return, steps.reduce((s, r) => s + r.reward, 0))) problems.push(`return ${episode.return} is not the sum of the rewards`);
  if (!steps[steps.length - 1]?.done || steps.slice(0, -1).some((s) => s.done)) problems.push("only the last step may be done");
  if (steps[0]?.value !== 0) problems.push(`V(s_0) = ${steps[0]?.value}, BiLLP uses 0`);
  steps.forEach((s, i) => {
    const terminal = s.done && s.endReason !== "max-steps";
    if (!near(s.tdTarget, s.learningReward + (terminal ? 0 : gamma * s.nextValue))) problems.push(`step ${i}: TD target ${s.tdTarget}`);
    if (!near(s.advantage, s.tdTarget - s.value)) problems.push(`step ${i}: advantage ${s.advantage} != target - V(s)`);
    if (i > 0 && s.value !== steps[i - 1]!.nextValue) problems.push(`step ${i}: V(s) ${s.value} is not the previous V(s') ${steps[i - 1]!.nextValue}`);
    if (s.grounding.length !== s.slate.length) problems.push(`step ${i}: ${s.grounding.length} grounding entries`);
  });
  const items = steps.flatMap((s) => s.slate);
  if (new Set(items).size !== items.length) problems.push("an item was recommended twice");
  return problems;
}

describe("runBillpSession with the non-LLM parts", () => {
  it("plays a session inside the plans, learns tabular values and reflects", async () => {
    const { sim, session } = await synthetic();
    const pool = new ReflectionPool();
    const critic = new TabularAverageCritic();
    const components = {
      planner: new SaturationAwarePlanner({ seed: 1 }),
      actor: new CatalogGreedyActor({ catalog: sim.catalog, scorer: sim.scorer }),
      critic,
      reflector: new TemplateReflector(),
      reflections: pool,
    };
    const first = await runBillpSession(session, components, { user: 4 });
    expect(trajectoryProblems(first)).toEqual([]);
    expect(first.episode.userId).toBe(4);
    for (const s of first.steps) {
      expect(s.plan.categories).toContain(sim.catalog.itemCategory[s.slate[0]!]); // greedy stays in the plan
      expect(s.actorSource.kind).toBe("heuristic");
    }
    expect(critic.size).toBeGreaterThan(0);
    expect(first.reflection?.text.length).toBeGreaterThan(0);
    expect(pool.size).toBe(1);
    const second = await runBillpSession(session, components, { user: 5 });
    expect(second.retrieved).toEqual([first.reflection]);
    expect(pool.size).toBe(2);
  });

  it("ends on a quit without bootstrapping, learning from BiLLP's -1000", async () => {
    const { sim, session } = await synthetic(5);
    const oneCategory: Planner = {
      name: "always-category-0",
      usesLlm: false,
      plan: async (requests) => requests.map(() => ({ categories: [0], source: { kind: "heuristic" as const, by: "test" } })),
    };
    const critic = new TabularAverageCritic();
    const t = await runBillpSession(session, { planner: oneCategory, actor: new CatalogGreedyActor({ catalog: sim.catalog, scorer: sim.scorer }), critic }, { user: 1, quitReward: -1000 });
    expect(trajectoryProblems(t)).toEqual([]);
    const last = t.steps[t.steps.length - 1]!;
    // The synthetic preset's rule: leave when the new item's category occurs more than once among the previous
    // 4 items, so the third item of one category in a row ends the session.
    expect(t.episode).toMatchObject({ endReason: "quit", length: 3 });
    expect(last).toMatchObject({ learningReward: -1000, nextValue: 0, done: true });
    expect(last.criticSource).toBeUndefined();
    expect(last.advantage).toBe(-1000 - last.value);
    expect(t.episode.return).toBeCloseTo(t.steps.reduce((sum, x) => sum + x.reward, 0)); // the return keeps the env's rewards
    expect(t.steps.every((x) => sim.catalog.itemCategory[x.slate[0]!] === 0)).toBe(true);
  });

  it("can value the initial state, and stops when aborted", async () => {
    const { sim, session } = await synthetic(6);
    const components = {
      planner: new SaturationAwarePlanner({ seed: 1 }),
      actor: new CatalogGreedyActor({ catalog: sim.catalog, scorer: sim.scorer }),
      critic: new LlmCritic({ model: new ScriptedChatModel({ responses: () => "Value: 3" }), catalog: sim.catalog }),
    };
    const t = await runBillpSession(session, components, { user: 2, valueInitialState: true });
    expect(t.steps[0]!.value).toBe(3);
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(runBillpSession(session, components, { user: 2, signal: controller.signal })).rejects.toThrow("stop");
  });

  it("is deterministic for the same seeds", async () => {
    const run = async () => {
      const { sim, session } = await synthetic(9);
      return runBillpSession(session, {
        planner: new SaturationAwarePlanner({ seed: 2 }),
        actor: new CatalogGreedyActor({ catalog: sim.catalog, scorer: sim.scorer }),
        critic: new ScorerCritic({ scorer: sim.scorer }),
      }, { user: 7, quitReward: -1000 });
    };
    const [a, b] = [await run(), await run()];
    expect(a).toEqual(b);
    expect(trajectoryProblems(a)).toEqual([]);
  });
});

describe("runBillpSession with scripted LLM components", () => {
  it("passes thoughts to the actor, grounds its answers, fills actor and critic memory", async () => {
    const { sim, session } = await synthetic(2);
    const plannerModel = new ScriptedChatModel({
      responses: (_p, i) => JSON.stringify({ thought: `Step ${i}: offer something fresh from a new category.`, categories: [i % 8, (i + 3) % 8] }),
    });
    // The actor model names the second candidate of its prompt; at step 1 it invents a title instead.
    const actorModel = new ScriptedChatModel({
      responses: (prompt, i) => {
        if (i === 1) return "recommend[A Title Nobody Ever Made]";
        const m = /Candidates:\n1\. .*\n2\. (.*) \(/.exec(prompt);
        return m ? `recommend[${m[1]}]` : "";
      },
    });
    const criticModel = new ScriptedChatModel({ responses: (_p, i) => `Value: ${(i % 5) - 1}` });
    const reflectorModel = new ScriptedChatModel({
      responses: () => JSON.stringify({ diagnosis: "The user tired of one category.", plan: "Rotate categories earlier." }),
    });
    const actor = new LlmActor({ model: actorModel, catalog: sim.catalog, seed: 4 });
    const critic = new LlmCritic({ model: criticModel, catalog: sim.catalog });
    const pool = new ReflectionPool();
    const t = await runBillpSession(session, {
      planner: new LlmThoughtPlanner({ model: plannerModel }),
      actor,
      critic,
      reflector: new LlmFailureReflector({ model: reflectorModel }),
      reflections: pool,
    }, { user: 2 });
    expect(trajectoryProblems(t)).toEqual([]);
    expect(t.steps[0]!.plan.thought).toMatch(/^Step 0: offer something fresh/);
    expect(actorModel.prompts[0]).toContain("Plan: Step 0: offer something fresh");
    expect(t.episode.steps[0]!.thought).toBe(t.steps[0]!.plan.thought);
    expect(t.steps[0]!.grounding[0]).toMatchObject({ method: "exact", replaced: false });
    expect(t.steps.length).toBeGreaterThan(1);
    expect(t.steps[1]!.grounding[0]).toMatchObject({ method: "fallback", replaced: true, text: "A Title Nobody Ever Made" });
    expect(t.replacements).toBeGreaterThanOrEqual(1);
    expect(actor.memory!.size).toBeGreaterThan(0);
    const valued = t.steps.filter((s) => s.criticSource);
    for (const s of valued) expect(s.criticSource!.kind).toBe("llm");
    expect(critic.memory!.size).toBe(new Set(t.steps.map((s) => s.step)).size);
    expect(t.reflection?.text).toContain("Rotate categories earlier");
    expect(pool.size).toBe(1);
  });
});
