/**
 * `farsight sweep` on the local pool: a worker process SIGKILLed mid-job does not lose the job (another process
 * runs it), every job ends with one result, and a rerun skips the finished jobs.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { readLocalResults } from "@farsight/lab";
import { afterAll, describe, expect, it } from "vitest";

const bin = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/bin.js");
const tmp = mkdtempSync(join(tmpdir(), "farsight-sweep-pool-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("farsight sweep (local pool)", () => {
  it("retries the job of a killed worker process, records each job once, and skips finished jobs on a rerun", async () => {
    const spec = join(tmp, "spec.yaml");
    writeFileSync(spec, 'name: pool-test\nmethods: [lerl]\npresets: [synthetic]\nseeds: [0, 1, 2]\nbudgets: [64]\nepisodes: 4\nlerl: { planners: ["noisy-oracle:1"], batch: 16 }\n');
    const out = join(tmp, "sweep");
    const child = spawn(process.execPath, [bin, "sweep", spec, "--out", out, "--workers", "2"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    // Once a job's run directory exists, kill every worker process: the one inside that job certainly (killing only
    // pgrep's first could hit a worker between jobs, and then nothing is retried), the other too if it holds one.
    let victims: number[] = [];
    for (let i = 0; i < 600 && victims.length === 0; i++) {
      const runs = join(out, "runs", "lerl", "synthetic", "steps64");
      const pids = existsSync(runs) && readdirSync(runs).length > 0 ? execFileSync("pgrep", ["-P", String(child.pid)], { encoding: "utf8" }).trim().split("\n").map(Number) : [];
      if (pids.length) {
        victims = pids;
        for (const pid of pids) process.kill(pid, "SIGKILL");
      } else await sleep(100);
    }
    expect(victims.length).toBeGreaterThan(0);
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/3 of 3 jobs finished; [12] retried, 0 given up/);
    expect(readLocalResults(out).map((r) => r.job.id)).toEqual(["lerl/synthetic/steps64/seed0", "lerl/synthetic/steps64/seed1", "lerl/synthetic/steps64/seed2"]);

    const again = execFileSync(process.execPath, [bin, "sweep", spec, "--out", out, "--workers", "2"], { encoding: "utf8" });
    expect(again).toMatch(/3 of 3 jobs finished earlier: skipped/);
    expect(again).toMatch(/0 jobs run on 0 worker processes/);
    const report = execFileSync(process.execPath, [bin, "sweep", "report", "--out", out], { encoding: "utf8" });
    expect(report).toMatch(/## lerl on synthetic, 64 training steps: seeds 0, 1, 2\n/);
    expect(report).toMatch(/\| LERL \(noisy-oracle:1: reads the quit rule\) \| [-0-9.]+, [-0-9.]+, [-0-9.]+ \|.* vs PPO \(flat\) \|/);
  });
});
