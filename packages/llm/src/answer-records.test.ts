import { describe, expect, it } from "vitest";
import { z } from "zod";
import { attemptOf, complete, LlmStats, ScriptedChatModel, settle, structured, withFallback, wrapChatModel, type AnswerRecord } from "./index.js";

const schema = z.object({ n: z.number().int().min(1) });

function recording(): { stats: LlmStats; records: AnswerRecord[] } {
  const stats = new LlmStats();
  const records: AnswerRecord[] = [];
  stats.recordAnswersTo((r) => records.push(r));
  return { stats, records };
}

describe("answer records: every settled answer with its calls, validation and fallback reason", () => {
  it("a repaired answer keeps both calls: the prompt, each answer, each verdict, the repair turn only once", async () => {
    const { stats, records } = recording();
    const model = wrapChatModel(new ScriptedChatModel({ responses: ['{"n": 0}', '{"n": 3}'] }), { stats, modelId: "scripted:test" });
    const ask = async () => attemptOf(await structured(model, schema, "Pick a number for session s7.", { stats, maxRepairs: 1, method: "prompt" }));
    const answered = await withFallback({ component: "demo/role", model, stats, session: () => "s7", sample: (v: { n: number }) => ({ key: String(v.n) }) }, ask, () => ({ n: -1 }));
    expect(answered.outcome).toBe("repaired");
    expect(records).toHaveLength(1);
    const r = records[0]!;
    expect(r).toMatchObject({ role: "demo/role", session: "s7", model: "scripted:test", outcome: "repaired", valid: true, key: "3", value: { n: 3 } });
    expect(r.reason).toBeUndefined();
    expect(r.calls).toHaveLength(2);
    expect(r.calls[0]!.messages).toEqual([{ role: "human", content: expect.stringContaining("Pick a number for session s7.") }]);
    expect(r.calls[0]).toMatchObject({ answer: '{"n": 0}', method: "prompt", validation: expect.stringMatching(/^schema: the JSON does not match/) });
    // The repair call adds the model's answer and the request to fix it; the first prompt is not written twice.
    expect(r.calls[1]).toMatchObject({ continues: true, answer: '{"n": 3}', validation: "valid" });
    expect(r.calls[1]!.messages.map((m) => m.role)).toEqual(["ai", "human"]);
    expect(r.calls[1]!.messages[1]!.content).toContain("Your previous answer was rejected");
    // Scripted models report whitespace-word token counts: the record sums them over its calls.
    expect(r.promptTokens).toBe(r.calls[0]!.promptTokens! + r.calls[1]!.promptTokens!);
    expect(r.completionTokens).toBe(2 + 2);
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("a fallback records its reason and the failed call's error; a text request records its answer", async () => {
    const { stats, records } = recording();
    const failing = new ScriptedChatModel({ responses: () => { throw new Error("server on fire"); } });
    const a = await withFallback({ component: "critic/x", model: failing, stats, session: () => "s1" }, async () => attemptOf(await structured(failing, schema, "Score it.", { stats, maxRepairs: 0 })), () => ({ n: 5 }));
    expect(a.outcome).toBe("fallback");
    const talker = new ScriptedChatModel({ responses: ["Value: 2"] });
    await withFallback({ component: "critic/text", model: talker, stats }, async () => {
      const res = await complete(talker, "Score it.", { stats });
      return res.ok ? { ok: true, value: Number(res.text.split(": ")[1]) } : { ok: false, reason: res.error };
    }, () => 0);
    expect(records.map((r) => [r.role, r.outcome, r.valid])).toEqual([["critic/x", "fallback", false], ["critic/text", "model", true]]);
    expect(records[0]).toMatchObject({ session: "s1", reason: expect.stringContaining("server on fire"), value: { n: 5 } });
    expect(records[0]!.calls).toEqual([expect.objectContaining({ error: expect.stringContaining("server on fire") })]);
    expect(records[0]!.calls[0]!.answer).toBeUndefined();
    expect(records[1]!.calls).toEqual([expect.objectContaining({ answer: "Value: 2", messages: [{ role: "human", content: "Score it." }] })]);
    expect(records[1]!.value).toBe(2);
  });

  it("concurrent requests keep their own calls (one call log per request)", async () => {
    const { stats, records } = recording();
    // The first prompt answers last: the calls overlap in time.
    const model = new ScriptedChatModel({ responses: (p) => `{"n": ${p.includes("slow") ? 1 : 2}}`, delayMs: 5 });
    const slow = wrapChatModel(model, { stats, modelId: "m" });
    const ask = (prompt: string) => async () => attemptOf(await structured(slow, schema, prompt, { stats, method: "prompt" }));
    await Promise.all([
      withFallback({ component: "p", model: slow, stats, session: () => "slow" }, ask("the slow one"), () => ({ n: 0 })),
      withFallback({ component: "p", model: slow, stats, session: () => "fast" }, ask("the fast one"), () => ({ n: 0 })),
    ]);
    const bySession = Object.fromEntries(records.map((r) => [r.session, r]));
    expect(bySession.slow!.calls).toHaveLength(1);
    expect(bySession.fast!.calls).toHaveLength(1);
    expect(bySession.slow!.calls[0]!.messages[0]!.content).toContain("the slow one");
    expect(bySession.fast!.calls[0]!.messages[0]!.content).toContain("the fast one");
    expect([bySession.slow!.value, bySession.fast!.value]).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("settle: answers of one request (a cohort) share its calls and say by how many; fallbacks get their session", async () => {
    const { stats, records } = recording();
    const model = new ScriptedChatModel({ responses: ['{"n": 4}'] });
    const res = await structured(model, schema, "Plan for a and b.", { stats, method: "prompt" });
    const sessions = ["a", "b", "c"];
    await settle(
      { component: "planner/cohort", model, stats, session: (i) => sessions[i] },
      [attemptOf(res), attemptOf(res, () => ({ ok: false, reason: "no plan for b" })), { ok: false, reason: "not asked" }],
      (failed) => failed.map(() => ({ n: 1 })),
    );
    expect(records.map((r) => [r.session, r.outcome, r.sharedBy, r.calls.length, r.reason])).toEqual([
      ["a", "model", 2, 1, undefined],
      ["b", "fallback", 2, 1, "no plan for b"],
      ["c", "fallback", undefined, 0, "not asked"],
    ]);
  });

  it("nothing is collected without a sink, and a sink that throws stops the request with its error", async () => {
    const stats = new LlmStats();
    const model = new ScriptedChatModel({ responses: ['{"n": 1}', '{"n": 1}'] });
    const res = await structured(model, schema, "x", { stats, method: "prompt" });
    expect(res.calls).toBeUndefined();
    stats.recordAnswersTo(() => {
      throw new Error("disk full");
    });
    await expect(withFallback({ component: "c", model, stats }, async () => attemptOf(await structured(model, schema, "y", { stats, method: "prompt" })), () => ({ n: 0 }))).rejects.toThrow("disk full");
    stats.recordAnswersTo(undefined);
    expect(stats.recordingAnswers).toBe(false);
  });
});
