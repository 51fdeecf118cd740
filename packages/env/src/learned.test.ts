import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Rng } from "@farsight/core";
import { describe, expect, it } from "vitest";
import type { RatingLog } from "./data/dataset.js";
import { columnDistancesTf, constantRmse, rmse, trainMF } from "./learned.js";
import { columnEmbeddings } from "./mf-sparse.js";
import { columnDistances } from "./world.js";

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

describe("column distances", () => {
  it("TF.js matmul distances agree with the exact float64 loops", async () => {
    const rng = new Rng(4, "dist");
    const U = 50, I = 20;
    const m = Float32Array.from({ length: U * I }, () => 1 + rng.int(5));
    const exact = columnDistances(m, U, I), fast = await columnDistancesTf(m, U, I);
    for (let j = 0; j < exact.length; j++) expect(fast[j]).toBeCloseTo(exact[j]!, 2);
  });
});

describe("sparse MF engine", () => {
  it("fits like the dense TF.js engine and gives exact column distances from its factors", async () => {
    const { train, test, U, I } = lowRank(1);
    const o = { dim: 4, epochs: 300, l2: 0.01, seed: 3, clip: false };
    const dense = await trainMF(train, U, I, { ...o, engine: "tfjs" });
    const sparse = await trainMF(train, U, I, { ...o, engine: "sparse" });
    const base = constantRmse(sparse.globalMean, test);
    expect(rmse(sparse.predicted, I, test)).toBeLessThan(0.6 * base);
    expect(Math.abs(rmse(sparse.predicted, I, test) - rmse(dense.predicted, I, test))).toBeLessThan(0.1);
    const exact = columnDistances(sparse.predicted, U, I);
    const emb = columnEmbeddings(sparse.factors!, U, I);
    for (const [a, b] of [[0, 1], [3, 17], [29, 2]] as const) {
      let s = 0;
      for (let k = 0; k < emb.dim; k++) s += (emb.values[a * emb.dim + k]! - emb.values[b * emb.dim + k]!) ** 2;
      expect(Math.sqrt(s)).toBeCloseTo(exact[a * I + b]!, 2);
    }
  });
});

describe("TF.js stays out of @farsight/env until a learned model needs it", () => {
  const envDist = fileURLToPath(new URL("../dist/index.js", import.meta.url));
  // tfjs-core registers its engine on globalThis._tfengine when it is first imported.
  const probe = (body: string) =>
    execFileSync(process.execPath, ["--input-type=module", "-e", `const env = await import(${JSON.stringify(envDist)}); ${body}`], { encoding: "utf8" }).trim();

  it("importing the package and running a synthetic world loads no TF.js", () => {
    const out = probe(`const d = env.generateSynthetic({ numItems: 20, numUsers: 5, numCategories: 4, embeddingDim: 2, seed: 1 }); new env.SyntheticWorld(d); console.log(typeof globalThis._tfengine);`);
    expect(out).toBe("undefined");
  });

  it("trainMF loads it on first use and says which engine trained", async () => {
    const out = probe(`const log = { user: Int32Array.of(0, 1, 1), item: Int32Array.of(0, 1, 0), rating: Float32Array.of(1, 2, 3) }; const m = await env.trainMF(log, 2, 2, { epochs: 2 }); console.log(m.engine, typeof globalThis._tfengine);`);
    expect(out).toBe("tfjs object");
    const { train, U, I } = lowRank(2);
    expect((await trainMF(train, U, I, { engine: "sparse", epochs: 2 })).engine).toBe("sparse");
  });
});

