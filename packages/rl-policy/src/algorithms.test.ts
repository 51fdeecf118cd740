import { beforeAll, describe, expect, it } from "vitest";
import { A2CAlgorithm, A2CPolicy, imitationLoss } from "./a2c.js";
import { initBackend, tf } from "./backend.js";
import { RolloutBuffer } from "./buffers.js";
import { DqnAlgorithm, DqnPolicy } from "./dqn.js";
import { banditBatch, banditRewards, tinyContext, trainOnBandit } from "./fixtures.js";
import { PpoAlgorithm, PpoPolicy } from "./ppo.js";

beforeAll(async () => {
  await initBackend();
});

const greedyReward = (policy: { act: PpoPolicy["act"]; context: PpoPolicy["context"]; options: PpoPolicy["options"] }) => {
  const h = banditBatch(64, policy.options.historyLength, policy.context, 999);
  const slates = policy.act({ history: h, deterministic: true }).slates;
  const r = banditRewards(h, slates, policy.context);
  return r.reduce((a, x) => a + x, 0) / r.length;
};

describe("algorithms learn a contextual bandit (the right category depends on the state)", () => {
  it("PPO: hyper-action scoring moves from chance (1/4) to mostly right", () => {
    const ctx = tinyContext();
    const policy = new PpoPolicy(ctx, { seed: 3, historyLength: 4 });
    const algo = new PpoAlgorithm(policy, { learningRate: 0.01, minibatchSize: 64, epochs: 4 });
    const before = greedyReward(policy);
    const means = trainOnBandit(algo, 40);
    expect(before).toBeLessThan(0.5);
    expect(means.slice(-5).reduce((a, x) => a + x) / 5).toBeGreaterThan(0.6);
    expect(greedyReward(policy)).toBeGreaterThan(0.8);
    algo.dispose();
    policy.dispose();
  });

  it("A2C: softmax over items, slates of 2 drawn without replacement", () => {
    const ctx = tinyContext(40, 4, 2);
    const policy = new A2CPolicy(ctx, { seed: 3, historyLength: 4 });
    const algo = new A2CAlgorithm(policy, { learningRate: 0.01 });
    const before = greedyReward(policy);
    trainOnBandit(algo, 60);
    expect(before).toBeLessThan(0.5);
    expect(greedyReward(policy)).toBeGreaterThan(0.8);
    algo.dispose();
    policy.dispose();
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
