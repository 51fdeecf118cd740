/**
 * What the real-model tests share (real-model-*.test.ts): SmolLM2-135M-Instruct (Q4_1) in process through
 * node-llama-cpp, temperature 0, short answers, few calls. Needs `farsight models fetch smollm2`; without the file
 * the tests skip with a message, unless FARSIGHT_REQUIRE_MODEL=1 (set by .ci/run), which turns the skip into a
 * failure.
 *
 * The tests are split over several files so that vitest's two workers share them (the model runs one thread, and
 * one file runs in one worker); each file that calls the model directly loads it once.
 *
 * The floors in the tests are the share of answers that came from the model (not a fallback), measured on this
 * machine with this model and these prompts; they sit at or below the measured share so that a regression (a
 * broken grammar, a prompt the model can no longer answer) fails, while the tiny model's weak content does not.
 * The measured shares are in packages/llm/README.md (`farsight bench llm`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "@farsight/core";
import { createChatModel, LlmStats, resolveGgufPath } from "@farsight/llm";

let gguf: string | undefined;
let why = "";
try {
  gguf = resolveGgufPath("");
} catch (err) {
  why = (err as Error).message;
}
const required = process.env.FARSIGHT_REQUIRE_MODEL === "1";
if (!gguf) console.log(`[real-model] SmolLM2 tests skipped: ${why}`);

/** Per-test deadline: 2-10 s per model call on a busy 2-core machine (prompt evaluation dominates). */
export const SLOW = 600_000;

/** Share of plans a model wrote (a cached model answer counts; a fallback does not). */
export const modelShare = (plans: readonly Plan[]) => plans.filter((p) => p.source.kind === "llm" || p.source.kind === "cache").length / plans.length;

type ChatModel = NonNullable<Awaited<ReturnType<typeof createChatModel>>>;

/**
 * `describe` for real-model tests: fails the file when CI requires the model and it is absent, skips it otherwise.
 * `body` gets `shared()`, which loads the model once for the file (call it in `body` to register the load and its
 * disposal; the CLI commands the tests run build their own chat models, which share the loaded backend).
 */
export function describeRealModel(title: string, body: (shared: () => { model: () => ChatModel; stats: LlmStats }) => void): void {
  describe(`${title}: the real model when CI requires it`, () => {
    it.runIf(required && !gguf)("FARSIGHT_REQUIRE_MODEL=1 needs the model file", () => {
      expect.fail(`FARSIGHT_REQUIRE_MODEL=1 but ${why}`);
    });
  });
  describe.skipIf(!gguf)(`SmolLM2 in every LLM role (llama-cpp:, in process): ${title}`, () => {
    body(() => {
      const stats = new LlmStats();
      let model: ChatModel | undefined;
      beforeAll(async () => {
        model = (await createChatModel("llama-cpp:", { stats }))!; // 256 answer tokens: fewer cut a 300-char thought mid-JSON
        await model.invoke("Hi");
      }, 120_000);
      afterAll(async () => {
        await (model as unknown as { inner: { dispose(): Promise<void> } } | undefined)?.inner.dispose();
      });
      return { model: () => model!, stats };
    });
  });
}
