import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../command.js";
import { runCommand } from "../commands/run.js";
import { buildReport, ilrecEpisodes, readRunDir, type EpisodeRecord, type IlrecSeedRun } from "@farsight/lab";

const bin = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/bin.js");

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The sessions of `dir`'s episodes.jsonl against its results.json: read without a problem, every row's method
 * with `perMethod` sessions of each seed (the agents in table order), and the row's Len and R_traj the means of
 * its sessions (equal counts per seed, so the mean over seeds of per-seed means is the mean over all sessions).
 */
function expectEpisodesMatchTable(dir: string, seeds: readonly number[], perMethod: number): EpisodeRecord[] {
  const data = readRunDir(dir);
  expect(data.problems).toEqual([]);
  expect(data.episodes!.length).toBeGreaterThan(0);
  const rows = data.results!.rows as unknown as { agent: string; len: number; r_traj: number }[];
  // The file itself: the report's reader keeps only what it draws (not the seed and the user).
  const episodes = readFileSync(join(dir, "episodes.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as EpisodeRecord);
  expect(episodes).toHaveLength(data.episodes!.length);
  expect([...new Set(episodes.map((e) => e.agent))]).toEqual(rows.map((r) => r.agent));
  for (const row of rows) {
    const mine = episodes.filter((e) => e.agent === row.agent);
    for (const seed of seeds) expect(mine.filter((e) => e.seed === seed), `${row.agent}, seed ${seed}`).toHaveLength(perMethod);
    expect(mine).toHaveLength(perMethod * seeds.length);
    expect(mean(mine.map((e) => e.length))).toBeCloseTo(row.len, 9);
    expect(mean(mine.map((e) => e.return))).toBeCloseTo(row.r_traj, 9);
    // The exposure charts' input: each step shown, with its slate's categories.
    for (const e of mine) {
      expect(e.categories).toHaveLength(e.length);
      expect(e.categories!.every((slate) => slate.length > 0)).toBe(true);
      expect(typeof e.user).toBe("number");
    }
  }
  return episodes;
}

function capture(): CliIO & { out: string } {
  const io = { out: "", isTTY: false, stderr: () => {} } as unknown as CliIO & { out: string };
  (io as { stdout: CliIO["stdout"] }).stdout = (t) => void (io.out += t);
  return io;
}

describe("episodes.jsonl of run ilrec", () => {
  it("names every session after its table row by position: the first seed's name at the top, each seed's own in its folder", () => {
    // An LLM teacher's row carries the fallback share so far, which differs between seeds.
    const run = (seed: number, teacher: string): IlrecSeedRun => ({
      seed,
      result: { rows: [{ method: "IL-Rec policy (greedy)", len: 2, r_traj: 1 }, { method: teacher, len: 1, r_traj: 0 }] } as unknown as IlrecSeedRun["result"],
      sessions: [[{ agent: "IL-Rec policy (greedy)", length: 2, return: 1, seed }], [{ agent: "teacher (billp-llm)", length: 1, return: 0, seed }]],
    });
    const runs = [run(0, "teacher (billp-llm, 10% fallback)"), run(1, "teacher (billp-llm, 20% fallback)")];
    expect(ilrecEpisodes(runs).map((e) => `${e.seed} ${e.agent}`)).toEqual([
      "0 IL-Rec policy (greedy)", "0 teacher (billp-llm, 10% fallback)", "1 IL-Rec policy (greedy)", "1 teacher (billp-llm, 10% fallback)",
    ]);
    expect(ilrecEpisodes([runs[1]!]).map((e) => e.agent)).toEqual(["IL-Rec policy (greedy)", "teacher (billp-llm, 20% fallback)"]);
  });
});

describe("farsight run ilrec", () => {
  it("rejects an LLM teacher without a model and unknown choices, naming the flag", async () => {
    await expect(runCommand.run(["ilrec", "--teacher", "llm"], capture())).rejects.toThrow(/--teacher llm needs a model: pass --llm/);
    await expect(runCommand.run(["ilrec", "--teacher", "oracle"], capture())).rejects.toThrow(/--teacher must be one of llm, heuristic/);
    await expect(runCommand.run(["ilrec", "--reward", "gail"], capture())).rejects.toThrow(/--reward must be one of env, airl, env\+airl/);
    await expect(runCommand.run(["ilrec", "--serve", "top"], capture())).rejects.toThrow(/--serve must be one of greedy, sampled, both/);
    await expect(runCommand.run(["ilrec", "--advantage", "oracle"], capture())).rejects.toThrow(/--advantage must be one of critic, teacher/);
    await expect(runCommand.run(["ilrec", "--anneal=-1"], capture())).rejects.toThrow(/--anneal must be a decimal number >= 0, got "-1"/);
  });

  it("runs the pipeline offline and prints the table, writing demonstrations and results", async () => {
    const out = mkdtempSync(join(tmpdir(), "ilrec-cli-"));
    try {
      const io = capture();
      const code = await runCommand.run(["ilrec", "--env", "synthetic", "--teacher", "heuristic", "--demos", "3", "--steps", "320", "--episodes", "4", "--batch", "8", "--bc-steps", "40", "--serve", "sampled", "--out", out, "--json"], io);
      expect(code).toBe(0);
      const json = JSON.parse(io.out) as { table: { method: string }[]; latencyRatio: number; report: string };
      // --serve sampled: one row per learned policy, the sampled one.
      expect(json.table.map((r) => r.method)).toEqual(["IL-Rec policy (sampled)", "teacher (billp-heuristic)", "A2C, no demonstrations (sampled)", "behaviour cloning (sampled)", "random"]);
      expect(json.latencyRatio).toBeGreaterThan(0);
      expect(readFileSync(join(out, "demonstrations.jsonl"), "utf8").split("\n").filter(Boolean).length).toBeGreaterThan(0);
      expect(JSON.parse(readFileSync(join(out, "results.json"), "utf8")).rows).toHaveLength(5);
      // Every evaluation session of every method, under the table's names.
      expectEpisodesMatchTable(out, [0], 4);
      // The run ends with its report (checked in a browser by report/ilrec-report.browser.test.ts).
      expect(json.report).toBe(join(out, "report.html"));
      expect(existsSync(json.report)).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it.skipIf(!existsSync(bin))("a run killed between seeds leaves the records of the seeds it finished, episodes.jsonl agreeing with results.json", () => {
    const out = join(mkdtempSync(join(tmpdir(), "ilrec-cli-kill-")), "run");
    try {
      // The second pass of the seed loop's fault point is the start of seed 1: seed 0 has written everything.
      const args = ["run", "ilrec", "--env", "synthetic", "--teacher", "heuristic", "--demos", "3", "--steps", "160", "--episodes", "3", "--batch", "8", "--bc-steps", "20", "--serve", "greedy", "--seeds", "2", "--out", out];
      const killed = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, FARSIGHT_FAULT: "ilrec-seed:2" }, timeout: 120_000 });
      expect(killed.signal, `stderr: ${killed.stderr}`).toBe("SIGKILL");
      expect(JSON.parse(readFileSync(join(out, "results.json"), "utf8")).seeds).toEqual([0]);
      const top = expectEpisodesMatchTable(out, [0], 3);
      expect(top.every((e) => e.seed === 0)).toBe(true);
      // Seed 0's own folder holds the same sessions; seed 1 never started, and no temporary file is left.
      expect(expectEpisodesMatchTable(join(out, "seed0"), [0], 3)).toEqual(top);
      expect(existsSync(join(out, "seed1"))).toBe(false);
      expect(readdirSync(out, { recursive: true }).filter((f) => String(f).includes(".tmp-"))).toEqual([]);
      // The report of what finished draws the sessions.
      const report = buildReport(readRunDir(out));
      expect(report.sections.map((s) => s.id)).toEqual(["comparison", "lengths", "exposure", "curves", "weights", "config"]);
      expect(report.html).toContain('id="chart-lengths"');
      expect(report.html).toContain('id="chart-majority"');
    } finally {
      rmSync(dirname(out), { recursive: true, force: true });
    }
  });
});
