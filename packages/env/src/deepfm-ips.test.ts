import { existsSync } from "node:fs";
import { join } from "node:path";
import { FarsightError, Rng } from "@farsight/core";
import { describe, expect, it } from "vitest";
import { loadCoat } from "./data/coat.js";
import type { RatingLog } from "./data/dataset.js";
import { repoRoot } from "./datadir.js";
import { trainDeepFM } from "./deepfm.js";
import { ipsWeights, trainIpsDeepFM } from "./deepfm-ips.js";
import { rmse } from "./learned.js";
import { loadPreset } from "./presets.js";

const dataDir = process.env.FARSIGHT_DATA_DIR ?? join(repoRoot() ?? ".", "..", "shared", "data");
const hasCoat = existsSync(join(dataDir, "coat", "propensities.ascii"));
if (!hasCoat) console.log(`[env] Coat propensities test skipped: no ${join(dataDir, "coat", "propensities.ascii")} (set FARSIGHT_DATA_DIR)`);

/**
 * Missing not at random, constructed: every cell's rating is 5 or 1 with equal odds, whoever the user and
 * whatever the item, and a 5 is logged with propensity 0.4, a 1 with 0.1. The log is then 80% fives (mean
 * near 4.2) while the ratings of all cells average 3. Ids carry no signal, so the best prediction of an
 * unlogged cell is the mean of all cells: the log's mean overshoots it, the IPS-weighted mean does not.
 */
function selfSelected(seed: number): { log: RatingLog; all: RatingLog; propensities: Float32Array; U: number; I: number } {
  const rng = new Rng(seed, "self-selected");
  const U = 40, I = 30;
  const propensities = new Float32Array(U * I);
  const logged: [number, number, number][] = [], every: [number, number, number][] = [];
  for (let u = 0; u < U; u++) for (let i = 0; i < I; i++) {
    const r = rng.float() < 0.5 ? 5 : 1;
    propensities[u * I + i] = r === 5 ? 0.4 : 0.1;
    every.push([u, i, r]);
    if (rng.float() < propensities[u * I + i]!) logged.push([u, i, r]);
  }
  const toLog = (rows: [number, number, number][]): RatingLog => ({ user: Int32Array.from(rows, (x) => x[0]), item: Int32Array.from(rows, (x) => x[1]), rating: Float32Array.from(rows, (x) => x[2]) });
  return { log: toLog(logged), all: toLog(every), propensities, U, I };
}

const quick = { hidden: [8], batchSize: 64 };
const meanOf = (xs: Float32Array) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("IPS-weighted DeepFM", () => {
  it("weighs a rating by 1 / propensity, clipped at maxWeight, scaled to mean 1", () => {
    const log: RatingLog = { user: Int32Array.from([0, 0, 1]), item: Int32Array.from([0, 1, 0]), rating: Float32Array.from([4, 2, 1]) };
    const propensities = Float32Array.from([0.5, 0.25, 0.001, 0.9]); // 2 users x 2 items
    const raw = ipsWeights(log, propensities, 2, { normalize: false });
    expect(Array.from(raw.weights)).toEqual([2, 4, 100]);
    expect(raw.clipped).toBe(1);
    expect(raw.maxRawWeight).toBeCloseTo(1000, 3);
    const scaled = ipsWeights(log, propensities, 2);
    expect(meanOf(scaled.weights)).toBeCloseTo(1, 6);
    expect(scaled.weights[1]! / scaled.weights[0]!).toBeCloseTo(2, 6);
    expect(() => ipsWeights(log, Float32Array.from([0.5, 0, 0.1, 0.1]), 2)).toThrow(/propensity of user 0, item 1 is 0/);
    expect(() => ipsWeights(log, propensities, 2, { maxWeight: 0.5 })).toThrow(/maxWeight must be a finite number >= 1/);
  });

  it("corrects a self-selected log towards the ratings of all cells", async () => {
    for (const seed of [1, 2]) {
      const { log, all, propensities, U, I } = selfSelected(seed);
      const naive = await trainDeepFM(log, U, I, {}, { ...quick, seed });
      const ips = await trainIpsDeepFM(log, U, I, {}, propensities, { deepfm: { ...quick, seed } });
      const naiveMean = meanOf(naive.predicted), ipsMean = meanOf(ips.deepfm.predicted), truth = meanOf(all.rating);
      expect(meanOf(log.rating), `seed ${seed}: the log is biased`).toBeGreaterThan(truth + 0.8);
      expect(ipsMean, `seed ${seed}: IPS ${ipsMean} vs naive ${naiveMean}, all cells ${truth}`).toBeLessThan(naiveMean - 0.5);
      expect(Math.abs(ipsMean - truth)).toBeLessThan(Math.abs(naiveMean - truth));
      expect(rmse(ips.deepfm.predicted, I, all)).toBeLessThan(rmse(naive.predicted, I, all));
    }
  });

  it("needs propensities: a preset without them fails before training, with its own code", async () => {
    const err = await loadPreset("synthetic", { userModel: "deepfm-ips" }).catch((e: unknown) => e);
    expect((err as FarsightError).code).toBe("env/no-propensities");
    expect((err as Error).message).toMatch(/deepfm-ips needs exposure propensities and preset synthetic has none/);
  });

  it.skipIf(!hasCoat)("reads Coat's propensities: one probability per cell, summing to about the number of ratings", () => {
    const ds = loadCoat(join(dataDir, "coat"));
    expect(ds.propensities!.length).toBe(290 * 300);
    const sum = ds.propensities!.reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - ds.train.user.length) / ds.train.user.length).toBeLessThan(0.01);
    const w = ipsWeights(ds.train, ds.propensities!, 300);
    // The clip the README states: weights above 100 are about 1% of Coat's training ratings.
    expect(w.clipped / ds.train.user.length).toBeLessThan(0.015);
  });
});
