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
import type { CurvePoint, EpisodeRecord, ResultsTable } from "../report/run-dir.js";
import { LOCK_FILE } from "../run/run-directory.js";

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
/** SIGKILLs in all; each chain of runs on one directory takes up to two before it is resumed to the end. */
const KILLS = 20;
const KILLS_PER_CHAIN = 2;

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

describe.skipIf(!built)(`farsight run lerl under SIGKILL at seeded random points, then --resume (${KILLS} kills)`, () => {
  const root = mkdtempSync(join(tmpdir(), "farsight-faults-"));
  const ref = join(root, "reference");
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  beforeAll(async () => {
    const r = await runCli([...ARGS, "--out", ref]);
    expect(r, r.stderr).toMatchObject({ code: 0 });
  }, 120_000);

  it("loses, duplicates and mixes nothing", async () => {
    const rng = new Rng(20260129, "kill-points");
    const refCurves = curves(ref);
    const lerlOf = (cs: CurvePoint[]) => cs.filter((c) => c.series === LERL);
    const steps = (cs: CurvePoint[], metric: string) => lerlOf(cs).filter((c) => c.metric === metric).map((c) => c.step);
    expect(steps(refCurves, "policyLoss")).toEqual([40, 80, 120, 160]);
    const refResults = results(ref);
    const refEpisodes = episodes(ref);
    const seen = new Set<string>();
    const counts = new Map<string, number>();
    let kills = 0;
    let chains = 0;
    // A chain: a fresh run, killed, resumed and killed again (a resume must survive a kill too), resumed to the end.
    for (let chain = 0; kills < KILLS; chain++) {
      const out = join(root, `chain${chain}`);
      chains++;
      const history: Kill[] = [];
      let last: { code: number | null; signal: string | null; stderr: string } | undefined;
      for (let attempt = 0; attempt <= KILLS_PER_CHAIN; attempt++) {
        const args = [...ARGS, "--out", out, ...(existsSync(join(out, "config.json")) ? ["--resume"] : [])];
        if (attempt === KILLS_PER_CHAIN) {
          last = await runCli(args);
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
        seen.add(point);
        counts.set(point, (counts.get(point) ?? 0) + 1);
        const state = await savedLerlState(trainDir(out));
        const kill = { label, state, pool: state ? pool(out, state.chunk) : [], curve: lerlOf(curves(out)) };
        history.push(kill);
        // Curves and checkpoint agree at the moment of death: no point past the checkpoint, none twice, none
        // missing before it (only the checkpoint's own point may still be unwritten; a resume writes it).
        for (const metric of ["policyLoss", "return", "len"]) {
          const got = steps(kill.curve, metric);
          const want = steps(refCurves, metric).filter((s) => s <= (state?.envSteps ?? 0));
          expect(got, `${label}: ${metric}`).toEqual(want.slice(0, got.length));
          expect(want.length - got.length, `${label}: ${metric}`).toBeLessThanOrEqual(1);
          if (got.length < want.length) expect(want.at(-1), label).toBe(state!.envSteps);
        }
      }
      const label = history.map((k) => k.label).join("; ") || `chain ${chain}, not killed`;
      expect(last, `${label}: ${last?.stderr}`).toMatchObject({ code: 0 });

      // No leftovers: the lock is given back, no temporary file stays.
      expect(files(out).filter((f) => f.includes(LOCK_FILE) || f.includes(".tmp")), label).toEqual([]);
      // Every curve point once, none missing: the steps of the uninterrupted run, per metric.
      const now = curves(out);
      for (const metric of ["policyLoss", "return", "len"]) expect(steps(now, metric), `${label}: ${metric}`).toEqual(steps(refCurves, metric));
      const final = (await savedLerlState(trainDir(out)))!;
      expect(final.stopped, label).toBe("steps");
      // What each checkpoint held is kept: its curve points, finished sessions and reflection pool. Up to the
      // first checkpoint the run is the uninterrupted one, point for point.
      for (const [i, kill] of history.entries()) {
        if (!kill.state) continue;
        const upTo = (cs: CurvePoint[]) => lerlOf(cs).filter((c) => c.step <= kill.state!.envSteps);
        expect(upTo(now).slice(0, kill.curve.length), `${kill.label}: curve`).toEqual(kill.curve);
        if (i === 0 || history.slice(0, i).every((k) => !k.state)) expect(upTo(now), `${kill.label}: curve`).toEqual(upTo(refCurves));
        expect(final.sessionsFinished, kill.label).toBeGreaterThanOrEqual(kill.state.sessionsFinished);
        expect(pool(out, final.chunk).slice(0, kill.pool.length), `${kill.label}: pool`).toEqual(kill.pool);
      }
      expect(pool(out, final.chunk).length, label).toBe(Math.min(200, final.sessionsFinished));
      // Deterministic parts equal the uninterrupted run: flat PPO and the baselines always; everything when
      // LERL's training had finished before the first kill (a resumed chunk draws new users, so LERL differs).
      const notLerl = <T extends { agent?: string; series?: string }>(xs: readonly T[]) => xs.filter((x) => (x.agent ?? x.series) !== LERL);
      expect(notLerl(now), label).toEqual(notLerl(refCurves));
      expect(notLerl(results(out).rows), label).toEqual(notLerl(refResults.rows));
      expect(notLerl(episodes(out)), label).toEqual(notLerl(refEpisodes));
      if (history.length === 0 || history[0]!.state?.stopped) {
        for (const f of ["curves.jsonl", "episodes.jsonl", "results.json"]) expect(readFileSync(join(out, f), "utf8"), `${label}: ${f}`).toBe(readFileSync(join(ref, f), "utf8"));
      }
      rmSync(out, { recursive: true, force: true });
    }
    // Every named point really killed a process (a point that is never reached would test nothing).
    expect([...seen].sort()).toEqual(expect.arrayContaining(POINTS.map(([p]) => p).sort()));
    console.log(`run-faults: ${kills} kills over ${chains} chains: ${[...counts].map(([p, n]) => `${p} x${n}`).join(", ")}`);
  }, 600_000);
});
