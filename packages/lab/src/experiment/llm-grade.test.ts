import { describe, expect, it } from "vitest";
import { loadPreset } from "@farsight/env";
import { LlmStats, ScriptedChatModel, wrapChatModel } from "@farsight/llm";
import { formatGrade, gradeModel } from "./llm-grade.js";

/** A model for all four roles: `plan(prompt)` decides the planner's categories; the other roles answer sensibly. */
function model(plan: (prompt: string) => number[]) {
  const stats = new LlmStats();
  const inner = new ScriptedChatModel({
    responses: (prompt) => {
      // Actor and critic answer JSON (the grade's default form) when the instructions ask for it.
      if (prompt.includes('"critic_value"')) return JSON.stringify({ value: prompt.length % 5 });
      if (prompt.includes('"recommendations"')) return JSON.stringify({ recommendations: [/Candidates:\n1\. (.*) \(/.exec(prompt)?.[1] ?? ""] });
      if (prompt.includes("You are the critic of a recommender agent")) return `Value: ${prompt.length % 5}`;
      if (prompt.includes("You are the actor of a recommender agent")) return `recommend[${/Candidates:\n1\. (.*) \(/.exec(prompt)?.[1] ?? ""}]`;
      if (prompt.includes('"category_plan"')) return JSON.stringify({ categories: plan(prompt), rationale: "r" });
      return JSON.stringify({ reflection: `Session of length ${prompt.length % 97}: vary ${prompt.length % 7} categories next time.` });
    },
  });
  return { model: wrapChatModel(inner, { stats, modelId: "scripted:grade" }), stats, id: "scripted:grade" };
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}

describe("gradeModel: validity, diversity and plan quality per role on fixed probe requests", () => {
  it("a model that plans the same categories for every session is flagged as collapsed; one that varies is not", async () => {
    const setup = await loadPreset("synthetic");
    const c = setup.catalog.numCategories;
    const same = await gradeModel(model(() => [0, 1]), { calls: 6 });
    const planner = same.roles.find((r) => r.role === "planner")!;
    expect(same.roles.map((r) => r.role)).toEqual(["planner", "reflector", "critic", "actor"]);
    expect(planner).toMatchObject({ answers: 6, validShare: 1, distinctShare: 1 / 6, planEntropyBits: 1, flag: expect.stringContaining("collapsed: 100% of its 6 answers") });
    // Every role answered all its probe requests from the model.
    for (const r of same.roles) expect([r.role, r.answers, r.validShare]).toEqual([r.role, 6, 1]);
    expect(planner.planQuality!.score).toBeGreaterThanOrEqual(0);
    expect(planner.planQuality!.q).toBeGreaterThanOrEqual(0);
    expect(formatGrade(same).join("\n")).toMatch(/planner\s+6 answers, valid 100%, distinct 17%, plan entropy 1\.00 bits.*FLAGGED: collapsed/);

    const varied = await gradeModel(model((p) => [hash(p) % c, (hash(p) + 1 + (hash(p) % (c - 1))) % c]), { calls: 6 });
    const v = varied.roles.find((r) => r.role === "planner")!;
    expect(v.flag).toBeUndefined();
    expect(v.distinctShare).toBeGreaterThan(0.5);
    expect(v.planEntropyBits).toBeGreaterThan(1);
  }, 60_000);

  it("a model whose plans name no candidate is flagged by its valid share, with the reason", async () => {
    const g = await gradeModel(model(() => [9999]), { calls: 4 });
    const planner = g.roles.find((r) => r.role === "planner")!;
    expect(planner).toMatchObject({ answers: 4, validShare: 0, flag: "only 0% of its answers valid" });
    expect(planner.fallbackReasons[0]).toEqual({ reason: "model answer unusable (schema)", count: 4 });
    // Its plans are the fallback planner's: the plan-quality score measures those (no model plan was used).
    expect(Number.isFinite(planner.planQuality!.score)).toBe(true);
  }, 60_000);
});
