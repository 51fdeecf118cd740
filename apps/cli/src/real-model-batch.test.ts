/**
 * Batched decoding on the real model: SmolLM2-135M (the fetched `smollm2`) with one llama.cpp context of several
 * sequences, grammar-constrained plans for several sessions at once. Needs `farsight models fetch smollm2`; skips
 * with a message without it, unless FARSIGHT_REQUIRE_MODEL=1 (set by .ci/run) turns the skip into a failure.
 * Kept cheap: 3 plans of at most 3 categories (about 40 answer tokens each), one context load.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createChatModel, LlmStats, resolveGgufPath } from "@farsight/llm";
import { throughputRequests } from "@farsight/lab";
import { LlmCategoryPlanner } from "@farsight/planner/llm";

let gguf: string | undefined;
let why = "";
try {
  gguf = resolveGgufPath("");
} catch (err) {
  why = (err as Error).message;
}
const required = process.env.FARSIGHT_REQUIRE_MODEL === "1";
if (!gguf) console.log(`[real-model-batch] SmolLM2 batch test skipped: ${why}`);

describe("the real model (batched) when CI requires it", () => {
  it.runIf(required && !gguf)("FARSIGHT_REQUIRE_MODEL=1 needs the model file", () => {
    expect.fail(`FARSIGHT_REQUIRE_MODEL=1 but ${why}`);
  });
});

describe.skipIf(!gguf)("SmolLM2 with several sequences on one context (llama-cpp:, in process)", () => {
  const SEQUENCES = 3;
  let dispose: (() => Promise<void>) | undefined;
  afterAll(async () => dispose?.());

  it("plans for 3 sessions decode at once under their grammars, each a valid plan written by the model", async () => {
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
  }, 600_000);
});
