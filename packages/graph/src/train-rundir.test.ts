import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPreset, type EnvSetup } from "@farsight/env";
import { SaturationAwarePlanner } from "@farsight/planner";
import { TemplateReflector } from "@farsight/reflector";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "@farsight/rl-policy/tf";
import { checkLerlResume, RunCheckpoints, savedLerlState, trainLerl, type LerlStateValue } from "./index.js";

const B = 4;
const ROLLOUT = 5;
const small = { policy: { hidden: [16], historyLength: 6, encoder: { kind: "mean" as const, itemDim: 8, stateDim: 16, transformer: { heads: 1, layers: 1, ffnDim: 8 } } }, ppo: { rolloutSteps: ROLLOUT, minibatchSize: 10, epochs: 1 } };
const world = (numItems: number) => ({ numCategories: 6, numItems, numUsers: 40, embeddingDim: 8, seed: 3 });

describe("trainLerl: the run directory's checkpoints", () => {
  let dir: string;
  let setup: EnvSetup;
  beforeAll(async () => {
    await initBackend();
    dir = mkdtempSync(join(tmpdir(), "farsight-graph-rundir-"));
    setup = await loadPreset("synthetic", { synthetic: world(60) });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (runDir: string, steps: number, o: { resume?: boolean; setup?: EnvSetup; seed?: number; onCheckpoint?: (s: LerlStateValue) => void } = {}) =>
    trainLerl({ setup: o.setup ?? setup, steps, seed: o.seed ?? 0, batchSize: B, planner: new SaturationAwarePlanner(), reflector: new TemplateReflector(), runDir, ...small, ...(o.resume ? { resume: true } : {}), ...(o.onCheckpoint ? { onCheckpoint: o.onCheckpoint } : {}) });

  it("tf.memory().numTensors stays flat over a 40-chunk run that checkpoints every chunk", async () => {
    const counts: number[] = [];
    const r = await run(join(dir, "flat"), 40 * B * ROLLOUT, { onCheckpoint: () => counts.push(tf.memory().numTensors) });
    expect(r.state.chunk).toBe(40);
    expect(counts).toHaveLength(40);
    // The optimiser's moments appear with the first update; from then on not one tensor more per chunk.
    expect(new Set(counts.slice(2)).size).toBe(1);
    r.algorithm.dispose();
    r.algorithm.policy.dispose();
  }, 120_000);

  it("an empty graph.sqlite is no run yet: a fresh start proceeds and a resume has nothing to continue", async () => {
    const runDir = join(dir, "empty");
    const store = new RunCheckpoints(runDir);
    await store.saver.getTuple({ configurable: { thread_id: "lerl-train" } }); // creates the tables, saves nothing
    store.close();
    expect(existsSync(join(runDir, "graph.sqlite"))).toBe(true);
    expect(RunCheckpoints.exists(runDir)).toBe(false);
    expect(await savedLerlState(runDir)).toBeUndefined();
    expect(await checkLerlResume(runDir, setup, 0)).toBeUndefined();
    await expect(run(runDir, 20, { resume: true })).rejects.toThrow(/holds no checkpointed run/);
    const r = await run(runDir, 20);
    expect(r.state.chunk).toBe(1);
    expect(RunCheckpoints.exists(runDir)).toBe(true);
  });

  it("a resume reports the saved state first, then each new checkpoint once", async () => {
    const runDir = join(dir, "report");
    const first: number[] = [];
    await run(runDir, 2 * B * ROLLOUT, { onCheckpoint: (s) => first.push(s.envSteps) });
    expect(first).toEqual([20, 40]);
    const second: number[] = [];
    await run(runDir, 4 * B * ROLLOUT, { resume: true, onCheckpoint: (s) => second.push(s.envSteps) });
    expect(second).toEqual([40, 60, 80]);
  });

  it("refuses to resume a checkpoint made for another environment or seed, naming the chunk directory", async () => {
    const runDir = join(dir, "other-env");
    await run(runDir, B * ROLLOUT);
    const bigger = await loadPreset("synthetic", { synthetic: world(80) });
    const chunk = RunCheckpoints.chunkDir(runDir, 1);
    await expect(checkLerlResume(runDir, bigger, 0)).rejects.toThrow(`${chunk} does not belong to this run: its policy scores 60 items, the environment has 80`);
    await expect(run(runDir, 2 * B * ROLLOUT, { resume: true, setup: bigger })).rejects.toThrow(/its policy scores 60 items, the environment has 80/);
    await expect(checkLerlResume(runDir, setup, 5)).rejects.toThrow(/it was trained with seed 0, this run uses 5/);
    expect((await checkLerlResume(runDir, setup, 0))?.chunk).toBe(1);
  });
});
