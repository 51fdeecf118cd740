import { Rng } from "@farsight/core";
import { describe, expect, it } from "vitest";
import type { RatingLog } from "./data/dataset.js";
import { constantRmse, rmse, trainMF } from "./learned.js";

/** Ratings from a known rank-2 matrix plus noise, split into train and test cells. */
function lowRank(seed: number): { train: RatingLog; test: RatingLog; U: number; I: number } {
  const rng = new Rng(seed, "low-rank");
  const U = 40, I = 30;
  const p = Array.from({ length: U * 2 }, () => rng.normal());
  const q = Array.from({ length: I * 2 }, () => rng.normal());
  const cells: [number, number, number][] = [];
  for (let u = 0; u < U; u++) for (let i = 0; i < I; i++) cells.push([u, i, 3 + p[2 * u]! * q[2 * i]! + p[2 * u + 1]! * q[2 * i + 1]! + 0.1 * rng.normal()]);
  rng.shuffle(cells);
  const log = (xs: typeof cells): RatingLog => ({ user: Int32Array.from(xs, (c) => c[0]), item: Int32Array.from(xs, (c) => c[1]), rating: Float32Array.from(xs, (c) => c[2]) });
  return { train: log(cells.slice(0, 700)), test: log(cells.slice(700)), U, I };
}

describe("learned MF world model", () => {
  it("recovers a low-rank matrix far better than the global mean, deterministically", async () => {
    const { train, test, U, I } = lowRank(1);
    const a = await trainMF(train, U, I, { dim: 4, epochs: 300, l2: 0.01, seed: 3 });
    const b = await trainMF(train, U, I, { dim: 4, epochs: 300, l2: 0.01, seed: 3 });
    expect(Array.from(a.predicted)).toEqual(Array.from(b.predicted));
    const model = rmse(a.predicted, I, test), base = constantRmse(a.globalMean, test);
    expect(model).toBeLessThan(0.6 * base);
    expect(a.trainRmse).toBeLessThan(model + 0.2);
  });

  it("averages an ensemble, and rejects empty logs", async () => {
    const { train, test, U, I } = lowRank(2);
    const ens = await trainMF(train, U, I, { dim: 4, epochs: 150, l2: 0.01, ensemble: 3, seed: 5 });
    expect(ens.options.ensemble).toBe(3);
    expect(rmse(ens.predicted, I, test)).toBeLessThan(constantRmse(ens.globalMean, test));
    const empty: RatingLog = { user: new Int32Array(0), item: new Int32Array(0), rating: new Float32Array(0) };
    await expect(trainMF(empty, 2, 2)).rejects.toThrow(/empty log/);
  });
});
