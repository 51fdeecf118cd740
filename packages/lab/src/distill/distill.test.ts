import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FarsightError, Rng, type PlanRequest, type Planner } from "@farsight/core";
import { LlmStats, ScriptedChatModel } from "@farsight/llm";
import { RandomCategoryPlanner } from "@farsight/planner";
import { LlmCategoryPlanner } from "@farsight/planner/llm";
import { initBackend } from "@farsight/rl-policy";
import { loadPreset } from "@farsight/env";
import { LLM_RECORDS_FILE, llmRecordSink } from "../run-dir/llm-records.js";
import { createPlanner } from "../experiment/planners.js";
import { distillPlanner, readPlanRecords } from "./distill.js";
import { RecordedPlanner } from "./recorded-planner.js";

let dir: string;
beforeAll(async () => {
  await initBackend(["cpu"]);
  dir = mkdtempSync(join(tmpdir(), "lab-distill-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Requests over 6 categories with a random click history, `n` sessions of one step each. */
function requests(n: number, seed: number): PlanRequest[] {
  const rng = new Rng(seed, "requests");
  return Array.from({ length: n }, (_v, i) => ({
    sessionId: `s${seed}-${i}`,
    step: 2,
    candidates: Array.from({ length: 6 }, (_c, id) => ({ id, name: `c${id}` })),
    history: [0, 1].map((step) => ({ step, categories: [rng.int(6), rng.int(6)], feedback: [rng.int(2), rng.int(2)] })),
    reflections: [],
  }));
}

/** Plans `reqs` with `planner` while its answers are recorded to `<out>/llm-records.jsonl`; returns the file. */
async function record(out: string, planner: (stats: LlmStats) => Planner, reqs: PlanRequest[]): Promise<string> {
  mkdirSync(out, { recursive: true });
  const stats = new LlmStats();
  stats.recordAnswersTo(llmRecordSink(out));
  const p = planner(stats);
  for (let i = 0; i < reqs.length; i += 16) await p.plan(reqs.slice(i, i + 16));
  stats.recordAnswersTo(undefined);
  return join(out, LLM_RECORDS_FILE);
}

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as FarsightError;
  }
  throw new Error("expected a FarsightError");
};

describe("farsight distill (lab)", () => {
  it("an LLM planner's records keep each request; the distilled planner copies the model's plan and serves as distilled:DIR", async () => {
    const out = join(dir, "llm");
    // A collapsed model (SmolLM2's behaviour): the same two categories for every session.
    const file = await record(out, (stats) => new LlmCategoryPlanner({ model: new ScriptedChatModel({ responses: () => '{"categories": [1, 4]}' }), stats }), requests(60, 1));
    const recs = readPlanRecords(file);
    expect(recs.role).toBe("planner/llm-category");
    expect(recs.examples).toHaveLength(60);
    expect(recs.examples[0]!.request.history).toHaveLength(2);
    const r = await distillPlanner({ records: file, out: join(out, "student"), planner: { epochs: 40 } });
    expect(r.trainExamples + r.heldOutExamples).toBe(60);
    const setup = await loadPreset("synthetic");
    const student = createPlanner(`distilled:${join(out, "student")}`, { setup, seed: 0, model: null, stats: new LlmStats(), cohort: 1 });
    expect(student.usesLlm).toBe(false);
    const plans = await student.plan(requests(5, 2));
    expect(plans.map((p) => [...p.categories].sort())).toEqual(Array.from({ length: 5 }, () => [1, 4]));
    // An existing planner is never overwritten.
    await expect(distillPlanner({ records: file, out: join(out, "student") })).rejects.toThrow(/exists already/);
  });

  it("a non-LLM planner recorded through RecordedPlanner is a teacher too (no model calls in its records)", async () => {
    const out = join(dir, "in-process");
    const file = await record(out, (stats) => new RecordedPlanner(new RandomCategoryPlanner({ seed: 3 }), stats, "random"), requests(20, 3));
    const recs = readPlanRecords(file);
    expect(recs.role).toBe("planner/random");
    expect(recs.model).toMatch(/no LLM/);
    expect(recs.examples).toHaveLength(20);
  });

  it("refuses, with lab/no-planner-answers, a records file with no planner answer to learn from", async () => {
    const other = join(dir, "reflector.jsonl");
    writeFileSync(other, JSON.stringify({ role: "reflector/llm", valid: true, calls: [], value: "a reflection" }) + "\n");
    const none = codeOf(() => readPlanRecords(other));
    expect(none.code).toBe("lab/no-planner-answers");
    expect(none.message).toContain(other);
    expect(none.message).toMatch(/no record has a planner role/);
    // Only fallbacks: the model named no candidate, so another planner answered every session.
    const out = join(dir, "fallbacks");
    const file = await record(out, (stats) => new LlmCategoryPlanner({ model: new ScriptedChatModel({ responses: () => '{"categories": [99]}' }), stats, maxRepairs: 0 }), requests(6, 4));
    const fallbacks = codeOf(() => readPlanRecords(file));
    expect(fallbacks.code).toBe("lab/no-planner-answers");
    expect(fallbacks.message).toMatch(/6 records of planner\/llm-category, 6 of them fallbacks/);
  });
});
