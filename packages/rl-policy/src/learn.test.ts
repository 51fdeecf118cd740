// No initBackend() anywhere in this file: the one-line helpers must choose a backend themselves (vitest runs each
// test file in its own process, so nothing else chose one before).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FarsightError } from "@farsight/core";
import { makeGymEnv, type GymEnv } from "@farsight/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OnPolicyAlgorithm } from "./algorithm.js";
import { A2C, DQN, PPO, REINFORCE, type TrainedAgent } from "./learn.js";

let env: GymEnv;
let dir: string;
beforeAll(async () => {
  // The smallest synthetic catalog, on its ground truth (no predicted world to train): seconds, not minutes.
  env = await makeGymEnv("synthetic", { role: "train-gt", preset: { items: 300 } });
  dir = await mkdtemp(join(tmpdir(), "rl-policy-learn-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return err instanceof FarsightError ? err.code : `not a FarsightError: ${String(err)}`;
  }
  return undefined;
}

/** Plays one session with the agent's predictions; returns the actions. */
function playSession(agent: TrainedAgent, seed: number): number[] {
  let { observation, info } = env.reset({ seed });
  const actions: number[] = [];
  for (let done = false; !done; ) {
    const action = agent.predict(observation, { actionMask: info.actionMask }) as number;
    actions.push(action);
    const r = env.step(action);
    done = r.terminated || r.truncated;
    ({ observation, info } = r);
  }
  return actions;
}

describe("PPO.learn(env, { steps })", () => {
  let agent: TrainedAgent;
  beforeAll(async () => {
    agent = await PPO.learn(env, { steps: 320, batchSize: 16, seed: 3 });
  });

  it("chooses a TF.js backend itself and trains for the budget", () => {
    expect(["wasm", "cpu", "tensorflow"]).toContain(agent.backend.backend);
    expect(agent.policy.kind).toBe("ppo");
    expect(agent.training!.envSteps).toBeGreaterThanOrEqual(320);
    expect(agent.algorithm.updates).toBeGreaterThan(0);
  });

  it("evaluates on the preset's held-out users with the env protocol, the same numbers twice when greedy", async () => {
    const a = await agent.evaluate({ episodes: 12, seeds: [0, 1] });
    const b = await agent.evaluate({ episodes: 12, seeds: [0, 1] });
    expect(a.metrics.episodes).toBe(24);
    expect(a.perSeed).toHaveLength(2);
    expect(b.metrics).toEqual(a.metrics);
    expect(a.metrics.len).toBeGreaterThan(0);
  });

  it("predicts actions for Gymnasium observations: valid ids, never one already in the history", () => {
    const actions = playSession(agent, 0);
    expect(actions.length).toBeGreaterThan(0);
    for (const [t, a] of actions.entries()) {
      expect(env.actionSpace.contains(a)).toBe(true);
      expect(actions.slice(Math.max(0, t - env.sim.historyLength), t)).not.toContain(a);
    }
    const mask = new Uint8Array(env.sim.numItems);
    mask[7] = 1; // one allowed item
    expect(agent.predict(env.reset().observation, { actionMask: mask })).toBe(7);
  });

  it("saves and loads: the loaded agent acts as the saved one, and another algorithm's loader refuses the files", async () => {
    await agent.save(join(dir, "ppo"));
    const manifest = JSON.parse(await readFile(join(dir, "ppo", "policy.json"), "utf8")) as { kind: string; meta: Record<string, unknown> };
    expect(manifest).toMatchObject({ kind: "ppo", meta: { preset: "synthetic", role: "train-gt", steps: agent.training!.envSteps } });
    const loaded = await PPO.load(join(dir, "ppo"), { env });
    expect(playSession(loaded, 5)).toEqual(playSession(agent, 5));
    expect((await loaded.evaluate({ episodes: 8 })).metrics).toEqual((await agent.evaluate({ episodes: 8 })).metrics);
    loaded.dispose();
    expect(await codeOf(A2C.load(join(dir, "ppo")))).toBe("rl-policy/bad-checkpoint");
    const bare = await PPO.load(join(dir, "ppo"));
    expect(await codeOf(bare.evaluate())).toBe("rl-policy/bad-option");
    bare.dispose();
    const other = await makeGymEnv("synthetic", { role: "train-gt", preset: { items: 400 } });
    expect(await codeOf(PPO.load(join(dir, "ppo"), { env: other }))).toBe("rl-policy/env-mismatch");
  });
});

describe("the other learners through the same helper", () => {
  it.each([
    ["a2c", A2C, {}],
    ["reinforce", REINFORCE, {}],
    // DQN waits 500 transitions before its first update by default; a tiny budget starts earlier.
    ["dqn", DQN, { learningStarts: 32, gradientSteps: 1, batchSize: 16 }],
  ] as const)("%s learns, updates and saves its own kind", async (kind, learner, algorithm) => {
    const agent = await learner.learn(env, { steps: 160, batchSize: 8, algorithm });
    expect(agent.policy.kind).toBe(kind);
    expect(agent.algorithm.updates).toBeGreaterThan(0);
    await agent.save(join(dir, kind));
    const loaded = await learner.load(join(dir, kind));
    expect(loaded.policy.kind).toBe(kind);
    loaded.dispose();
    agent.dispose();
  });
});

describe("learn's options", () => {
  it("passes the algorithm's options to it and refuses a missing or bad budget", async () => {
    const agent = await PPO.learn(env, { steps: 16, batchSize: 4, algorithm: { rolloutSteps: 2, gamma: 0.5 } });
    expect((agent.algorithm as OnPolicyAlgorithm).gamma).toBe(0.5);
    agent.dispose();
    expect(await codeOf(PPO.learn(env, { steps: 0 }))).toBe("rl-policy/bad-option");
    expect(await codeOf(PPO.learn(env, { steps: 10.5 }))).toBe("rl-policy/bad-option");
    expect(await codeOf(PPO.learn(env, { steps: 10, batchSize: 0 }))).toBe("rl-policy/bad-option");
  });

  it("keeps the env's own simulator settings (a slate of 3) in training, prediction and evaluation", async () => {
    const slates = await makeGymEnv("synthetic", { role: "train-gt", preset: { items: 300 }, simulator: { slateSize: 3, maxSteps: 5, seed: 9 } });
    const agent = await PPO.learn(slates, { steps: 32, batchSize: 4, algorithm: { rolloutSteps: 2 } });
    const slate = agent.predict(slates.reset().observation) as Int32Array;
    expect(slates.actionSpace.contains(slate)).toBe(true);
    const { metrics } = await agent.evaluate({ episodes: 4 });
    expect(metrics.len).toBeLessThanOrEqual(5);
    agent.dispose();
  });

  it("stops at an aborted signal with what it learned so far", async () => {
    const controller = new AbortController();
    controller.abort();
    const agent = await PPO.learn(env, { steps: 10_000, batchSize: 4, signal: controller.signal });
    expect(agent.training!.envSteps).toBe(0);
    agent.dispose();
  });

  it("refuses a checkpoint directory that is not one", async () => {
    await writeFile(join(dir, "policy.json"), "{}");
    expect(await codeOf(PPO.load(dir))).toBe("rl-policy/bad-checkpoint");
  });
});
