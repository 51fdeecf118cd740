import { Rng } from "@farsight/core";
import { describe, expect, it } from "vitest";
import type { RatingLog } from "./data/dataset.js";
import { memberStats, trainDeepFM } from "./deepfm.js";
import { featureTable, type SideFeatures } from "./features.js";
import { constantRmse, rmse } from "./learned.js";

/**
 * Ratings driven by side features: rating = 3 + taste[user's group][item's kind] + noise, each user rating 4
 * random items. A held-out cell's user and item are known, but the pair is new: only a model that uses the
 * feature fields (or learns the taste table through the ids) predicts it.
 */
function featureWorld(seed: number): { train: RatingLog; test: RatingLog; U: number; I: number; features: SideFeatures } {
  const rng = new Rng(seed, "feature-world");
  const U = 80, I = 60, groups = 3, kinds = 4;
  const group = Int32Array.from({ length: U }, () => rng.int(groups));
  const kind = Int32Array.from({ length: I }, () => rng.int(kinds));
  const taste = Array.from({ length: groups * kinds }, () => rng.normal(0, 1.2));
  const rate = (u: number, i: number) => 3 + taste[group[u]! * kinds + kind[i]!]! + 0.2 * rng.normal();
  const log = (cells: [number, number][]): RatingLog => ({
    user: Int32Array.from(cells, (c) => c[0]),
    item: Int32Array.from(cells, (c) => c[1]),
    rating: Float32Array.from(cells, ([u, i]) => rate(u, i)),
  });
  const train: [number, number][] = [], test: [number, number][] = [];
  for (let u = 0; u < U; u++) {
    const items = rng.sample(I, 8);
    items.slice(0, 4).forEach((i) => train.push([u, i]));
    items.slice(4).forEach((i) => test.push([u, i]));
  }
  const oneHot = (ids: Int32Array, n: number, name: string) => {
    const values = new Float32Array(ids.length * n);
    ids.forEach((v, r) => (values[r * n + v] = 1));
    return featureTable(values, n, Array.from({ length: n }, (_v, c) => `${name}:${c}`));
  };
  return { train: log(train), test: log(test), U, I, features: { user: oneHot(group, groups, "group"), item: oneHot(kind, kinds, "kind") } };
}

const quick = { hidden: [16], epochs: 60, batchSize: 128, patience: 5 };

describe("DeepFM user model", () => {
  it("gives the same model for the same seed", async () => {
    const { train, U, I, features } = featureWorld(1);
    const a = await trainDeepFM(train, U, I, features, { ...quick, epochs: 8, seed: 1 });
    const b = await trainDeepFM(train, U, I, features, { ...quick, epochs: 8, seed: 1 });
    expect(Array.from(b.predicted)).toEqual(Array.from(a.predicted));
  });

  it("learns feature interactions the ids alone cannot generalise", async () => {
    for (const seed of [1, 2]) {
      const { train, test, U, I, features } = featureWorld(seed);
      const withFeatures = await trainDeepFM(train, U, I, features, { ...quick, seed });
      const idsOnly = await trainDeepFM(train, U, I, {}, { ...quick, seed });
      const base = constantRmse(withFeatures.globalMean, test), fm = rmse(withFeatures.predicted, I, test), ids = rmse(idsOnly.predicted, I, test);
      expect(fm, `seed ${seed}: features ${fm} vs global mean ${base}`).toBeLessThan(0.6 * base);
      expect(fm, `seed ${seed}: features ${fm} vs ids only ${ids}`).toBeLessThan(0.8 * ids);
      expect(withFeatures.epochs[0]).toBeGreaterThanOrEqual(1);
      expect(withFeatures.validationRmse[0]).toBeGreaterThan(0);
    }
  });

  it("averages an ensemble and reports the members' disagreement per cell", async () => {
    const { train, U, I, features } = featureWorld(3);
    const ens = await trainDeepFM(train, U, I, features, { ...quick, epochs: 3, ensemble: 2, seed: 4 });
    const one = await trainDeepFM(train, U, I, features, { ...quick, epochs: 3, seed: 4 });
    expect(ens.uncertainty).toHaveLength(U * I);
    expect(one.uncertainty).toBeUndefined();
    // Member 0 of the ensemble is the single model of the same seed, so |member - mean| = std for two members.
    let worst = 0;
    for (let c = 0; c < U * I; c++) worst = Math.max(worst, Math.abs(Math.abs(one.predicted[c]! - ens.predicted[c]!) - ens.uncertainty![c]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it("memberStats: mean and population std", () => {
    const { mean, std } = memberStats([Float32Array.of(1, 2), Float32Array.of(3, 2), Float32Array.of(5, 2)]);
    expect(Array.from(mean)).toEqual([3, 2]);
    expect(std![0]).toBeCloseTo(Math.sqrt(8 / 3), 6);
    expect(std![1]).toBe(0);
    expect(memberStats([Float32Array.of(1)]).std).toBeUndefined();
  });

  it("refuses bad options, empty logs and feature tables of the wrong size", async () => {
    const { train, U, I, features } = featureWorld(1);
    await expect(trainDeepFM(train, U, I, features, { epochs: 0 })).rejects.toThrow(/epochs must be an integer >= 1, got 0/);
    await expect(trainDeepFM(train, U, I, features, { validationFraction: 1 })).rejects.toThrow(/validationFraction must be in \[0, 1\), got 1/);
    const empty: RatingLog = { user: new Int32Array(0), item: new Int32Array(0), rating: new Float32Array(0) };
    await expect(trainDeepFM(empty, U, I)).rejects.toThrow(/empty log/);
    await expect(trainDeepFM(train, U + 1, I, features, { epochs: 1 })).rejects.toThrow(/user features have 80 rows, expected 81/);
    expect(() => featureTable(Float32Array.of(1, NaN), 2)).toThrow(/row 0, column 1 is NaN/);
  });
});
