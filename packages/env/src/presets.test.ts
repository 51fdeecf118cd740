import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GreedyAgent, RandomAgent, RoundRobinAgent } from "./agents.js";
import { findDataset, repoRoot } from "./datadir.js";
import { constantRmse, rmse } from "./learned.js";
import { loadPreset, makeSimulator, splitUsers } from "./presets.js";
import { evaluate } from "./protocol.js";
import { SyntheticWorld } from "./synthetic.js";

const dataDir = process.env.FARSIGHT_DATA_DIR ?? join(repoRoot() ?? ".", "..", "shared", "data");
const hasCoat = existsSync(join(dataDir, "coat", "train.ascii"));
if (!hasCoat) console.log(`[env] Coat tests skipped: no ${join(dataDir, "coat")} (set FARSIGHT_DATA_DIR)`);

describe("synthetic preset (the project default)", () => {
  it("bores users who see a category again, and boredom recovers", async () => {
    const setup = await loadPreset("synthetic");
    const world = (setup.groundTruth as SyntheticWorld).fork();
    world.bind(1);
    const item = 3, user = 0;
    const c = setup.catalog.itemCategory[item]!;
    const sameCat = Array.from(setup.catalog.itemCategory.keys()).find((i) => i !== item && setup.catalog.itemCategory[i] === c)!;
    world.startSession(0, user);
    const fresh = world.expected(0, user, sameCat);
    expect(fresh).toBeCloseTo(world.baseProbability(user, sameCat), 6);
    const noDrift = { int: () => 0, normal: () => 0 } as never;
    world.afterStep(0, Int32Array.of(item), 0, 1, noDrift);
    const bored = world.expected(0, user, sameCat);
    expect(bored).toBeLessThan(fresh);
    for (let k = 0; k < 10; k++) world.afterStep(0, Int32Array.of(setup.catalog.itemCategory.findIndex((x) => x !== c)), 0, 1, noDrift);
    expect(world.boredomOf(0, c)).toBeLessThan(0.01);
  });

  it("rewards diversity: category round-robin beats myopic greedy over a session (both on the ground truth)", async () => {
    const setup = await loadPreset("synthetic");
    const scorer = setup.groundTruth.scorer;
    const o = { episodes: 400, seeds: [1, 2] };
    const greedy = await evaluate(setup, () => new GreedyAgent(scorer), o);
    const rr = await evaluate(setup, (s) => new RoundRobinAgent(scorer, s), o);
    // Greedy has the best per-step reward but bored users leave after a few steps.
    expect(greedy.metrics.r_each!).toBeGreaterThan(rr.metrics.r_each!);
    expect(rr.metrics.len!).toBeGreaterThan(2 * greedy.metrics.len!);
    expect(rr.metrics.r_traj!).toBeGreaterThan(1.5 * greedy.metrics.r_traj!);
  });

  it("evaluates on held-out users, with a train split for the predicted world", async () => {
    const setup = await loadPreset("synthetic");
    const { train, test } = splitUsers(300, 0.2, 0);
    expect(test.length).toBe(60);
    expect(new Set([...train, ...test]).size).toBe(300);
    expect(Array.from(setup.testUsers)).toEqual(Array.from(test));
    const sim = await makeSimulator(setup, "test", { batchSize: 64, autoReset: true, sessionLimit: 500, seed: 4 });
    const seen = new Set<number>();
    const slates = new Int32Array(64);
    const agent = new RandomAgent(4);
    sim.reset();
    while (sim.numActive() > 0) {
      for (const u of sim.users) seen.add(u);
      agent.act(sim, slates);
      sim.step(slates);
    }
    const testSet = new Set(test);
    expect([...seen].every((u) => testSet.has(u))).toBe(true);
    const trainSim = await makeSimulator(setup, "train-gt", { batchSize: 64, seed: 4 });
    trainSim.reset();
    expect(Array.from(trainSim.users).every((u) => !testSet.has(u))).toBe(true);
  });
});

describe("bad options", () => {
  it("name the problem: unknown preset, missing dataset, bad synthetic sizes", async () => {
    await expect(loadPreset("nope")).rejects.toThrow(/unknown environment preset "nope"; known: synthetic/);
    expect(() => findDataset("no-such-dataset", "/nonexistent")).toThrow(/dataset "no-such-dataset" not found in the given data directory: \/nonexistent\/no-such-dataset does not exist/);
    expect(() => findDataset("no-such-dataset")).toThrow(/dataset "no-such-dataset" not found; searched: .*no-such-dataset, /);
    await expect(loadPreset("synthetic", { synthetic: { numItems: 0 } })).rejects.toThrow(/numItems must be an integer >= 1/);
  });
});

describe.skipIf(!hasCoat)("coat preset (real data)", () => {
  it("learned MF beats the global-mean predictor on test.ascii", async () => {
    const setup = await loadPreset("coat", { dataDir });
    const { model } = await setup.predicted();
    const mfRmse = rmse(model.predicted, setup.catalog.numItems, setup.testLog!);
    const meanRmse = constantRmse(model.globalMean, setup.testLog!);
    console.log(`[env] Coat test RMSE: MF ${mfRmse.toFixed(4)}, global mean ${meanRmse.toFixed(4)}`);
    expect(mfRmse).toBeLessThan(meanRmse);
  });

  it("random agent: plausible lengths; EasyRL4Rec's shorter window gives longer sessions", async () => {
    const o = { episodes: 5000, seeds: [1] };
    const intended = await evaluate(await loadPreset("coat", { dataDir }), (s) => new RandomAgent(s), o);
    const compat = await evaluate(await loadPreset("coat", { dataDir, compat: "easyrl4rec" }), (s) => new RandomAgent(s), o);
    expect(intended.metrics.len!).toBeGreaterThan(5);
    expect(intended.metrics.len!).toBeLessThan(30);
    expect(compat.metrics.len!).toBeGreaterThan(intended.metrics.len! + 0.5);
    // Rewards are pseudo-GT ratings 1..5.
    expect(intended.metrics.r_each!).toBeGreaterThan(1);
    expect(intended.metrics.r_each!).toBeLessThan(5);
  });
});
