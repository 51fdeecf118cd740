import { describe, expect, it } from "vitest";
import { z } from "zod";
import { complete, extractJson, LlmStats, NoModelError, ScriptedChatModel, structured } from "./index.js";

const plan = z.object({ categories: z.array(z.string()).min(1), reason: z.string() });

describe("extractJson", () => {
  it("reads JSON in code fences, after prose and before trailing prose", () => {
    expect(extractJson('```json\n{"a": 1}\n```')).toEqual({ ok: true, value: { a: 1 } });
    expect(extractJson('Sure! Here it is: {"a": [1, "}"]} Hope that helps.')).toEqual({ ok: true, value: { a: [1, "}"] } });
    expect(extractJson('<think>maybe {"a": 0}</think>{"a": 2}')).toEqual({ ok: true, value: { a: 2 } });
  });

  it("reports the parse error of a truncated object", () => {
    expect(extractJson('{"a": 1, "b": ')).toEqual({ ok: false, error: expect.stringMatching(/JSON/) });
    expect(extractJson("no json at all").ok).toBe(false);
  });
});

describe("structured with a scripted model", () => {
  it("parses JSON in code fences followed by prose, and shows the schema to the model", async () => {
    const answer = '```json\n{"categories": ["jazz"], "reason": "liked it"}\n```\nLet me know!';
    const model = new ScriptedChatModel({ responses: [answer] });
    const stats = new LlmStats();
    const r = await structured(model, plan, "Pick categories.", { name: "category_plan", stats });
    expect(r).toMatchObject({ ok: true, value: { categories: ["jazz"], reason: "liked it" }, repairs: 0 });
    expect(model.prompts[0]).toMatch(/^human: Pick categories\./);
    expect(model.prompts[0]).toContain('"category_plan"');
    expect(model.prompts[0]).toContain('"categories"');
    expect(stats.calls).toBe(1);
    expect(stats.promptTokens).toBeGreaterThan(0);
    expect(stats.completionTokens).toBe(answer.split(/\s+/).length); // scripted models count words
  });

  it("repairs invalid JSON by quoting the parse error, then succeeds", async () => {
    const model = new ScriptedChatModel({ responses: ['{"categories": ["jazz",', '{"categories": ["jazz"], "reason": "r"}'] });
    const stats = new LlmStats();
    const r = await structured(model, plan, [["system", "You plan."], ["human", "Go."]], { stats });
    expect(r).toMatchObject({ ok: true, repairs: 1 });
    expect(model.prompts[1]).toMatch(/rejected: the answer is not valid JSON/);
    expect(model.prompts[1]).toContain('ai: {"categories": ["jazz",');
    expect(model.prompts[1]).toMatch(/^system: You plan\./);
    expect(stats.repairs).toBe(1);
    expect(stats.invalidAnswers).toBe(1);
    expect(stats.calls).toBe(2);
  });

  it("gives up after maxRepairs schema-invalid answers with ok:false and the last raw answer", async () => {
    const bad = '{"categories": [], "reason": 3}';
    const model = new ScriptedChatModel({ responses: [bad, bad, bad, bad] });
    const stats = new LlmStats();
    const r = await structured(model, plan, "Go.", { stats, maxRepairs: 2, name: "category_plan" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe("schema");
    expect(r.repairs).toBe(2);
    expect(r.raw).toBe(bad);
    expect(r.error).toMatch(/categories: .*reason: /);
    expect(model.prompts).toHaveLength(3);
    expect(model.prompts[2]).toMatch(/does not match the category_plan schema: categories/);
    expect(stats.repairs).toBe(2);
    expect(stats.invalidAnswers).toBe(3);
  });

  it("returns ok:false reason error (not a throw) when the model fails", async () => {
    const model = new ScriptedChatModel({ responses: [] });
    const stats = new LlmStats();
    const r = await structured(model, plan, "Go.", { stats });
    expect(r).toMatchObject({ ok: false, reason: "error", repairs: 0 });
    expect(stats.failures).toBe(1);
    expect(stats.inFlight).toBe(0);
  });

  it("returns ok:false reason timeout when the deadline passes", async () => {
    const model = new ScriptedChatModel({ responses: ['{"categories": ["a"], "reason": "r"}'], delayMs: 2_000 });
    const stats = new LlmStats();
    const r = await structured(model, plan, "Go.", { stats, timeoutMs: 30 });
    expect(r).toMatchObject({ ok: false, reason: "timeout" });
    expect(stats.timeouts).toBe(1);
  });

  it("answers from a function of the prompt", async () => {
    const model = new ScriptedChatModel({ responses: (p, i) => JSON.stringify({ categories: [p.includes("rock") ? "rock" : "pop"], reason: `#${i}` }) });
    const a = await structured(model, plan, "I like rock");
    const b = await structured(model, plan, "Anything");
    expect(a.ok && a.value).toEqual({ categories: ["rock"], reason: "#0" });
    expect(b.ok && b.value).toEqual({ categories: ["pop"], reason: "#1" });
  });
});

describe("complete, stats and NoModelError", () => {
  it("completes text and counts fallbacks per component", async () => {
    const stats = new LlmStats();
    const events: string[] = [];
    stats.subscribe((e) => events.push(e));
    const r = await complete(new ScriptedChatModel({ responses: ["hello there"] }), "hi", { stats });
    expect(r).toEqual({ ok: true, text: "hello there" });
    stats.recordFallback("planner", "schema");
    stats.recordFallback("planner", "timeout");
    stats.recordFallback("critic", "error");
    const snap = stats.snapshot();
    expect(snap).toMatchObject({ calls: 1, fallbacks: 3, fallbacksByComponent: { planner: 2, critic: 1 }, completionTokens: 2 });
    expect(snap.latencyP50Ms).toBeGreaterThanOrEqual(0);
    expect(events).toEqual(["call-start", "call-end", "fallback", "fallback", "fallback"]);
    expect(JSON.parse(JSON.stringify(snap))).toMatchObject({ calls: 1 });
  });

  it("latency quantiles interpolate over recorded calls", () => {
    const stats = new LlmStats();
    for (const ms of [10, 20, 30, 40, 50]) {
      stats.recordCallStart();
      stats.recordCallEnd(ms);
    }
    expect(stats.latencyQuantile(0.5)).toBe(30);
    expect(stats.latencyQuantile(0.95)).toBeCloseTo(48);
    expect(stats.maxInFlight).toBe(1);
  });

  it("NoModelError names the component and the alternatives", () => {
    const e = new NoModelError("LlmPlanner", ["RandomPlanner", "PopularityPlanner"]);
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toMatch(/LlmPlanner needs a language model.*RandomPlanner, PopularityPlanner/);
  });
});
