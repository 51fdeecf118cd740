/**
 * The opt-in repeat logit of the softmax slate policy and DQN (`repeatLogit`; DQN's is an offset of Q): absent, the
 * policy is exactly what it was; present, a learned term on the items of the history lets a policy that may repeat
 * (FB) choose not to.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, tf } from "./backend.js";
import { banditBatch, tinyContext } from "./fixtures.js";
import { DqnPolicy } from "./dqn.js";
import { SlatePolicy } from "./slate-policy.js";

beforeAll(async () => {
  await initBackend();
});

describe("the repeat logit (opt-in)", () => {
  it("absent, no repeat parameter exists; present, it is the only parameter added and every other starts the same", () => {
    const ctx = tinyContext();
    const a = new SlatePolicy(ctx, { seed: 2, historyLength: 4 });
    const b = new SlatePolicy(ctx, { seed: 2, historyLength: 4, repeatLogit: -10 });
    expect(a.params.names()).not.toContain("actor/repeatLogit");
    expect(b.params.names().filter((n) => n !== "actor/repeatLogit")).toEqual(a.params.names());
    for (const n of a.params.names()) expect(Array.from(b.params.require(n).dataSync())).toEqual(Array.from(a.params.require(n).dataSync()));
    a.dispose();
    b.dispose();
  });

  it("a negative start keeps the greedy slate off the items of the history, without any mask", () => {
    const ctx = tinyContext(40, 4, 1);
    const plain = new SlatePolicy(ctx, { seed: 2, historyLength: 4 });
    const h = banditBatch(16, 4, ctx, 1);
    // Put each row's own greedy choice into its history: the plain policy (no mask) shows it again.
    const first = plain.act({ history: h, deterministic: true }).slates;
    for (let r = 0; r < 16; r++) {
      h.items[r * 4 + 2] = first[r]!;
      h.valid[r * 4 + 2] = 1;
    }
    const again = plain.act({ history: h, deterministic: true }).slates;
    const averse = new SlatePolicy(ctx, { seed: 2, historyLength: 4, repeatLogit: -100 });
    const avoided = averse.act({ history: h, deterministic: true }).slates;
    const inHistory = (r: number, item: number) => Array.from(h.items.subarray(r * 4, r * 4 + 4)).some((x, j) => x === item && h.valid[r * 4 + j] === 1);
    expect(Array.from(again).filter((item, r) => inHistory(r, item)).length).toBeGreaterThan(0);
    expect(Array.from(avoided).filter((item, r) => inHistory(r, item))).toEqual([]);
    // It is a trained parameter: the slate's log-probability has a gradient with respect to it.
    const g = tf.variableGrads(() => tf.sum(averse.logProbOf(h, avoided, null).logProb) as tf.Scalar, [averse.params.require("actor/repeatLogit")]);
    expect(Math.abs(Object.values(g.grads)[0]!.dataSync()[0]!)).toBeGreaterThan(0);
    tf.dispose([g.value, ...Object.values(g.grads)]);
    plain.dispose();
    averse.dispose();
  });

  it("DQN: absent, Q is as before; present, a negative offset keeps greedy slates off the history, and it is trained", () => {
    const ctx = tinyContext(40, 4, 1);
    const plain = new DqnPolicy(ctx, { seed: 2, historyLength: 4 });
    const averse = new DqnPolicy(ctx, { seed: 2, historyLength: 4, repeatLogit: -100 });
    expect(averse.params.names().filter((n) => n !== "q/repeatOffset")).toEqual(plain.params.names());
    const h = banditBatch(16, 4, ctx, 1);
    const first = plain.act({ history: h, deterministic: true }).slates;
    for (let r = 0; r < 16; r++) {
      h.items[r * 4 + 2] = first[r]!;
      h.valid[r * 4 + 2] = 1;
    }
    const inHistory = (r: number, item: number) => Array.from(h.items.subarray(r * 4, r * 4 + 4)).some((x, j) => x === item && h.valid[r * 4 + j] === 1);
    expect(Array.from(plain.act({ history: h, deterministic: true }).slates).filter((item, r) => inHistory(r, item)).length).toBeGreaterThan(0);
    expect(Array.from(averse.act({ history: h, deterministic: true }).slates).filter((item, r) => inHistory(r, item))).toEqual([]);
    // Q of a history item depends on the offset: the TD loss can move it.
    const repeated = Float32Array.from({ length: 16 * 40 }, (_, i) => (i % 40 === first[Math.floor(i / 40)]! ? 1 : 0));
    const g = tf.variableGrads(() => {
      const table = averse.table(true);
      return tf.sum(tf.mul(averse.q(averse.encode(h, table), table, h), tf.tensor2d(repeated, [16, 40]))) as tf.Scalar;
    }, [averse.params.require("q/repeatOffset")]);
    expect(Object.values(g.grads)[0]!.dataSync()[0]).toBeCloseTo(16, 4);
    tf.dispose([g.value, ...Object.values(g.grads)]);
    plain.dispose();
    averse.dispose();
  });
});
