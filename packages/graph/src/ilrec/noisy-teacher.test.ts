import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mean } from "@farsight/core";
import { loadPreset, makeSimulator, repoRoot, Session, type EnvSetup } from "@farsight/env";
import { initBackend } from "@farsight/rl-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDemonstrations, recordsFromTrajectory } from "./schema.js";
import { runIlrecPipeline } from "./pipeline.js";
import { buildTeacher, runTeacher, trainingSession } from "./teacher.js";

let setup: EnvSetup;
let dir: string;
beforeAll(async () => {
  await initBackend();
  setup = await loadPreset("synthetic", { synthetic: { numCategories: 6, numItems: 60, numUsers: 30, seed: 2 } });
  dir = mkdtempSync(join(tmpdir(), "ilrec-noisy-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function demonstrate(q: number, sessions = 6) {
  const session = await trainingSession(setup, "truth", 3);
  const teacher = buildTeacher({ kind: "noisy-oracle", q, setup, catalog: setup.catalog, scorer: session.sim.scorer, seed: 3 });
  const run = await runTeacher(teacher, session, sessions);
  return { teacher, run, records: run.trajectories.flatMap((t) => recordsFromTrajectory(t, teacher.name, setup.catalog)) };
}

describe("the noisy-oracle teacher", () => {
  it("says its q in its name and in every demonstrated plan", async () => {
    const { teacher, records } = await demonstrate(0.5, 3);
    expect(teacher.name).toBe("billp-noisy-oracle(q=0.50)");
    expect(teacher.components.planner).toMatchObject({ name: "noisy-oracle(q=0.50)", oracle: true, q: 0.5 });
    expect(records.every((r) => r.teacher === "billp-noisy-oracle(q=0.50)" && r.plan.source === "heuristic:noisy-oracle(q=0.50)")).toBe(true);
  });

  it("at q = 1 follows the oracle, whose plans keep the synthetic users from quitting; at q = 0 it demonstrates otherwise", async () => {
    const oracle = await demonstrate(1);
    const random = await demonstrate(0);
    // At slate size 1 the oracle leaves out every category that would fire the window rule, and the greedy
    // actor stays inside the plan: no oracle session ends in a quit.
    expect(oracle.run.trajectories.map((t) => t.steps.at(-1)!.endReason)).toEqual(oracle.run.trajectories.map(() => "max-steps"));
    expect(random.run.trajectories.some((t) => t.steps.at(-1)!.endReason === "quit")).toBe(true);
    expect(random.records.map((r) => r.action)).not.toEqual(oracle.records.slice(0, random.records.length).map((r) => r.action));
  });

  it("refuses to build without q or the preset", () => {
    expect(() => buildTeacher({ kind: "noisy-oracle", catalog: setup.catalog, scorer: setup.groundTruth.scorer, seed: 0, setup })).toThrow(/the noisy-oracle teacher needs its quality q/);
    expect(() => buildTeacher({ kind: "noisy-oracle", q: -1, setup, catalog: setup.catalog, scorer: setup.groundTruth.scorer, seed: 0 })).toThrow(/planner quality q must be a probability/);
  });

  it("runs in the pipeline with teacherQ, and the table names it", async () => {
    const out = join(dir, "run");
    // 20 behaviour-cloning steps (the default is at least 500): the check is the teacher's name, not what BC learns.
    const r = await runIlrecPipeline({ setup, teacher: "noisy-oracle", teacherQ: 0.75, demos: 3, steps: 160, bcSteps: 20, seed: 1, outDir: out, episodes: 4, batchSize: 8, serve: ["greedy"] });
    expect(r.rows.map((x) => x.method)).toContain("teacher (billp-noisy-oracle(q=0.75))");
    expect(readDemonstrations(join(out, "demonstrations.jsonl")).every((x) => x.teacher === "billp-noisy-oracle(q=0.75)")).toBe(true);
  });
});

const dataDir = process.env.FARSIGHT_DATA_DIR ?? join(repoRoot() ?? ".", "..", "shared", "data");
const hasCoat = existsSync(join(dataDir, "coat", "train.ascii"));
if (!hasCoat) console.log(`[graph] Coat noisy-oracle teacher test skipped: no ${join(dataDir, "coat")} (set FARSIGHT_DATA_DIR)`);

describe.skipIf(!hasCoat)("the noisy-oracle teacher on Coat (real data)", () => {
  it("at q = 1 keeps a greedy low level in the session far longer than plans that ignore the distance rule", async () => {
    const coat = await loadPreset("coat", { dataDir });
    const lengths = async (q: number) => {
      const sim = await makeSimulator(coat, "test", { batchSize: 1, seed: 0 });
      const teacher = buildTeacher({ kind: "noisy-oracle", q, setup: coat, catalog: coat.catalog, scorer: sim.scorer, seed: 0 });
      const run = await runTeacher(teacher, new Session(sim), 30);
      return mean(run.trajectories.map((t) => t.episode.length));
    };
    const [oracle, random] = [await lengths(1), await lengths(0)];
    console.log(`[graph] Coat, greedy actor on the ground truth, 30 test sessions: mean Len ${oracle.toFixed(2)} under the item-rule oracle, ${random.toFixed(2)} under random plans`);
    expect(oracle).toBeGreaterThan(2 * random);
  });
});
