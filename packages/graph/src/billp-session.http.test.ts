import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlmActor } from "@farsight/llm-actor/llm";
import { LlmCritic } from "@farsight/critic/llm";
import { loadPreset, makeSimulator, Session } from "@farsight/env";
import { createChatModel, LlmStats } from "@farsight/llm";
import { LlmThoughtPlanner } from "@farsight/planner/llm";
import { ReflectionPool } from "@farsight/reflector";
import { LlmFailureReflector } from "@farsight/reflector/llm";
import { startFakeOpenAiServer, type FakeLlmServer } from "../../testing/src/fake-llm-server.js";
import { runBillpSession } from "./billp-session.js";

/**
 * The whole BiLLP loop through a real LangChain OpenAI client against a fake OpenAI-compatible server on
 * 127.0.0.1: each component's request is answered by what its prompt asks for.
 */
describe("runBillpSession over an OpenAI-compatible HTTP server", () => {
  let server: FakeLlmServer;
  beforeAll(async () => {
    server = await startFakeOpenAiServer((request, index) => {
      const text = request.promptText;
      if (text.includes("You are the actor of a recommender agent")) {
        const m = /Candidates:\n1\. (.*) \(/.exec(text);
        return m ? `Thought: a fresh pick.\nrecommend[${m[1]}]` : "";
      }
      if (text.includes("You are the critic of a recommender agent")) return `Value: ${index % 3}`;
      if (text.includes("Diagnose a possible reason")) return JSON.stringify({ diagnosis: "Too much of one category.", plan: "Switch categories sooner." });
      return JSON.stringify({ thought: "Explore a category the user has not seen yet.", categories: [index % 8] });
    });
  });
  afterAll(async () => server.close());

  it("runs a session whose calls all reach the server and are accounted", async () => {
    const stats = new LlmStats();
    const model = (await createChatModel(`openai-compatible:${server.url}#fake-model`, { stats, apiKey: "test", cache: false }))!;
    const setup = await loadPreset("synthetic", { synthetic: { numCategories: 8, numItems: 120, numUsers: 20, seed: 3 } });
    const sim = await makeSimulator(setup, "test", { batchSize: 1, seed: 4, maxSteps: 6 });
    const pool = new ReflectionPool();
    const t = await runBillpSession(new Session(sim), {
      planner: new LlmThoughtPlanner({ model, stats }),
      actor: new LlmActor({ model, catalog: sim.catalog, stats }),
      critic: new LlmCritic({ model, catalog: sim.catalog, stats }),
      reflector: new LlmFailureReflector({ model, stats }),
      reflections: pool,
    }, { user: 3 });

    expect(t.episode.length).toBeGreaterThan(0);
    expect(t.steps.every((s) => s.actorSource.kind === "llm" && s.grounding[0]!.method === "exact")).toBe(true);
    expect(t.steps.every((s) => s.plan.thought === "Explore a category the user has not seen yet.")).toBe(true);
    expect(t.reflection?.text).toContain("Switch categories sooner");
    expect(t.steps[0]!.actorSource.by).toContain("fake-model"); // provenance names the model, not the wrapper class
    // planner + actor per step, critic per non-terminal step, one reflection
    const criticCalls = t.steps.filter((s) => s.criticSource).length;
    expect(server.requests.length).toBe(2 * t.steps.length + criticCalls + 1);
    expect(stats.calls).toBe(server.requests.length);
    expect(stats.fallbacks).toBe(0);
  });
});
