import { describe, expect, it } from "vitest";
import { AnswerSamples, isCollapsed, overlap, trigrams } from "./quality.js";
import { LlmStats } from "./stats.js";
import { settle } from "./fallback.js";
import { ScriptedChatModel } from "./scripted.js";

describe("quality guards", () => {
  it("measures distinct answers, category entropy and score spread; flags one answer for many sessions", () => {
    const q = new AnswerSamples();
    for (let i = 0; i < 20; i++) q.add({ key: "1,2", session: `s${i}`, categories: [1, 2] });
    const s = q.summary();
    expect(s).toMatchObject({ answers: 20, sessions: 20, distinctShare: 1 / 20, topShare: 1, topAnswer: "1,2", categoryEntropyBits: 1, categoriesNamed: 2 });
    expect(isCollapsed(s)).toMatch(/^100% of its 20 answers across 20 sessions were the same \("1,2"\)/);

    const varied = new AnswerSamples();
    for (let i = 0; i < 20; i++) varied.add({ key: String(i % 5), session: `s${i}`, categories: [i % 5], score: (i % 5) - 2 });
    const v = varied.summary();
    expect(v.distinctShare).toBe(5 / 20);
    expect(v.categoryEntropyBits).toBeCloseTo(Math.log2(5), 10);
    expect([v.scoreMin, v.scoreMax]).toEqual([-2, 2]);
    expect(v.scoreStd).toBeCloseTo(Math.sqrt(2), 10);
    expect(isCollapsed(v)).toBeUndefined();
  });

  it("does not judge too few answers or one session's repeats", () => {
    const few = new AnswerSamples();
    for (let i = 0; i < 9; i++) few.add({ key: "x", session: `s${i}` });
    expect(isCollapsed(few.summary())).toBeUndefined();
    const one = new AnswerSamples();
    for (let i = 0; i < 30; i++) one.add({ key: "x", session: "s0" });
    expect(isCollapsed(one.summary())).toBeUndefined();
  });

  it("detects reflections that repeat earlier ones by word-trigram overlap, not by exact text", () => {
    expect(overlap(trigrams("The reflection text is a JSON document."), trigrams("the reflection text is a JSON document"))).toBe(1);
    const q = new AnswerSamples();
    for (let i = 0; i < 12; i++) q.add({ key: `t${i}`, text: `The reflection text is a JSON-formatted JSON document number ${i}` });
    const s = q.summary();
    expect(s.distinctShare).toBe(1); // every text differs...
    expect(s.repeatedTextShare).toBeCloseTo(11 / 12, 10); // ...but all after the first repeat it
    expect(isCollapsed(s)).toMatch(/texts repeat an earlier one/);
  });

  it("settle() samples the model's answers only, never the fallback's", async () => {
    const stats = new LlmStats();
    const ctx = { component: "c", model: new ScriptedChatModel({ responses: () => "" }), stats, sample: (v: string) => ({ key: v }) };
    await settle(ctx, [{ ok: true, value: "a" }, { ok: false, reason: "bad" }, { ok: true, value: "b" }], () => ["fallback"]);
    expect(stats.snapshot().quality.c).toMatchObject({ answers: 2, distinctShare: 1 });
  });
});
