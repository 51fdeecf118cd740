import type { Episode, ItemScorer } from "@farsight/core";
import { evaluate, GreedyAgent, loadPreset, makeSimulator, RandomAgent, RoundRobinAgent, Simulator, type Agent, type EnvSetup } from "@farsight/env";
import { beforeAll, describe, expect, it } from "vitest";
import { A2CPolicy } from "../a2c.js";
import { PolicyAgent } from "../agent.js";
import { initBackend } from "../backend.js";
import { RolloutBuffer } from "../buffers.js";
import { Collector } from "../collector.js";
import { emptyHistory, readHistory, readRepeatMask } from "../features.js";
import { contextFromEnv } from "../policy.js";
import { DemoBuffer } from "./demo-buffer.js";
import { Discriminator, transitionFeatures } from "./discriminator.js";
import { IlrecLearner, trainBehaviourCloning } from "./learner.js";
import { ilrecDefaults, resolveIlrecOptions } from "./options.js";
import { MixedReplay } from "./replay.js";
import { criticAdvantages, demoWeights } from "./weights.js";

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
    const seen: { items: number[]; feedback: number[]; mask: number[] }[][] = Array.from({ length: 8 }, () => []);
    const h = emptyHistory(8, 10, 80);
    const episodes = record(new RoundRobinAgent({ scorer, seed: 2 }), 8, 4, (sim, b, t) => {
      readHistory(sim, h, 1);
      // The mask the collector and PolicyAgent act under (no repeats, in FB mode too).
      const mask = readRepeatMask(sim, undefined, true)!;
      seen[b]![t] = { items: Array.from(h.items.subarray(b * 10, b * 10 + 10)), feedback: Array.from(h.feedback.subarray(b * 10, b * 10 + 10)), mask: Array.from(mask.subarray(b * 80, b * 80 + 80)) };
    });
    const buf = DemoBuffer.fromEpisodes(episodes, { ...SHAPE, numItems: 80 });
    expect(buf.size).toBe(episodes.reduce((n, e) => n + e.length, 0));
    // Episodes finish in slot order per step; match each episode's states against what its slot saw, by content.
    const all = new Set(seen.flat().map((s) => JSON.stringify(s)));
    for (let r = 0; r < buf.size; r++) {
      const row = buf.history([r]);
      expect(all.has(JSON.stringify({ items: Array.from(row.items), feedback: Array.from(row.feedback), mask: Array.from(buf.masks([r])) }))).toBe(true);
    }
    expect(buf.dones.reduce((n, d) => n + d, 0)).toBe(episodes.length);
    expect(buf.unusableRows).toBe(0);
    // A teacher that re-shows an item did what the policy can never do under the mask: that row is unusable, weight 0.
    const rep = DemoBuffer.fromEpisodes([{ ...episodes[0]!, steps: [episodes[0]!.steps[0]!, episodes[0]!.steps[1]!, episodes[0]!.steps[0]!] }], { ...SHAPE, numItems: 80 });
    expect(Array.from(rep.usable)).toEqual([1, 1, 0]);
    expect(rep.weights[2]).toBe(0);
    expect(rep.masks([2])[episodes[0]!.steps[0]!.slate[0]!]).toBe(0);
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
    const demoTrain = features(record(new RoundRobinAgent({ scorer, seed: 1 }), 24, 1));
    const randTrain = features(record(new RandomAgent({ seed: 1 }), 40, 2));
    const demoTest = features(record(new RoundRobinAgent({ scorer, seed: 5 }), 12, 7));
    const randTest = features(record(new RandomAgent({ seed: 5 }), 20, 8));
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

describe("MixedReplay", () => {
  it("scores every replayed slate under the mask it was chosen under: the rollout's for env rows, the session's for demonstrations", async () => {
    const scorer = (await makeSimulator(setup, "test", { batchSize: 1 })).scorer;
    const demos = DemoBuffer.fromEpisodes(record(new RoundRobinAgent({ scorer, seed: 1 }), 6, 1), { ...SHAPE, numItems: 80 });
    const env = trainSim(4, 2);
    const policy = new A2CPolicy(contextFromEnv(env), { seed: 0 });
    const collector = new Collector(env, policy);
    const buffer = new RolloutBuffer(6, 4, { historyLength: 10, slateSize: 1, actionDim: 0, numItems: 80 });
    collector.collectRollout(buffer);
    const replay = new MixedReplay(demos, 16, 1); // capacity 16 < 24 rows: the ring wraps, masks must follow it
    replay.addRollout(buffer, collector.history);
    // After the wrap, env row i holds rollout row 8 + i (rows 16..23 overwrote 0..7).
    const envRows = Int32Array.from([0, 5, 7, 8, 15]);
    const demoRows = Int32Array.from([0, 3, demos.size - 1]);
    const batch = replay.transitions({ envRows, demoRows });
    envRows.forEach((r, j) => {
      const src = r < 8 ? 16 + r : r;
      expect(Array.from(batch.mask.subarray(j * 80, (j + 1) * 80))).toEqual(Array.from(buffer.masks[src]!));
      expect(batch.slates[j]).toBe(buffer.slates[src]);
    });
    demoRows.forEach((r, j) => {
      const o = envRows.length + j;
      expect(Array.from(batch.mask.subarray(o * 80, (o + 1) * 80))).toEqual(Array.from(demos.masks([r])));
      expect(batch.mask[o * 80 + batch.slates[o]!]).toBe(1); // the demonstrated item itself is allowed
    });
    // The imitation batch carries the same demonstration masks.
    expect(Array.from(replay.demoBatch({ envRows, demoRows })!.mask!)).toEqual(Array.from(demos.masks(demoRows)));
    policy.dispose();
  });
});

/** Greedy on the negated scores: the items the user likes least, which also repeat the user's least-liked categories. */
function worstItems(scorer: ItemScorer): ItemScorer {
  return {
    numUsers: scorer.numUsers, numItems: scorer.numItems,
    scoreAll: (u, out) => {
      const s = scorer.scoreAll(u, out);
      for (let i = 0; i < s.length; i++) s[i] = -s[i]!;
      return s;
    },
  };
}

describe("IL-Rec demonstration weights from a critic", () => {
  it("reject a teacher worse than the policy (weight ~0) and keep a better one; the released form cannot reject", async () => {
    const scorer = (await makeSimulator(setup, "test", { batchSize: 1 })).scorer;
    const shape = { ...SHAPE, numItems: 80 };
    // The critic: the Monte-Carlo value of a uniformly random policy (its mean discounted return-to-go), i.e.
    // "the policy earns what random earns from any state".
    const random = DemoBuffer.fromEpisodes(record(new RandomAgent({ seed: 4 }), 40, 4), shape);
    const v0 = random.returns.reduce((a, b) => a + b, 0) / random.size;
    const gateOf = (demos: DemoBuffer, form: "filter" | "released") => {
      const v = new Float32Array(demos.size).fill(v0);
      const adv = criticAdvantages(demos.rewards, demos.dones, v, v, SHAPE.gamma);
      const opts = resolveIlrecOptions(ilrecDefaults("synthetic")).weights;
      const w = demoWeights(adv, new Float32Array(demos.size).fill(0.5), { ...opts, form });
      return w.reduce((a, b) => a + b, 0) / w.length;
    };
    const bad = DemoBuffer.fromEpisodes(record(new GreedyAgent({ scorer: worstItems(scorer) }), 40, 5), shape);
    const good = DemoBuffer.fromEpisodes(record(new RoundRobinAgent({ scorer, seed: 6 }), 40, 6), shape);
    const meanReturn = (d: DemoBuffer) => d.rewards.reduce((a, b) => a + b, 0) / d.dones.reduce((a, b) => a + b, 0);
    expect(meanReturn(bad)).toBeLessThan(meanReturn(random)); // the premise: one teacher is worse than the critic's policy
    expect(meanReturn(good)).toBeGreaterThan(meanReturn(random));
    expect(gateOf(bad, "filter")).toBeLessThan(0.05);
    expect(gateOf(good, "filter")).toBeGreaterThan(0.3);
    expect(gateOf(bad, "released")).toBeCloseTo(1, 4); // mean-1 normalisation: a bad teacher keeps full weight
  });
});

describe("IlrecLearner", () => {
  // Shipped synthetic defaults, seeds 0-2, each asserted. The teacher is myopic (the best items for the user, which
  // cluster in a few categories, so the category-window rule ends its sessions after about 4 steps): behaviour
  // cloning inherits that; IL-Rec's critic gate and annealed imitation must let RL leave it behind. Measured
  // (sampled IL-Rec / max(teacher, BC greedy, BC sampled)) with the A2C of commit 07639e4: 6.20 / 3.42, 6.00 / 3.42,
  // 5.57 / 3.42; it passes on the current A2C too, margins not re-measured.
  // Greedy-served IL-Rec is not asserted: at this budget in this small world it still collapses to a few fixed
  // sequences (1.2-2.8), which the package README reports.
  it("learns past a myopic teacher: served sampled, IL-Rec beats the teacher and behaviour cloning by 30% on every seed", async () => {
    const scorer = (await makeSimulator(setup, "test", { batchSize: 1 })).scorer;
    const ev = async (agent: Agent) => (await evaluate(setup, () => agent, { episodes: 60, seeds: [0] })).metrics.r_traj!;
    const episodes = record(new GreedyAgent({ scorer }), 40, 1);
    const teacher = await ev(new GreedyAgent({ scorer }));
    for (const seed of [0, 1, 2]) {
      const options = resolveIlrecOptions(ilrecDefaults("synthetic"), { seed });
      const env = trainSim(16, seed);
      const demos = DemoBuffer.fromEpisodes(episodes, { ...SHAPE, numItems: env.numItems });
      const policy = new A2CPolicy(contextFromEnv(env), { seed });
      const learner = new IlrecLearner(policy, demos, options);
      const summary = await learner.train(env, 3200);
      const ilrec = await ev(new PolicyAgent({ policy, deterministic: false }));
      const bcPolicy = new A2CPolicy(contextFromEnv(env), { seed });
      trainBehaviourCloning(bcPolicy, demos, { steps: 500, seed });
      const bc = Math.max(await ev(new PolicyAgent({ policy: bcPolicy })), await ev(new PolicyAgent({ policy: bcPolicy, deterministic: false })));
      // The run imitated at first and annealed to pure RL by the end.
      expect(summary.imitationScale).toBe(0);
      expect(summary.discriminatorAccuracy).toBeGreaterThan(0.5);
      expect(ilrec, `seed ${seed}: IL-Rec ${ilrec}, teacher ${teacher}, BC ${bc}`).toBeGreaterThan(1.3 * Math.max(teacher, bc));
      learner.dispose();
      policy.dispose();
      bcPolicy.dispose();
    }
  }, 420_000);

  it("without demonstrations is the package's A2C: no discriminator, no imitation", async () => {
    const env = trainSim(8, 1);
    const policy = new A2CPolicy(contextFromEnv(env), { seed: 0 });
    const learner = new IlrecLearner(policy, null, { seed: 0 });
    const summary = await learner.train(env, 160);
    expect(learner.replay).toBeUndefined();
    expect(Number.isNaN(summary.discriminatorAccuracy)).toBe(true);
    expect(summary.imitationScale).toBe(0);
    learner.dispose();
    policy.dispose();
  });

  it("refreshes the discriminator and weights every `discriminatorEvery` rollouts, however many gradient steps A2C takes per rollout", async () => {
    const scorer = (await makeSimulator(setup, "test", { batchSize: 1 })).scorer;
    const env = trainSim(8, 1);
    const policy = new A2CPolicy(contextFromEnv(env), { seed: 0 });
    const demos = DemoBuffer.fromEpisodes(record(new RoundRobinAgent({ scorer, seed: 1 }), 4, 1), { ...SHAPE, numItems: 80 });
    // 8 slots x 10 steps = 80 transitions per rollout, minibatches of 32: A2C takes 3 steps per rollout.
    const learner = new IlrecLearner(policy, demos, { seed: 0, a2c: { rolloutSteps: 10, minibatchSize: 32 }, discriminatorEvery: 3, discriminator: { stepsPerTrain: 3 } });
    await learner.train(env, 4 * 80);
    expect(learner.algorithm.updates).toBeGreaterThan(4); // several A2C steps per rollout
    // Refreshed before rollouts 0 and 3 of 4; counting A2C steps (0, 3, 6, 9: all multiples of 3) would refresh 4 times.
    expect(learner.discriminator!.steps).toBe(2 * 3);
    learner.dispose();
    policy.dispose();
  });

  it("anneals the imitation scale linearly to 0 over the configured share of the budget", () => {
    const env = trainSim(1, 0);
    const policy = new A2CPolicy(contextFromEnv(env), { seed: 0 });
    const at = (anneal: number) => {
      const l = new IlrecLearner(policy, null, { imitationAnneal: anneal });
      const r = [0, 250, 500, 1000].map((d) => l.imitationScaleAt(d, 1000));
      l.dispose();
      return r;
    };
    expect(at(1)).toEqual([1, 0.75, 0.5, 0]);
    expect(at(0.5)).toEqual([1, 0.5, 0, 0]);
    expect(at(0)).toEqual([1, 1, 1, 1]);
    policy.dispose();
  });
});
