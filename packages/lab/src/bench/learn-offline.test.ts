/**
 * `bench learn` with offline methods: training is observable (per-epoch diagnostics in the curves and the progress
 * lines), so a reader of a run can tell whether a learner converged.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatOfflineStats, runLearnBench, type LearnOptions } from "./learn.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "farsight-learn-offline-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tiny = (out: string, verbose: boolean): LearnOptions => ({
  methods: ["cql", "random"],
  presets: ["synthetic"],
  preset: { synthetic: { numItems: 60, numCategories: 6, numUsers: 60 } },
  seeds: [4],
  steps: { synthetic: 1 },
  episodes: 4,
  batch: 8,
  out,
  command: "test",
  modes: ["NX_10"],
  learner: { offlineEpochs: 3 },
  verbose,
});

async function run(name: string, verbose: boolean) {
  const lines: string[] = [];
  const out = join(dir, name);
  await runLearnBench(tiny(out, verbose), { write: (t) => lines.push(t.trimEnd()) });
  const curves = (await readFile(join(out, "curves.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { series: string; step: number; metric: string; value: number; seed: number });
  return { lines, curves };
}

describe("bench learn, offline methods: the training is reported", () => {
  it("writes every epoch's losses and mean Q to the curves, and says the first and last epoch (each one with verbose)", async () => {
    const quiet = await run("quiet", false);
    const epochLines = (lines: string[]) => lines.filter((l) => /\[synthetic NX_10\] cql seed 4: epoch \d+ /.test(l));
    expect(epochLines(quiet.lines).map((l) => l.match(/epoch (\d+)/)![1])).toEqual(["1", "3"]);
    for (const l of epochLines(quiet.lines)) expect(l).toMatch(/td \d+\.\d+ {2}conservative \d+\.\d+ {2}qLogged -?\d+\.\d+ {2}qMean -?\d+\.\d+ .*loss /);

    // One point per epoch and diagnostic, at the gradient updates done so far, in the method's series.
    const loss = quiet.curves.filter((c) => c.metric === "loss");
    expect(loss.map((c) => c.series)).toEqual(["synthetic/NX_10/cql", "synthetic/NX_10/cql", "synthetic/NX_10/cql"]);
    const steps = loss.map((c) => c.step);
    expect(steps[1]! - steps[0]!).toBe(steps[0]);
    expect(steps[2]).toBe(3 * steps[0]!);
    for (const metric of ["td", "conservative", "qLogged", "qMean", "target"]) {
      expect(quiet.curves.filter((c) => c.metric === metric && Number.isFinite(c.value))).toHaveLength(3);
    }

    const verbose = await run("verbose", true);
    expect(epochLines(verbose.lines).map((l) => l.match(/epoch (\d+)/)![1])).toEqual(["1", "2", "3"]);
    // The last epoch says the same in both (the run is seeded).
    expect(epochLines(verbose.lines).at(-1)!.replace(/ {2}\d+ updates/, "")).toBe(epochLines(quiet.lines).at(-1));
  }, 240_000);

  it("formats the diagnostics in the learner's order, loss and the step's bookkeeping last", () => {
    expect(formatOfflineStats({ loss: 2, td: 0.12345, skipped: 0, gradNorm: 1234.5, qLogged: -3.5e-5 })).toBe("td 0.123  qLogged -3.50e-5  loss 2.000  gradNorm 1234.5  skipped 0.000");
  });
});
