/**
 * Batched decoding on the real model: SmolLM2-135M (the fetched `smollm2`) with one llama.cpp context of several
 * sequences, grammar-constrained plans for several sessions at once. Gated like every real-model test
 * (test-real-model.ts: skips without the model, fails under FARSIGHT_REQUIRE_MODEL=1). Its own context, not the
 * shared one: it needs several sequences.
 * Kept cheap: 3 category plans of at most 3 categories and 3 short thoughts, one context load.
 */
import { afterAll, expect, it } from "vitest";
import { createChatModel, LlmStats } from "@farsight/llm";
import { throughputRequests } from "@farsight/lab";
import { LlmCategoryPlanner, LlmThoughtPlanner } from "@farsight/planner/llm";
import { describeRealModel, SLOW } from "./test-real-model.js";

describeRealModel("several sequences on one context", () => {
  const SEQUENCES = 3;
  let dispose: (() => Promise<void>) | undefined;
  afterAll(async () => dispose?.());

  it("plans for 3 sessions decode at once under their grammars, each valid and written by the model, never a missing id", async () => {
    const stats = new LlmStats();
    // cache off: every plan is a model call; the concurrency limit follows the sequences (3 calls in flight).
    const model = (await createChatModel("llama-cpp:", { stats, cache: false, llamaCpp: { sequences: SEQUENCES } }))!;
    dispose = () => (model as unknown as { inner: { dispose(): Promise<void> } }).inner.dispose();
    const requests = await throughputRequests(SEQUENCES);
    expect(requests).toHaveLength(SEQUENCES);
    const planner = new LlmCategoryPlanner({ model, stats, seed: 0, concurrency: SEQUENCES, maxCategories: 3, maxRepairs: 0, feedbackMeaning: "1 = click, 0 = no click" });
    const plans = await planner.plan(requests);
    // All three calls were in flight together: each on its own sequence, each with its own per-request grammar.
    expect(stats.maxInFlight).toBe(SEQUENCES);
    requests.forEach((request, i) => {
      const plan = plans[i]!;
      expect(plan.source.kind).toBe("llm"); // from the model, not the fallback planner
      expect(plan.categories.length).toBeGreaterThanOrEqual(1);
      expect(plan.categories.length).toBeLessThanOrEqual(3);
      for (const c of plan.categories) expect(request.candidates.map((x) => x.id)).toContain(c);
    });
    expect(planner.counters.fallbacks).toBe(0);
    // Every answer parsed at the first try: no repair, no truncation (the grammar bounds the answer to its budget).
    expect(stats.repairs).toBe(0);
    expect(stats.truncations).toBe(0);

    // BiLLP's thought planner on the same context, each session offered a different part of the categories: the
    // per-request enum is the only thing between SmolLM2 and ids that do not exist for that session (it named
    // ids 20-29 of a 20-category catalogue before the schemas enumerated the candidates).
    const subsets = requests.map((r, i) => ({ ...r, sessionId: `${r.sessionId}-thought`, candidates: r.candidates.filter((_, j) => j % SEQUENCES === i) }));
    const thoughts = new LlmThoughtPlanner({ model, stats, seed: 0, concurrency: SEQUENCES, maxThoughtWords: 12, maxRepairs: 0 });
    const thoughtPlans = await thoughts.plan(subsets);
    subsets.forEach((request, i) => {
      const plan = thoughtPlans[i]!;
      expect(plan.source.kind).toBe("llm");
      expect(plan.thought?.trim().length).toBeGreaterThan(0);
      for (const c of plan.categories) expect(request.candidates.map((x) => x.id)).toContain(c);
    });
    expect(thoughts.counters.unknownIdsDropped).toBe(0);
    expect(thoughts.counters.fallbacks).toBe(0);
  }, SLOW);
});
