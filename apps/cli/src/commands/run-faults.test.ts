/**
 * Fault injection: `farsight run lerl` (a real child process, a small budget on the synthetic world) is
 * killed with SIGKILL at seeded random points and resumed with --resume (20 kills; a resumed run is killed
 * again before the last resume). After each kill the curves must agree with the checkpoint; after the last
 * resume the run directory must hold every curve point once, the finished sessions and reflection pool of
 * every checkpoint, and whatever is deterministic (the flat baseline, the baselines, and everything when the kill came after
 * LERL's training) byte-equal to an uninterrupted run.
 *
 * Kill points: the process kills itself at a named point (FARSIGHT_FAULT, see run/fault.ts), which reaches
 * the worst moments exactly (chunk files saved but not the state; state saved but not its curve line), or
 * the test kills it after a random delay, which reaches anywhere.
 *
 * Runs nobody kills (the reference, and each chain's last resume) go through main() in the test's process, as bin.js
 * does: the same run without the CLI's second of imports per process.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "@farsight/core";
import { savedLerlState, type LerlStateValue } from "@farsight/graph";
import type { ReflectionPoolSnapshot } from "@farsight/reflector";
import { type CurvePoint, type EpisodeRecord, type ResultsTable, LOCK_FILE } from "@farsight/lab";
import { captureIO } from "../capture-io.js";
import { main } from "../main.js";
import { commands } from "./index.js";

const bin = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/bin.js");
const built = existsSync(bin);
if (!built) console.warn(`run-faults.test.ts: ${bin} is not built; run the build first (pnpm test does)`);

const LERL = "LERL (saturation-aware)";
// 4 chunks of 10 batched steps x 4 sessions; 4 evaluation sessions per agent (5 agents).
const ARGS = ["run", "lerl", "--env", "synthetic", "--planner", "saturation", "--steps", "160", "--batch", "4", "--episodes", "4", "--seed", "3"];
/** Named points and how often an uninterrupted run passes each. */
const POINTS: [string, number][] = [
  ["lerl-step", 40],
  ["lerl-chunk", 4],
  ["lerl-checkpoint", 4],
  ["lerl-curve", 4],
  ["flat-progress", 4],
  ["eval-episode", 20],
  ["results", 1],
];
/** SIGKILLs in all; each chain of runs on one directory takes up to three before it is resumed to the end. */
const KILLS = 20;
const KILLS_PER_CHAIN = 3;

function runCli(args: string[], env: Record<string, string> = {}, killAfterMs?: number): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stderr });
    });
  });
}

/** A run nobody kills, through main() in this process: the exit code and stderr `runCli` would give. */
async function runInProcess(args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const io = captureIO();
  const code = await main(args, io, commands);
  return { code, signal: null, stderr: io.err };
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : []);
const curves = (out: string) => lines(join(out, "curves.jsonl")).map((l) => JSON.parse(l) as CurvePoint);
const episodes = (out: string) => lines(join(out, "episodes.jsonl")).map((l) => JSON.parse(l) as EpisodeRecord);
const results = (out: string) => JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as ResultsTable;
const trainDir = (out: string) => join(out, "train", "lerl-seed3");

function pool(out: string, chunk: number): string[] {
  const snap = JSON.parse(readFileSync(join(trainDir(out), "checkpoints", `chunk-${String(chunk).padStart(6, "0")}`, "pool.json"), "utf8")) as ReflectionPoolSnapshot;
  return snap.entries.map((e) => e.reflection.sessionId!);
}

/** Every file below `dir` (relative paths), to find leftovers. */
function files(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(dir, join(prefix, e.name)) : [join(prefix, e.name)]));
}

interface Kill {
  readonly label: string;
  /** The checkpointed state when the process died (undefined: none yet), its pool and the LERL curve then. */
  readonly state: LerlStateValue | undefined;
  readonly pool: string[];
  readonly curve: CurvePoint[];
}

/** Runs `check`; a failure's message starts with `label` (which kill of which chain). */
async function labelled(label: string, check: () => void | Promise<void>): Promise<void> {
  try {
    await check();
  } catch (err) {
    if (err instanceof Error) err.message = `${label}: ${err.message}`;
    throw err;
  }
}

const lerlOf = (cs: readonly CurvePoint[]) => cs.filter((c) => c.series === LERL);
const steps = (cs: readonly CurvePoint[], metric: string) => lerlOf(cs).filter((c) => c.metric === metric).map((c) => c.step);
const notLerl = <T extends { agent?: string; series?: string }>(xs: readonly T[]) => xs.filter((x) => (x.agent ?? x.series) !== LERL);
const METRICS = ["policyLoss", "return", "len"];

/**
 * At the moment of death curves and checkpoint agree: no point past the checkpoint, none twice, none missing
 * before it; only the checkpoint's own point may still be unwritten (the next resume writes it).
 */
function checkAtKill(kill: Kill, refCurves: readonly CurvePoint[]): void {
  const saved = kill.state?.envSteps ?? 0;
  for (const metric of METRICS) {
    const got = steps(kill.curve, metric);
    const want = steps(refCurves, metric).filter((s) => s <= saved);
    expect({ metric, steps: got }).toEqual({ metric, steps: want.slice(0, got.length) });
    expect({ metric, missing: want.slice(got.length) }).toEqual({ metric, missing: want.slice(got.length).filter((s) => s === saved) });
  }
}

/** After the last resume: the whole run directory against the uninterrupted reference and every kill. */
function checkFinal(out: string, ref: string, history: readonly Kill[], final: LerlStateValue): void {
  const refCurves = curves(ref);
  // No leftovers: the lock is given back, no temporary file stays.
  expect(files(out).filter((f) => f.includes(LOCK_FILE) || f.includes(".tmp"))).toEqual([]);
  // Every curve point once, none missing: the steps of the uninterrupted run, per metric.
  const now = curves(out);
  for (const metric of METRICS) expect({ metric, steps: steps(now, metric) }).toEqual({ metric, steps: steps(refCurves, metric) });
  expect(final.stopped).toBe("steps");
  // What each checkpoint held is kept: its curve points, finished sessions and reflection pool.
  const poolNow = pool(out, final.chunk);
  const checkpointed = history.filter((k) => k.state !== undefined);
  for (const kill of checkpointed) {
    const upTo = lerlOf(now).filter((c) => c.step <= kill.state!.envSteps);
    expect({ kill: kill.label, curve: upTo.slice(0, kill.curve.length) }).toEqual({ kill: kill.label, curve: kill.curve });
    expect(final.sessionsFinished).toBeGreaterThanOrEqual(kill.state!.sessionsFinished);
    expect({ kill: kill.label, pool: poolNow.slice(0, kill.pool.length) }).toEqual({ kill: kill.label, pool: kill.pool });
  }
  expect(poolNow.length).toBe(Math.min(200, final.sessionsFinished));
  // Up to the first checkpoint the run is the uninterrupted one, point for point.
  for (const first of checkpointed.slice(0, 1)) {
    const upTo = (cs: readonly CurvePoint[]) => lerlOf(cs).filter((c) => c.step <= first.state!.envSteps);
    expect(upTo(now)).toEqual(upTo(refCurves));
  }
  // Deterministic parts equal the uninterrupted run: flat PPO and the baselines always; everything when
  // LERL's training had finished before the first kill (a resumed chunk draws new users, so LERL differs).
  expect(notLerl(now)).toEqual(notLerl(refCurves));
  expect(notLerl(results(out).rows)).toEqual(notLerl(results(ref).rows));
  expect(notLerl(episodes(out))).toEqual(notLerl(episodes(ref)));
  const whole = history.length === 0 || history[0]!.state?.stopped ? ["curves.jsonl", "episodes.jsonl", "results.json"] : [];
  for (const f of whole) expect({ f, text: readFileSync(join(out, f), "utf8") }).toEqual({ f, text: readFileSync(join(ref, f), "utf8") });
}

describe.skipIf(!built)(`farsight run lerl under SIGKILL at seeded random points, then --resume (${KILLS} kills)`, () => {
  const root = mkdtempSync(join(tmpdir(), "farsight-faults-"));
  const ref = join(root, "reference");
  let reference: Awaited<ReturnType<typeof runCli>>;
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  beforeAll(async () => {
    reference = await runInProcess([...ARGS, "--out", ref]);
  }, 120_000);

  it("loses, duplicates and mixes nothing", async () => {
    expect(reference).toMatchObject({ code: 0 });
    const rng = new Rng(20260129, "kill-points");
    const refCurves = curves(ref);
    expect(steps(refCurves, "policyLoss")).toEqual([40, 80, 120, 160]);
    const counts = new Map<string, number>();
    let kills = 0;
    let chains = 0;
    // A chain: a fresh run, killed, resumed and killed again (a resume must survive a kill too), resumed to the end.
    for (let chain = 0; kills < KILLS; chain++) {
      const out = join(root, `chain${chain}`);
      chains++;
      const history: Kill[] = [];
      let last: Awaited<ReturnType<typeof runCli>> | undefined;
      for (let attempt = 0; attempt <= KILLS_PER_CHAIN; attempt++) {
        const args = [...ARGS, "--out", out, ...(existsSync(join(out, "config.json")) ? ["--resume"] : [])];
        if (attempt === KILLS_PER_CHAIN) {
          last = await runInProcess(args);
          break;
        }
        // Every named point once first (so each worst moment is reached whatever the delays do), then a
        // named point or a random delay.
        const pick = kills < POINTS.length ? kills : rng.int(POINTS.length + 3);
        const [point, count] = pick < POINTS.length ? POINTS[pick]! : ["time", 0];
        const delay = Math.round(rng.uniform(200, 3000));
        const spec = point === "time" ? `${delay} ms` : `${point}:${1 + rng.int(count)}`;
        const label = `chain ${chain}, ${args.includes("--resume") ? "resumed " : ""}run killed at ${spec}`;
        last = point === "time" ? await runCli(args, {}, delay) : await runCli(args, { FARSIGHT_FAULT: spec });
        if (last.signal !== "SIGKILL") break; // a delay longer than the run: it ended by itself
        kills++;
        counts.set(point, (counts.get(point) ?? 0) + 1);
        const state = await savedLerlState(trainDir(out));
        const kill = { label, state, pool: state ? pool(out, state.chunk) : [], curve: lerlOf(curves(out)) };
        history.push(kill);
        await labelled(label, () => checkAtKill(kill, refCurves));
      }
      const label = history.map((k) => k.label).join("; ") || `chain ${chain}, not killed`;
      await labelled(label, async () => {
        expect(last).toMatchObject({ code: 0 });
        checkFinal(out, ref, history, (await savedLerlState(trainDir(out)))!);
      });
      rmSync(out, { recursive: true, force: true });
    }
    // Every named point really killed a process (a point that is never reached would test nothing).
    expect([...counts.keys()]).toEqual(expect.arrayContaining(POINTS.map(([p]) => p)));
    console.log(`run-faults: ${kills} kills over ${chains} chains: ${[...counts].map(([p, n]) => `${p} x${n}`).join(", ")}`);
  }, 600_000);
});
