import { existsSync } from "node:fs";
import { join } from "node:path";
import { FarsightError } from "@farsight/core";
import { describe, expect, it } from "vitest";
import { ci95 } from "../stats/student-t.js";
import { formatUserModelTable, runUserModelBench, type UserModelBenchResult } from "./user-model.js";

const dataDir = process.env.FARSIGHT_DATA_DIR ?? join(import.meta.dirname, "..", "..", "..", "..", "..", "shared", "data");
const hasCoat = existsSync(join(dataDir, "coat", "train.ascii"));
if (!hasCoat) console.log(`[lab] bench user-model Coat test skipped: no ${join(dataDir, "coat")} (set FARSIGHT_DATA_DIR)`);

describe("bench user-model", () => {
  it("prints mean ± 95% CI, the per-seed values and the members of the DeepFM ensemble", () => {
    const perSeed = [{ rmse: 1.05, mae: 0.8, meanStd: 0.1 }, { rmse: 1.07, mae: 0.82, meanStd: 0.3 }, { rmse: 1.06, mae: 0.81, meanStd: 0.2 }];
    const result: UserModelBenchResult = {
      env: "coat",
      seeds: [1, 2, 3],
      members: 5,
      rows: [{ kind: "deepfm-ensemble", perSeed, rmse: ci95(perSeed.map((s) => s.rmse)), mae: ci95(perSeed.map((s) => s.mae)) }],
      differences: [{ kind: "deepfm-ensemble", perSeed: [-0.02, 0.01, -0.02], rmse: ci95([-0.02, 0.01, -0.02]) }],
      globalMean: { rmse: 1.3, mae: 1.1 },
    };
    const table = formatUserModelTable(result);
    // t(0.975, 2) = 4.303, sample std 0.01, n 3: half-width 0.0248.
    expect(table).toContain("| DeepFM ensemble (5 members) | 1.0600 ± 0.0248 |");
    expect(table).toContain("| 1.0500 1.0700 1.0600 | 0.2000 |");
    expect(table).toContain("| global mean (no seed) | 1.3000 | 1.1000 |");
    // Paired differences: mean -0.01, sample std 0.0173, half-width 4.303 * 0.0173 / sqrt(3) = 0.0430.
    expect(table).toContain("| DeepFM ensemble (5 members) | -0.0100 ± 0.0430 | -0.0200 +0.0100 -0.0200 |");
  });

  it("refuses a preset without a test log and IPS without propensities, before training", async () => {
    await expect(runUserModelBench({ env: "synthetic", seeds: [1], models: ["mf"] })).rejects.toThrow(/preset synthetic has no test log/);
    const err = await runUserModelBench({ env: "synthetic", seeds: [1], models: ["deepfm-ips"] }).catch((e: unknown) => e);
    expect((err as FarsightError).code).toBe("env/no-propensities");
  });

  it.skipIf(!hasCoat)("scores MF on Coat's test log once per seed, with the interval of those scores", async () => {
    const seen: number[] = [];
    const r = await runUserModelBench({ env: "coat", seeds: [1, 2], models: ["mf"], dataDir, onResult: (seed) => seen.push(seed) });
    expect(r.differences).toEqual([]); // no DeepFM row to pair with
    expect(seen).toEqual([1, 2]);
    const row = r.rows[0]!;
    expect(row.perSeed).toHaveLength(2);
    expect(row.rmse.mean).toBeCloseTo((row.perSeed[0]!.rmse + row.perSeed[1]!.rmse) / 2, 10);
    // Beats the global mean, and MAE <= RMSE as it must.
    expect(row.rmse.mean).toBeLessThan(r.globalMean.rmse);
    for (const s of row.perSeed) expect(s.mae).toBeLessThanOrEqual(s.rmse);
  });
});
