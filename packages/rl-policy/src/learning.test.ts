/**
 * Learning tests on the synthetic preset: after a fixed-seed short training, PPO and A2C must reach a
 * clearly higher R_traj than the random agent on the held-out users' ground truth. The synthetic world is
 * generated smaller than the preset's default (fewer items and categories) so that training fits in
 * seconds; its mechanics (favourite categories, boredom, the category-window quit rule) are the preset's.
 * "Clearly" is 25% above random: about five standard errors of the random agent's mean over 200 episodes (std 2.95).
 * Fixed seeds on one backend make the run reproducible; another backend (tfjs-node) rounds differently.
 */
import { evaluate, loadPreset, RandomAgent, Simulator, type EnvSetup } from "@farsight/env";
import { beforeAll, describe, expect, it } from "vitest";
import { createAlgorithm, PolicyAgent, type AlgorithmName, type CreateAlgorithmOptions } from "./agent.js";
import { initBackend } from "./backend.js";
import { contextFromEnv } from "./policy.js";
import { trainPolicy } from "./trainer.js";

let setup: EnvSetup;
let randomReturn: number;
const EVAL = { episodes: 200, seeds: [0] };

beforeAll(async () => {
  setup = await loadPreset("synthetic", { synthetic: { numItems: 60, numCategories: 6, numUsers: 150 } });
  await initBackend();
  randomReturn = (await evaluate(setup, (s) => new RandomAgent(s), EVAL)).metrics["r_traj"]!;
});

async function trainAndEvaluate(algo: AlgorithmName, steps: number, batchSize: number, options: CreateAlgorithmOptions): Promise<number> {
  const env = new Simulator(setup.groundTruth, setup.makeRules(), { ...setup.simulator, users: setup.trainUsers, batchSize, autoReset: true, seed: 1 });
  const a = createAlgorithm(algo, contextFromEnv(env), options);
  await trainPolicy(env, a, { totalSteps: steps });
  const r = (await evaluate(setup, () => new PolicyAgent(a.policy), EVAL)).metrics["r_traj"]!;
  console.log(`[learning] ${algo}: R_traj ${r.toFixed(2)} vs random ${randomReturn.toFixed(2)} after ${steps} steps`);
  a.dispose();
  a.policy.dispose();
  return r;
}

describe("learning on the synthetic world", () => {
  it("A2C beats random by a wide margin", async () => {
    const r = await trainAndEvaluate("a2c", 4000, 16, { policy: { seed: 1 }, a2c: { learningRate: 0.01, rolloutSteps: 5 } });
    expect(r).toBeGreaterThan(1.25 * randomReturn);
  });

  it("PPO beats random by a wide margin", async () => {
    const r = await trainAndEvaluate("ppo", 4000, 32, { policy: { seed: 1 }, ppo: { learningRate: 0.01, rolloutSteps: 10, minibatchSize: 160 } });
    expect(r).toBeGreaterThan(1.25 * randomReturn);
  });
});
