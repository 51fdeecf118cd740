import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ablationOf, sweepProgress } from "./aggregate.js";
import { hasLocalResult, openLocalSweep, readLocalResults, writeLocalResult } from "./local-store.js";
import { checkSweepSpec, expandJobs, parseSweepSpec, specHash } from "./spec.js";

const YAML = `
name: t
methods: [lerl, ilrec]
presets: [synthetic]
seeds: [0, 1]
budgets: [100, 200]
lerl: { planners: ["noisy-oracle:1"] }
`;

describe("sweep specs", () => {
  it("parses YAML and JSON alike, and expands one job per method x preset x budget x seed", () => {
    const fromYaml = parseSweepSpec(YAML);
    const fromJson = parseSweepSpec(JSON.stringify({ lerl: { planners: ["noisy-oracle:1"] }, budgets: [100, 200], seeds: [0, 1], presets: ["synthetic"], methods: ["lerl", "ilrec"], name: "t" }));
    expect(specHash(fromJson)).toBe(specHash(fromYaml));
    const jobs = expandJobs(fromYaml);
    expect(jobs.map((j) => j.id)).toEqual([
      "lerl/synthetic/steps100/seed0", "lerl/synthetic/steps100/seed1", "ilrec/synthetic/steps100/seed0", "ilrec/synthetic/steps100/seed1",
      "lerl/synthetic/steps200/seed0", "lerl/synthetic/steps200/seed1", "ilrec/synthetic/steps200/seed0", "ilrec/synthetic/steps200/seed1",
    ]);
    expect(jobs[2]!.ilrec).toEqual({ teacher: "heuristic", demos: 100 });
    expect(specHash(checkSweepSpec({ ...fromYaml, seeds: [0, 1, 2] }))).not.toBe(specHash(fromYaml));
  });

  it("refuses unknown fields, empty or repeated lists, bad values and unknown planners, naming the field", () => {
    const base = { name: "t", methods: ["lerl"], presets: ["synthetic"], seeds: [0], budgets: [100] };
    expect(() => checkSweepSpec({ ...base, seed: [1] })).toThrow(/unknown field "seed"/);
    expect(() => checkSweepSpec({ ...base, seeds: [] })).toThrow(/seeds must be a non-empty list/);
    expect(() => checkSweepSpec({ ...base, seeds: [0, 0] })).toThrow(/seeds lists a value twice/);
    expect(() => checkSweepSpec({ ...base, budgets: [0] })).toThrow(/budgets must list integers >= 1/);
    expect(() => checkSweepSpec({ ...base, methods: ["ppo"] })).toThrow(/methods must list one of lerl, ilrec/);
    expect(() => checkSweepSpec({ ...base, lerl: { planners: ["no-such-planner"] } })).toThrow(/unknown planner "no-such-planner"/);
    expect(() => parseSweepSpec("name: [unclosed")).toThrow(/neither valid JSON nor YAML/);
  });

  it("pairs each method with its ablation and counts finished jobs per cell", () => {
    expect(ablationOf("LERL (noisy-oracle:1: reads the quit rule)")).toBe("PPO (flat)");
    expect(ablationOf("IL-Rec policy (sampled)")).toBe("A2C, no demonstrations (sampled)");
    expect(ablationOf("random")).toBeUndefined();
    const spec = parseSweepSpec(YAML);
    const p = sweepProgress(spec, ["lerl/synthetic/steps100/seed1"]);
    expect(p).toMatchObject({ total: 8, finished: 1 });
    expect(p.cells[0]).toEqual({ method: "lerl", preset: "synthetic", budget: 100, finished: 1, total: 2 });
  });

  it("keeps one result per job in a local sweep directory and refuses another spec's directory", () => {
    const out = mkdtempSync(join(tmpdir(), "farsight-sweep-store-"));
    try {
      const spec = parseSweepSpec(YAML);
      openLocalSweep(out, spec);
      const job = expandJobs(spec)[0]!;
      const result = { job, rows: [{ jobId: job.id, method: "random", preset: "synthetic", budget: 100, seed: 0, metrics: { r_traj: 1 } }], curves: [], seconds: 1 };
      expect(hasLocalResult(out, job.id)).toBe(false);
      writeLocalResult(out, result);
      writeLocalResult(out, { ...result, seconds: 2 });
      expect(readLocalResults(out)).toEqual([{ ...result, seconds: 2 }]);
      expect(hasLocalResult(out, job.id)).toBe(true);
      expect(() => openLocalSweep(out, checkSweepSpec({ ...spec, seeds: [5] }))).toThrow(/holds the sweep "t"/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
