import { createCatalog } from "@farsight/core";
import { describe, expect, it } from "vitest";
import { RandomAgent } from "./agents.js";
import { DistanceWindowRule } from "./quit.js";
import { Session } from "./session.js";
import { Simulator, type SimulatorOptions } from "./simulator.js";
import { generateSynthetic, SyntheticWorld } from "./synthetic.js";
import { EndCode } from "./types.js";
import { columnDistances, MatrixWorld } from "./world.js";

// 2 users x 4 items; item columns: 0 and 1 are close (distance 1), the others far apart.
const catalog = createCatalog({ itemCategories: [[0], [0], [1], [2]] });
const matrix = Float32Array.of(
  5, 4, 1, 3, // user 0
  5, 5, 2, 1, // user 1
);
function coatLike(options: Partial<SimulatorOptions> = {}, theta = 1.5) {
  const dist = columnDistances(matrix, 2, 4);
  const rule = new DistanceWindowRule({ kind: "matrix", numItems: 4, values: dist }, { window: 3, theta });
  return new Simulator(new MatrixWorld(catalog, matrix, 2), [rule], options);
}

describe("columnDistances", () => {
  it("is the Euclidean distance between item columns", () => {
    const d = columnDistances(matrix, 2, 4);
    expect(d[0 * 4 + 1]).toBeCloseTo(1, 6); // (5,5) vs (4,5)
    expect(d[2 * 4 + 3]).toBeCloseTo(Math.hypot(1 - 3, 2 - 1), 6);
    expect(d[3 * 4 + 3]).toBe(0);
  });
});

describe("Simulator step order (EasyRL4Rec)", () => {
  it("pays the reward of the quitting step and counts it in the length", () => {
    const s = new Session(coatLike({ maxSteps: 30 }));
    s.reset(0);
    expect(s.step(2)).toMatchObject({ reward: 1, done: false });
    expect(s.step(0)).toMatchObject({ reward: 5, done: false });
    // item 1 is at distance 1 < 1.5 from item 0 in the window: the user leaves, but the 4 is paid.
    const last = s.step(1);
    expect(last).toMatchObject({ reward: 4, done: true, endReason: "quit" });
    expect(last.observation.step).toBe(3);
    expect(last.observation.returnSoFar).toBe(10);
    expect(() => s.step(3)).toThrow(/ended/);
  });

  it("ends at t >= maxSteps - 1 with reason max-steps, the last step counted", () => {
    const sim = coatLike({ maxSteps: 3 }, 0); // theta 0: never quits
    const s = new Session(sim);
    s.reset(1);
    expect(s.step(3).done).toBe(false);
    expect(s.step(3).done).toBe(false);
    expect(s.step(2)).toMatchObject({ done: true, endReason: "max-steps", reward: 2 });
    expect(sim.steps[0]).toBe(3);
  });

  it("NX_0 ends a session that repeats an item, without paying or counting that step", () => {
    const nx0 = new Session(coatLike({ mode: "NX_0" }, 0));
    nx0.reset(0);
    nx0.step(2);
    expect(nx0.sim.wasRecommended(0, 2)).toBe(true);
    expect(nx0.sim.wasRecommended(0, 3)).toBe(false);
    const bad = nx0.step(2);
    expect(bad).toMatchObject({ done: true, endReason: "invalid-action", reward: 0 });
    expect(bad.observation.step).toBe(1); // the invalid step is neither paid nor counted
  });

  it("NX_10 on a larger catalogue lasts exactly 10 steps with reason forced-length", () => {
    const data = generateSynthetic({ numItems: 50, numUsers: 5, numCategories: 5 });
    const world = new SyntheticWorld(data);
    // theta 100: the distance rule would end every session at t = 1; NX_10 switches it off.
    const far = new DistanceWindowRule({ kind: "embedding", numItems: 50, dim: data.options.embeddingDim, values: data.itemEmbeddings }, { window: 3, theta: 100 });
    const sim = new Simulator(world, [far], { mode: "NX_10", batchSize: 3, seed: 3, feedback: "click" });
    const agent = new RandomAgent({ seed: 1 });
    const slates = new Int32Array(3);
    sim.reset();
    let steps = 0;
    const doneAt: number[][] = [];
    while (sim.numActive() > 0) {
      agent.act(sim, slates);
      const r = sim.step(slates);
      steps++;
      doneAt.push([...r.done, ...r.endCode]);
    }
    expect(steps).toBe(10);
    expect(doneAt[9]).toEqual([1, 1, 1, EndCode.ForcedLength, EndCode.ForcedLength, EndCode.ForcedLength]);
    expect(doneAt[8]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("rejects ids out of range as invalid actions", () => {
    const s = new Session(coatLike());
    s.reset(0);
    expect(s.step(7)).toMatchObject({ done: true, endReason: "invalid-action" });
  });
});

describe("Simulator batch mechanics", () => {
  it("auto-resets finished slots, reports them, and stops at the session limit", () => {
    const sim = coatLike({ batchSize: 4, autoReset: true, sessionLimit: 10, maxSteps: 2, seed: 5 }, 0);
    sim.reset();
    expect(sim.sessionsStarted).toBe(4);
    const slates = Int32Array.of(0, 1, 2, 3);
    let finished = 0;
    while (sim.numActive() > 0) {
      const r = sim.step(slates);
      for (let b = 0; b < 4; b++) {
        if (!r.done[b]) continue;
        finished++;
        expect(r.finalLength[b]).toBe(2);
      }
      for (let j = 0; j < r.numReset; j++) expect(sim.steps[r.resetSlots[j]!]).toBe(0);
    }
    expect(finished).toBe(10);
    expect(sim.sessionsStarted).toBe(10);
  });

  it("keeps a ring buffer of the last H slates and feedback, and builds observations from it", () => {
    const sim = coatLike({ historyLength: 2, maxSteps: 30 }, 0);
    const s = new Session(sim);
    s.reset(0);
    for (const item of [0, 2, 3]) s.step(item);
    expect(sim.recentItem(0, 0)).toBe(3);
    expect(sim.recentItem(0, 1)).toBe(2);
    expect(sim.recentItem(0, 2)).toBe(-1); // older than H
    const obs = sim.observation(0);
    expect(obs.history.map((h) => [h.item, h.feedback, h.step, h.category])).toEqual([
      [2, 1, 1, 1],
      [3, 3, 2, 2],
    ]);
    expect(obs.userId).toBe(0);
  });

  it("is deterministic: same seed, same trajectories; another seed, others", () => {
    const data = generateSynthetic({ numItems: 80, numUsers: 20, numCategories: 6, seed: 2 });
    function trace(seed: number): string {
      const sim = new Simulator(new SyntheticWorld(data), [], { batchSize: 8, feedback: "click", autoReset: true, sessionLimit: 40, seed });
      const agent = new RandomAgent({ seed });
      const slates = new Int32Array(8);
      const out: number[] = [];
      sim.reset();
      while (sim.numActive() > 0) {
        agent.act(sim, slates);
        const r = sim.step(slates);
        out.push(...sim.users, ...r.feedback, ...r.done);
      }
      return out.join(",");
    }
    expect(trace(11)).toBe(trace(11));
    expect(trace(11)).not.toBe(trace(12));
  });

  it("draws clicks with KuaiSim's intra-slate similarity penalty", () => {
    // Two users, all items have expected value 0.5; slates of 2 identical-category items get p = 0.5 - rho.
    const cat = createCatalog({ itemCategories: [[0], [0], [1], [2]] });
    const world = new MatrixWorld(cat, new Float32Array(8).fill(0.5), 2);
    const rate = (slate: number[], rho: number) => {
      const sim = new Simulator(world, [], { batchSize: 2000, slateSize: 2, feedback: "click", similarityPenalty: rho, seed: 1 });
      sim.reset();
      const r = sim.step(Int32Array.from({ length: 4000 }, (_, j) => slate[j % 2]!));
      return r.feedback.reduce((a, b) => a + b, 0) / 4000;
    };
    expect(rate([0, 1], 0)).toBeCloseTo(0.5, 1);
    expect(rate([0, 1], 0.3)).toBeCloseTo(0.2, 1); // same category: similarity 1
    expect(rate([2, 3], 0.3)).toBeCloseTo(0.5, 1); // different categories: similarity 0
  });
});
