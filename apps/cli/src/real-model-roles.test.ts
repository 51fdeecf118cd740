/**
 * Every LLM role on the real model, called directly and through `farsight plan` (see test-real-model.ts for what
 * the real-model tests share and how they skip).
 */
import { it, expect } from "vitest";
import { Rng, type Plan } from "@farsight/core";
import { LlmCritic } from "@farsight/critic/llm";
import { loadPreset, makeSimulator, Session } from "@farsight/env";
import { runBillpSession } from "@farsight/graph";
import { LlmActor } from "@farsight/llm-actor/llm";
import { LlmThoughtPlanner } from "@farsight/planner/llm";
import { ReflectionPool } from "@farsight/reflector";
import { LlmFailureReflector, LlmReflector } from "@farsight/reflector/llm";
import { randomEpisode } from "@farsight/testing";
import { captureIO } from "./capture-io.js";
import { main } from "./main.js";
import { commands } from "./commands/index.js";
import { describeRealModel, modelShare, SLOW } from "./test-real-model.js";

describeRealModel("LERL and BiLLP roles", (shared) => {
  const { model, stats } = shared();

  it("LERL category planner: `plan --planner llm` gets its plans from the model, each a subset of the candidates", async () => {
    const io = captureIO();
    expect(await main(["plan", "--planner", "llm", "--llm", "llama-cpp:", "--sessions", "2", "--json"], io, commands)).toBe(0);
    const out = JSON.parse(io.out) as { sessions: { request: { candidates: { id: number }[] }; plan: Plan }[] };
    for (const { request, plan } of out.sessions) {
      expect(plan.categories.length).toBeGreaterThan(0);
      for (const c of plan.categories) expect(request.candidates.map((x) => x.id)).toContain(c);
    }
    // Measured 4/4 and 3/3 with the grammar (all the model's plans name valid ids, mostly the first candidate).
    expect(modelShare(out.sessions.map((s) => s.plan))).toBeGreaterThanOrEqual(2 / 3);
  }, SLOW);

  it("LERL reflector: a reflection under 20 words from the model for finished sessions", async () => {
    const reflector = new LlmReflector({ model: model(), stats, feedbackMeaning: "1 = click, 0 = no click" });
    const rng = new Rng(3);
    const texts = [];
    for (let i = 0; i < 2; i++) texts.push((await reflector.reflect(randomEpisode(rng, `s${i}`, 6, 8))).text);
    for (const t of texts) expect(t.split(/\s+/).filter(Boolean).length).toBeLessThanOrEqual(20);
    expect(reflector.counters.modelCalls).toBe(2);
    expect(reflector.counters.fallbacks).toBeLessThanOrEqual(1);
  }, SLOW);

  it("BiLLP thought planner, actor, critic and failure reflector in a short session (structured answers under the grammar)", async () => {
    const setup = await loadPreset("synthetic");
    const sim = await makeSimulator(setup, "test", { batchSize: 1, seed: 0, maxSteps: 2 });
    const actor = new LlmActor({ model: model(), catalog: sim.catalog, stats, seed: 0, output: "structured", groundingScope: "plan" });
    const critic = new LlmCritic({ model: model(), catalog: sim.catalog, stats, output: "structured" });
    const reflector = new LlmFailureReflector({ model: model(), stats });
    const planner = new LlmThoughtPlanner({ model: model(), stats, seed: 0 });
    const t = await runBillpSession(new Session(sim), { planner, actor, critic, reflector, reflections: new ReflectionPool({ seed: 0 }) });
    expect(t.episode.length).toBeGreaterThan(0);
    // Thought planner: a non-empty thought from the model (measured: 2 of 2 steps; one may fall back).
    const plans = t.steps.map((x) => x.plan);
    for (const p of plans.filter((x) => x.source.kind === "llm")) expect(p.thought?.trim().length).toBeGreaterThan(0);
    expect(modelShare(plans)).toBeGreaterThanOrEqual(1 / 2);
    // Actor: every slot is an item of the catalogue; the model's titles are grounded (exact/fuzzy/embedding).
    expect(actor.counters.slots).toBe(t.steps.reduce((n, s) => n + s.slate.length, 0));
    expect(actor.counters.parseFailures).toBe(0); // the grammar makes every answer parse
    // Critic: a number from the model for every evaluation (clamped into -5..5 where it strays).
    expect(critic.counters.modelCalls).toBeGreaterThan(0);
    expect(critic.counters.nonNumeric + critic.counters.modelErrors).toBe(0);
    for (const s of t.steps) expect(Math.abs(s.value)).toBeLessThanOrEqual(5);
    // Failure reflector: a diagnosis + plan from the model.
    expect(t.reflection?.source.kind).toBe("llm");
    expect(t.reflection?.text.length).toBeGreaterThan(10);
  }, SLOW);
});
