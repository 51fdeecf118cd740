import type { Episode } from "@farsight/core";
import { evaluate, loadPreset, makeSimulator, RandomAgent, RoundRobinAgent, Simulator, type Agent, type EnvSetup } from "@farsight/env";
import { beforeAll, describe, expect, it } from "vitest";
import { A2CPolicy } from "../a2c.js";
import { PolicyAgent } from "../agent.js";
import { initBackend } from "../backend.js";
import { emptyHistory, readHistory } from "../features.js";
import { contextFromEnv } from "../policy.js";
import { DemoBuffer } from "./demo-buffer.js";
import { Discriminator, transitionFeatures } from "./discriminator.js";
import { IlrecLearner } from "./learner.js";

let setup: EnvSetup;
beforeAll(async () => {
  await initBackend();
  // A small synthetic world (8 categories, 80 items): the category-window rule ends a session when a category
  // repeats among the last 4 items, so the round-robin teacher (best item of the next category) is strong.
  setup = await loadPreset("synthetic", { synthetic: { numCategories: 8, numItems: 80, numUsers: 60, seed: 3 } });
});

/** A training-users simulator on the preset's ground truth. */
function trainSim(batchSize: number, seed: number, sessionLimit?: number): Simulator {
  const world = setup.groundTruth.fork?.() ?? setup.groundTruth;
  return new Simulator(world, setup.makeRules(), { ...setup.simulator, users: setup.trainUsers, batchSize, autoReset: true, seed, ...(sessionLimit ? { sessionLimit } : {}) });
}

/** Runs `agent` for `episodes` sessions and returns them as core Episodes (what demonstrations are). */
function record(agent: Agent, episodes: number, seed: number, onStep?: (sim: Simulator, b: number, t: number) => void): Episode[] {
  const sim = trainSim(8, seed, episodes);
  const out: Episode[] = [];
  const current: Episode["steps"][number][][] = Array.from({ length: 8 }, () => []);
  const slates = new Int32Array(8 * sim.slateSize);
  agent.begin?.(sim);
  sim.reset();
  while (sim.numActive() > 0) {
    agent.act(sim, slates);
    const active = Uint8Array.from(sim.active);
    for (let b = 0; b < 8; b++) if (active[b]) onStep?.(sim, b, current[b]!.length);
    const r = sim.step(slates);
    for (let b = 0; b < 8; b++) {
      if (!active[b]) continue;
      current[b]!.push({ slate: [slates[b]!], categories: [sim.catalog.itemCategory[slates[b]!]!], feedback: [r.feedback[b]!], reward: r.reward[b]! });
      if (!r.done[b]) continue;
      out.push({ sessionId: `s${out.length}`, userId: r.finalUser[b]!, steps: current[b]!, return: r.finalReturn[b]!, length: r.finalLength[b]!, endReason: "quit" });
      current[b] = [];
    }
  }
  return out;
}

const SHAPE = { historyLength: 10, slateSize: 1, feedbackScale: 1, gamma: 0.9 };

describe("DemoBuffer", () => {
  it("gives each demonstrated step the state the env's readHistory gives the policy", async () => {
    const scorer = (await makeSimulator(setup, "test", { batchSize: 1 })).scorer;
    const seen: { items: number[]; feedback: number[] }[][] = Array.from({ length: 8 }, () => []);
    const h = emptyHistory(8, 10, 80);
    const episodes = record(new RoundRobinAgent(scorer, 2), 8, 4, (sim, b, t) => {
      readHistory(sim, h, 1);
      seen[b]![t] = { items: Array.from(h.items.subarray(b * 10, b * 10 + 10)), feedback: Array.from(h.feedback.subarray(b * 10, b * 10 + 10)) };
    });
    const buf = DemoBuffer.fromEpisodes(episodes, { ...SHAPE, numItems: 80 });
    expect(buf.size).toBe(episodes.reduce((n, e) => n + e.length, 0));
    // Episodes finish in slot order per step; match each episode's states against what its slot saw, by content.
    const all = new Set(seen.flat().map((s) => JSON.stringify(s)));
    for (let r = 0; r < buf.size; r++) {
      const row = buf.history([r]);
      expect(all.has(JSON.stringify({ items: Array.from(row.items), feedback: Array.from(row.feedback) }))).toBe(true);
    }
    expect(buf.dones.reduce((n, d) => n + d, 0)).toBe(episodes.length);
    expect(() => DemoBuffer.fromEpisodes([{ ...episodes[0]!, steps: [{ slate: [99], categories: [0], feedback: [1], reward: 1 }] }], { ...SHAPE, numItems: 80 })).toThrow(/item 99 is outside/);
  });
});

describe("IL-Rec discriminator", () => {
  it("learns to separate policy transitions from demonstrations of a different behaviour", async () => {
    const scorer = (await makeSimulator(setup, "test", { batchSize: 1 })).scorer;
    const policy = new A2CPolicy(contextFromEnv(trainSim(1, 0)), { seed: 1 });
    const shape = { ...SHAPE, numItems: 80 };
    const features = (episodes: Episode[]) => {
      const b = DemoBuffer.fromEpisodes(episodes, shape);
      return transitionFeatures(policy, b.history(b.allRows()), b.slates);
    };
    const demoTrain = features(record(new RoundRobinAgent(scorer, 1), 24, 1));
    const randTrain = features(record(new RandomAgent(1), 40, 2));
    const demoTest = features(record(new RoundRobinAgent(scorer, 5), 12, 7));
    const randTest = features(record(new RandomAgent(5), 20, 8));
    const d = new Discriminator({ seed: 3, stepsPerTrain: 150, learningRate: 3e-3 });
    const before = d.probability(demoTest);
    d.train(randTrain, demoTrain);
    const mean = (xs: Float32Array) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const onDemo = d.probability(demoTest), onPolicy = d.probability(randTest);
    const accuracy = (onDemo.filter((v) => v < 0.5).length + onPolicy.filter((v) => v >= 0.5).length) / (onDemo.length + onPolicy.length);
    expect(accuracy).toBeGreaterThan(0.8);
    expect(mean(onDemo)).toBeLessThan(mean(before));
    expect(mean(onPolicy)).toBeGreaterThan(mean(onDemo) + 0.3);
    d.dispose();
    policy.dispose();
  });
});

describe("IlrecLearner", () => {
  it("beats A2C without demonstrations on the same budget when the teacher is strong (fixed seeds)", async () => {
    const scorer = (await makeSimulator(setup, "test", { batchSize: 1 })).scorer;
    const episodes = record(new RoundRobinAgent(scorer, 1), 40, 1);
    const evalAgent = async (agent: Agent) => (await evaluate(setup, () => agent, { episodes: 60, seeds: [0] })).metrics;
    const teacher = await evalAgent(new RoundRobinAgent(scorer, 9));
    const results: Record<string, number>[] = [];
    const summaries = [];
    for (const withDemos of [false, true]) {
      const env = trainSim(16, 5);
      const policy = new A2CPolicy(contextFromEnv(env), { seed: 0 });
      const demos = withDemos ? DemoBuffer.fromEpisodes(episodes, { ...SHAPE, numItems: env.numItems }) : null;
      const learner = new IlrecLearner(policy, demos, { seed: 0, a2c: { gamma: 0.9 }, discriminator: { stepsPerTrain: 10 } });
      summaries.push(await learner.train(env, 2400));
      results.push(await evalAgent(new PolicyAgent(policy)));
      learner.dispose();
      policy.dispose();
    }
    const [a2c, ilrec] = results as [Record<string, number>, Record<string, number>];
    // The IL-Rec run trained its discriminator and weighted its demonstrations (plain A2C has none).
    expect(summaries[1]!.discriminatorAccuracy).toBeGreaterThan(0.5);
    expect(summaries[1]!.weightEss).toBeGreaterThan(0);
    expect(summaries[1]!.weightEss).toBeLessThanOrEqual(1);
    expect(Number.isNaN(summaries[0]!.discriminatorAccuracy)).toBe(true);
    // The teacher keeps users for the whole session; A2C alone has not learned that within this budget.
    expect(teacher.r_traj!).toBeGreaterThan(2 * a2c.r_traj!);
    expect(ilrec.r_traj!).toBeGreaterThan(1.5 * a2c.r_traj!);
    expect(ilrec.len!).toBeGreaterThan(a2c.len! + 5);
  });
});
