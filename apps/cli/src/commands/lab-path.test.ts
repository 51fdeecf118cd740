import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runLerlExperiment } from "@farsight/lab";
import { captureIO } from "../capture-io.js";
import { main } from "../main.js";
import { lerlExperimentFromArgs } from "./run.js";

/** The rows of a `--json` answer (numbers of seeded runs, so a second run with the same settings must equal them). */
// The runs below train one chunk of 8 sessions (80 transitions): the test is about one code path, not learning.
const RUN = ["--planner", "reflection-guided", "--steps", "80", "--batch", "8", "--episodes", "8", "--seeds", "2"];
const rowsOf = (json: string) => (JSON.parse(json) as { rows: unknown[] }).rows;

describe("farsight run lerl and @farsight/lab share one code path", () => {
  const dir = mkdtempSync(join(tmpdir(), "farsight-lab-path-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("builds the experiment a script would pass, with the flags' defaults", () => {
    const { x } = lerlExperimentFromArgs(["lerl", "--planner", "reflection", "--steps", "320", "--episodes", "8", "--seeds", "2", "--out", join(dir, "x")]);
    expect(x).toMatchObject({ env: "synthetic", planners: ["reflection-guided"], steps: 320, episodes: 8, seeds: [0, 1], batch: 32, planEvery: 1, cohort: 1, resume: false, skipEval: false, llm: "none" });
  });

  it("`run lerl --json` prints the rows that runLerlExperiment returns for the same settings, per-seed values included", async () => {
    const io = captureIO();
    const code = await main(["run", "lerl", ...RUN, "--out", join(dir, "cli"), "--json"], io);
    expect({ code, err: io.err }).toEqual({ code: 0, err: "" });
    const fromCli = rowsOf(io.out);
    const fromLab = await runLerlExperiment({ env: "synthetic", planners: ["reflection-guided"], steps: 80, batch: 8, episodes: 8, seeds: [0, 1], out: join(dir, "lab") });
    expect(fromCli).toEqual(JSON.parse(JSON.stringify(fromLab.rows)));
    expect((fromCli[0] as { perSeed: { seed: number }[] }).perSeed.map((s) => s.seed)).toEqual([0, 1]);
  }, 300_000);

  it("a lab refusal keeps the CLI's usage-error exit code and message", async () => {
    const io = captureIO();
    // The directory of the first CLI run holds that run: a fresh run there is refused before anything changes.
    const code = await main(["run", "lerl", ...RUN, "--out", join(dir, "cli")], io);
    expect(code).toBe(2);
    expect(io.err).toMatch(/already holds this run \(farsight run lerl\); pass --resume to continue it/);
  }, 60_000);
});
