/**
 * One test file run over every state tracker (`STATE_TRACKERS`): shapes, padding ignored, order sensitivity where
 * the tracker claims it, a checkpoint round trip, and a tiny learning check (PPO's defaults, the network made small)
 * asserted on the one seed it runs.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2CPolicy } from "../a2c.js";
import { initBackend, tf } from "../backend.js";
import { loadPolicy, saveCheckpoint } from "../checkpoint.js";
import { stateDimOf, type EncoderKind, type EncoderOptions, type HistoryBatch } from "../encoders.js";
import { banditBatch, banditRewards, tinyContext, trainOnBandit } from "../fixtures.js";
import type { Policy } from "../policy.js";
import { createPpoPolicy, PpoAlgorithm } from "../ppo.js";
import { STATE_TRACKERS } from "./index.js";

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), "farsight-trackers-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const KINDS = Object.keys(STATE_TRACKERS) as EncoderKind[];
const small = (kind: EncoderKind): EncoderOptions => ({ kind, itemDim: 16, stateDim: 24, transformer: { heads: 4, layers: 2, ffnDim: 16 } });

/** Two histories of length 6: one full, one with 2 real interactions (right-aligned) after padding. */
function batch(padFill: number): HistoryBatch {
  const items = Int32Array.from([1, 2, 3, 4, 5, 8, padFill, padFill, padFill, padFill, 6, 7]);
  const valid = Float32Array.from([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1]);
  return { batchSize: 2, length: 6, items, feedback: Float32Array.from([1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 1]), valid };
}

const greedyReward = (policy: Policy) => {
  const h = banditBatch(64, policy.options.historyLength, policy.context, 999);
  const r = banditRewards(h, policy.act({ history: h, deterministic: true }).slates, policy.context);
  return r.reduce((a, x) => a + x, 0) / r.length;
};

describe.each(KINDS)("state tracker %s", (kind) => {
  const states = (p: A2CPolicy, h: HistoryBatch) => tf.tidy(() => Array.from(p.encode(h, p.table()).dataSync()));

  it("gives [B, stateDim], ignores what sits in padded rows, depends on real rows", () => {
    const p = new A2CPolicy(tinyContext(20, 4), { seed: 1, historyLength: 6, encoder: small(kind) });
    const d = stateDimOf(p.options.encoder);
    expect(d).toBe(STATE_TRACKERS[kind].stateDim(p.options.encoder));
    const a = states(p, batch(20));
    expect(a.length).toBe(2 * d);
    const b = states(p, batch(13)); // other ids in the padded rows
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 5);
    const changed = batch(20);
    changed.items[11] = 11; // the newest real interaction of session 2
    const c = states(p, changed);
    expect(c.slice(0, d)).toEqual(a.slice(0, d));
    expect(c.slice(d).some((x, i) => Math.abs(x - a[d + i]!) > 1e-6)).toBe(true);
    p.dispose();
  });

  it(`is ${STATE_TRACKERS[kind].orderSensitive ? "" : "not "}sensitive to the order of older interactions`, () => {
    const p = new A2CPolicy(tinyContext(20, 4), { seed: 1, historyLength: 6, encoder: small(kind) });
    const d = stateDimOf(p.options.encoder);
    const swapped = batch(20);
    // Swap the two oldest interactions of session 1 (outside the mean tracker's 3 newest).
    [swapped.items[0], swapped.items[1]] = [swapped.items[1]!, swapped.items[0]!];
    [swapped.feedback[0], swapped.feedback[1]] = [swapped.feedback[1]!, swapped.feedback[0]!];
    const a = states(p, batch(20)).slice(0, d), s = states(p, swapped).slice(0, d);
    const differs = s.some((x, i) => Math.abs(x - a[i]!) > 1e-5);
    expect(differs).toBe(STATE_TRACKERS[kind].orderSensitive);
    p.dispose();
  });

  it("survives a checkpoint round trip: the loaded policy encodes the same states", async () => {
    const algo = new PpoAlgorithm(createPpoPolicy(tinyContext(20, 4), { seed: 2, historyLength: 6, encoder: small(kind) }));
    trainOnBandit(algo, 2, 16);
    await saveCheckpoint(join(dir, kind), algo);
    const { policy } = await loadPolicy(join(dir, kind));
    expect(policy.options.encoder.kind).toBe(kind);
    const h = batch(20);
    const before = tf.tidy(() => Array.from(algo.policy.encode(h, algo.policy.table()).dataSync()));
    const after = tf.tidy(() => Array.from(policy.encode(h, policy.table()).dataSync()));
    expect(after).toEqual(before);
    algo.dispose();
    algo.policy.dispose();
    policy.dispose();
  });

  it("learns the contextual bandit with PPO's defaults (slates of 2: from chance 1/4 to mostly right)", () => {
    const algo = new PpoAlgorithm(createPpoPolicy(tinyContext(40, 4, 2), { seed: 3, historyLength: 4, encoder: small(kind) }));
    const before = greedyReward(algo.policy);
    trainOnBandit(algo, 60);
    expect(before).toBeLessThan(0.5);
    expect(greedyReward(algo.policy)).toBeGreaterThan(0.8);
    algo.dispose();
    algo.policy.dispose();
  });
});

it("the transformer keeps LERL's shape as an option (d = 64, 4 heads, 3 layers)", () => {
  const p = new A2CPolicy(tinyContext(20, 4), { seed: 1, historyLength: 5, encoder: { kind: "transformer", itemDim: 64 } });
  expect(p.options.encoder.transformer).toEqual({ heads: 4, layers: 3, ffnDim: 64 });
  expect(p.params.names().filter((n) => /^enc\/tf\/l\d+\//.test(n)).map((n) => n.split("/")[2]).filter((x, i, xs) => xs.indexOf(x) === i)).toEqual(["l0", "l1", "l2"]);
  p.dispose();
});
