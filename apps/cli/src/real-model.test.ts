/**
 * Every LLM role on a real model: SmolLM2-135M-Instruct (Q4_1) in process through node-llama-cpp, temperature 0,
 * short answers, few calls. Needs `farsight models fetch smollm2`; without the file the suite skips with a
 * message, unless FARSIGHT_REQUIRE_MODEL=1 (set by .ci/run), which turns the skip into a failure.
 *
 * The floors below are the share of answers that came from the model (not a fallback), measured on this
 * machine with this model and these prompts; they sit at or below the measured share so that a regression
 * (a broken grammar, a prompt the model can no longer answer) fails, while the tiny model's weak content does
 * not. The measured shares are in packages/llm/README.md (`farsight bench llm`).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng, type Plan } from "@farsight/core";
import { LlmCritic } from "@farsight/critic/llm";
import { loadPreset, makeSimulator, Session } from "@farsight/env";
import { runBillpSession } from "@farsight/graph";
import { createChatModel, LlmStats, resolveGgufPath } from "@farsight/llm";
import { LlmActor } from "@farsight/llm-actor/llm";
import { LlmThoughtPlanner } from "@farsight/planner/llm";
import { ReflectionPool } from "@farsight/reflector";
import { LlmFailureReflector, LlmReflector } from "@farsight/reflector/llm";
import { randomEpisode } from "@farsight/testing";
import { captureIO } from "./capture-io.js";
import { main } from "./main.js";
import { commands } from "./commands/index.js";

let gguf: string | undefined;
let why = "";
try {
  gguf = resolveGgufPath("");
} catch (err) {
  why = (err as Error).message;
}
const required = process.env.FARSIGHT_REQUIRE_MODEL === "1";
/** Per-test deadline: 2-10 s per model call on a busy 2-core machine (prompt evaluation dominates). */
const SLOW = 600_000;
if (!gguf) console.log(`[real-model] SmolLM2 tests skipped: ${why}`);

describe("the real model when CI requires it", () => {
  it.runIf(required && !gguf)("FARSIGHT_REQUIRE_MODEL=1 needs the model file", () => {
    expect.fail(`FARSIGHT_REQUIRE_MODEL=1 but ${why}`);
  });
});

/** Share of plans a model wrote (a cached model answer counts; a fallback does not). */
const modelShare = (plans: readonly Plan[]) => plans.filter((p) => p.source.kind === "llm" || p.source.kind === "cache").length / plans.length;

describe.skipIf(!gguf)("SmolLM2 in every LLM role (llama-cpp:, in process)", () => {
  const stats = new LlmStats();
  let model: NonNullable<Awaited<ReturnType<typeof createChatModel>>>;
  // One load per file: the CLI commands below build their own chat models, which share this loaded backend.
  beforeAll(async () => {
    model = (await createChatModel("llama-cpp:", { stats }))!; // 256 answer tokens: fewer cut a 300-char thought mid-JSON
    await model.invoke("Hi");
  }, 120_000);
  afterAll(async () => {
    await (model as unknown as { inner: { dispose(): Promise<void> } }).inner.dispose();
  });

  it("LERL category planner: `plan --planner llm` gets its plans from the model, each a subset of the candidates", async () => {
    const io = captureIO();
    expect(await main(["plan", "--planner", "llm", "--llm", "llama-cpp:", "--sessions", "2", "--json"], io, commands)).toBe(0);
    const out = JSON.parse(io.out) as { sessions: { request: { candidates: { id: number }[] }; plan: Plan }[] };
    for (const { request, plan } of out.sessions) {
      expect(plan.categories.length).toBeGreaterThan(0);
      for (const c of plan.categories) expect(request.candidates.map((x) => x.id)).toContain(c);
    }
    // Measured 4/4 and 3/3 with the grammar (all the model's plans name valid ids, mostly the first candidate).
    expect(modelShare(out.sessions.map((s) => s.plan))).toBeGreaterThanOrEqual(2 / 3);
  }, SLOW);

  it("LERL reflector: a reflection under 20 words from the model for finished sessions", async () => {
    const reflector = new LlmReflector({ model, stats, feedbackMeaning: "1 = click, 0 = no click" });
    const rng = new Rng(3);
    const texts = [];
    for (let i = 0; i < 2; i++) texts.push((await reflector.reflect(randomEpisode(rng, `s${i}`, 6, 8))).text);
    for (const t of texts) expect(t.split(/\s+/).filter(Boolean).length).toBeLessThanOrEqual(20);
    expect(reflector.counters.modelCalls).toBe(2);
    expect(reflector.counters.fallbacks).toBeLessThanOrEqual(1);
  }, SLOW);

  it("BiLLP thought planner, actor, critic and failure reflector in a short session (structured answers under the grammar)", async () => {
    const setup = await loadPreset("synthetic");
    const sim = await makeSimulator(setup, "test", { batchSize: 1, seed: 0, maxSteps: 2 });
    const actor = new LlmActor({ model, catalog: sim.catalog, stats, seed: 0, output: "structured", groundingScope: "plan" });
    const critic = new LlmCritic({ model, catalog: sim.catalog, stats, output: "structured" });
    const reflector = new LlmFailureReflector({ model, stats });
    const planner = new LlmThoughtPlanner({ model, stats, seed: 0 });
    const t = await runBillpSession(new Session(sim), { planner, actor, critic, reflector, reflections: new ReflectionPool({ seed: 0 }) });
    expect(t.episode.length).toBeGreaterThan(0);
    // Thought planner: a non-empty thought from the model (measured: 2 of 2 steps; one may fall back).
    const plans = t.steps.map((x) => x.plan);
    for (const p of plans.filter((x) => x.source.kind === "llm")) expect(p.thought?.trim().length).toBeGreaterThan(0);
    expect(modelShare(plans)).toBeGreaterThanOrEqual(1 / 2);
    // Actor: every slot is an item of the catalogue; the model's titles are grounded (exact/fuzzy/embedding).
    expect(actor.counters.slots).toBe(t.steps.reduce((n, s) => n + s.slate.length, 0));
    expect(actor.counters.parseFailures).toBe(0); // the grammar makes every answer parse
    // Critic: a number from the model for every evaluation (clamped into -5..5 where it strays).
    expect(critic.counters.modelCalls).toBeGreaterThan(0);
    expect(critic.counters.nonNumeric + critic.counters.modelErrors).toBe(0);
    for (const s of t.steps) expect(Math.abs(s.value)).toBeLessThanOrEqual(5);
    // Failure reflector: a diagnosis + plan from the model.
    expect(t.reflection?.source.kind).toBe("llm");
    expect(t.reflection?.text.length).toBeGreaterThan(10);
  }, SLOW);

  it("`run lerl --planner llm --llm llama-cpp:` finishes end to end on synthetic with a small budget", async () => {
    const out = mkdtempSync(join(tmpdir(), "farsight-real-lerl-"));
    const io = captureIO();
    // A few model calls per role (about 5 plans and a few reflections: the 135M model's collapsed plans end sessions
    // within 3 steps, so every session is a new plan; 16 steps x 4 sessions made 16 plans and took 3 minutes idle).
    // --accept-collapse: a smoke test of the path; the 135M model's plans may well be one plan (the guard's verdict
    // is in results.json either way, and the collapse test against a fake server pins the exit code).
    const argv = ["run", "lerl", "--planner", "llm", "--llm", "llama-cpp:", "--steps", "8", "--batch", "2", "--episodes", "1", "--plan-every", "10", "--out", out, "--json", "--accept-collapse"];
    expect(await main(argv, io, commands)).toBe(0);
    const rows = (JSON.parse(io.out) as { rows: { agent: string; len: number; llm_fallback_share: number }[] }).rows;
    // The row names what ran, with the planner's fallback share; exit 0 means it stayed under the default 20%.
    const lerl = rows.find((r) => /^LERL \(llm-category, .*fallback\)$/.test(r.agent));
    // Evaluation calls may all be cache hits (the prompts repeat those of training), so the row's calls/slate can be 0.
    expect(lerl?.len).toBeGreaterThanOrEqual(1);
    expect(lerl?.llm_fallback_share).toBeLessThanOrEqual(0.2);
    expect(JSON.parse(readFileSync(join(out, "config.json"), "utf8"))).toMatchObject({ llm: "llama-cpp:" });
  }, SLOW);

  it("`llm grade llama-cpp: --calls 2`: every role answers its probe requests, the planner is placed on the q scale", async () => {
    const io = captureIO();
    // Exit 1 when a role is flagged (the 135M model may collapse on 2 probes); the figures are what is checked.
    const code = await main(["llm", "grade", "llama-cpp:", "--calls", "2", "--json"], io, commands);
    const g = JSON.parse(io.out) as { roles: { role: string; answers: number; validShare: number; distinctShare: number; flag?: string; planQuality?: { score: number; q: number } }[] };
    expect(code).toBe(g.roles.some((r) => r.flag) ? 1 : 0);
    expect(g.roles.map((r) => [r.role, r.answers])).toEqual([["planner", 2], ["reflector", 2], ["critic", 2], ["actor", 2]]);
    for (const r of g.roles) expect(r.validShare).toBeGreaterThanOrEqual(0);
    const planner = g.roles[0]!;
    expect(planner.planQuality!.score).toBeGreaterThanOrEqual(0);
    expect(planner.planQuality!.q).toBeGreaterThanOrEqual(0);
    expect(planner.planQuality!.q).toBeLessThanOrEqual(1);
  }, SLOW);

  it("`run ilrec --teacher llm --llm llama-cpp:` finishes end to end on synthetic with a small budget", async () => {
    const out = mkdtempSync(join(tmpdir(), "farsight-real-ilrec-"));
    const io = captureIO();
    const argv = ["run", "ilrec", "--teacher", "llm", "--llm", "llama-cpp:", "--demos", "1", "--teacher-episodes", "1", "--episodes", "2", "--steps", "64", "--out", out, "--json"];
    // SmolLM2's actor grounds about 1 title in 3 (packages/llm/README.md), so the teacher's fallback share is above
    // the default limit of 20%: the run is allowed any share and must say which it had.
    // Measured: SmolLM2's critic answers 1 to every list (collapsed); the run is allowed that, as any fallback share.
    argv.push("--teacher-output", "structured", "--teacher-max-steps", "1", "--max-fallback-rate", "1", "--accept-collapse");
    expect(await main(argv, io, commands)).toBe(0);
    const r = JSON.parse(io.out) as { llmStats: { calls: number }; table: { method: string }[]; llmAnswers?: unknown };
    expect(r.llmStats.calls).toBeGreaterThan(0);
    expect(r.table.some((row) => /^teacher \(.*\d+% fallback\)$/.test(row.method))).toBe(true);
    expect(r.llmAnswers).toBeDefined();
  }, SLOW);
});
