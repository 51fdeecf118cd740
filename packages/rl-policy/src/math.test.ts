import { Rng } from "@farsight/core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, tf } from "./backend.js";
import { computeGae } from "./buffers.js";
import { gaussianLogProb, MASKED_LOGIT, plackettLuceLogProb, sampleSlates, topKSlates } from "./distributions.js";
import { combineMasks, planMaskFromCategories } from "./features.js";

beforeAll(async () => {
  await initBackend();
});

describe("computeGae", () => {
  it("matches hand-computed TD(0) and Monte-Carlo advantages, and does not bootstrap across a done", () => {
    // T = 3 steps, B = 1 slot; the session ends at step 1, a new one starts at step 2.
    const rewards = Float32Array.from([1, 2, 3]);
    const values = Float32Array.from([0.5, 1, 2]);
    const dones = Uint8Array.from([0, 1, 0]);
    const last = Float32Array.from([4]);
    const adv = new Float32Array(3), ret = new Float32Array(3);
    computeGae(3, 1, rewards, values, dones, last, 0.9, 0, adv, ret);
    expect(Array.from(adv)).toEqual([1 + 0.9 * 1 - 0.5, 2 - 1, 3 + 0.9 * 4 - 2].map((x) => Math.fround(x)));
    computeGae(3, 1, rewards, values, dones, last, 0.9, 1, adv, ret);
    // lambda = 1: returns are discounted sums up to the done, plus the bootstrap after it.
    expect(ret[0]).toBeCloseTo(1 + 0.9 * 2, 5);
    expect(ret[1]).toBeCloseTo(2, 5);
    expect(ret[2]).toBeCloseTo(3 + 0.9 * 4, 5);
  });

  it("keeps slots independent in the time-major layout", () => {
    // T = 2, B = 2: slot 1 has zero rewards throughout.
    const adv = new Float32Array(4), ret = new Float32Array(4);
    computeGae(2, 2, Float32Array.from([1, 0, 1, 0]), new Float32Array(4), new Uint8Array(4), new Float32Array(2), 0.5, 1, adv, ret);
    expect(Array.from(ret)).toEqual([1.5, 0, 1, 0]);
  });
});

describe("slates under masks", () => {
  it("top-K never picks a masked item, even when every allowed score is negative", () => {
    // The multiplicative-mask bug: score * mask makes masked items 0, which beats negative in-plan scores.
    const scores = Float32Array.from([-3, -1, 5, -2, 4, -0.5]);
    const mask = Uint8Array.from([1, 1, 0, 1, 0, 1]);
    const out = topKSlates(scores, 6, 3, mask, new Int32Array(3));
    expect(Array.from(out)).toEqual([5, 1, 3]);
  });

  it("sampled slates are distinct, allowed, and follow the softmax for K = 1", () => {
    const rng = new Rng(7, "test");
    const logits = Float32Array.from([0, Math.log(3), 0, 10]);
    const mask = Uint8Array.from([1, 1, 1, 0]);
    const counts = [0, 0, 0, 0];
    const out = new Int32Array(1);
    for (let i = 0; i < 5000; i++) counts[sampleSlates(logits, 4, 1, mask, rng, out)[0]!]!++;
    expect(counts[3]).toBe(0);
    expect(counts[1]! / 5000).toBeGreaterThan(0.55);
    expect(counts[1]! / 5000).toBeLessThan(0.65);
    const slate = sampleSlates(Float32Array.from([1, 2, 3, 4, 5]), 5, 5, null, rng, new Int32Array(5));
    expect(new Set(slate).size).toBe(5);
  });

  it("Plackett-Luce probabilities of all ordered slates sum to 1 and ignore masked items", () => {
    const n = 4, k = 2;
    const slates: number[] = [];
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (a !== b && a !== 3 && b !== 3) slates.push(a, b);
    const rows = slates.length / k;
    const total = tf.tidy(() => {
      const logits = tf.tile(tf.tensor2d([[0.3, -1, 2, 0.7]]), [rows, 1]) as tf.Tensor2D;
      const masked = tf.add(logits, tf.tile(tf.tensor2d([[0, 0, 0, MASKED_LOGIT]]), [rows, 1])) as tf.Tensor2D;
      const { logProb } = plackettLuceLogProb(masked, tf.tensor2d(slates, [rows, k], "int32"));
      return tf.sum(tf.exp(logProb)).dataSync()[0]!;
    });
    expect(total).toBeCloseTo(1, 4);
  });

  it("Gaussian log-density matches the closed form", () => {
    const lp = tf.tidy(() => gaussianLogProb(tf.tensor2d([[1, -1]]), tf.tensor2d([[0, 0]]), tf.tensor1d([0, Math.log(2)])).dataSync()[0]!);
    const expected = -0.5 * 1 - 0.5 * Math.log(2 * Math.PI) + (-0.5 * 0.25 - Math.log(2) - 0.5 * Math.log(2 * Math.PI));
    expect(lp).toBeCloseTo(expected, 5);
  });
});

describe("combineMasks", () => {
  const itemCategory = Int32Array.from([0, 0, 1, 1, 2, 2]);
  it("restricts to the plan and to unseen items", () => {
    const plan = planMaskFromCategories([[1, 2]], 3);
    const seen = Uint8Array.from([1, 1, 0, 1, 1, 1]);
    expect(Array.from(combineMasks(1, itemCategory, 3, 2, seen, plan)!)).toEqual([0, 0, 0, 1, 1, 1]);
  });
  it("drops the plan, then the item mask, when fewer than K items remain, and counts it", () => {
    const stats = { planRelaxed: 0, maskRelaxed: 0 };
    const plan = planMaskFromCategories([[0], [0]], 3);
    const seen = Uint8Array.from([0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1]);
    const out = combineMasks(2, itemCategory, 3, 2, seen, plan, stats)!;
    expect(Array.from(out.subarray(0, 6))).toEqual([0, 1, 1, 1, 1, 1]);
    expect(Array.from(out.subarray(6))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(stats).toEqual({ planRelaxed: 2, maskRelaxed: 1 });
  });
  it("returns null when nothing is masked", () => {
    expect(combineMasks(1, itemCategory, 3, 1, null, undefined)).toBeNull();
  });
});
