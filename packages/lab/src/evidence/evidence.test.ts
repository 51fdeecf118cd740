import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { initBackend } from "@farsight/rl-policy";
import { runEvidence, writeEvidenceDoc, type EvidenceScale } from "./index.js";
import { SMOKE_SCALE } from "./sweeps.js";

/** One sweep at budgets that run in seconds: the numbers mean nothing, the plumbing is what is checked. */
const MICRO: EvidenceScale = {
  ...SMOKE_SCALE,
  lerlQuality: { presets: ["synthetic"], qs: [0, 1], honestPlanners: [], steps: { synthetic: 200 }, episodes: 12 },
  ilrecBudget: { ...SMOKE_SCALE.ilrecBudget, presets: [] },
  ilrecTeacher: { ...SMOKE_SCALE.ilrecTeacher, presets: [] },
  catalog: { ...SMOKE_SCALE.catalog, sizes: [] },
  planQuality: { presets: ["synthetic"], planners: ["random"], sessions: 2 },
};

const root = mkdtempSync(join(tmpdir(), "farsight-evidence-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("evidence sweeps", () => {
  it("runs each cell once, writes the document from the run directories, and reads finished cells on a rerun", async () => {
    await initBackend();
    const out = join(root, "runs");
    const lines: string[] = [];
    const first = await runEvidence({ out, seeds: [0, 1], scale: MICRO, io: { write: (t) => lines.push(t) } });
    // Per seed: LERL at q = 0 and q = 1 (moving with q), flat PPO greedy and sampled, random and popularity (shared).
    const lerl = first.runs.filter((r) => r.method === "LERL (noisy oracle q)");
    expect(lerl.map((r) => [r.seed, r.x]).sort()).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
    expect(first.runs.filter((r) => r.method === "PPO (flat)").every((r) => Number.isNaN(r.x))).toBe(true);
    for (const r of first.runs) expect(Number.isFinite(r.metrics.r_traj)).toBe(true);
    expect(lines.filter((l) => l.includes("running ->")).length).toBe(2);
    expect(first.planQuality.map((p) => p.planner)).toEqual(["random"]);

    const doc = join(root, "docs", "evidence.md");
    const written = writeEvidenceDoc(first, { doc, command: "farsight evidence --test", out });
    expect(written.markdown).toContain("## 1. LERL against flat PPO along planner quality q");
    expect(written.markdown).toMatch(/\| 1 \| [-\d.]+ \[[-\d.]+, [-\d.]+\] \| /);
    expect(written.markdown).not.toContain("±");
    expect(existsSync(join(root, "docs", "evidence", "lerl-quality-synthetic.svg"))).toBe(true);
    const data = JSON.parse(readFileSync(join(root, "docs", "evidence", "data.json"), "utf8")) as { runs: { seed: number; x: number | null; method: string }[] };
    expect(data.runs.length).toBe(first.runs.length);

    // A rerun reads the finished cells: nothing trains, the runs are the same.
    const again: string[] = [];
    const second = await runEvidence({ out, seeds: [0, 1], scale: MICRO, io: { write: (t) => again.push(t) } });
    expect(again.some((l) => l.includes("running ->"))).toBe(false);
    expect(second.runs).toEqual(first.runs);

    // A cell whose results were lost is run again; the others are read.
    rmSync(join(out, "lerl-quality", "synthetic", "seed1", "results.json"));
    const third: string[] = [];
    await runEvidence({ out, seeds: [0, 1], scale: MICRO, sweeps: ["lerl-quality"], io: { write: (t) => third.push(t) } });
    expect(third.filter((l) => l.includes("->")).map((l) => l.split(":")[0])).toEqual(["[evidence] lerl-quality synthetic seed 1"]);

    // Read-only: a seed never run is listed as missing, not invented.
    const ro = await runEvidence({ out, seeds: [0, 1, 2], scale: MICRO, readOnly: true });
    expect(ro.missing).toEqual(["lerl-quality synthetic seed 2"]);
  });
});
