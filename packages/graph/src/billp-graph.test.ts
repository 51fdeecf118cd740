import { describe, expect, it } from "vitest";
import { MemorySaver } from "@langchain/langgraph";
import { CatalogGreedyActor } from "@farsight/llm-actor";
import { LlmActor } from "@farsight/llm-actor/llm";
import { ScorerCritic, TabularAverageCritic } from "@farsight/critic";
import { LlmCritic } from "@farsight/critic/llm";
import { loadPreset, makeSimulator, Session } from "@farsight/env";
import { ScriptedChatModel } from "@farsight/llm";
import { SaturationAwarePlanner } from "@farsight/planner";
import { LlmThoughtPlanner } from "@farsight/planner/llm";
import { ReflectionPool, TemplateReflector } from "@farsight/reflector";
import { LlmFailureReflector } from "@farsight/reflector/llm";
import { runBillpSession, type BillpComponents } from "./billp-session.js";
import { createBillpGraph } from "./billp-graph.js";

/** A small synthetic world (as in billp-session.test.ts): 8 categories, 120 titled items, 20 users. */
async function synthetic(seed: number, maxSteps = 12) {
  const setup = await loadPreset("synthetic", { synthetic: { numCategories: 8, numItems: 120, numUsers: 20, seed: 3 } });
  const sim = await makeSimulator(setup, "test", { batchSize: 1, seed, maxSteps });
  return { sim, session: new Session(sim) };
}

/** Fresh non-LLM components (tabular critic, so the memories matter across sessions) on a fresh world. */
async function heuristicAgent(seed: number, maxSteps = 12) {
  const { sim, session } = await synthetic(seed, maxSteps);
  const components: BillpComponents = {
    planner: new SaturationAwarePlanner({ seed: 2 }),
    actor: new CatalogGreedyActor({ catalog: sim.catalog, scorer: sim.scorer }),
    critic: new TabularAverageCritic(),
    reflector: new TemplateReflector(),
    reflections: new ReflectionPool({ seed: 1 }),
  };
  return { sim, session, components };
}

describe("createBillpGraph with the non-LLM components", () => {
  it("plays the same sessions as runBillpSession for the same seeds, memories and pool included", async () => {
    const plain = await heuristicAgent(9);
    const expected = [
      await runBillpSession(plain.session, plain.components, { user: 7, quitReward: -1000 }),
      await runBillpSession(plain.session, plain.components, { user: 3, quitReward: -1000 }),
    ];
    const graphed = await heuristicAgent(9);
    const billp = createBillpGraph({ env: graphed.session, components: graphed.components, session: { quitReward: -1000 } });
    const got = [await billp.run({ user: 7 }), await billp.run({ user: 3 })];
    expect(got).toEqual(expected);
    expect(got[0]!.steps.length).toBeGreaterThan(1);
    expect(got[1]!.retrieved).toEqual([got[0]!.reflection]); // the pool carried the first lesson over
    expect((graphed.components.critic as TabularAverageCritic).size).toBe((plain.components.critic as TabularAverageCritic).size);
  });

  it("runs sessions longer than LangGraph's default recursion limit", async () => {
    const { session, sim } = await synthetic(4, 40);
    const components = { planner: new SaturationAwarePlanner({ seed: 2 }), actor: new CatalogGreedyActor({ catalog: sim.catalog, scorer: sim.scorer }), critic: new ScorerCritic({ scorer: sim.scorer }) };
    const t = await createBillpGraph({ env: session, components }).run({ user: 1 });
    const again = await synthetic(4, 40);
    const expected = await runBillpSession(again.session, { ...components, planner: new SaturationAwarePlanner({ seed: 2 }), actor: new CatalogGreedyActor({ catalog: again.sim.catalog, scorer: again.sim.scorer }) }, { user: 1 });
    expect(t).toEqual(expected);
    expect(4 * t.steps.length).toBeGreaterThan(25); // more supersteps than the default limit
  });

  it("resumes an interrupted session from its checkpoint with the same trajectory", async () => {
    const whole = await heuristicAgent(11);
    const expected = await runBillpSession(whole.session, whole.components, { user: 5 });
    expect(expected.steps.length).toBeGreaterThan(3);

    const parts = await heuristicAgent(11);
    const checkpointer = new MemorySaver();
    const first = createBillpGraph({ env: parts.session, components: parts.components, checkpointer });
    const cfg = first.config("u5");
    // Stop after the third critic node, as a crash would after its checkpoint.
    let critics = 0;
    for (;;) {
      const out = await first.graph.invoke(critics === 0 ? { user: 5 } : null, { ...cfg, interruptAfter: ["critic"] });
      critics++;
      expect(out.trajectory).toBeNull();
      if (critics === 3) break;
    }
    const saved = await first.graph.getState(cfg);
    expect(saved.values.progress.records).toHaveLength(3);
    expect(saved.next).toEqual(["plan"]);
    // A new graph (new process, same live components and env) continues the thread.
    const second = createBillpGraph({ env: parts.session, components: parts.components, checkpointer });
    expect(await second.resume("u5")).toEqual(expected);
  });

  it("stops when aborted and says when a session was not finished", async () => {
    const { session, components } = await heuristicAgent(6);
    const billp = createBillpGraph({ env: session, components });
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(billp.run({ user: 2, signal: controller.signal })).rejects.toThrow("stop");
    await expect(billp.resume("billp-0")).rejects.toThrow(/needs a checkpointer/);
  });
});

describe("createBillpGraph with scripted models", () => {
  it("calls planner, actor and critic once per step, the reflector once per session", async () => {
    const { sim, session } = await synthetic(2);
    const plannerModel = new ScriptedChatModel({
      responses: (_p, i) => JSON.stringify({ thought: `Step ${i}: try a new category.`, categories: [i % 8, (i + 3) % 8] }),
    });
    const actorModel = new ScriptedChatModel({
      responses: (prompt) => {
        const m = /Candidates:\n1\. (.*) \(/.exec(prompt);
        return m ? `recommend[${m[1]}]` : "";
      },
    });
    const criticModel = new ScriptedChatModel({ responses: (_p, i) => `Value: ${(i % 4) - 1}` });
    const reflectorModel = new ScriptedChatModel({ responses: () => JSON.stringify({ diagnosis: "Too narrow.", plan: "Rotate categories." }) });
    const models = [plannerModel, actorModel, criticModel];
    const perStep: number[][] = [];
    let seen = [0, 0, 0];
    const billp = createBillpGraph({
      env: session,
      components: {
        planner: new LlmThoughtPlanner({ model: plannerModel }),
        actor: new LlmActor({ model: actorModel, catalog: sim.catalog, seed: 4 }),
        critic: new LlmCritic({ model: criticModel, catalog: sim.catalog }),
        reflector: new LlmFailureReflector({ model: reflectorModel }),
        reflections: new ReflectionPool(),
      },
      session: {
        onStep: () => {
          const now = models.map((m) => m.prompts.length);
          perStep.push(now.map((n, j) => n - seen[j]!));
          seen = now;
        },
      },
    });
    const t = await billp.run({ user: 2 });
    expect(t.steps.length).toBeGreaterThan(1);
    expect(perStep).toHaveLength(t.steps.length);
    t.steps.forEach((s, i) => {
      // A terminal next state (a quit) is not valued, so the critic is not asked then.
      const terminal = s.done && s.endReason !== "max-steps";
      expect(perStep[i]).toEqual([1, 1, terminal ? 0 : 1]);
      expect(s.plan.thought).toBe(`Step ${i}: try a new category.`);
    });
    expect(reflectorModel.prompts).toHaveLength(1);
    expect(t.reflection?.text).toContain("Rotate categories");
  });
});
