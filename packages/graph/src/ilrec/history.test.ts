import type { IlrecProgress } from "@farsight/rl-policy/tf";
import { describe, expect, it } from "vitest";
import { CURVE_POINTS, TrainingRecorder } from "./history.js";

/** A progress report with only the fields the recorder reads set to something other than NaN. */
function progress(p: Partial<IlrecProgress>): IlrecProgress {
  return {
    envSteps: 0, updates: 0, episodes: 0, meanReturn: NaN, meanLength: NaN, loss: NaN, discriminatorLoss: NaN, discriminatorAccuracy: NaN,
    maxWeight: NaN, weightEss: NaN, meanWeight: NaN, acceptedShare: NaN, gatedShare: NaN, imitationScale: 1, ...p,
  };
}

describe("TrainingRecorder", () => {
  it("pools the episodes between two curve points, weighted by how many finished in each report", () => {
    const rec = new TrainingRecorder(CURVE_POINTS * 10, "filter");
    const curve = rec.progress("IL-Rec policy", 0.5);
    // 3 episodes of return 1 then 1 episode of return 5 before the first point (step 10): mean 2, not 3.
    curve(progress({ envSteps: 4, episodes: 3, meanReturn: 1, meanLength: 2 }));
    curve(progress({ envSteps: 10, episodes: 4, meanReturn: 5, meanLength: 6, imitationScale: 0.8, gatedShare: 0.25 }));
    const at10 = Object.fromEntries(rec.curves.filter((c) => c.step === 10).map((c) => [c.metric, c.value]));
    expect(at10).toEqual({ return: 2, len: 3, imitation_lambda: 0.4, demo_gated_share: 0.25 });
    // No episode finished since: no return point, but the schedule is still drawn.
    curve(progress({ envSteps: 20, episodes: 4, imitationScale: 0.6 }));
    expect(rec.curves.filter((c) => c.step === 20).map((c) => c.metric)).toEqual(["imitation_lambda"]);
  });

  it("keeps about CURVE_POINTS points per series however often progress arrives", () => {
    const rec = new TrainingRecorder(1000, "filter");
    const curve = rec.progress("A2C, no demonstrations");
    for (let s = 3; s <= 1002; s += 3) curve(progress({ envSteps: s, episodes: s, meanReturn: 1, meanLength: 1 }));
    const points = rec.curves.filter((c) => c.metric === "return");
    expect(points.length).toBeGreaterThanOrEqual(CURVE_POINTS - 1);
    expect(points.length).toBeLessThanOrEqual(CURVE_POINTS + 1);
    expect(points.at(-1)!.step).toBe(1002);
  });

  it("bins the usable weights, counting exact zeros apart and leaving repeats out", () => {
    const rec = new TrainingRecorder(100, "filter");
    rec.snapshot(16, [0, 0, 0.05, 0.1, 0.15, 1, 0.7], [1, 0, 1, 1, 1, 1, 1]);
    const s = rec.weights[0]!;
    expect(s).toMatchObject({ step: 16, refresh: 0, usable: 6, zero: 1 });
    // (0, 0.1] holds 0.05 and 0.1; (0.1, 0.2] 0.15; (0.6, 0.7] 0.7; (0.9, 1] 1.
    expect(s.counts).toEqual([2, 1, 0, 0, 0, 0, 1, 0, 0, 1]);
    expect(s.mean).toBeCloseTo((0 + 0.05 + 0.1 + 0.15 + 1 + 0.7) / 6, 6);
    // The released form is unbounded: the last bin takes everything above its edge.
    const released = new TrainingRecorder(100, "released");
    released.snapshot(16, [0.9, 40], [1, 1]);
    expect(released.weights[0]!.counts.at(-1)).toBe(1);
    expect(released.weights[0]!.counts[3]).toBe(1);
  });

  it("averages behaviour cloning's loss over runs of gradient steps", () => {
    const rec = new TrainingRecorder(100, "filter");
    const step = rec.bcStep("behaviour cloning", CURVE_POINTS * 2);
    for (let s = 1; s <= CURVE_POINTS * 2; s++) step(s, s);
    expect(rec.curves).toHaveLength(CURVE_POINTS);
    expect(rec.curves[0]).toEqual({ series: "behaviour cloning", step: 2, metric: "bc_loss", value: 1.5 });
  });
});
