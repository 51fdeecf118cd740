import { existsSync } from "node:fs";
import { join } from "node:path";
import { createCatalog, Rng } from "@farsight/core";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./datadir.js";
import { constantRmse, rmse } from "./learned.js";
import { loadPreset } from "./presets.js";
import { completeGroundTruth, penalizedPrediction, userModelOptions, type TrainedUserModel } from "./user-model.js";

const dataDir = process.env.FARSIGHT_DATA_DIR ?? join(repoRoot() ?? ".", "..", "shared", "data");
const hasCoat = existsSync(join(dataDir, "coat", "train.ascii"));
if (!hasCoat) console.log(`[env] Coat DeepFM test skipped: no ${join(dataDir, "coat")} (set FARSIGHT_DATA_DIR)`);

/** Quick DeepFM settings for tests: a smaller MLP than the defaults (about 4x less work per step). */
const quick = { hidden: [32, 32] };

describe("user model option of the presets", () => {
  it("an MF + DeepFM ensemble exposes its disagreement, and the predicted world pays prediction - lambda * std", async () => {
    const small = { numUsers: 60, numItems: 80, numCategories: 6 };
    const lambda = 2;
    const setup = await loadPreset("synthetic", { synthetic: small, userModel: { kind: "ensemble", seedsPerKind: 1, uncertaintyPenalty: lambda, deepfm: { ...quick, epochs: 5 } } });
    expect(setup.describe["userModel"]).toBe("ensemble");
    expect(setup.describe["uncertaintyPenalty"]).toBe(lambda);
    const { world, model } = await setup.predicted();
    expect(model.members).toBe(2);
    const std = model.uncertainty!;
    // Two members: the std is half their gap, and MF and DeepFM do disagree somewhere.
    for (let c = 0; c < 50; c++) expect(std[c]).toBeCloseTo(Math.abs(model.mf!.predicted[c]! - model.deepfm!.predicted[c]!) / 2, 5);
    expect(Math.max(...std)).toBeGreaterThan(0.01);
    const pays = penalizedPrediction(model, lambda);
    const min = Math.min(...pays);
    for (const [u, i] of [[0, 0], [3, 17], [59, 79]] as const) {
      expect(world.expected(0, u, i)).toBeCloseTo(model.predicted[u * 80 + i]! - lambda * std[u * 80 + i]! - min, 4);
    }
  });

  it("completes a ground truth with the chosen model: MF keeps its factors, DeepFM is clipped to the rating range", async () => {
    const catalog = createCatalog({ itemCategories: Array.from({ length: 12 }, (_v, i) => [i % 3]) });
    const rng = new Rng(5, "completion");
    const cells = Array.from({ length: 10 * 12 }, (_v, c) => c).filter(() => rng.float() < 0.5);
    const train = { user: Int32Array.from(cells, (c) => Math.floor(c / 12)), item: Int32Array.from(cells, (c) => c % 12), rating: Float32Array.from(cells, (c) => 1 + ((c * 7) % 5)) };
    const ds = { name: "tiny", numUsers: 10, catalog, train };
    const mf = await completeGroundTruth(ds, "mf", { epochs: 20 });
    expect(mf.factors?.P).toHaveLength(10 * 16);
    const deep = await completeGroundTruth(ds, { kind: "deepfm", deepfm: { hidden: [8], epochs: 20 } }, undefined);
    expect(deep.factors).toBeUndefined();
    expect(deep.matrix).toHaveLength(120);
    expect(Math.min(...deep.matrix)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...deep.matrix)).toBeLessThanOrEqual(5);
  });

  it("names the problem with bad options", async () => {
    expect(() => userModelOptions("dnn" as never)).toThrow(/unknown user model "dnn"; known: mf, deepfm, ensemble/);
    expect(() => userModelOptions({ kind: "ensemble", seedsPerKind: 0 })).toThrow(/seedsPerKind must be an integer >= 1, got 0/);
    const single = { kind: "mf", predicted: Float32Array.of(1), members: 1 } as TrainedUserModel;
    expect(() => penalizedPrediction(single, 0.5)).toThrow(/uncertaintyPenalty 0.5 needs a user model with several members/);
    expect(penalizedPrediction(single, 0)).toBe(single.predicted);
    await expect(loadPreset("synthetic", { userModel: { uncertaintyPenalty: -1 } })).rejects.toThrow(/uncertaintyPenalty must be a number >= 0, got -1/);
  });
});

describe.skipIf(!hasCoat)("DeepFM on Coat (real data, the preset's split)", () => {
  it("beats MF (1.1025) and the global mean (1.3009) in test RMSE on every seed", async () => {
    const mf = await (await loadPreset("coat", { dataDir })).predicted();
    const test = (await loadPreset("coat", { dataDir })).testLog!;
    const I = mf.model.numItems;
    const mfRmse = rmse(mf.model.predicted, I, test), meanRmse = constantRmse(mf.model.globalMean, test);
    for (const seed of [1, 2, 3]) {
      const setup = await loadPreset("coat", { dataDir, userModel: { kind: "deepfm", deepfm: { ...quick, seed } } });
      const { model } = await setup.predicted();
      const deep = rmse(model.predicted, I, setup.testLog!);
      console.log(`[env] Coat test RMSE seed ${seed}: DeepFM ${deep.toFixed(4)} (${model.deepfm!.epochs[0]} epochs), MF ${mfRmse.toFixed(4)}, global mean ${meanRmse.toFixed(4)}`);
      expect(deep, `seed ${seed}`).toBeLessThan(mfRmse);
      expect(deep, `seed ${seed}`).toBeLessThan(meanRmse);
    }
  });
});
