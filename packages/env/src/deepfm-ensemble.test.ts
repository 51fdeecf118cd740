import { FarsightError, Rng } from "@farsight/core";
import { describe, expect, it } from "vitest";
import type { RatingLog } from "./data/dataset.js";
import { trainDeepFMEnsemble } from "./deepfm-ensemble.js";
import { loadPreset } from "./presets.js";
import { penalizedPrediction, trainUserModel } from "./user-model.js";

/** A tiny log: 30 users x 20 items, 5 random ratings each, rating = 3 + user taste + item quality + noise. */
function tinyLog(seed: number): { log: RatingLog; U: number; I: number } {
  const rng = new Rng(seed, "tiny-log");
  const U = 30, I = 20;
  const taste = Array.from({ length: U }, () => rng.normal(0, 0.8)), quality = Array.from({ length: I }, () => rng.normal(0, 0.8));
  const cells: [number, number][] = [];
  for (let u = 0; u < U; u++) for (const i of rng.sample(I, 5)) cells.push([u, i]);
  return {
    U,
    I,
    log: {
      user: Int32Array.from(cells, (c) => c[0]),
      item: Int32Array.from(cells, (c) => c[1]),
      rating: Float32Array.from(cells, ([u, i]) => 3 + taste[u]! + quality[i]! + 0.3 * rng.normal()),
    },
  };
}

/** Small, quick members (the defaults' architecture is 10x the work and not what these tests are about). */
const quick = { hidden: [8], epochs: 4, batchSize: 64 };

describe("DeepFM ensemble user model", () => {
  it("members of one seed are one model: their std is zero everywhere and the mean is that model", async () => {
    const { log, U, I } = tinyLog(1);
    const same = await trainDeepFMEnsemble(log, U, I, {}, { members: 3, memberSeeds: [7, 7, 7], deepfm: quick });
    expect(same.uncertainty.every((s) => s === 0)).toBe(true);
    expect(Array.from(same.predicted)).toEqual(Array.from(same.members[0]!.predicted));
  });

  it("members of different seeds disagree: std > 0, and mean and std are the members' per cell", async () => {
    const { log, U, I } = tinyLog(1);
    const e = await trainDeepFMEnsemble(log, U, I, {}, { members: 3, deepfm: { ...quick, seed: 2 } });
    expect(e.memberSeeds).toEqual([2000, 2001, 2002]);
    expect(Math.min(...e.uncertainty)).toBeGreaterThanOrEqual(0);
    // Seeds change the initial embeddings, batch order and early-stopping split: no cell is left identical
    // on average, so the mean std is clearly above float noise.
    const meanStd = e.uncertainty.reduce((a, b) => a + b, 0) / e.uncertainty.length;
    expect(meanStd).toBeGreaterThan(1e-3);
    for (const c of [0, 17, U * I - 1]) {
      const xs = e.members.map((m) => m.predicted[c]!);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(e.predicted[c]).toBeCloseTo(mean, 5);
      expect(e.uncertainty[c]).toBeCloseTo(Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length), 5);
    }
  });

  it("is the deepfm-ensemble user model: `members` DeepFMs, std as the uncertainty the penalty subtracts", async () => {
    const { log, U, I } = tinyLog(2);
    const model = await trainUserModel(log, U, I, {}, { kind: "deepfm-ensemble", members: 2, deepfm: quick });
    expect(model.kind).toBe("deepfm-ensemble");
    expect(model.members).toBe(2);
    const pays = penalizedPrediction(model, 1.5);
    for (const c of [3, 50, 400]) expect(pays[c]).toBeCloseTo(model.predicted[c]! - 1.5 * model.uncertainty![c]!, 5);
    // One member has nothing to disagree with: the penalty refuses it rather than paying the prediction.
    const one = await trainUserModel(log, U, I, {}, { kind: "deepfm-ensemble", members: 1, deepfm: quick });
    expect(() => penalizedPrediction(one, 1)).toThrow(/needs a user model with several members/);
  });

  it("reaches the presets' predicted world, and rejects a member count that is not a positive integer", async () => {
    const setup = await loadPreset("synthetic", { synthetic: { numUsers: 40, numItems: 30, numCategories: 4 }, userModel: { kind: "deepfm-ensemble", members: 2, uncertaintyPenalty: 1, deepfm: quick } });
    expect(setup.describe["userModel"]).toBe("deepfm-ensemble");
    expect(setup.describe["userModelMembers"]).toBe(2);
    const { model } = await setup.predicted();
    expect(model.uncertainty).toBeDefined();
    await expect(loadPreset("synthetic", { userModel: { kind: "deepfm-ensemble", members: 0 } })).rejects.toThrow(/members must be an integer >= 1, got 0/);
    const { log, U, I } = tinyLog(3);
    const err = await trainDeepFMEnsemble(log, U, I, {}, { members: 2, memberSeeds: [1], deepfm: quick }).catch((e: unknown) => e);
    expect((err as FarsightError).code).toBe("env/bad-option");
  });
});
