/**
 * Evaluation modes for every agent (EasyRL4Rec's FB, NX_0, NX_10): the mode is one option of `evaluateAgent`, and what
 * each name promises holds for baselines, online and offline learned policies alike. Omitted, the mode is the
 * preset's (FB), and agents that mask shown items give exactly NX_0's numbers.
 */
import type { Episode } from "@farsight/core";
import { loadPreset, PopularityAgent, RandomAgent, Simulator, type Agent, type EnvSetup, type EvalMode } from "@farsight/env";
import { initBackend, contextFromEnv, createAlgorithm, createOfflineAlgorithm, PolicyAgent, type Policy } from "@farsight/rl-policy/tf";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateAgent } from "./evaluate.js";

let setup: EnvSetup;
let policies: Policy[];
const O = { episodes: 60, seeds: [3] };

beforeAll(async () => {
  setup = await loadPreset("synthetic", { synthetic: { numItems: 60, numCategories: 6, numUsers: 60 } });
  await initBackend();
  const env = new Simulator(setup.groundTruth, setup.makeRules(), { ...setup.simulator, batchSize: 1 });
  const context = contextFromEnv(env);
  policies = [
    createAlgorithm({ algorithm: "ppo", context, policy: { seed: 1 } }).policy,
    createAlgorithm({ algorithm: "dqn", context, policy: { seed: 1 } }).policy,
    createOfflineAlgorithm({ algorithm: "crr", context, policy: { seed: 1 } }).policy,
  ];
});

/** Every kind of agent: baselines, online and offline learned policies, greedy and sampled, masking or not (built lazily, after setup). */
const POLICY_KINDS = ["ppo", "dqn", "crr"] as const;
const AGENTS: [string, () => Agent][] = [
  ["random (repeats where the mode allows)", () => new RandomAgent({ seed: 1 })],
  ["popularity", () => new PopularityAgent({ numItems: setup.catalog.numItems, items: setup.trainLog.item })],
  ...POLICY_KINDS.flatMap((kind, i): [string, () => Agent][] => [
    [`${kind} greedy`, () => new PolicyAgent({ policy: policies[i]! })],
    [`${kind} sampled, repeats where the mode allows`, () => new PolicyAgent({ policy: policies[i]!, deterministic: false, noRepeat: false })],
  ]),
];

async function episodes(make: () => Agent, mode: EvalMode | undefined): Promise<{ episodes: Episode[]; metrics: Record<string, number> }> {
  const out: Episode[] = [];
  const r = await evaluateAgent(setup, make, { ...O, ...(mode ? { mode } : {}), onEpisode: (e) => out.push(e) });
  return { episodes: out, metrics: r.metrics };
}

const repeats = (e: Episode) => e.steps.length * e.steps[0]!.slate.length - new Set(e.steps.flatMap((s) => s.slate)).size;

describe("evaluation modes, for every agent", () => {
  it.each(AGENTS)("%s: NX_10 gives exactly 10 steps and no repeats; NX_0 no repeats", async (_name, make) => {
    const nx10 = await episodes(make, "NX_10");
    expect(nx10.episodes).toHaveLength(O.episodes);
    for (const e of nx10.episodes) {
      expect([e.length, e.steps.length]).toEqual([10, 10]);
      expect(e.endReason).toBe("forced-length");
      expect(repeats(e)).toBe(0);
    }
    const nx0 = await episodes(make, "NX_0");
    for (const e of nx0.episodes) {
      expect(repeats(e)).toBe(0);
      expect(e.endReason).not.toBe("invalid-action");
    }
  });

  it("FB allows repeats: an agent built to repeat does, in sessions that go on; NX_0 ends such a session as invalid", async () => {
    // A policy that always shows item 0 (and ignores any mask): the env, not the agent, decides what a repeat means.
    const stubborn: Policy = {
      kind: "ppo",
      context: policies[0]!.context,
      options: policies[0]!.options,
      act: (r) => ({ slates: new Int32Array(r.history.batchSize), logProb: new Float32Array(r.history.batchSize), value: new Float32Array(r.history.batchSize), action: new Float32Array(0), mask: null }),
      dispose: () => undefined,
    };
    const fb = await episodes(() => new PolicyAgent({ policy: stubborn, noRepeat: false }), "FB");
    expect(fb.episodes.every((e) => e.steps.length >= 2 && repeats(e) === e.steps.length - 1 && e.endReason !== "invalid-action")).toBe(true);
    const nx0 = await episodes(() => new PolicyAgent({ policy: stubborn, noRepeat: false }), "NX_0");
    // The refused step is in the episode's steps but not in its length (the env's convention for invalid actions).
    expect(nx0.episodes.every((e) => e.steps.length === 2 && e.length === 1 && e.endReason === "invalid-action")).toBe(true);
    // The random baseline repeats in FB (EasyRL4Rec's FB random), never in NX_0.
    const random = await episodes(() => new RandomAgent({ seed: 1 }), "FB");
    expect(random.episodes.some((e) => repeats(e) > 0)).toBe(true);
  });

  it("omitted, the mode is the preset's FB: masking agents give exactly NX_0's numbers, the repeating random exactly FB's", async () => {
    // Sampled policies draw from the policy's own stream, which one evaluation advances: two runs differ by that alone.
    for (const [name, make] of AGENTS.filter(([n]) => !n.includes("sampled"))) {
      const fallback = (await episodes(make, undefined)).metrics;
      const expected = (await episodes(make, name.startsWith("random") ? "FB" : "NX_0")).metrics;
      expect({ name, ...fallback }).toEqual({ name, ...expected });
    }
  });

  it("refuses an unknown mode, naming the three", async () => {
    await expect(evaluateAgent(setup, () => new RandomAgent(), { ...O, mode: "NX_5" as EvalMode })).rejects.toThrow(/FB, NX_0, NX_10/);
  });
});
