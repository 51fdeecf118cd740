import { createCatalog } from "@farsight/core";
import { describe, expect, it } from "vitest";
import { EpisodeTracker, majorityCategories } from "./metrics.js";
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
