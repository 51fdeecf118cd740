/**
 * The opt-in category logit of the softmax slate policy (`categoryLogit`): absent, the policy is exactly what it was;
 * present, one weight per lag moves every item of a recently shown category, and the policy gradient reaches it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, tf } from "./backend.js";
import { recentCategories } from "./category-logit.js";
import { banditBatch, tinyContext } from "./fixtures.js";
import { SlatePolicy } from "./slate-policy.js";

beforeAll(async () => {
  await initBackend();
});

describe("the category logit (opt-in)", () => {
  it("recentCategories marks the category of the k-th newest valid item, and nothing for padding", () => {
    const ctx = tinyContext(12, 3, 1); // item i in category i mod 3
    // Row 0: items 4 (cat 1), 2 (cat 2), 6 (cat 0), newest last; row 1: one item (5, cat 2), the rest padding.
    const h = { batchSize: 2, length: 3, items: Int32Array.from([4, 2, 6, 12, 12, 5]), feedback: new Float32Array(6), valid: Float32Array.from([1, 1, 1, 0, 0, 1]) };
    const out = recentCategories(h, ctx.itemCategory, 3, 2);
    // [row][lag][category]
    expect(Array.from(out)).toEqual([1, 0, 0, /* lag 2 */ 0, 0, 1, /* row 1 */ 0, 0, 1, 0, 0, 0]);
  });

  it("absent, no parameter is added; present, only its two parameters are, and every other starts the same", () => {
    const ctx = tinyContext();
    const a = new SlatePolicy(ctx, { seed: 2, historyLength: 4 });
    const b = new SlatePolicy(ctx, { seed: 2, historyLength: 4, categoryLogit: { lags: 3 } });
    expect(a.params.names().filter((n) => n.startsWith("actor/category"))).toEqual([]);
    // Without a user state there is no affinity to weigh: the lag weights alone.
    expect(b.params.names().filter((n) => !a.params.names().includes(n))).toEqual(["actor/categoryLag"]);
    for (const n of a.params.names()) expect(Array.from(b.params.require(n).dataSync())).toEqual(Array.from(a.params.require(n).dataSync()));
    // Starting at 0 the offsets are neutral: the same logits.
    const h = banditBatch(8, 4, ctx, 1);
    const la = tf.tidy(() => a.logits(a.encode(h, a.table()), a.table(), h).dataSync());
    const lb = tf.tidy(() => b.logits(b.encode(h, b.table()), b.table(), h).dataSync());
    expect(Array.from(lb)).toEqual(Array.from(la));
    a.dispose();
    b.dispose();
  });

  it("a lag weight moves exactly the items of that lag's category, by logitScale times the weight", () => {
    const ctx = tinyContext(40, 4, 1);
    const p = new SlatePolicy(ctx, { seed: 2, historyLength: 4, categoryLogit: { lags: 2 } });
    const h = banditBatch(8, 4, ctx, 1); // one item per row, at the newest position
    const before = tf.tidy(() => p.logits(p.encode(h, p.table()), p.table(), h).dataSync());
    p.params.require("actor/categoryLag").assign(tf.tensor1d([-2, 7]));
    const after = tf.tidy(() => p.logits(p.encode(h, p.table()), p.table(), h).dataSync());
    for (let r = 0; r < 8; r++) {
      const c = ctx.itemCategory[h.items[r * 4 + 3]!]!;
      for (let i = 0; i < 40; i++) {
        // Lag 2 is padding in every row: its weight changes nothing.
        const shift = ctx.itemCategory[i] === c ? -2 * p.options.logitScale : 0;
        expect(after[r * 40 + i]! - before[r * 40 + i]!).toBeCloseTo(shift, 3);
      }
    }
    // The policy gradient reaches the lag weights.
    const slates = p.act({ history: h, deterministic: false }).slates;
    const g = tf.variableGrads(() => tf.sum(p.logProbOf(h, slates, null).logProb) as tf.Scalar, [p.params.require("actor/categoryLag")]);
    expect(Math.abs(Object.values(g.grads)[0]!.dataSync()[0]!)).toBeGreaterThan(0);
    tf.dispose([g.value, ...Object.values(g.grads)]);
    p.dispose();
  });

  it("refuses more lags than the history holds, naming the option", () => {
    expect(() => new SlatePolicy(tinyContext(), { historyLength: 4, categoryLogit: { lags: 5 } })).toThrow(/categoryLogit.lags/);
  });
});
