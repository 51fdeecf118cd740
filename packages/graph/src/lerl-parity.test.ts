/**
 * LERL with a planner that allows every category must be flat PPO: the graph's act/step/learn nodes drive the
 * same `Collector` as `trainPolicy`, so with the same seed and budget the two runs draw the same users, show the
 * same slates and apply the same updates. Any drift between the graph's loop and the flat loop (a mask, the
 * slate feedback in the buffer, the bootstrap value) changes a parameter bit and fails this test.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Episode } from "@farsight/core";
import { loadPreset, repoRoot, type EnvSetup } from "@farsight/env";
import { AllCategoriesPlanner } from "@farsight/planner";
import { TemplateReflector } from "@farsight/reflector";
import { initBackend, PolicyAgent, type OnPolicyAlgorithm } from "@farsight/rl-policy/tf";
import { evaluateAgent, evaluateLerl, trainFlatPpo, trainLerl, type TrainSetupOptions } from "./index.js";

const dataDir = process.env.FARSIGHT_DATA_DIR ?? join(repoRoot() ?? ".", "..", "shared", "data");
const hasCoat = existsSync(join(dataDir, "coat", "train.ascii"));
if (!hasCoat) console.log(`[graph] Coat parity test skipped: no ${join(dataDir, "coat")} (set FARSIGHT_DATA_DIR)`);

/**
 * A small network and short rollouts: a few PPO updates in a few hundred transitions. The response loss is on
 * (it is off by default) so the slate feedback the buffer stores reaches the gradient: dropping it changes bits.
 */
const SMALL = {
  policy: { hidden: [16], encoder: { kind: "mean" as const, itemDim: 8, stateDim: 16, transformer: { heads: 1, layers: 1, ffnDim: 8 } } },
  ppo: { rolloutSteps: 8, minibatchSize: 16, epochs: 2, responseCoef: 0.5 },
};

function snapshot(algorithm: OnPolicyAlgorithm): Map<string, Float32Array> {
  const params = algorithm.policy.params;
  const vars = params.list();
  return new Map(params.names().map((name, i) => [name, vars[i]!.dataSync() as Float32Array]));
}

/**
 * Greedy evaluation of the trained policy: the LERL graph in eval mode (all categories, through the collector)
 * and rl-policy's PolicyAgent on the same test simulator must show the same slates, so every metric agrees.
 */
async function expectSameEvaluation(setup: EnvSetup, algorithm: OnPolicyAlgorithm) {
  const o = { episodes: 24, seeds: [0, 1], batchSize: 8 };
  const flatEpisodes: string[] = [], lerlEpisodes: string[] = [];
  const key = (e: Episode) => `${e.userId}:${e.steps.map((s) => s.slate.join(",")).join("|")}:${e.return}`;
  const flat = await evaluateAgent(setup, () => new PolicyAgent({ policy: algorithm.policy }), { ...o, onEpisode: (e) => flatEpisodes.push(key(e)) });
  const lerl = await evaluateLerl(setup, { algorithm, makePlanner: () => new AllCategoriesPlanner() }, { ...o, onEpisode: (e) => lerlEpisodes.push(key(e)) });
  expect(flatEpisodes.length).toBe(48);
  expect(lerlEpisodes).toEqual(flatEpisodes);
  const { llm_calls_per_rec: _calls, llm_retries_per_rec: _retries, llm_repairs_per_rec: _repairs, ...lerlMetrics } = lerl.metrics;
  expect(lerlMetrics).toEqual(flat.metrics);
}

async function compare(setup: EnvSetup, o: { steps: number; batchSize: number; seed: number }) {
  const common: TrainSetupOptions = { setup, steps: o.steps, seed: o.seed, batchSize: o.batchSize, ...SMALL };
  const flatReturns: number[] = [];
  const flat = await trainFlatPpo({ ...common, onEpisode: (e) => flatReturns.push(e.return) });
  const lerlReturns: number[] = [];
  // A reflector too: reflections and the pool feed only the planner, which ignores them here.
  const lerl = await trainLerl({ ...common, planner: new AllCategoriesPlanner(), reflector: new TemplateReflector(), onEpisode: (e) => lerlReturns.push(e.return) });
  return { flat, lerl, flatReturns, lerlReturns };
}

/** Elements whose 32-bit patterns differ (bit for bit: -0 is not 0), and the first of them. */
function bitDifference(x: Float32Array, y: Float32Array): { differing: number; first: string } {
  if (x.length !== y.length) return { differing: Math.max(x.length, y.length), first: `lengths ${x.length} vs ${y.length}` };
  const xb = new Uint32Array(x.buffer, x.byteOffset, x.length), yb = new Uint32Array(y.buffer, y.byteOffset, y.length);
  let differing = 0, first = "";
  for (let i = 0; i < xb.length; i++) {
    if (xb[i] === yb[i]) continue;
    if (!differing) first = `[${i}]: flat ${x[i]} vs LERL ${y[i]}`;
    differing++;
  }
  return { differing, first };
}

function expectIdentical(r: Awaited<ReturnType<typeof compare>>) {
  expect(r.lerl.algorithm.updates).toBe(r.flat.algorithm.updates);
  const a = snapshot(r.flat.algorithm), b = snapshot(r.lerl.algorithm);
  expect([...b.keys()]).toEqual([...a.keys()]);
  for (const [name, flatValues] of a) expect({ name, ...bitDifference(flatValues, b.get(name)!) }).toEqual({ name, differing: 0, first: "" });
  expect(r.lerlReturns).toEqual(r.flatReturns);
  expect(r.lerl.state.sessionsFinished).toBe(r.flatReturns.length);
}

/** Asserts parity; returns how much was compared, which each test checks is not nothing. */
async function parity(setup: EnvSetup, o: { steps: number; batchSize: number; seed: number }): Promise<{ updates: number; episodes: number }> {
  const r = await compare(setup, o);
  expectIdentical(r);
  await expectSameEvaluation(setup, r.flat.algorithm);
  return { updates: r.flat.algorithm.updates, episodes: r.flatReturns.length };
}

beforeAll(async () => {
  // The shipped default (wasm): parity must hold on the backend users train with, and it trains Coat's world model fast.
  await initBackend();
});

describe("LERL with the all-categories planner is flat PPO, bit for bit (training and greedy evaluation)", () => {
  it("synthetic preset (FB mode, slate of 1): same parameters, training returns and greedy evaluation", async () => {
    const setup = await loadPreset("synthetic", { synthetic: { numItems: 120, numUsers: 60 } });
    const compared = await parity(setup, { steps: 320, batchSize: 8, seed: 4 });
    expect(compared.updates).toBeGreaterThanOrEqual(3);
    expect(compared.episodes).toBeGreaterThan(0);
  }, 60_000);

  it("synthetic-kuaisim-rules preset (slates of 6 with per-item click feedback, which PPO's response loss reads)", async () => {
    const setup = await loadPreset("synthetic-kuaisim-rules", { synthetic: { numItems: 120, numUsers: 60 } });
    const compared = await parity(setup, { steps: 256, batchSize: 8, seed: 2 });
    expect(compared.updates).toBeGreaterThanOrEqual(3);
    expect(compared.episodes).toBeGreaterThan(0);
  }, 60_000);

  it.skipIf(!hasCoat)("Coat (FB mode, distance quit rule: a repeated item ends the session), predicted world", async () => {
    const setup = await loadPreset("coat", { dataDir });
    const compared = await parity(setup, { steps: 320, batchSize: 8, seed: 1 });
    expect(compared.updates).toBeGreaterThanOrEqual(3);
    expect(compared.episodes).toBeGreaterThan(0);
  }, 120_000);
});
