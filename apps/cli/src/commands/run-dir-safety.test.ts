/**
 * A run directory is never lost or mixed by `farsight run lerl`, `run ilrec` and `train`: refusals change no
 * byte, a second process is locked out, a run killed in its first chunk can be resumed, `train` checks --out
 * before it trains. Real child processes where the behaviour depends on a process (lock, SIGKILL); every other
 * run goes through main() in this process, as bin.js does, which spares each the CLI's second of imports.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunCheckpoints, savedLerlState } from "@farsight/graph";
import type { CheckpointManifest } from "@farsight/rl-policy";
import { captureIO } from "../capture-io.js";
import { isUsageError } from "../errors.js";
import { main } from "../main.js";
import { commands } from "./index.js";
import { LOCK_FILE } from "@farsight/lab";
import { runCommand } from "./run.js";
import { trainCommand } from "./train.js";

const bin = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/bin.js");
const built = existsSync(bin);
if (!built) console.warn(`run-dir-safety.test.ts: ${bin} is not built; run the build first (pnpm test does)`);

const root = mkdtempSync(join(tmpdir(), "farsight-rundir-safety-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const SMALL = ["lerl", "--env", "synthetic", "--planner", "saturation", "--steps", "160", "--batch", "4", "--episodes", "4", "--seed", "0"];
const cli = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 180_000 });
/** `farsight ARGS` through main() in this process: its exit code and what it printed on stderr, as `cli` gives them. */
async function inProcess(args: string[]): Promise<{ status: number; stderr: string }> {
  const io = captureIO();
  const status = await main(args, io, commands);
  return { status, stderr: io.err };
}

/** Every file below `dir` with the SHA-256 of its bytes (a byte-by-byte deep equality of buffers is slow). */
function snapshot(dir: string, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = join(prefix, e.name);
    if (e.isDirectory()) snapshot(dir, rel, out);
    else out[rel] = createHash("sha256").update(readFileSync(join(dir, rel))).digest("hex");
  }
  return out;
}

async function refusal(args: string[]): Promise<string> {
  const err = await runCommand.run(args, captureIO()).then(() => undefined, (e: Error) => e);
  // A usage error for main(): the message alone and exit code 2 (a UsageError, or a lab refusal such as lab/run-dir-refused).
  expect({ args, usage: isUsageError(err) }).toEqual({ args, usage: true });
  return err!.message;
}

describe.skipIf(!built)("run lerl: a finished run directory", () => {
  const out = join(root, "finished");
  beforeAll(async () => {
    const r = await inProcess(["run", ...SMALL, "--out", out]);
    if (r.status !== 0) throw new Error(`the run every test here starts from failed: ${r.stderr}`);
  }, 180_000);

  it("a resume with another configuration refuses, names the difference, and changes no byte", async () => {
    const before = snapshot(out);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(["config.json", "curves.jsonl", "episodes.jsonl", "results.json", join("train", "lerl-seed0", "graph.sqlite")]));
    const cases: [string[], RegExp][] = [
      [["--batch", "8"], /train\.batch \(--batch\): 4 in the run, 8 now/],
      [["--planner", "random"], /planners \(--planner\)/],
      [["--seeds", "2"], /eval\.seeds \(--seed \/ --seeds\): \[0\] in the run, \[0,1\] now/],
      [["--steps", "80"], /train\.steps \(--steps\): 160 in the run, 80 now \(a budget may grow, not shrink\)/],
      [["--skip-eval"], /eval\.skip \(--skip-eval\): false in the run, true now/],
      [["--plan-every", "2"], /train\.planEvery \(--plan-every\)/],
    ];
    for (const [change, message] of cases) {
      // --skip-eval excludes --episodes (a usage error of its own), so that case resumes without it.
      const base = change[0] === "--skip-eval" ? SMALL.filter((_, k) => k !== SMALL.indexOf("--episodes") && k !== SMALL.indexOf("--episodes") + 1) : SMALL;
      const i = base.indexOf(change[0]!);
      const args = i >= 0 ? [...base.slice(0, i), ...change, ...base.slice(i + 2)] : [...base, ...change];
      expect(await refusal([...args, "--out", out, "--resume"])).toMatch(message);
      expect({ change, files: snapshot(out) }).toEqual({ change, files: before });
    }
    // Reusing --out without --resume: the same run points to --resume, another seed is another run.
    expect(await refusal([...SMALL, "--out", out])).toMatch(/already holds this run.*pass --resume/);
    expect(await refusal([...SMALL.slice(0, -1), "1", "--out", out])).toMatch(/already holds another run[^]*eval\.seeds .*\[0\] in the run, \[1\] now/);
    expect(snapshot(out)).toEqual(before);
  });

  it("a resume whose checkpoint holds NaN weights fails naming the file and keeps every file byte-identical", async () => {
    const copy = join(root, "nan");
    spawnSync("cp", ["-r", out, copy]);
    const state = (await savedLerlState(join(copy, "train", "lerl-seed0")))!;
    const chunkDir = RunCheckpoints.chunkDir(join(copy, "train", "lerl-seed0"), state.chunk);
    const manifest = JSON.parse(readFileSync(join(chunkDir, "policy.json"), "utf8")) as CheckpointManifest;
    const entry = manifest.weights.find((e) => e.dtype === "float32" && !e.name.startsWith("context/"))!;
    const weights = readFileSync(join(chunkDir, "weights.bin"));
    weights.writeFloatLE(NaN, entry.offset);
    writeFileSync(join(chunkDir, "weights.bin"), weights);
    const before = snapshot(copy);
    const r = await inProcess(["run", ...SMALL.slice(0, SMALL.indexOf("--steps") + 1), "320", ...SMALL.slice(SMALL.indexOf("--steps") + 2), "--out", copy, "--resume"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${join(chunkDir, "weights.bin")}: "${entry.name}" holds 1 non-finite value(s)`);
    expect(snapshot(copy)).toEqual(before);
  }, 120_000);

  it("a grown budget resumes: LERL continues from its checkpoint, its earlier curve points stay as they were", async () => {
    const copy = join(root, "grown");
    spawnSync("cp", ["-r", out, copy]);
    const lerlPoints = (dir: string) => readFileSync(join(dir, "curves.jsonl"), "utf8").split("\n").filter((l) => l.includes('"series":"LERL'));
    const before = lerlPoints(copy);
    const r = await inProcess(["run", ...SMALL.slice(0, SMALL.indexOf("--steps") + 1), "240", ...SMALL.slice(SMALL.indexOf("--steps") + 2), "--out", copy, "--resume"]);
    expect(r).toMatchObject({ status: 0, stderr: "" });
    const after = lerlPoints(copy);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.filter((l) => l.includes('"metric":"policyLoss"')).map((l) => (JSON.parse(l) as { step: number }).step)).toEqual([40, 80, 120, 160, 200, 240]);
    expect(JSON.parse(readFileSync(join(copy, "config.json"), "utf8")).train.steps).toBe(240);
  }, 180_000);
});

describe.skipIf(!built)("run lerl: killed before the first checkpoint of its second seed", () => {
  it("resumes with `--out DIR --resume` alone (seed 0 from its checkpoint, seed 1 from scratch) to the results of an uninterrupted run", async () => {
    const args = ["run", ...SMALL, "--seeds", "2"];
    const out = join(root, "two-seeds");
    // 4 chunks of 10 steps per seed: step event 43 is inside seed 1's first chunk.
    const killed = cli([...args, "--out", out], { FARSIGHT_FAULT: "lerl-step:43" });
    expect(killed.signal).toBe("SIGKILL");
    const seed1 = join(out, "train", "lerl-seed1");
    expect(existsSync(join(seed1, "graph.sqlite"))).toBe(true); // opened by the run ...
    expect(RunCheckpoints.exists(seed1)).toBe(false); // ... but holding no checkpoint: no run yet
    expect(readFileSync(join(out, LOCK_FILE), "utf8")).toContain(`"pid":${killed.pid}`); // a dead process's lock
    // A restart without --resume is refused (it is this run), a resume continues it.
    expect((await inProcess([...args, "--out", out])).stderr).toMatch(/already holds this run.*pass --resume/);
    // `--out DIR --resume` alone: every setting comes from the saved run.
    const resumed = await inProcess(["run", "lerl", "--out", out, "--resume"]);
    expect(resumed).toMatchObject({ status: 0, stderr: "" });
    const ref = join(root, "two-seeds-ref");
    expect((await inProcess([...args, "--out", ref])).status).toBe(0);
    for (const f of ["results.json", "episodes.jsonl", "curves.jsonl"]) expect({ f, text: readFileSync(join(out, f), "utf8") }).toEqual({ f, text: readFileSync(join(ref, f), "utf8") });
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  }, 300_000);
});

describe.skipIf(!built)("run lerl: two processes on one --out", () => {
  it("the second gets an error naming the first's pid; after the first is SIGKILLed its lock is taken over", async () => {
    const out = join(root, "locked");
    const first = spawn(process.execPath, [bin, "run", ...SMALL.slice(0, SMALL.indexOf("--steps") + 1), "100000", ...SMALL.slice(SMALL.indexOf("--steps") + 2), "--out", out], { stdio: "ignore" });
    try {
      for (let i = 0; i < 600 && !existsSync(join(out, "config.json")); i++) await new Promise((r) => setTimeout(r, 100));
      const second = await inProcess(["run", ...SMALL, "--out", out, "--resume"]);
      expect(second.status).toBe(2);
      expect(second.stderr).toMatch(new RegExp(`${out} is in use by process ${first.pid} \\(farsight run lerl`));
    } finally {
      first.kill("SIGKILL");
      await new Promise((r) => first.once("exit", r));
    }
    // The lock of the dead process does not block: the next refusal is about the configuration, not the lock.
    const third = await inProcess(["run", ...SMALL, "--out", out, "--resume"]);
    expect(third.stderr).toMatch(/train\.steps .*100000 in the run, 160 now/);
    expect(third.stderr).not.toMatch(/in use/);
  }, 120_000);
});

describe("train and run ilrec check --out before they train", () => {
  it("train refuses a directory that holds another policy and leaves it untouched", async () => {
    const out = join(root, "policy");
    mkdirSync(out);
    writeFileSync(join(out, "policy.json"), '{"kind":"ppo"}');
    const io = captureIO();
    await expect(trainCommand.run(["--env", "synthetic", "--steps", "320", "--out", out], io)).rejects.toThrow(/is not empty \(it holds policy\.json\).*choose another --out/);
    expect(io.out).not.toMatch(/training/);
    expect(readdirSync(out)).toEqual(["policy.json"]);
    expect(readFileSync(join(out, "policy.json"), "utf8")).toBe('{"kind":"ppo"}');
  });

  it("run ilrec refuses a directory of another run, naming the difference", async () => {
    const out = join(root, "ilrec");
    mkdirSync(out);
    writeFileSync(join(out, "config.json"), JSON.stringify({ command: "run ilrec", flags: { env: "synthetic", seed: "1", llm: "none" } }));
    const before = snapshot(out);
    await expect(runCommand.run(["ilrec", "--env", "synthetic", "--seed", "2", "--out", out], captureIO())).rejects.toThrow(/already holds another run[^]*flags\.seed: "1" in the run, "2" now/);
    expect(snapshot(out)).toEqual(before);
  });
});
