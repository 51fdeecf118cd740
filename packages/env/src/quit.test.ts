import { createCatalog } from "@farsight/core";
import { describe, expect, it } from "vitest";
import { CategoryWindowRule, DistanceWindowRule, ResponseTemperRule, TemperRule, windowStart, type QuitRule } from "./quit.js";

/** Feeds a K=1 item sequence to a rule the way the simulator does; returns the 0-based step it quits at, or -1. */
function quitStep(rule: QuitRule, seq: number[], feedback: number[] = seq.map(() => 3)): number {
  rule.bind(1, 1);
  rule.reset(0);
  for (let t = 0; t < seq.length; t++) {
    const slate = Int32Array.of(seq[t]!);
    if (rule.shouldQuit(0, t, slate, 0, Float32Array.of(feedback[t]!))) return t;
    rule.push(0, t, slate, 0);
  }
  return -1;
}

describe("windowStart (EasyRL4Rec's seq[t-N:t] on a list of length t)", () => {
  it("gives window lengths 1, 2, 1, 4, 4 for N=4, t=1..5 under compat, and min(t, N) otherwise", () => {
    const len = (t: number, n: number, c: "none" | "easyrl4rec") => t - windowStart(t, n, c);
    expect([1, 2, 3, 4, 5].map((t) => len(t, 4, "easyrl4rec"))).toEqual([1, 2, 1, 4, 4]);
    expect([1, 2, 3, 4, 5].map((t) => len(t, 4, "none"))).toEqual([1, 2, 3, 4, 4]);
    expect([5, 6, 7, 8, 9].map((t) => len(t, 9, "easyrl4rec"))).toEqual([4, 3, 2, 1, 9]);
    expect(len(0, 4, "easyrl4rec")).toBe(0);
  });
});

describe("CategoryWindowRule", () => {
  // items 0..3 are in categories 0..3; item 4 is in category 0; item 5 is in categories 1 and 2.
  const catalog = createCatalog({ itemCategories: [[0], [1], [2], [3], [0], [1, 2]] });

  it("leaves when a category of the new item occurs more than `threshold` times in the last N items", () => {
    const rule = new CategoryWindowRule(catalog, { window: 4, threshold: 1 });
    // t=1: window [0] has c0 once (not > 1); t=2: window [0, 4] has c0 twice -> leave.
    expect(quitStep(rule, [0, 4, 0, 1])).toBe(2);
    // Only the last N items count. N=4: the c0 of t=0 has left the window by t=5 and t=6 (one c0 each);
    // at t=7 the window [3, 1, 4, 4] holds c0 twice. N=6: at t=6 the window [0..5] holds c0 twice.
    const seq = [0, 1, 2, 3, 1, 4, 4, 4];
    expect(quitStep(rule, seq)).toBe(7);
    expect(quitStep(new CategoryWindowRule(catalog, { window: 6, threshold: 1 }), seq)).toBe(6);
  });

  it("never leaves at t = 0 and counts every category of multi-category items", () => {
    const rule = new CategoryWindowRule(catalog, { window: 2, threshold: 0 });
    expect(quitStep(rule, [5])).toBe(-1);
    // item 5 (c1, c2) then item 2 (c2): c2 count 1 > 0 -> leave at t=1.
    expect(quitStep(rule, [5, 2])).toBe(1);
    // item 5 then item 3 (c3) then item 0: window [5, 3] has no c0.
    expect(quitStep(rule, [5, 3, 0])).toBe(-1);
  });

  it("reproduces the EasyRL4Rec window only under compat", () => {
    // N=4, threshold 0: at t=3 the intended window is [0, 1, 2] (has c0), the compat one is [2] only.
    const seq = [0, 1, 2, 4, 3];
    expect(quitStep(new CategoryWindowRule(catalog, { window: 4, threshold: 0 }), seq)).toBe(3);
    // compat: t=3 window [2] -> stay; t=4 window [0,1,2,4] has no c3 -> stay.
    expect(quitStep(new CategoryWindowRule(catalog, { window: 4, threshold: 0, compat: "easyrl4rec" }), seq)).toBe(-1);
  });
});

describe("DistanceWindowRule", () => {
  // Symmetric distances: d(0,1)=5, d(0,2)=10, d(1,2)=7, everything else 10, d(i,i)=0.
  const n = 4;
  const values = new Float32Array(n * n).fill(10);
  const set = (a: number, b: number, d: number) => {
    values[a * n + b] = d;
    values[b * n + a] = d;
  };
  for (let i = 0; i < n; i++) set(i, i, 0);
  set(0, 1, 5);
  set(1, 2, 7);
  const distance = { kind: "matrix" as const, numItems: n, values };

  it("leaves when the new item is closer than theta to any of the last N items", () => {
    expect(quitStep(new DistanceWindowRule(distance, { window: 2, theta: 6 }), [0, 2, 1])).toBe(2); // d(1,0)=5 < 6
    expect(quitStep(new DistanceWindowRule(distance, { window: 1, theta: 6 }), [0, 2, 1])).toBe(-1); // only d(1,2)=7
    expect(quitStep(new DistanceWindowRule(distance, { window: 2, theta: 8 }), [0, 2, 1])).toBe(2);
    // A repeat inside the window always leaves (distance 0).
    expect(quitStep(new DistanceWindowRule(distance, { window: 3, theta: 0.5 }), [3, 2, 3])).toBe(2);
  });

  it("reproduces the EasyRL4Rec window only under compat", () => {
    // N=3 at t=2: intended window [0, 2] (d(1,0)=5 < 6 -> leave); compat window [2] (d(1,2)=7 -> stay).
    expect(quitStep(new DistanceWindowRule(distance, { window: 3, theta: 6 }), [0, 2, 1])).toBe(2);
    expect(quitStep(new DistanceWindowRule(distance, { window: 3, theta: 6, compat: "easyrl4rec" }), [0, 2, 1])).toBe(-1);
  });

  it("adds BiLLP / IL-Rec's minReward, at every step or (BiLLP) from the second step", () => {
    const seq = [3, 2, 3], fb = [1, 4, 1];
    expect(quitStep(new DistanceWindowRule(distance, { window: 1, theta: 6, minReward: 2 }), seq, fb)).toBe(0);
    expect(quitStep(new DistanceWindowRule(distance, { window: 1, theta: 6, minReward: 2, minRewardSkipsFirstStep: true }), seq, fb)).toBe(2);
  });

  it("computes distances from embeddings when no matrix is given", () => {
    const emb = Float32Array.of(0, 0, 3, 4, 10, 0); // items 0,1,2 in 2-D: d(0,1)=5, d(1,2)=sqrt(49+16)
    const rule = new DistanceWindowRule({ kind: "embedding", numItems: 3, dim: 2, values: emb }, { window: 2, theta: 6 });
    expect(rule.dist(1, 2)).toBeCloseTo(Math.sqrt(65), 5);
    expect(quitStep(rule, [2, 1])).toBe(-1);
    expect(quitStep(rule, [2, 1, 0])).toBe(2);
  });
});

describe("TemperRule (KuaiSim)", () => {
  const catalog = createCatalog({ itemCategories: [[0], [1], [2], [0]] });
  function run(rule: TemperRule, slates: number[][]): number {
    rule.bind(1, slates[0]!.length);
    rule.reset(0);
    for (let t = 0; t < slates.length; t++) {
      const s = Int32Array.from(slates[t]!);
      if (rule.shouldQuit(0, t, s, 0)) return t;
      rule.push(0, t, s, 0);
    }
    return -1;
  }

  it("drops 1 per step and 1 more when a position repeats the previous slate's category; leaves below 1", () => {
    // T0=5: t0 -> 4; t1 repeats c0 at position 0 -> 2; t2 no repeat -> 1; t3 -> 0 < 1: leave.
    const rule = new TemperRule(catalog, { initial: 5 });
    expect(run(rule, [[0, 1], [3, 2], [1, 0], [2, 1]])).toBe(3);
    // Position matters: the same categories at swapped positions are not a repeat.
    const r2 = new TemperRule(catalog, { initial: 3 });
    expect(run(r2, [[0, 1], [1, 0], [0, 1]])).toBe(2); // 2, 1, 0
  });

  it("gives KuaiSim's 11..20 steps for T0 = 20", () => {
    const always = Array.from({ length: 30 }, () => [0]);
    const never = Array.from({ length: 30 }, (_, t) => [t % 3]);
    expect(run(new TemperRule(catalog, { initial: 20 }), always)).toBe(10); // the 11th step
    expect(run(new TemperRule(catalog, { initial: 20 }), never)).toBe(19); // the 20th step
  });
});

describe("ResponseTemperRule (KuaiSim's own leave model)", () => {
  /** The step at which the user leaves, given each step's clicks; -1 if they stay through. */
  function run(rule: ResponseTemperRule, clicks: number[][]): number {
    const K = clicks[0]!.length;
    rule.bind(2, K);
    rule.reset(1);
    const slate = new Int32Array(2 * K);
    for (let t = 0; t < clicks.length; t++) {
      const feedback = new Float32Array(2 * K);
      feedback.set(clicks[t]!, K); // slot 1's slate sits at offset K
      if (rule.shouldQuit(1, t, slate, K, feedback)) return t;
      rule.push();
    }
    return -1;
  }
  const steps = (n: number, row: number[]) => Array.from({ length: n }, () => row);

  it("costs 2 minus the slate's click rate: 10 slates without a click, 20 with every item clicked (T0 = 20)", () => {
    expect(run(new ResponseTemperRule({ initial: 20 }), steps(40, [0, 0, 0]))).toBe(9); // the 10th slate
    expect(run(new ResponseTemperRule({ initial: 20 }), steps(40, [1, 1, 1]))).toBe(19); // the 20th slate
    // Half the items clicked: 1.5 per slate; 20 - 13 * 1.5 = 0.5 < 1 on the 13th slate.
    expect(run(new ResponseTemperRule({ initial: 20 }), steps(40, [1, 0, 1, 0]))).toBe(12);
  });

  it("clamps the change to [-maxDrop, 0]: a response above the baseline restores nothing", () => {
    // Responses of 5 (a multi-behaviour weighted sum) are above the baseline 2: no patience is lost.
    expect(run(new ResponseTemperRule({ initial: 3 }), steps(50, [5, 5]))).toBe(-1);
    // maxDrop 0.5 with no clicks: 3 -> 2.5 -> 2 -> 1.5 -> 1 -> 0.5: the 5th slate.
    expect(run(new ResponseTemperRule({ initial: 3, maxDrop: 0.5 }), steps(10, [0, 0]))).toBe(4);
  });

  it("keeps slots apart and starts over on reset", () => {
    const rule = new ResponseTemperRule({ initial: 2 });
    rule.bind(2, 1);
    const slate = new Int32Array(2), fb = new Float32Array([0, 1]);
    expect(rule.shouldQuit(0, 0, slate, 0, fb)).toBe(true); // 2 - 2 = 0
    expect(rule.shouldQuit(1, 0, slate, 1, fb)).toBe(false); // 2 - 1 = 1
    rule.reset(0);
    expect(rule.patience(0)).toBe(2);
    expect(rule.patience(1)).toBe(1);
  });

  it("refuses an initial patience below 1", () => {
    expect(() => new ResponseTemperRule({ initial: 0 })).toThrow(/initial >= 1/);
  });
});
