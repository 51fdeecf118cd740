import { beforeAll, describe, expect, it } from "vitest";
import { A2CAlgorithm, A2CPolicy, DEFAULT_A2C_OPTIONS, imitationLoss } from "./a2c.js";
import type { ActorCriticPolicy } from "./actor-critic.js";
import type { OnPolicyAlgorithm } from "./algorithm.js";
import { initBackend, tf } from "./backend.js";
import { RolloutBuffer } from "./buffers.js";
import { DqnAlgorithm, DqnPolicy } from "./dqn.js";
import { banditBatch, banditRewards, tinyContext, trainOnBandit } from "./fixtures.js";
import { HyperActionPolicy } from "./hyper-action.js";
import type { Policy, PolicyContext } from "./policy.js";
import { createPpoPolicy, PpoAlgorithm } from "./ppo.js";
import { ReinforceAlgorithm } from "./reinforce.js";
import { SlatePolicy } from "./slate-policy.js";

beforeAll(async () => {
  await initBackend();
});

const greedyReward = (policy: Policy) => {
  const h = banditBatch(64, policy.options.historyLength, policy.context, 999);
  const slates = policy.act({ history: h, deterministic: true }).slates;
  const r = banditRewards(h, slates, policy.context);
  return r.reduce((a, x) => a + x, 0) / r.length;
};

/** Every on-policy algorithm with its shipped defaults (only the network is made small), one seed each. */
const onPolicy: [string, (ctx: PolicyContext) => OnPolicyAlgorithm][] = [
  ["PPO, softmax slate policy", (ctx) => new PpoAlgorithm(createPpoPolicy(ctx, { seed: 3, historyLength: 4 }))],
  ["PPO, LERL's hyper-action", (ctx) => new PpoAlgorithm(createPpoPolicy(ctx, { seed: 3, historyLength: 4 }, { policyHead: "hyper-action" }))],
  ["A2C, softmax slate policy", (ctx) => new A2CAlgorithm(new SlatePolicy(ctx, { seed: 3, historyLength: 4 }))],
  ["REINFORCE, value baseline", (ctx) => new ReinforceAlgorithm(new SlatePolicy(ctx, { seed: 3, historyLength: 4 }, "reinforce"))],
  ["REINFORCE, mean baseline", (ctx) => new ReinforceAlgorithm(new SlatePolicy(ctx, { seed: 3, historyLength: 4 }, "reinforce"), { baseline: "mean" })],
  ["REINFORCE, no baseline", (ctx) => new ReinforceAlgorithm(new SlatePolicy(ctx, { seed: 3, historyLength: 4 }, "reinforce"), { baseline: "none" })],
];

describe("on-policy algorithms learn a contextual bandit (the right category depends on the state), defaults", () => {
  it.each(onPolicy)("%s: slates of 2 move from chance (1/4) to mostly right", (_name, make) => {
    const algo = make(tinyContext(40, 4, 2));
    const before = greedyReward(algo.policy);
    trainOnBandit(algo, 60);
    expect(before).toBeLessThan(0.5);
    expect(greedyReward(algo.policy)).toBeGreaterThan(0.8);
    algo.dispose();
    algo.policy.dispose();
  });

  it("DQN: regresses slate Q-values to the rewards and acts greedily on them", () => {
    const ctx = tinyContext();
    const policy = new DqnPolicy(ctx, { seed: 3, historyLength: 4 });
    const algo = new DqnAlgorithm(policy, { learningRate: 0.01, learningStarts: 64, batchSize: 64, gamma: 0.5, targetUpdateEvery: 10 });
    const before = greedyReward(policy);
    for (let iter = 0; iter < 80; iter++) {
      algo.setProgress(iter / 80);
      const history = banditBatch(32, 4, ctx, iter);
      const act = policy.act({ history });
      const rewards = banditRewards(history, act.slates, ctx);
      algo.observe({ history, slates: act.slates, rewards, dones: new Uint8Array(32).fill(1), next: history, nextMask: null });
    }
    expect(before).toBeLessThan(0.5);
    expect(greedyReward(policy)).toBeGreaterThan(0.8);
    algo.dispose();
    policy.dispose();
  });
});

describe("A2C's auxiliary-loss hook (IL-Rec's imitation term)", () => {
  it("with zero advantages, the imitation term alone makes demonstrated slates more likely", () => {
    const ctx = tinyContext(20, 4, 1);
    const policy = new A2CPolicy(ctx, { seed: 5, historyLength: 4 });
    const demoHistory = banditBatch(16, 4, ctx, 1);
    const demoSlates = new Int32Array(16).fill(7);
    let calls = 0;
    const algo = new A2CAlgorithm(policy, {
      learningRate: 0.02,
      entropyCoef: 0,
      valueCoef: 0,
      auxiliaryLosses: [imitationLoss(() => (calls++, { history: demoHistory, slates: demoSlates }), 1)],
    });
    const logProbOfDemo = () => tf.tidy(() => tf.mean(policy.logProbOf(demoHistory, demoSlates, null).logProb).dataSync()[0]!);
    const before = logProbOfDemo();
    // Rewards are all zero, so the policy-gradient term contributes nothing after normalisation.
    const buf = new RolloutBuffer(1, 16, { historyLength: 4, slateSize: 1, actionDim: 0, numItems: 20 });
    for (let i = 0; i < 20; i++) {
      buf.reset();
      const act = policy.act({ history: demoHistory, withValue: true });
      buf.addAction(demoHistory, act.slates, act.action, act.logProb, act.value, null);
      buf.addOutcome(new Float32Array(16), new Uint8Array(16).fill(1));
      buf.finish(new Float32Array(16), 0.9, 1);
      buf.advantages.fill(0);
      algo.update(buf);
    }
    expect(calls).toBe(20);
    expect(logProbOfDemo()).toBeGreaterThan(before + 1);
    algo.dispose();
    policy.dispose();
  });
});

/** A one-step rollout of `policy` on the bandit, with masks and slate feedback recorded as the collector does. */
function banditRollout(policy: ActorCriticPolicy, mask: Uint8Array | null): RolloutBuffer {
  const ctx = policy.context, b = 32;
  const history = banditBatch(b, policy.options.historyLength, ctx, 5);
  const buf = new RolloutBuffer(1, b, { historyLength: policy.options.historyLength, slateSize: ctx.slateSize, actionDim: policy.actionDim, numItems: ctx.numItems });
  const act = policy.act({ history, itemMask: mask, withValue: true });
  const rewards = banditRewards(history, act.slates, ctx);
  buf.addAction(history, act.slates, act.action, act.logProb, act.value, act.mask);
  buf.addOutcome(rewards, new Uint8Array(b).fill(1), Float32Array.from({ length: b * ctx.slateSize }, (_, i) => rewards[Math.floor(i / ctx.slateSize)]!));
  buf.finish(new Float32Array(b), 0.9, 0.95);
  return buf;
}

describe("acting and learning see one distribution", () => {
  const policies: [string, (ctx: PolicyContext) => ActorCriticPolicy][] = [
    ["softmax slate policy", (ctx) => new SlatePolicy(ctx, { seed: 2, historyLength: 4 }, "ppo")],
    ["hyper-action policy", (ctx) => new HyperActionPolicy(ctx, { seed: 2, historyLength: 4 })],
  ];

  it.each(policies)("%s: evaluateActions at the rollout's parameters gives the rollout's log-probs (ratio 1), under its mask", (_name, make) => {
    const ctx = tinyContext(40, 4, 3);
    const policy = make(ctx);
    // Half the items masked (e.g. already shown): a loss that forgot the mask would give other log-probs.
    const mask = Uint8Array.from({ length: 32 * 40 }, (_, i) => (i % 40) % 2);
    const buf = banditRollout(policy, mask);
    const lp = tf.tidy(() => policy.evaluateActions({ history: banditBatch(32, 4, ctx, 5), slates: buf.slates, actions: buf.actions, mask: buf.masks[0] ? stack(buf.masks) : null }).logProb.dataSync());
    for (let i = 0; i < 32; i++) expect(lp[i]).toBeCloseTo(buf.logProbs[i]!, 4);
    for (const item of buf.slates) expect(item % 2).toBe(1);
    policy.dispose();
  });

  it("the softmax policy's sampled slates follow its softmax (Gumbel-top-K frequencies match the probabilities)", () => {
    const ctx = tinyContext(8, 4, 1);
    const policy = new SlatePolicy(ctx, { seed: 9, historyLength: 4 });
    const history = banditBatch(1, 4, ctx, 0);
    const probs = tf.tidy(() => tf.softmax(policy.logits(policy.encode(history, policy.table()), policy.table())).dataSync());
    const counts = new Float64Array(8);
    const draws = 4000;
    for (let i = 0; i < draws; i++) counts[policy.act({ history }).slates[0]!]!++;
    for (let i = 0; i < 8; i++) expect(Math.abs(counts[i]! / draws - probs[i]!)).toBeLessThan(0.03);
    policy.dispose();
  });
});

function stack(masks: (Uint8Array | null)[]): Uint8Array {
  const n = masks[0]!.length;
  const out = new Uint8Array(masks.length * n);
  masks.forEach((m, i) => out.set(m!, i * n));
  return out;
}

describe("the critic's return normalisation", () => {
  it("value() is in return units: after observing returns of std s, the head's output is multiplied by s", () => {
    const policy = new SlatePolicy(tinyContext(), { seed: 1, historyLength: 4 });
    const history = banditBatch(4, 4, policy.context, 1);
    const state = () => policy.encode(history, policy.table());
    const before = tf.tidy(() => Array.from(policy.value(state()).dataSync()));
    const head = tf.tidy(() => Array.from(policy.normalizedValue(state()).dataSync()));
    expect(before).toEqual(head);
    policy.observeReturns(Float32Array.from([0, 10, 20, 30]));
    const std = Math.sqrt(125);
    expect(policy.returnStd()).toBeCloseTo(std, 4);
    const after = tf.tidy(() => Array.from(policy.value(state()).dataSync()));
    after.forEach((v, i) => expect(v).toBeCloseTo(head[i]! * std, 3));
    // The running statistics combine batches exactly (Chan's update): 0..30 then 40 gives the std of all five.
    policy.observeReturns(Float32Array.from([40]));
    expect(policy.returnStd()).toBeCloseTo(Math.sqrt(200), 4);
    policy.dispose();
  });

  it("by default the value loss does not reach the shared encoder; with criticGradient it does", () => {
    const norms: number[] = [];
    for (const criticGradient of [false, true]) {
      const policy = new SlatePolicy(tinyContext(), { seed: 1, historyLength: 4 }, "ppo", criticGradient);
      const history = banditBatch(8, 4, policy.context, 1);
      const encoder = policy.params.require("enc/mean/out/w");
      const { grads } = tf.variableGrads(() => tf.sum(policy.normalizedValue(policy.encode(history, policy.table(true)))) as tf.Scalar, [encoder, ...policy.params.list(["critic/"]).filter((v) => v.shape.length === 2)]);
      const norm = tf.tidy(() => tf.sum(tf.abs(grads[encoder.name]!)).dataSync()[0]!);
      norms.push(norm);
      tf.dispose(grads);
      policy.dispose();
    }
    expect(norms[0]).toBe(0);
    expect(norms[1]).toBeGreaterThan(0);
  });
});

describe("LERL's hyper-action", () => {
  it("the behaviour loss reaches the item vectors that score the slate (the Gaussian density alone does not)", () => {
    const ctx = tinyContext(40, 4, 2);
    const policy = new HyperActionPolicy(ctx, { seed: 2, historyLength: 4 });
    const buf = banditRollout(policy, null);
    const table = policy.params.require("items/table");
    const stored = { history: banditBatch(32, 4, ctx, 5), slates: buf.slates, actions: buf.actions, mask: null };
    const gradNorm = (withFeedback: boolean) => {
      const { value, grads } = tf.variableGrads(() => {
        const ev = policy.evaluateActions(withFeedback ? { ...stored, slateFeedback: buf.slateFeedback } : stored);
        const logProbTerm = tf.neg(tf.mean(ev.logProb));
        return (ev.auxiliaryLoss ? tf.add(logProbTerm, ev.auxiliaryLoss) : logProbTerm) as tf.Scalar;
      }, [table]);
      // Items enter the Gaussian term only through the encoder's history: compare the rows of the shown items that are not in any history.
      const g = grads[table.name]!.arraySync() as number[][];
      value.dispose();
      tf.dispose(grads);
      const histories = new Set(stored.history.items);
      let sum = 0;
      for (const item of buf.slates) if (!histories.has(item)) sum += g[item]!.reduce((a, x) => a + Math.abs(x), 0);
      return sum;
    };
    expect(gradNorm(false)).toBe(0);
    expect(gradNorm(true)).toBeGreaterThan(0);
    policy.dispose();
  });

  it("PPO reports the diagnostics a user needs to see whether it learns", () => {
    const algo = new PpoAlgorithm(createPpoPolicy(tinyContext(40, 4, 2), { seed: 1, historyLength: 4 }));
    const stats = algo.update(banditRollout(algo.policy, null));
    for (const key of ["policyLoss", "valueLoss", "entropy", "approxKl", "clipFraction", "explainedVariance", "gradNorm", "responseLoss", "learningRate"]) expect(stats).toHaveProperty(key);
    expect(stats.entropy).toBeGreaterThan(0);
    expect(stats.approxKl).toBeGreaterThanOrEqual(0);
    algo.dispose();
    algo.policy.dispose();
  });
});

it("A2C takes several gradient steps per rollout (minibatches), not one", () => {
  const algo = new A2CAlgorithm(new SlatePolicy(tinyContext(), { seed: 1, historyLength: 4 }));
  const buf = new RolloutBuffer(4, 32, { historyLength: 4, slateSize: 1, actionDim: 0, numItems: 40 });
  for (let t = 0; t < 4; t++) {
    const history = banditBatch(32, 4, algo.policy.context, t);
    const act = algo.policy.act({ history, withValue: true });
    buf.addAction(history, act.slates, act.action, act.logProb, act.value, act.mask);
    buf.addOutcome(banditRewards(history, act.slates, algo.policy.context), new Uint8Array(32).fill(1));
  }
  buf.finish(new Float32Array(32), 0.9, 0.95);
  algo.update(buf);
  expect(algo.updates).toBe(128 / DEFAULT_A2C_OPTIONS.minibatchSize);
  algo.dispose();
  algo.policy.dispose();
});
