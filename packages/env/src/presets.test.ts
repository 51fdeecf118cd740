import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GreedyAgent, RandomAgent, RoundRobinAgent } from "./agents.js";
import { findDataset, repoRoot } from "./datadir.js";
import { constantRmse, rmse } from "./learned.js";
import { foldInLog, loadPreset, makeSimulator, splitUsers } from "./presets.js";
import { evaluate } from "./protocol.js";
import type { RatingLog } from "./data/dataset.js";
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
    const greedy = await evaluate(setup, () => new GreedyAgent({ scorer }), o);
    const rr = await evaluate(setup, (s) => new RoundRobinAgent({ scorer, seed: s }), o);
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
    const agent = new RandomAgent({ seed: 4 });
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
    const intended = await evaluate(await loadPreset("coat", { dataDir }), (s) => new RandomAgent({ seed: s }), o);
    const compat = await evaluate(await loadPreset("coat", { dataDir, compat: "easyrl4rec" }), (s) => new RandomAgent({ seed: s }), o);
    expect(intended.metrics.len!).toBeGreaterThan(5);
    expect(intended.metrics.len!).toBeLessThan(30);
    expect(compat.metrics.len!).toBeGreaterThan(intended.metrics.len! + 0.5);
    // Rewards are pseudo-GT ratings 1..5.
    expect(intended.metrics.r_each!).toBeGreaterThan(1);
    expect(intended.metrics.r_each!).toBeLessThan(5);
  });
});

describe("user split and quit-rule overrides", () => {
  it("held-out users: train users' log whole, a seeded fold-in share of each test user's, the rest withheld", async () => {
    const same = await loadPreset("synthetic", { sameUsers: true });
    const held = await loadPreset("synthetic");
    expect(Array.from(same.testUsers)).toEqual(Array.from(same.trainUsers));
    expect(same.describe).toMatchObject({ evalUsers: "same", testFraction: 0 });
    expect(same.withheldLog).toBeUndefined();
    expect(held.describe).toMatchObject({ evalUsers: "held-out", testFraction: 0.2, foldIn: 0.5 });
    const full = same.trainLog;
    const test = new Set(held.testUsers);
    const count = (log: { user: Int32Array }, keep: (u: number) => boolean) => log.user.filter(keep).length;
    expect(count(held.trainLog, (u) => !test.has(u))).toBe(count(full, (u) => !test.has(u)));
    // 100 ratings per synthetic user: 50 seen, 50 withheld for each of the 60 test users.
    expect(count(held.trainLog, (u) => test.has(u))).toBe(60 * 50);
    expect(held.withheldLog!.user.length).toBe(60 * 50);
    expect(Array.from(held.withheldLog!.user).every((u) => test.has(u))).toBe(true);
    const seen = new Set(Array.from(held.trainLog.user, (u, j) => `${u},${held.trainLog.item[j]}`));
    expect(Array.from(held.withheldLog!.user, (u, j) => `${u},${held.withheldLog!.item[j]}`).some((k) => seen.has(k))).toBe(false);
    const again = await loadPreset("synthetic");
    expect(Array.from(again.withheldLog!.item)).toEqual(Array.from(held.withheldLog!.item));
    const cold = await loadPreset("synthetic", { foldIn: 0 });
    expect(count(cold.trainLog, (u) => test.has(u))).toBe(0);
    expect(held.describe).toMatchObject({ foldInOrder: "random" });
  });

  it("with timestamps the fold-in share is each test user's earliest ratings, ties broken by the seed", () => {
    // User 1 (test) rated items 0..5 at times 50, 10, 40, 20, 30, 20; user 0 (train) keeps everything.
    const log = {
      user: Int32Array.of(0, 0, 1, 1, 1, 1, 1, 1),
      item: Int32Array.of(0, 1, 0, 1, 2, 3, 4, 5),
      rating: Float32Array.of(1, 2, 3, 4, 5, 1, 2, 3),
      timestamp: Float64Array.of(1, 2, 50, 10, 40, 20, 30, 20),
    };
    const { seen, withheld, order } = foldInLog(log, Int32Array.of(1), 2, 0.5, 0);
    expect(order).toBe("earliest");
    const of = (l: RatingLog, u: number) => Array.from(l.item).filter((_, j) => l.user[j] === u).sort();
    expect(of(seen, 0)).toEqual([0, 1]);
    // Earliest three: item 1 (10), items 3 and 5 (both 20); the later three are withheld.
    expect(of(seen, 1)).toEqual([1, 3, 5]);
    expect(of(withheld, 1)).toEqual([0, 2, 4]);
    expect(Array.from(withheld.timestamp!).every((t) => t >= 30)).toBe(true);
    // A tie at the cut is broken by the seed, and the same seed breaks it the same way.
    const cut = (s: number) => of(foldInLog(log, Int32Array.of(1), 2, 2 / 6, s).seen, 1);
    expect(cut(0)).toEqual(cut(0));
    const ties = new Set(Array.from({ length: 12 }, (_, s) => cut(s).join(",")));
    expect(ties).toEqual(new Set(["1,3", "1,5"]));
    // Without timestamps: a seeded random share.
    const { timestamp: _t, ...untimed } = log;
    expect(foldInLog(untimed, Int32Array.of(1), 2, 0.5, 0).order).toBe("random");
  });

  it("overrides the rule's window and threshold, and refuses what the rule does not have", async () => {
    const s = await loadPreset("synthetic", { rule: { window: 2, threshold: 0 } });
    expect(s.describe).toMatchObject({ window: 2, threshold: 0 });
    expect((s.makeRules()[0] as unknown as { options: { window: number } }).options.window).toBe(2);
    await expect(loadPreset("synthetic", { rule: { theta: 3 } })).rejects.toThrow(/category window, which has no distance theta/);
    await expect(loadPreset("synthetic", { rule: { threshold: 1.5 } })).rejects.toThrow(/category threshold must be an integer >= 0/);
    await expect(loadPreset("kuaisim", { rule: { window: 3 } })).rejects.toThrow(/temper .* no window or threshold/);
    await expect(loadPreset("synthetic", { sameUsers: true, testFraction: 0.3 })).rejects.toThrow(/sameUsers .* testFraction 0.3/);
    await expect(loadPreset("synthetic", { foldIn: 2 })).rejects.toThrow(/foldIn must be a share in \[0, 1\], got 2/);
  });
});

describe.skipIf(!hasCoat)("coat overrides (real data)", () => {
  it("a threshold given to a distance preset is its theta", async () => {
    const setup = await loadPreset("coat", { dataDir, rule: { window: 3, threshold: 4.5 } });
    expect(setup.describe).toMatchObject({ window: 3, theta: 4.5, thetaSource: "given" });
    await expect(loadPreset("coat", { dataDir, rule: { threshold: -1 } })).rejects.toThrow(/theta must be a finite number >= 0, got -1/);
  });
});
