import { describe, expect, it } from "vitest";
import { z } from "zod";
import { attemptOf, formatAnswerShares, LlmStats, modelIdOf, ScriptedChatModel, settle, structured, withFallback, wrapChatModel } from "./index.js";

const schema = z.object({ n: z.number().int() });

describe("withFallback / settle: one place for call, validate, fall back, count, provenance", () => {
  it("counts model, repaired, cache and fallback answers per component", async () => {
    const inner = new ScriptedChatModel({ responses: ['{"n": 1}', "nonsense", '{"n": 2}', "no", "no", "no"] });
    const stats = new LlmStats();
    const model = wrapChatModel(inner, { stats, modelId: "scripted:test" });
    const ctx = { component: "demo", model, stats };
    const ask = (prompt: string) => async () => attemptOf(await structured(model, schema, prompt, { stats, maxRepairs: 1 }), (v) => (v.n > 0 ? { ok: true, value: v.n } : { ok: false, reason: "n must be positive" }));
    const a = await withFallback(ctx, ask("first"), () => -1);
    const b = await withFallback(ctx, ask("second"), () => -1);
    const c = await withFallback(ctx, ask("first"), () => -1); // same request: the cache answers
    const d = await withFallback(ctx, ask("third"), (reason) => reason.length);
    expect([a, b, c].map((x) => [x.value, x.outcome])).toEqual([[1, "model"], [2, "repaired"], [1, "cache"]]);
    expect(d).toMatchObject({ outcome: "fallback", model: "scripted:test", reason: expect.stringMatching(/^model answer unusable \(invalid-json\)/) });
    expect(stats.snapshot().answersByComponent).toEqual({ demo: { answers: 4, model: 1, repaired: 1, cache: 1, fallback: 1 } });
    expect(stats.fallbacksByComponent).toEqual({ demo: 1 });
    expect(stats.snapshot()).toMatchObject({ requests: 4, repairs: 2 });
    expect(formatAnswerShares(stats.answersByComponent)).toEqual(["demo: 4 answers, 25% model, 25% repaired, 25% cache, 25% fallback"]);
  });

  it("a throwing ask falls back with its message; a cancelled run throws instead of falling back", async () => {
    const model = new ScriptedChatModel({ responses: [] });
    const stats = new LlmStats();
    const r = await withFallback({ component: "c", model, stats }, async () => { throw new Error("boom"); }, () => 0);
    expect(r).toMatchObject({ value: 0, outcome: "fallback", reason: "model call failed: boom", model: "scripted" });
    const controller = new AbortController();
    controller.abort(new Error("stopped"));
    await expect(settle({ component: "c", model, stats, signal: controller.signal }, [{ ok: false, reason: "x" }], () => [0])).rejects.toThrow("stopped");
    expect(stats.fallbacks).toBe(1);
  });

  it("settle calls the fallback once for all failures, in order", async () => {
    const model = new ScriptedChatModel({ responses: [] });
    const calls: number[][] = [];
    const out = await settle({ component: "p", model }, [{ ok: false, reason: "a" }, { ok: true, value: 10 }, { ok: false, reason: "b" }], (failed) => {
      calls.push(failed.map((f) => f.index));
      return failed.map((f) => 100 + f.index);
    });
    expect(out.map((o) => o.value)).toEqual([100, 10, 102]);
    expect(calls).toEqual([[0, 2]]);
    expect(modelIdOf(model)).toBe("scripted");
  });
});
