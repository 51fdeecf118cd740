/**
 * The opt-in category logit of the softmax slate policy (`categoryLogit`): absent, the policy is exactly what it was;
 * present, one weight per lag moves every item of a recently shown category, and the policy gradient reaches it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildUserProfiles } from "@farsight/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OnPolicyAlgorithm } from "./algorithm.js";
import { createAlgorithm } from "./agent.js";
import { initBackend, tf } from "./backend.js";
import { recentCategories } from "./category-logit.js";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { emptyHistory } from "./features.js";
import { banditBatch, tinyContext, trainOnBandit } from "./fixtures.js";
import { SlatePolicy } from "./slate-policy.js";

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), "rl-policy-category-logit-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
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

  it("PPO trains the lag weights, and a checkpoint keeps the option and the weights (same greedy slates)", async () => {
    const a = createAlgorithm({ algorithm: "ppo", context: tinyContext(40, 4, 1), policy: { seed: 1, historyLength: 4, categoryLogit: { lags: 2 } } }) as OnPolicyAlgorithm;
    trainOnBandit(a, 3, 16);
    const w = Array.from(a.policy.params.require("actor/categoryLag").dataSync());
    expect(w.some((x) => x !== 0)).toBe(true);
    await saveCheckpoint(join(dir, "ckpt"), a);
    const loaded = await loadCheckpoint(join(dir, "ckpt"));
    expect(loaded.policy.options.categoryLogit).toEqual({ lags: 2, affinity: true });
    expect(Array.from(loaded.policy.params.require("actor/categoryLag").dataSync())).toEqual(w);
    const h = banditBatch(16, 4, a.policy.context, 5);
    expect(Array.from(loaded.policy.act({ history: h, deterministic: true }).slates)).toEqual(Array.from(a.policy.act({ history: h, deterministic: true }).slates));
    loaded.algorithm.dispose();
    loaded.policy.dispose();
    a.dispose();
    a.policy.dispose();
  });

  it("with a user state, the affinity weight moves each item by logitScale times its user's affinity for its category", () => {
    // Two users over 40 items in 4 categories (item i in category i mod 4): user 0 rated categories 0 high and 1 low,
    // user 1 the reverse.
    const log = { user: Int32Array.from([0, 0, 1, 1]), item: Int32Array.from([0, 1, 4, 5]), rating: Float32Array.from([5, 1, 1, 5]) };
    const ctx = { ...tinyContext(), profiles: buildUserProfiles({ numUsers: 2, log }) };
    const p = new SlatePolicy(ctx, { seed: 3, historyLength: 4, userState: {}, categoryLogit: { lags: 0 } });
    const h = emptyHistory(2, 4, 40);
    h.users.set([0, 1]);
    const logits = () => tf.tidy(() => p.logits(p.encode(h, p.table()), p.table(), h).dataSync());
    const before = logits();
    p.params.require("actor/categoryAffinity").assign(tf.tensor1d([1]));
    const after = logits();
    const affinity = p.boundAffinity!;
    expect(affinity[0 * 4 + 0]).toBeGreaterThan(0);
    expect(affinity[1 * 4 + 0]).toBeLessThan(0);
    for (let u = 0; u < 2; u++) {
      for (let i = 0; i < 40; i++) expect(after[u * 40 + i]! - before[u * 40 + i]!).toBeCloseTo(p.options.logitScale * affinity[u * 4 + (i % 4)]!, 3);
    }
    p.dispose();
  });

  it("refuses more lags than the history holds and policies without an item softmax, naming the option", () => {
    expect(() => new SlatePolicy(tinyContext(), { historyLength: 4, categoryLogit: { lags: 5 } })).toThrow(/categoryLogit.lags/);
    // Policies without a softmax over items refuse it rather than ignore it.
    expect(() => createAlgorithm({ algorithm: "dqn", context: tinyContext(), policy: { historyLength: 4, categoryLogit: {} } })).toThrow(/categoryLogit is an option of the softmax/);
    expect(() => createAlgorithm({ algorithm: "ppo", context: tinyContext(), policy: { historyLength: 4, categoryLogit: {} }, ppo: { policyHead: "hyper-action" } })).toThrow(/categoryLogit is an option of the softmax/);
  });
});
