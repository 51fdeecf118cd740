import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Plan } from "@farsight/core";
import { loadPreset, repoRoot, type EnvSetup } from "@farsight/env";
import { LlmStats, ScriptedChatModel } from "@farsight/llm";
import { AllCategoriesPlanner, RandomCategoryPlanner, SaturationAwarePlanner, type PlanRequest, type Planner } from "@farsight/planner";
import { LlmCategoryPlanner } from "@farsight/planner/llm";
import { beforeAll, describe, expect, it } from "vitest";
import { noisyOraclePlanner, quitAwareOraclePlanner } from "./oracle-planners.js";
import { buildProbeSet, calibrateNoisyOracle, jaccard, planAll, planQuality, qualityToQ, type ProbeSet, type QualityCalibration } from "./plan-quality.js";

const dataDir = process.env.FARSIGHT_DATA_DIR ?? join(repoRoot() ?? ".", "..", "shared", "data");
const hasCoat = existsSync(join(dataDir, "coat", "train.ascii"));
if (!hasCoat) console.log(`[graph] Coat plan-quality tests skipped: no ${join(dataDir, "coat")} (set FARSIGHT_DATA_DIR)`);

/** Always the same categories: what a model that ignores the session answers. */
class FixedPlanner implements Planner {
  readonly name = "fixed";
  readonly usesLlm = false;
  constructor(private readonly categories: number[]) {}
  async plan(requests: readonly PlanRequest[]): Promise<Plan[]> {
    return requests.map(() => ({ categories: this.categories, source: { kind: "heuristic", by: this.name } }));
  }
}

describe("quitAwareOraclePlanner", () => {
  it("reads each synthetic preset's rule and refuses a rule no oracle reads", async () => {
    expect(quitAwareOraclePlanner(await loadPreset("synthetic"))).toMatchObject({ name: "oracle-saturation", oracle: true, rule: { kind: "category-window", window: 4, threshold: 1 } });
    expect(quitAwareOraclePlanner(await loadPreset("synthetic-kuaisim-rules"))).toMatchObject({ name: "oracle-saturation", oracle: true, rule: { kind: "temper" } });
    expect(() => quitAwareOraclePlanner({ name: "synthetic-kuaisim-rules", makeRules: () => [{ name: "response-temper" }] } as unknown as EnvSetup)).toThrow(/preset synthetic-kuaisim-rules quits on response-temper, which no quit-aware oracle planner reads/);
  });

  it("builds noisy-oracle(q) in one call and refuses a q outside [0, 1]", async () => {
    const setup = await loadPreset("synthetic");
    expect(noisyOraclePlanner(setup, 0.25)).toMatchObject({ name: "noisy-oracle(q=0.25)", oracle: true, q: 0.25 });
    expect(() => noisyOraclePlanner(setup, 2)).toThrow(/planner quality q must be a probability in \[0, 1\] \(the share of plans taken from the oracle\), got 2/);
  });
});

describe("plan quality on synthetic", () => {
  let setup: EnvSetup;
  let probe: ProbeSet;
  let oracle: Planner;
  let reference: Plan[];
  let calibration: QualityCalibration;
  beforeAll(async () => {
    setup = await loadPreset("synthetic");
    probe = await buildProbeSet(setup, { sessions: 24, stride: 3, seed: 0 });
    oracle = quitAwareOraclePlanner(setup);
    reference = await planAll(oracle, probe.requests);
    calibration = await calibrateNoisyOracle(probe, oracle, { seeds: [0, 1, 2] });
  });

  it("builds the same probe set from the same options, a request every stride steps", async () => {
    expect((await buildProbeSet(setup, { sessions: 24, stride: 3, seed: 0 })).requests).toEqual(probe.requests);
    expect((await buildProbeSet(setup, { sessions: 24, stride: 3, seed: 1 })).requests).not.toEqual(probe.requests);
    expect(probe.requests.length).toBeGreaterThan(100);
    expect(probe.requests.every((r) => r.step % 3 === 0 && r.history.length <= 5 && r.reflections.length === 0 && r.itemHistory!.length === Math.min(r.step, 10))).toBe(true);
    expect(new Set(probe.requests.map((r) => r.sessionId)).size).toBe(24);
  });

  it("scores the oracle 1 and a planner naming every category |O| / |C|", async () => {
    expect((await planQuality(oracle, probe, reference)).score).toBe(1);
    const all = await planQuality(new AllCategoriesPlanner(), probe, reference);
    const expected = reference.reduce((a, p) => a + p.categories.length / setup.catalog.numCategories, 0) / reference.length;
    expect(all.score).toBeCloseTo(expected, 12);
  });

  it("calibrates noisy-oracle(q) on the line q + (1 - q) s0, from random's agreement to 1", () => {
    const s0 = calibration.points[0]!.score;
    expect(calibration.points.at(-1)).toEqual({ q: 1, score: 1 });
    expect(s0).toBeGreaterThan(0.05);
    expect(s0).toBeLessThan(0.6);
    for (let i = 1; i < calibration.points.length; i++) expect(calibration.points[i]!.score).toBeGreaterThanOrEqual(calibration.points[i - 1]!.score);
    // Coins are Bernoulli(q) per request: at q = 0.5 over ~3 x 170 requests the share is within 0.1 of 0.5.
    const half = calibration.points.find((p) => p.q === 0.5)!.score;
    expect(Math.abs(half - (0.5 + 0.5 * s0))).toBeLessThan(0.1 * (1 - s0));
  });

  it("places a random planner of another seed near q = 0 and maps scores to q monotonically", async () => {
    const random = await planQuality(new RandomCategoryPlanner({ seed: 77 }), probe, reference);
    expect(Math.abs(random.score - calibration.points[0]!.score)).toBeLessThan(4 * random.standardError);
    expect(qualityToQ(random.score, calibration).q).toBeLessThan(0.15);
    for (const p of calibration.points) expect(qualityToQ(p.score, calibration).q).toBeLessThanOrEqual(p.q);
    expect(qualityToQ(1, calibration)).toEqual({ q: 1, belowRandom: false });
    expect(qualityToQ(0, calibration)).toEqual({ q: 0, belowRandom: true });
    const qs = Array.from({ length: 101 }, (_, i) => qualityToQ(i / 100, calibration).q);
    for (let i = 1; i < qs.length; i++) expect(qs[i]!).toBeGreaterThanOrEqual(qs[i - 1]!);
  });

  it("scores an LLM planner through its model: the model's answers, or its fallback's plans when the answers are garbage", async () => {
    const stats = new LlmStats();
    const model = new ScriptedChatModel({ responses: () => '{"categories": [0, 2]}' });
    const llm = await planQuality(new LlmCategoryPlanner({ model, stats, seed: 0 }), probe, reference);
    const fixed = await planQuality(new FixedPlanner([0, 2]), probe, reference);
    expect(llm).toEqual({ ...fixed, planner: "llm-category", sources: { llm: probe.requests.length } });
    const garbage = await planQuality(new LlmCategoryPlanner({ model: new ScriptedChatModel({ responses: () => "nice categories" }), seed: 0, maxRepairs: 0 }), probe, reference);
    const fallback = await planQuality(new SaturationAwarePlanner({ seed: 0 }), probe, reference);
    expect(garbage.score).toBeCloseTo(fallback.score, 12);
    expect(garbage.sources).toEqual({ fallback: probe.requests.length });
    expect(jaccard([0, 2], [2, 3])).toBeCloseTo(1 / 3, 12);
  });
});

describe.skipIf(!hasCoat)("plan quality on Coat (real data)", () => {
  it("uses the item-rule oracle, which scores 1, and places the random planner near q = 0", async () => {
    const setup = await loadPreset("coat", { dataDir });
    const oracle = quitAwareOraclePlanner(setup);
    expect(oracle).toMatchObject({ name: "oracle-item-rule", oracle: true });
    const probe = await buildProbeSet(setup, { sessions: 24, stride: 2 });
    const reference = await planAll(oracle, probe.requests);
    expect(reference.every((p) => p.source.detail?.startsWith("oracle: reads the distance-window rule (window 7, theta 6)"))).toBe(true);
    const calibration = await calibrateNoisyOracle(probe, oracle, { seeds: [0, 1] });
    expect((await planQuality(oracle, probe, reference)).score).toBe(1);
    const random = await planQuality(new RandomCategoryPlanner({ seed: 77 }), probe, reference);
    expect(qualityToQ(random.score, calibration).q).toBeLessThan(0.15);
  });
});
