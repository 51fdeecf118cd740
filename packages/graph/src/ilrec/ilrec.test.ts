import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mean, type Episode } from "@farsight/core";
import { loadPreset, type EnvSetup } from "@farsight/env";
import { LlmStats, ScriptedChatModel } from "@farsight/llm";
import { initBackend } from "@farsight/rl-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { episodesFromRecords, parseDemonstrations, readDemonstrations, recordsFromTrajectory, writeDemonstrations } from "./schema.js";
import { buildTeacher, runTeacher, trainingSession } from "./teacher.js";
import { runIlrecPipeline } from "./pipeline.js";

let setup: EnvSetup;
let dir: string;
beforeAll(async () => {
  await initBackend();
  setup = await loadPreset("synthetic", { synthetic: { numCategories: 6, numItems: 60, numUsers: 30, seed: 2 } });
  dir = mkdtempSync(join(tmpdir(), "ilrec-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("IL-Rec demonstrations", () => {
  it("round-trips teacher sessions through the JSONL schema into the episodes the learner reads", async () => {
    const session = await trainingSession(setup, "truth", 3);
    const teacher = buildTeacher({ kind: "heuristic", catalog: setup.catalog, scorer: session.sim.scorer, seed: 3 });
    const run = await runTeacher(teacher, session, 4);
    const records = run.trajectories.flatMap((t) => recordsFromTrajectory(t, teacher.name, setup.catalog));
    const file = join(dir, "demos.jsonl");
    writeDemonstrations(file, records);
    const back = readDemonstrations(file);
    expect(back).toEqual(records);
    expect(back.length).toBe(run.recommendations);
    const episodes = episodesFromRecords(back, setup.catalog);
    expect(episodes.map((e) => e.sessionId)).toEqual(run.trajectories.map((t) => t.episode.sessionId));
    episodes.forEach((e, i) => {
      const original = run.trajectories[i]!.episode;
      expect(e.steps.map((s) => s.slate)).toEqual(original.steps.map((s) => s.slate));
      expect(e.steps.map((s) => s.categories)).toEqual(original.steps.map((s) => s.categories));
      expect(e.return).toBeCloseTo(original.return, 6);
      expect(e.length).toBe(original.length);
      expect(e.endReason).toBe(original.endReason);
    });
    // The state summary is what the session had seen before each step.
    const first = back.filter((r) => r.session === episodes[0]!.sessionId);
    expect(first[0]!.state.recentItems).toEqual([]);
    expect(first[1]!.state.recentItems).toEqual(first[0]!.action);
    expect(first[1]!.state.returnSoFar).toBeCloseTo(first[0]!.reward, 6);
    expect(first[0]!.plan.categories.length).toBeGreaterThan(0);
    expect(first[0]!.grounding.length).toBe(first[0]!.action.length);
  });

  it("names the file and line of a malformed record, and rejects sessions with gaps", () => {
    const good = { schema: "farsight.ilrec.demo/1", teacher: "t", session: "s", user: 1, step: 0, state: { recentItems: [], recentCategories: [], recentFeedback: [], returnSoFar: 0 }, action: [3], reward: 1, feedback: [1], done: true, plan: { categories: [0], source: "heuristic:x" }, grounding: [] };
    expect(() => parseDemonstrations(`${JSON.stringify(good)}\n{"schema": 1}\n`, "demo.jsonl")).toThrow(/demo\.jsonl:2: schema/);
    expect(() => parseDemonstrations("not json", "d.jsonl")).toThrow(/d\.jsonl:1: not JSON/);
    const gap = parseDemonstrations([{ ...good, done: false }, { ...good, step: 2 }].map((r) => JSON.stringify(r)).join("\n"));
    expect(() => episodesFromRecords(gap)).toThrow(/session s: step 2 where 1 was expected/);
    writeFileSync(join(dir, "bad.jsonl"), JSON.stringify({ ...good, action: [] }) + "\n");
    expect(() => readDemonstrations(join(dir, "bad.jsonl"))).toThrow(/bad\.jsonl:1: action/);
  });
});

describe("runIlrecPipeline", () => {
  it("demonstrates, writes and reads the file, trains, and serves the policy without an LLM", async () => {
    const out = join(dir, "run");
    const sessions: { method: string; episode: Episode; seed: number }[] = [];
    const r = await runIlrecPipeline({
      // 20 behaviour-cloning steps (the default is at least 500): BC's row and curve are checked, not what it learns.
      setup, teacher: "heuristic", demos: 6, steps: 480, bcSteps: 20, seed: 1, outDir: out, episodes: 10, batchSize: 8,
      onEpisode: (method, episode, seed) => sessions.push({ method, episode, seed }),
    });
    // Learned policies are served both ways by default: greedy (top-K) and sampled (IL-Rec's released evaluation).
    expect(r.rows.map((x) => x.method)).toEqual([
      "IL-Rec policy (greedy)", "IL-Rec policy (sampled)", "teacher (billp-heuristic)", "A2C, no demonstrations (greedy)", "A2C, no demonstrations (sampled)",
      "behaviour cloning (greedy)", "behaviour cloning (sampled)", "random",
    ]);
    expect(r.rows.map((x) => x.serve ?? "-")).toEqual(["greedy", "sampled", "-", "greedy", "sampled", "greedy", "sampled", "-"]);
    expect(readDemonstrations(join(out, "demonstrations.jsonl")).length).toBe(r.demonstrations.steps);
    for (const row of r.rows) {
      expect(row.episodes).toBe(10);
      expect(row.len).toBeGreaterThan(0);
      expect(row.r_each).toBeGreaterThanOrEqual(0); // clicks: per-step reward in [0, 1]
      expect(row.r_each).toBeLessThanOrEqual(1);
    }
    expect(r.rows[0]!.llmCallsPerRec).toBe(0);
    expect(r.rows[0]!.msPerRec).toBeGreaterThan(0);
    // Every evaluation session reaches onEpisode under its row's name, in table order, and the rows' means are
    // the means of those sessions (the latency-timing sessions are not among them).
    expect([...new Set(sessions.map((x) => x.method))]).toEqual(r.rows.map((x) => x.method));
    expect(sessions.every((x) => x.seed === 1)).toBe(true);
    for (const row of r.rows) {
      const mine = sessions.filter((x) => x.method === row.method).map((x) => x.episode);
      expect(mine).toHaveLength(row.episodes);
      expect(mean(mine.map((e) => e.length))).toBeCloseTo(row.len, 9);
      expect(mean(mine.map((e) => e.return))).toBeCloseTo(row.r_traj, 9);
      // Each step carries its slate's categories (what the exposure charts of a report draw).
      for (const e of mine) {
        expect(e.steps).toHaveLength(e.length);
        for (const st of e.steps) expect(st.categories.length === st.slate.length && st.slate.length > 0).toBe(true);
      }
    }
    expect(r.training.imitationScale).toBe(0); // annealed to pure RL by the end of the budget
    expect(r.training.acceptedShare).toBeGreaterThanOrEqual(0);
    expect(r.training.acceptedShare).toBeLessThanOrEqual(1);
    expect(r.training.envSteps).toBeGreaterThanOrEqual(480);
    expect(Number.isFinite(r.training.discriminatorLoss)).toBe(true);

    // The training record: curves of IL-Rec and both baselines, and one weight histogram per refresh.
    const h = r.history;
    const metrics = (series: string) => [...new Set(h.curves.filter((c) => c.series === series).map((c) => c.metric))].sort();
    expect(metrics("IL-Rec policy")).toEqual(["demo_gated_share", "demo_mean_weight", "discriminator_accuracy", "discriminator_loss", "imitation_lambda", "len", "return"]);
    expect(metrics("A2C, no demonstrations")).toEqual(["len", "return"]);
    expect(metrics("behaviour cloning")).toEqual(["bc_loss"]);
    const lambda = h.curves.filter((c) => c.series === "IL-Rec policy" && c.metric === "imitation_lambda");
    for (let i = 1; i < lambda.length; i++) expect(lambda[i]!.value).toBeLessThanOrEqual(lambda[i - 1]!.value); // annealed, never raised
    expect(lambda.at(-1)!.value).toBe(0);
    expect(h.weights.length).toBeGreaterThan(0);
    for (const w of h.weights) expect(w.zero + w.counts.reduce((a, b) => a + b, 0)).toBe(w.usable);
    const lastGated = h.curves.filter((c) => c.metric === "demo_gated_share").at(-1)!.value;
    const lastSnapshot = h.weights.at(-1)!;
    expect(lastGated).toBeCloseTo(lastSnapshot.zero / lastSnapshot.usable, 6);
  });
});

/** One scripted model for the whole LLM teacher: answers by which component's prompt it receives. */
function scriptedTeacherModel(numCategories: number): ScriptedChatModel {
  return new ScriptedChatModel({
    responses: (prompt, i) => {
      if (prompt.includes("the planner of")) return JSON.stringify({ thought: `Try category ${i % numCategories} next.`, categories: [i % numCategories] });
      if (prompt.includes("the actor of")) {
        const m = /Candidates:\n1\. (.*) \(/.exec(prompt);
        return m ? `recommend[${m[1]}]` : "recommend[Something Nobody Made]";
      }
      if (prompt.includes("the critic of")) return `Value: ${(i % 5) - 2}`;
      return JSON.stringify({ diagnosis: "The user tired of one category.", plan: "Rotate categories earlier." });
    },
  });
}

describe("runIlrecPipeline with the LLM teacher", () => {
  it("writes the LLM agent's thoughts and grounding into the demonstrations and counts its calls, not the policy's", async () => {
    const stats = new LlmStats();
    const out = join(dir, "run-llm");
    // 20 behaviour-cloning steps (the default is at least 500): the checks are on the teacher's records and calls.
    const r = await runIlrecPipeline({ setup, teacher: "llm", model: scriptedTeacherModel(setup.catalog.numCategories), stats, demos: 3, steps: 160, bcSteps: 20, seed: 2, outDir: out, episodes: 4, batchSize: 8 });
    const records = readDemonstrations(join(out, "demonstrations.jsonl"));
    expect(records.every((x) => x.teacher === "billp-llm")).toBe(true);
    expect(records.filter((x) => x.plan.text?.startsWith("Try category")).length).toBeGreaterThan(0);
    expect(records.flatMap((x) => x.grounding).some((g) => g.method === "exact")).toBe(true);
    const teacher = r.rows.find((x) => x.method.startsWith("teacher"))!;
    // Planner and actor every step, the critic on every non-terminal step, a reflection per session.
    expect(teacher.llmCallsPerRec).toBeGreaterThan(2);
    expect(r.rows[0]!.llmCallsPerRec).toBe(0);
    expect(stats.calls).toBeGreaterThan(0);
  });
});
