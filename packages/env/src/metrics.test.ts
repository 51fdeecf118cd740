import { createCatalog } from "@farsight/core";
import { describe, expect, it } from "vitest";
import { COLLAPSE_MIN_USERS, EpisodeTracker, majorityCategories, SEQUENCE_PREFIX } from "./metrics.js";
import { runEpisodes } from "./protocol.js";
import { Simulator } from "./simulator.js";
import type { Agent } from "./types.js";
import { MatrixWorld } from "./world.js";

// 1 user, 4 items: categories c0, c0, c1, c2; ratings 5, 1, 4, 2.
const catalog = createCatalog({ itemCategories: [[0], [0], [1], [2]] });
const world = new MatrixWorld(catalog, Float32Array.of(5, 1, 4, 2), 1);

/** Shows a fixed item sequence. */
function scripted(seq: number[]): Agent {
  return { name: "scripted", act: (env, out) => void (out[0] = seq[env.steps[0]!]!) };
}

describe("metrics", () => {
  it("computes every per-episode metric as the README defines it (hand-computed)", () => {
    const sim = new Simulator(world, [], { maxSteps: 3, autoReset: true, sessionLimit: 1 });
    const tracker = new EpisodeTracker(sim, { positiveThreshold: 4, majority: Uint8Array.of(1, 0, 0) });
    const m = runEpisodes(sim, scripted([0, 1, 2]), tracker);
    expect(m.episodes).toBe(1);
    expect(m.len).toBe(3);
    expect(m.r_traj).toBe(10);
    expect(m.r_each).toBeCloseTo(10 / 3, 6);
    expect(m.ctr).toBeCloseTo(2 / 3, 6); // ratings 5 and 4 are >= 4
    expect(m.item_coverage).toBeCloseTo(3 / 4, 6);
    expect(m.category_coverage).toBeCloseTo(2 / 3, 6);
    expect(m.ild).toBeCloseTo(1 - 2 / 6, 6); // 1 same-category ordered pair x 2 out of 3 x 2
    expect(m.category_entropy).toBeCloseTo(-(2 / 3) * Math.log(2 / 3) - (1 / 3) * Math.log(1 / 3), 6);
    expect(m.mcd).toBeCloseTo(2 / 3, 6);
  });

  it("averages over episodes with population std", () => {
    const sim = new Simulator(world, [], { maxSteps: 1, autoReset: true, sessionLimit: 2 });
    let n = 0;
    const agent: Agent = { name: "alternate", act: (_env, out) => void (out[0] = n++ % 2 === 0 ? 0 : 3) };
    const m = runEpisodes(sim, agent, new EpisodeTracker(sim, { positiveThreshold: 4, majority: new Uint8Array(3) }));
    expect(m.r_traj).toBe(3.5);
    expect(m.r_traj_std).toBe(1.5);
    expect(m.r_each_pooled).toBe(3.5); // (5 + 2) / (1 + 1)
    expect(Number.isNaN(m.ild)).toBe(true); // undefined for one-item episodes
  });

  it("majority categories cover at least half of the training log", () => {
    expect(Array.from(majorityCategories(catalog, [0, 1, 0, 2, 3]))).toEqual([1, 0, 0]);
    expect(Array.from(majorityCategories(catalog, [2, 3, 0]))).toEqual([1, 1, 0]);
  });
});

describe("collapse measure", () => {
  // 40 users, 60 items of 3 categories, ratings all 1: sessions run to the step limit whatever is shown.
  const U = 40, N = 60;
  const big = new MatrixWorld(createCatalog({ itemCategories: Array.from({ length: N }, (_, i) => [i % 3]) }), new Float32Array(U * N).fill(1), U);
  /** Runs `sessions` sessions of `maxSteps` steps over users 0..users-1, showing `pick(user, step)`. */
  function run(pick: (user: number, step: number) => number, o: { users?: number; maxSteps?: number; sessions?: number } = {}) {
    const sim = new Simulator(big, [], { batchSize: 16, maxSteps: o.maxSteps ?? 12, autoReset: true, sessionLimit: o.sessions ?? 2000, users: Int32Array.from({ length: o.users ?? U }, (_, u) => u), seed: 3 });
    const agent: Agent = { name: "scripted", act: (env, out) => { for (let b = 0; b < env.batchSize; b++) out[b] = pick(env.users[b]!, env.steps[b]!); } };
    return runEpisodes(sim, agent, new EpisodeTracker(sim, { positiveThreshold: 1, majority: new Uint8Array(3) }));
  }

  it("flags a run that serves every user the same sequence", () => {
    const m = run((_u, t) => t);
    expect(m.sequence_users).toBe(U);
    expect(m.distinct_sequence_share).toBeCloseTo(1 / U, 12);
    expect(m.collapsed).toBe(1);
  });

  it("does not flag a run that serves every user a different sequence", () => {
    const m = run((u, t) => (u + t) % N);
    expect(m.sequence_users).toBe(U);
    expect(m.distinct_sequence_share).toBe(1);
    expect(m.collapsed).toBe(0);
  });

  it("compares only the first SEQUENCE_PREFIX items: later differences do not count", () => {
    expect(SEQUENCE_PREFIX).toBe(10);
    const m = run((u, t) => (t < SEQUENCE_PREFIX ? t : (u + t) % N), { maxSteps: 14 });
    expect(m.distinct_sequence_share).toBeCloseTo(1 / U, 12);
    const differsAtTenth = run((u, t) => (t < SEQUENCE_PREFIX - 1 ? t : (u + t) % N), { maxSteps: 14 });
    expect(differsAtTenth.distinct_sequence_share).toBe(1);
  });

  it("counts a user once and sessions shorter than the prefix whole", () => {
    // Two groups of users with their own 3-item sequences: two sequences however many sessions each user has.
    const m = run((u, t) => (u % 2) * 10 + t, { maxSteps: 3 });
    expect(m.episodes).toBe(2000);
    expect(m.sequence_users).toBe(U);
    expect(m.distinct_sequence_share).toBeCloseTo(2 / U, 12);
    expect(m.collapsed).toBe(1);
  });

  it("gives no verdict over fewer users than COLLAPSE_MIN_USERS", () => {
    const m = run((_u, t) => t, { users: COLLAPSE_MIN_USERS - 1 });
    expect(m.sequence_users).toBe(COLLAPSE_MIN_USERS - 1);
    expect(m.distinct_sequence_share).toBeCloseTo(1 / (COLLAPSE_MIN_USERS - 1), 12);
    expect(Number.isNaN(m.collapsed)).toBe(true);
  });
});
