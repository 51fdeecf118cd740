/**
 * The user-aware state (`userState`): the user's logged past, category affinities and features form a user vector
 * beside the session state, so two users get different first slates while the session state is what it is without
 * one; the past is not "already recommended" (repeat logit, no-repeat masks); a checkpoint keeps what acting needs.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildUserProfiles, CategoryWindowRule, generateSynthetic, Simulator, SyntheticWorld, type UserProfiles } from "@farsight/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAlgorithm, PolicyAgent } from "./agent.js";
import { initBackend, tf } from "./backend.js";
import { loadPolicy, saveCheckpoint } from "./checkpoint.js";
import { emptyHistory, readRepeatMask } from "./features.js";
import { tinyContext } from "./fixtures.js";
import { SlatePolicy } from "./slate-policy.js";
import { categoryAffinity } from "./user-state.js";

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), "farsight-user-state-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Four users over 40 items: user u rated items 10u..10u+4 (rating 5 - j) and has a one-hot feature u. */
function profiles(): UserProfiles {
  const user: number[] = [], item: number[] = [], rating: number[] = [];
  for (let u = 0; u < 4; u++) {
    for (let j = 0; j < 5; j++) {
      user.push(u);
      item.push(10 * u + j);
      rating.push(5 - j);
    }
  }
  const features = new Float32Array(16);
  for (let u = 0; u < 4; u++) features[u * 4 + u] = 1;
  return buildUserProfiles({ numUsers: 4, log: { user: Int32Array.from(user), item: Int32Array.from(item), rating: Float32Array.from(rating) }, features, featureDim: 4 });
}

const session = (users: number[]) => {
  const h = emptyHistory(users.length, 4, 40);
  h.users.set(users);
  return h;
};

function logitsOf(p: SlatePolicy, users: number[]): Float32Array {
  return tf.tidy(() => {
    const h = session(users);
    return p.logits(p.encode(h, p.table()), p.table(), h).dataSync() as Float32Array;
  });
}

describe("user-aware state", () => {
  it("off, every user has the same empty-session state; on, users differ at step 0", () => {
    const ctx = { ...tinyContext(), profiles: profiles() };
    const off = new SlatePolicy(ctx, { seed: 1, historyLength: 4 });
    const on = new SlatePolicy(ctx, { seed: 1, historyLength: 4, userState: { topK: 3 } });
    const same = logitsOf(off, [0, 1]);
    expect(Array.from(same.subarray(0, 40))).toEqual(Array.from(same.subarray(40, 80)));
    const diff = logitsOf(on, [0, 1]);
    expect(Array.from(diff.subarray(0, 40))).not.toEqual(Array.from(diff.subarray(40, 80)));
    expect(on.params.names()).toEqual(expect.arrayContaining(["user/token", "user/featureProj", "user/pastPosition", "user/proj/w", "user/norm/g"]));
    expect(off.params.names().filter((n) => n.startsWith("user/"))).toEqual([]);
    off.dispose();
    on.dispose();
  });

  it("the session part of the state is exactly the session-only state, the user part at its scale", () => {
    const ctx = { ...tinyContext(), profiles: profiles() };
    const off = new SlatePolicy(ctx, { seed: 5, historyLength: 4 });
    const on = new SlatePolicy(ctx, { seed: 5, historyLength: 4, userState: {} });
    const h = session([0, 1, 2]);
    // Two shown items in every row, newest last.
    for (let r = 0; r < 3; r++) for (const j of [2, 3]) {
      h.items[r * 4 + j] = 7 * r + j;
      h.valid[r * 4 + j] = 1;
      h.feedback[r * 4 + j] = j - 2;
    }
    const [a, b] = tf.tidy(() => [off.encode(h, off.table()).arraySync(), on.encode(h, on.table()).arraySync()]);
    const width = a[0]!.length;
    expect(b[0]!.length).toBe(width + 32);
    for (let r = 0; r < 3; r++) expect(b[r]!.slice(0, width)).toEqual(a[r]);
    // The user part is at the session part's scale (root mean square per row), whatever its own layer norm gives.
    const rms = (v: number[]) => Math.sqrt(v.reduce((x, y) => x + y * y, 0) / v.length);
    for (let r = 0; r < 3; r++) expect(rms(b[r]!.slice(width))).toBeCloseTo(rms(a[r]!), 4);
    off.dispose();
    on.dispose();
  });

  it("the response loss (a myopic click fit) does not train the user pathway; the policy gradient does", () => {
    const ctx = { ...tinyContext(), profiles: profiles() };
    const p = new SlatePolicy(ctx, { seed: 6, historyLength: 4, userState: {} });
    const h = session([0, 1, 2, 3]);
    const slates = Int32Array.of(0, 11, 22, 33);
    const stored = { history: h, slates, actions: new Float32Array(0), mask: null, slateFeedback: Float32Array.of(1, 0, 1, 0) };
    const userVars = ["user/proj/w", "user/token"].map((n) => p.params.require(n));
    const gradOf = (f: () => tf.Scalar) => {
      const g = tf.variableGrads(f, userVars);
      const norm = Object.values(g.grads).reduce((a, t) => a + tf.sum(tf.abs(t)).dataSync()[0]!, 0);
      tf.dispose([g.value, ...Object.values(g.grads)]);
      return norm;
    };
    expect(gradOf(() => p.evaluateActions(stored).auxiliaryLoss!)).toBe(0);
    expect(gradOf(() => tf.sum(p.evaluateActions(stored).logProb) as tf.Scalar)).toBeGreaterThan(0);
    p.dispose();
  });

  it("category affinity: a user's mean rating per category against their own mean, in their std, shrunk by n / (n + 1)", () => {
    // User 0 rated items 0..4 (categories 0, 1, 2, 3, 0) 5, 4, 3, 2, 1: mean 3, std sqrt(2).
    const a = categoryAffinity(profiles(), tinyContext().itemCategory, 4);
    expect(a).toHaveLength(16);
    const half = 1 / Math.sqrt(2) / 2;
    [0, half, 0, -half].forEach((v, c) => expect(a[c]).toBeCloseTo(v, 6));
    // A user with one rating (std 0) has no affinities.
    const one = buildUserProfiles({ numUsers: 1, log: { user: Int32Array.of(0), item: Int32Array.of(3), rating: Float32Array.of(4) } });
    expect(Array.from(categoryAffinity(one, tinyContext().itemCategory, 4))).toEqual([0, 0, 0, 0]);
  });

  it("the user's logged items are not items recommended this session: the repeat logit leaves them alone", () => {
    const ctx = { ...tinyContext(), profiles: profiles() };
    const neutral = new SlatePolicy(ctx, { seed: 3, historyLength: 4, userState: {}, repeatLogit: 0 });
    const averse = new SlatePolicy(ctx, { seed: 3, historyLength: 4, userState: {}, repeatLogit: -10 });
    // Same initial parameters (the repeat logit aside): at step 0 the logits must agree on every item, the user's past included.
    const a = logitsOf(neutral, [0, 2]), b = logitsOf(averse, [0, 2]);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 5);
    neutral.dispose();
    averse.dispose();
  });

  it("an env with profiles masks nothing at session start in NX_0 (the past is not 'already shown')", () => {
    const data = generateSynthetic({ numUsers: 4, numItems: 40, numCategories: 4, seed: 1 });
    const sim = new Simulator(new SyntheticWorld(data), [new CategoryWindowRule(data.catalog, { window: 5, threshold: 3 })], { batchSize: 4, mode: "NX_0", profiles: profiles(), seed: 1 });
    sim.reset();
    expect(Array.from(readRepeatMask(sim)!).every((x) => x === 1)).toBe(true);
    const agent = new PolicyAgent(new SlatePolicy({ ...tinyContext(), itemCategory: data.catalog.itemCategory, profiles: profiles() }, { seed: 1, historyLength: 4, userState: {} }));
    const out = new Int32Array(4);
    agent.act(sim, out);
    expect(sim.step(out).endCode.every((c) => c !== 4)).toBe(true);
    (agent.policy as SlatePolicy).dispose();
  });

  it("a batch without users is refused with the code that says so", () => {
    const p = new SlatePolicy({ ...tinyContext(), profiles: profiles() }, { historyLength: 4, userState: {} });
    const h = emptyHistory(2, 4, 40);
    expect(() => p.act({ history: { ...h, users: undefined } })).toThrow(/names no users/);
    p.dispose();
  });

  it("a checkpoint keeps the users' top-k past and features: the loaded policy acts the same without an env", async () => {
    const ctx = { ...tinyContext(), profiles: profiles() };
    const algo = createAlgorithm({ algorithm: "ppo", context: ctx, policy: { seed: 4, historyLength: 4, userState: { topK: 2, userEmbedding: true } } });
    const before = logitsOf(algo.policy as SlatePolicy, [0, 1, 2, 3, -1]);
    const manifest = await saveCheckpoint(join(dir, "ppo"), algo);
    expect(manifest.context.numUsers).toBe(4);
    expect(manifest.context.userFeatureDim).toBe(4);
    const { policy } = await loadPolicy(join(dir, "ppo"));
    expect(policy.options.userState).toEqual({ topK: 2, features: true, userEmbedding: true, categories: true });
    expect(Array.from(logitsOf(policy as SlatePolicy, [0, 1, 2, 3, -1]))).toEqual(Array.from(before));
    algo.dispose();
    algo.policy.dispose();
    policy.dispose();
  });
});
