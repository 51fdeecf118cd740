/**
 * Per-request schemas, end to end through the real OpenAI client: a fake OpenAI-compatible server with constrained
 * decoding answers every request with a *random* value of the schema it was sent. Whatever such a model says is
 * schema-valid, so every plan, action and critique must come from the model: a fallback here means a component
 * trusted something its schema did not say (as the category plan did when its schema allowed any number).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng, type Observation, type Plan } from "@farsight/core";
import { LlmCritic } from "@farsight/critic/llm";
import { loadPreset, type EnvSetup } from "@farsight/env";
import { createChatModel, LlmStats } from "@farsight/llm";
import { LlmActor } from "@farsight/llm-actor/llm";
import { buildPlanRequest, type PlanRequest } from "@farsight/planner";
import { LlmCategoryPlanner, LlmThoughtPlanner } from "@farsight/planner/llm";
import { randomSchemaAnswers, startFakeOpenAiServer, type FakeLlmServer } from "@farsight/testing";

let server: FakeLlmServer;
let setup: EnvSetup;
beforeAll(async () => {
  server = await startFakeOpenAiServer(randomSchemaAnswers(26));
  setup = await loadPreset("synthetic");
});
afterAll(() => server.close());

const model = async (stats: LlmStats, structured = "") => (await createChatModel(`openai-compatible:${server.url}#random-but-valid${structured}`, { stats, cache: false }))!;

/** A session with a random history over the catalogue, as a planner, actor or critic sees it. */
function observation(rng: Rng, i: number): Observation {
  const steps = rng.int(8);
  const history = Array.from({ length: steps }, (_, step) => {
    const item = rng.int(setup.catalog.numItems);
    return { item, category: setup.catalog.itemCategory[item]!, feedback: rng.int(2), step };
  });
  return { sessionId: `s${i}`, userId: i, step: steps, history, returnSoFar: history.reduce((a, h) => a + h.feedback, 0) };
}

/** Requests with varied candidate sets: all categories, or a random subset of 1..n. */
function requests(rng: Rng, n: number): PlanRequest[] {
  const c = setup.catalog.numCategories;
  return Array.from({ length: n }, (_, i) => {
    const candidates = i % 2 === 0 ? undefined : rng.sample(c, rng.intBetween(1, c));
    return buildPlanRequest(observation(rng, i), { catalog: setup.catalog, ...(candidates ? { candidates } : {}) });
  });
}

const fromModel = (plans: readonly Plan[]) => plans.filter((p) => p.source.kind === "llm").length / plans.length;

describe("random schema-valid answers (constrained decoding) are always the model's answers", () => {
  for (const method of ["", "?structured=tools"]) {
    it(`category plans: 100% from the model, each within its request's candidates and bounds${method ? " (tools)" : " (json_schema)"}`, async () => {
      const stats = new LlmStats();
      const planner = new LlmCategoryPlanner({ model: await model(stats, method), stats, minCategories: 2, maxCategories: 4, maxRepairs: 0 });
      const asked = requests(new Rng(1, method), 24);
      const plans = await planner.plan(asked);
      expect(fromModel(plans)).toBe(1);
      expect(stats.fallbacks).toBe(0);
      plans.forEach((p, i) => {
        const ids = asked[i]!.candidates.map((c) => c.id);
        for (const c of p.categories) expect(ids).toContain(c);
        expect(p.categories.length).toBeLessThanOrEqual(4);
      });
      // The answers are random: across 24 sessions they are not one plan (the server is not answering a constant).
      expect(new Set(plans.map((p) => p.categories.join(","))).size).toBeGreaterThan(5);
    });
  }

  it("thought plans: 100% from the model, categories the model's own (never a fallback's, never a missing id)", async () => {
    const stats = new LlmStats();
    const planner = new LlmThoughtPlanner({ model: await model(stats), stats, maxRepairs: 0 });
    const asked = requests(new Rng(2), 16);
    const plans = await planner.plan(asked);
    expect(fromModel(plans)).toBe(1);
    for (const [i, p] of plans.entries()) {
      expect(p.source.detail ?? "").not.toMatch(/categories by|dropped unknown/);
      for (const c of p.categories) expect(asked[i]!.candidates.map((x) => x.id)).toContain(c);
    }
  });

  it("actions: 100% from the model, k candidate titles, no slot filled by the fallback", async () => {
    const stats = new LlmStats();
    const actor = new LlmActor({ model: await model(stats), catalog: setup.catalog, stats, output: "structured", groundingScope: "plan", seed: 0 });
    const rng = new Rng(3);
    for (let i = 0; i < 12; i++) {
      const plan: Plan = { categories: rng.sample(setup.catalog.numCategories, 2), source: { kind: "heuristic", by: "test" } };
      const d = await actor.act({ observation: observation(rng, i), plan, k: 1 + (i % 3) });
      expect(d.source.kind).toBe("llm");
      // k titles, each a candidate's; a title the model repeats is grounded to a near one (not exact, not a fallback).
      expect(d.slate).toHaveLength(1 + (i % 3));
      expect(d.grounding.filter((g) => g.method === "fallback")).toEqual([]);
      const distinct = new Set(d.grounding.map((g) => g.text)).size;
      expect(d.grounding.filter((g) => g.method === "exact")).toHaveLength(distinct);
    }
    expect(stats.fallbacks).toBe(0);
    expect(actor.counters.fallback).toBe(0);
  });

  it("critiques: 100% from the model, integers in the critic's range, never clamped", async () => {
    const stats = new LlmStats();
    const critic = new LlmCritic({ model: await model(stats), catalog: setup.catalog, stats, output: "structured", memory: null });
    const rng = new Rng(4);
    const values: number[] = [];
    for (let i = 0; i < 16; i++) {
      const j = await critic.evaluate({ observation: observation(rng, i) });
      expect(j.source.kind).toBe("llm");
      expect(j.issue).toBeUndefined();
      values.push(j.value);
    }
    expect(values.every((v) => Number.isInteger(v) && v >= -5 && v <= 5)).toBe(true);
    expect(stats.fallbacks).toBe(0);
  });
});
