import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { savedLerlState } from "@farsight/graph";
import type { ReflectionPoolSnapshot } from "@farsight/reflector";
import { DEFAULT_PPO_OPTIONS } from "@farsight/rl-policy/tf";
import { startFakeOpenAiServer } from "@farsight/testing";
import { UsageError } from "../command.js";
import { captureIO } from "../capture-io.js";
import { main } from "../main.js";
import { commands } from "./index.js";
import { runCommand } from "./run.js";

const bin = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/bin.js");
const built = existsSync(bin);
if (!built) console.warn(`run.test.ts: ${bin} is not built; run the build first (pnpm test does)`);

function poolSessions(trainDir: string, chunk: number): string[] {
  const file = join(trainDir, "checkpoints", `chunk-${String(chunk).padStart(6, "0")}`, "pool.json");
  const snap = JSON.parse(readFileSync(file, "utf8")) as ReflectionPoolSnapshot;
  return snap.entries.map((e) => e.reflection.sessionId!);
}

describe.skipIf(!built)("farsight run lerl: killed with SIGKILL, resumed with --resume", () => {
  const dir = mkdtempSync(join(tmpdir(), "farsight-run-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("continues from the last checkpoint without losing finished sessions or the reflection pool", async () => {
    const out = join(dir, "run");
    const trainDir = join(out, "train", "lerl-seed0");
    const args = ["run", "lerl", "--env", "synthetic", "--planner", "saturation", "--batch", "8", "--seed", "0", "--skip-eval", "--out", out];
    // Killed by SIGKILL just after the second chunk's checkpoint and its curve points (run/fault.ts).
    const killed = spawnSync(process.execPath, [bin, ...args, "--steps", "400"], { stdio: "ignore", env: { ...process.env, FARSIGHT_FAULT: "lerl-curve:2" } });
    expect(killed.signal).toBe("SIGKILL");
    const atKill = await savedLerlState(trainDir);
    expect(atKill?.chunk).toBe(2);
    const before = atKill!;
    expect(before.sessionsFinished).toBeGreaterThan(0);
    expect(before.stopped).toBe("");
    const poolBefore = poolSessions(trainDir, before.chunk);
    expect(poolBefore.length).toBe(Math.min(200, before.sessionsFinished));

    // Without --resume the run directory is protected. (The runs nobody kills go through main() in this process,
    // as bin.js does: the same run without the CLI's second of imports.)
    const refusedIo = captureIO();
    expect(await main([...args, "--steps", "10"], refusedIo, commands)).not.toBe(0);
    expect(refusedIo.err).toMatch(/--resume/);

    // The rest of the budget: three more chunks, each one PPO rollout of 8 sessions.
    const target = 400;
    expect(before.envSteps + 3 * 8 * DEFAULT_PPO_OPTIONS.rolloutSteps).toBe(target);
    const resumedIo = captureIO();
    const resumed = await main([...args, "--steps", String(target), "--resume"], resumedIo, commands);
    expect({ status: resumed, stderr: resumedIo.err }).toMatchObject({ status: 0 });
    const after = (await savedLerlState(trainDir))!;
    expect(after.attempt).toBe(before.attempt + 1);
    expect(after.chunk).toBe(before.chunk + 3);
    expect(after.envSteps).toBe(target);
    expect(after.stopped).toBe("steps");
    expect(after.sessionsFinished).toBeGreaterThan(before.sessionsFinished);
    expect(after.updates).toBe(before.updates + 3);
    const poolAfter = poolSessions(trainDir, after.chunk);
    expect(poolAfter.slice(0, poolBefore.length)).toEqual(poolBefore);
    expect(poolAfter.length).toBe(Math.min(200, after.sessionsFinished));
    // Session ids of the resumed attempt are new (prefixed by the attempt).
    expect(poolAfter.slice(poolBefore.length).every((id) => id.startsWith(`a${after.attempt}-`))).toBe(true);
  }, 240_000);
});

describe("farsight run: flags", () => {
  const io = { stdout: () => {}, stderr: () => {}, isTTY: false };
  it("rejects an unknown method, an LLM planner without a model, and --resume without --out", async () => {
    await expect(runCommand.run(["train-everything"], io)).rejects.toThrow(UsageError);
    await expect(runCommand.run(["lerl", "--planner", "llm", "--llm", "none", "--steps", "10", "--out", join(tmpdir(), "farsight-never")], io)).rejects.toThrow(/needs a model/);
    await expect(runCommand.run(["lerl", "--resume"], io)).rejects.toThrow(/--out/);
    await expect(runCommand.run(["lerl", "--planner", "genius"], io)).rejects.toThrow(/--planner must be one of/);
    await expect(runCommand.run(["lerl", "--planner", "saturation,genius"], io)).rejects.toThrow(/--planner must be one of .*saturation-aware \(alias saturation\)/);
  });
});

describe("farsight run lerl --planner llm, against an OpenAI-compatible server on 127.0.0.1", () => {
  const dir = mkdtempSync(join(tmpdir(), "farsight-run-llm-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("plans and reflects through the model and reports LLM calls per recommendation", async () => {
    const server = await startFakeOpenAiServer((req) =>
      req.promptText.includes("Which one content category") ? JSON.stringify({ category: "jazz", confidence: 0.9 }) // the preflight request
        : req.promptText.includes("Long-term satisfaction") ? JSON.stringify({ reflection: "Vary categories before the user tires." }) : JSON.stringify({ categories: [1, 4, 9] }),
    );
    try {
      let text = "";
      const io = { stdout: (t: string) => (text += t), stderr: () => {}, isTTY: false };
      const spec = `openai-compatible:${server.url}#fake-model`;
      // This server plans [1, 4, 9] for everyone and reflects one sentence: a collapsed model, accepted here (the
      // test is about calls per recommendation; the collapse guard has its own test below).
      const code = await runCommand.run(["lerl", "--planner", "llm", "--llm", spec, "--steps", "40", "--batch", "4", "--episodes", "4", "--out", join(dir, "run"), "--json", "--accept-collapse"], io);
      expect(code).toBe(0);
      const out = JSON.parse(text) as { report: string; rows: { agent: string; llm_calls_per_rec: number; len: number }[] };
      const lerl = out.rows.find((r) => r.agent === "LERL (llm-category, 0% fallback)")!;
      // The run writes its report (the page `farsight report` would write), naming the LERL row.
      expect(out.report).toBe(join(dir, "run", "report.html"));
      expect(readFileSync(out.report, "utf8")).toContain("LERL (llm-category, 0% fallback)");
      // One plan request per session per step in evaluation (cohort 1, plan every step); requests whose prompt
      // repeats one already answered (sessions with the same history and reflections) come from the response
      // cache and are not model calls, so calls per recommendation is at most 1.
      expect(lerl.llm_calls_per_rec).toBeGreaterThan(0);
      expect(lerl.llm_calls_per_rec).toBeLessThanOrEqual(1);
      expect(out.rows.find((r) => r.agent === "random")!.llm_calls_per_rec).toBe(0);
      const plans = server.requests.filter((r) => !r.promptText.includes("Long-term satisfaction") && !r.promptText.includes("Which one content category"));
      const reflections = server.requests.length - plans.length;
      // Every evaluation call reached the server, on top of at least one call per training step.
      const trainingSteps = Math.ceil(40 / (4 * DEFAULT_PPO_OPTIONS.rolloutSteps)) * DEFAULT_PPO_OPTIONS.rolloutSteps;
      expect(plans.length).toBeGreaterThanOrEqual(trainingSteps + Math.round(4 * lerl.len * lerl.llm_calls_per_rec));
      expect(reflections).toBeGreaterThan(0);
      expect(plans.some((r) => r.promptText.includes("Vary categories before the user tires."))).toBe(true);
    } finally {
      await server.close();
    }
  }, 120_000);
});

describe("farsight run lerl --planner llm: a model that answers the same plan to every session", () => {
  const dir = mkdtempSync(join(tmpdir(), "farsight-run-collapse-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is flagged as collapsed: the table shows the guard's figures and the run exits 1 unless --accept-collapse", async () => {
    // Valid JSON, valid candidate ids, 0% fallback: only the quality guard can tell that nothing is being planned.
    const server = await startFakeOpenAiServer((req) =>
      req.promptText.includes("Which one content category") ? JSON.stringify({ category: "jazz", confidence: 0.9 })
        : req.promptText.includes("Long-term satisfaction") ? JSON.stringify({ reflection: `Session ${req.promptText.length % 97} ended; vary ${req.promptText.length % 13} categories.` })
          : JSON.stringify({ categories: [1, 2], rationale: "always" }),
    );
    try {
      const spec = `openai-compatible:${server.url}#same-plan`;
      const argv = ["run", "lerl", "--planner", "llm", "--llm", spec, "--steps", "40", "--batch", "4", "--episodes", "4", "--out", join(dir, "run")];
      const io = captureIO();
      expect(await main(argv, io, commands)).toBe(1);
      expect(io.err).toMatch(/planner\/llm-category collapsed with model openai-compatible:.*: 100% of its \d+ answers across \d+ sessions were the same \("1,2"\).*--accept-collapse/s);
      // The table printed before the verdict carries the guard's columns: 1 distinct plan, entropy 1 bit (two categories, equally often).
      expect(io.out).toContain("LLM distinct");
      const row = io.out.split("\n").find((l) => l.startsWith("LERL (llm-category, 0% fallback)"))!;
      const cells = row.trim().split(/\s{2,}/);
      expect(cells.at(-1)).toBe("1.000");
      expect(Number(cells.at(-2))).toBeLessThan(0.5);
      expect(io.out).toMatch(/planner\/llm-category quality: distinct \d+%, same answer 100%.*\(COLLAPSED\)/);
      const results = JSON.parse(readFileSync(join(dir, "run", "results.json"), "utf8")) as { llm: { quality: Record<string, { topShare: number; collapsed?: string }> } };
      expect(results.llm.quality["planner/llm-category"]).toMatchObject({ topShare: 1, collapsed: expect.stringContaining("were the same") });

      const accepted = captureIO();
      expect(await main([...argv.slice(0, -1), join(dir, "run2"), "--accept-collapse"], accepted, commands)).toBe(0);
    } finally {
      await server.close();
    }
  }, 240_000);
});
