import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend.js";
import { DqnAlgorithm, DqnPolicy } from "./dqn.js";
import type { HistoryBatch } from "./encoders.js";
import { banditBatch, tinyContext } from "./fixtures.js";
import { NStepQueue } from "./n-step.js";

beforeAll(async () => {
  await initBackend();
});

/** A batch of B histories of length 1 whose only item id is `ids[b]` (so rows can be traced). */
const hist = (ids: number[]): HistoryBatch => ({
  batchSize: ids.length,
  length: 1,
  items: Int32Array.from(ids),
  feedback: new Float32Array(ids.length),
  valid: new Float32Array(ids.length).fill(1),
});

describe("n-step transitions", () => {
  it("a full queue releases its oldest step with the discounted sum of n rewards; a finished session releases all, truncated", () => {
    const q = new NStepQueue(3, 0.5, 2, 1, 4);
    // Slot 0 runs on; slot 1 ends at its second step. History ids encode (slot, step) as 10 * slot + step.
    const step = (t: number, r: [number, number], done: [number, number]) =>
      q.push(hist([t, 10 + t]), Int32Array.from([t % 4, (t + 1) % 4]), Float32Array.from(r), Uint8Array.from(done), hist([t + 1, 11 + t]), null);
    const a = step(0, [1, 4], [0, 0]);
    expect(a.history.batchSize).toBe(0);
    const b = step(1, [2, 8], [0, 1]);
    // Slot 1 ended: both of its steps leave, returns 4 + 0.5 * 8 and 8, marked done.
    expect(Array.from(b.history.items)).toEqual([10, 11]);
    expect(Array.from(b.rewards)).toEqual([8, 8]);
    expect(Array.from(b.dones)).toEqual([1, 1]);
    expect(Array.from(b.horizons)).toEqual([2, 1]);
    const c = step(2, [4, 0], [0, 0]);
    // Slot 0's first step: 1 + 0.5 * 2 + 0.25 * 4 = 3, bootstrapping from the history after step 2 with gamma^3.
    expect(Array.from(c.history.items)).toEqual([0]);
    expect(Array.from(c.slates)).toEqual([0]);
    expect(Array.from(c.rewards)).toEqual([3]);
    expect(Array.from(c.dones)).toEqual([0]);
    expect(Array.from(c.horizons)).toEqual([3]);
    expect(Array.from(c.next.items)).toEqual([3]);
  });

  it("n = 1 releases every step at once, as plain transitions", () => {
    const q = new NStepQueue(1, 0.9, 2, 1, 4);
    const rows = q.push(hist([5, 6]), Int32Array.from([1, 2]), Float32Array.from([0.5, 1]), Uint8Array.from([0, 1]), hist([7, 8]), Uint8Array.from([1, 0, 1, 0, 0, 1, 0, 1]));
    expect(Array.from(rows.rewards)).toEqual([0.5, 1]);
    expect(Array.from(rows.horizons)).toEqual([1, 1]);
    expect(Array.from(rows.next.items)).toEqual([7, 8]);
    expect(Array.from(rows.nextMask!)).toEqual([1, 0, 1, 0, 0, 1, 0, 1]);
  });

  it("rejects a horizon that is not a positive integer, and a step of another batch size", () => {
    expect(() => new NStepQueue(0, 0.9, 2, 1, 4)).toThrow(/nStep/);
    const z = new Float32Array(3);
    expect(() => new NStepQueue(2, 0.9, 2, 1, 4).push(hist([1, 2, 3]), new Int32Array(3), z, new Uint8Array(3), hist([1, 2, 3]), null)).toThrow(/made for 2 sessions per step and got a step of 3/);
    const policy = new DqnPolicy(tinyContext(), { seed: 0 });
    expect(() => new DqnAlgorithm(policy, { nStep: 2.5 })).toThrow(/nStep must be an integer/);
    expect(() => new DqnAlgorithm(policy, { targetTau: 0 })).toThrow(/targetTau/);
    policy.dispose();
  });
});

describe("DQN with n-step returns", () => {
  it("stores what the queue releases, with horizons, so the bootstrap is discounted by gamma^horizon", () => {
    const ctx = tinyContext();
    const policy = new DqnPolicy(ctx, { seed: 1, historyLength: 4 });
    const algo = new DqnAlgorithm(policy, { nStep: 2, gamma: 0.5, learningStarts: 1_000 });
    const step = (t: number, done: number) => {
      const history = banditBatch(2, 4, ctx, t);
      algo.observe({ history, slates: Int32Array.from([t, t + 1]), rewards: Float32Array.from([1, 2]), dones: new Uint8Array(2).fill(done), next: history, nextMask: null });
    };
    step(0, 0);
    expect(algo.replay.size).toBe(0);
    step(1, 0);
    // Both slots' first steps: 1 + 0.5 * 1 and 2 + 0.5 * 2 over two steps.
    expect(Array.from(algo.replay.rewards.subarray(0, 2))).toEqual([1.5, 3]);
    expect(Array.from(algo.replay.horizons.subarray(0, 2))).toEqual([2, 2]);
    expect(Array.from(algo.replay.slates.subarray(0, 2))).toEqual([0, 1]);
    step(2, 1);
    // The sessions end: the queued second step (two rewards) and the last step (one reward) leave, done.
    expect(algo.replay.size).toBe(6);
    expect(Array.from(algo.replay.rewards.subarray(2, 6))).toEqual([1.5, 1, 3, 2]);
    expect(Array.from(algo.replay.dones.subarray(2, 6))).toEqual([1, 1, 1, 1]);
    algo.dispose();
    policy.dispose();
  });
});
