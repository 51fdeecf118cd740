import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadPreset, repoRoot } from "@farsight/env";
import { describe, expect, it } from "vitest";
import { describePreset, formatDescription } from "./data-describe.js";

const DATA_DIR = process.env.FARSIGHT_DATA_DIR ?? join(repoRoot() ?? ".", "..", "shared", "data");
const hasCoat = existsSync(join(DATA_DIR, "coat", "train.ascii"));
if (!hasCoat) console.log(`[cli] data describe on Coat skipped: no ${join(DATA_DIR, "coat")} (set FARSIGHT_DATA_DIR)`);

describe("farsight data describe", () => {
  it("describes the synthetic preset without a warning: what is shown decides when users leave", async () => {
    const setup = await loadPreset("synthetic");
    const d = await describePreset(setup, { episodes: 100, seed: 0 });
    expect([d.numUsers, d.items, d.categories]).toEqual([300, 500, 20]);
    expect(d.quitRule).toMatchObject({ rule: "category-window", window: 4, threshold: 1 });
    expect(d.distanceQuantiles).toBeNull(); // a category rule compares no distances
    expect(d.baselines.map((b) => b.agent)).toEqual(["random", "popularity", "greedy", "oracle", "oracle-quit-aware"]);
    const len = Object.fromEntries(d.baselines.map((b) => [b.agent, b.len]));
    expect(len.greedy).toBeLessThan(0.5 * len.random!); // greedy users get bored of one category fast
    expect(d.warnings).toEqual([]);
    expect(formatDescription(d)).not.toMatch(/degenerate/);
  });

  it("flags a preset whose sessions end at the same step whatever is shown", async () => {
    const base = await loadPreset("synthetic");
    const twoSteps = { ...base, simulator: { ...base.simulator, maxSteps: 2 } };
    const d = await describePreset(twoSteps, { episodes: 50, seed: 0 });
    expect(d.baselines.every((b) => b.len === 2)).toBe(true);
    expect(d.warnings).toHaveLength(2);
    expect(formatDescription(d)).toMatch(/warning: degenerate preset: every baseline's Len .* within 10% of random's 2\.00/);
    expect(formatDescription(d)).toMatch(/random Len 2\.00 < 3/);
  });

  it.skipIf(!hasCoat)("gives Coat's item-distance quantiles around its threshold theta = 6", async () => {
    const d = await describePreset(await loadPreset("coat", { dataDir: DATA_DIR }), { episodes: 50, seed: 0 });
    const q = d.distanceQuantiles!;
    expect(q.p1).toBeLessThan(q.p50);
    expect(q.p1).toBeLessThan(6); // some pairs are close enough to end a session
    expect(q.p50).toBeGreaterThan(6);
  });
});

describe.skipIf(!hasCoat)("farsight data describe on Coat (real data)", () => {
  it("says where theta 6 comes from and how often a random item meets a window with it (Coat's calibration target)", async () => {
    const d = await describePreset(await loadPreset("coat", { dataDir: DATA_DIR }), { episodes: 30, seed: 0 });
    expect(d.quitRuleOrigin).toMatch(/EasyRL4Rec's setting on this very matrix/);
    expect(Math.abs(d.windowQuitChance! - 0.1053)).toBeLessThan(0.006);
    expect(d.users).toMatch(/^held-out users \(58 test, 232 train; fold-in 0.5/);
    expect(formatDescription(d)).toMatch(/quit rule: distance window 7, theta 6 \(EasyRL4Rec's\), at most 30 steps\n {2}threshold: .*\n {2}a random item meets one of 7 random others within theta: 1\d\.\d% of draws/);
  });
});
