import { createCatalog } from "@farsight/core";
import { describe, expect, it } from "vitest";
import { GreedyAgent, OracleAgent, PopularityAgent, QuitAwareOracleAgent, RandomAgent, RoundRobinAgent } from "./agents.js";
import { ResponseTemperRule, TemperRule, type QuitRule } from "./quit.js";
import { Simulator } from "./simulator.js";
import type { Agent } from "./types.js";
import { MatrixWorld } from "./world.js";

// 2 users x 6 items in 3 categories (items 0,1 -> c0; 2,3 -> c1; 4,5 -> c2).
const catalog = createCatalog({ itemCategories: [[0], [0], [1], [1], [2], [2]] });
const matrix = Float32Array.of(
  1, 2, 3, 4, 5, 6, // user 0 prefers high ids
  6, 5, 4, 3, 2, 1, // user 1 prefers low ids
);
const world = new MatrixWorld(catalog, matrix, 2);

/** Items an agent shows user `u` over `steps` steps (FB mode, no quit rule). */
function shown(agent: Agent, u: number, steps: number, slateSize = 1): number[][] {
  const sim = new Simulator(world, [], { maxSteps: steps, slateSize, seed: 1 });
  if (agent instanceof QuitAwareOracleAgent) agent.begin(sim);
  sim.resetSlot(0, u);
  const out = new Int32Array(slateSize);
  const seq: number[][] = [];
  while (sim.numActive() > 0) {
    agent.act(sim, out);
    seq.push(Array.from(out));
    sim.step(out);
  }
  return seq;
}

describe("baseline agents", () => {
  it("greedy ranks by the scorer per user and never repeats an item", () => {
    const g = new GreedyAgent({ scorer: world.scorer });
    expect(shown(g, 0, 4).flat()).toEqual([5, 4, 3, 2]);
    expect(shown(g, 1, 3).flat()).toEqual([0, 1, 2]);
    expect(shown(g, 0, 2, 2)).toEqual([[5, 4], [3, 2]]);
  });

  it("popularity ranks by log counts for everyone (ties by id)", () => {
    const p = new PopularityAgent({ numItems: 6, items: [3, 3, 3, 1, 1, 4] });
    expect(shown(p, 0, 4).flat()).toEqual([3, 1, 4, 0]);
    expect(shown(p, 1, 2).flat()).toEqual([3, 1]);
  });

  it("oracle uses the live expected value", () => {
    const o = new OracleAgent({ expected: (_s, u, i) => (u === 0 ? -Math.abs(i - 2) : 0) });
    expect(shown(o, 0, 3).flat()).toEqual([2, 1, 3]);
  });

  it("round-robin cycles through categories from a random start, best item first", () => {
    const seq = shown(new RoundRobinAgent({ scorer: world.scorer, seed: 3 }), 0, 6).flat();
    const cats = seq.map((i) => catalog.itemCategory[i]!);
    for (let t = 1; t < 6; t++) expect(cats[t]).toBe((cats[t - 1]! + 1) % 3);
    expect(new Set(seq).size).toBe(6);
    // Within a category the higher-scored item comes first for user 0.
    expect(seq.indexOf(5)).toBeLessThan(seq.indexOf(4));
  });

  it("random draws distinct items within a slate and covers the catalogue", () => {
    const seq = shown(new RandomAgent({ seed: 9 }), 0, 30, 3);
    for (const slate of seq) expect(new Set(slate).size).toBe(3);
    expect(new Set(seq.flat()).size).toBe(6);
  });

  it("still take the deprecated positional forms of 0.1, acting the same", () => {
    expect(shown(new GreedyAgent(world.scorer, "g"), 0, 3)).toEqual(shown(new GreedyAgent({ scorer: world.scorer }), 0, 3));
    expect(new GreedyAgent(world.scorer, "g").name).toBe("g");
    expect(shown(new PopularityAgent(6, [3, 3, 1]), 0, 3)).toEqual(shown(new PopularityAgent({ numItems: 6, items: [3, 3, 1] }), 0, 3));
    const expected = (_s: number, u: number, i: number) => (u === 0 ? i : -i);
    expect(shown(new OracleAgent(expected), 0, 3)).toEqual(shown(new OracleAgent({ expected }), 0, 3));
    expect(shown(new RoundRobinAgent(world.scorer, 3), 0, 6)).toEqual(shown(new RoundRobinAgent({ scorer: world.scorer, seed: 3 }), 0, 6));
    expect(shown(new RoundRobinAgent(undefined, 3), 0, 6)).toEqual(shown(new RoundRobinAgent({ seed: 3 }), 0, 6));
    expect(shown(new RandomAgent(9, { noRepeat: true }), 0, 6)).toEqual(shown(new RandomAgent({ seed: 9, noRepeat: true }), 0, 6));
    const makeRules = () => [new TemperRule(catalog, { initial: 20 })];
    const oracle = shown(new QuitAwareOracleAgent(expected, makeRules), 0, 3, 2);
    expect(oracle).toEqual(shown(new QuitAwareOracleAgent({ expected, makeRules }), 0, 3, 2));
    expect(new Set(oracle.flat()).size).toBe(6);
  });

  /** The slates the quit-aware oracle shows user 0 in one session of 3 slates of 2, under the given rule. */
  function oracleSlates(makeRules: () => QuitRule[]): number[][] {
    const expected = (_s: number, u: number, i: number) => matrix[u * 6 + i]!;
    const o = new QuitAwareOracleAgent({ expected, makeRules });
    const sim = new Simulator(world, [], { maxSteps: 3, slateSize: 2, seed: 1 });
    o.begin(sim);
    sim.resetSlot(0, 0);
    const out = new Int32Array(2), seq: number[][] = [];
    while (sim.numActive() > 0) {
      o.act(sim, out);
      seq.push(Array.from(out));
      sim.step(out);
    }
    return seq;
  }

  it("the quit-aware oracle under temper: best items first, a new category per slot, never the slot's last category", () => {
    const seq = oracleSlates(() => [new TemperRule(catalog, { initial: 20 })]);
    // User 0 prefers high ids. Slate 1: 5 (c2), then 3 (c1; 4 would repeat c2 in the slate). Slate 2: slot 0
    // may not show c2 again -> 2 (c1); slot 1 may not show c1 -> 4 (c2). Slate 3: only c0 is left: 1, then 0
    // (a category shared in the slate, as nothing else is unseen).
    const cat = (i: number) => catalog.itemCategory[i]!;
    expect(seq).toEqual([[5, 3], [2, 4], [1, 0]]);
    for (let t = 1; t < seq.length; t++) for (let k = 0; k < 2; k++) expect(cat(seq[t]![k]!)).not.toBe(cat(seq[t - 1]![k]!));
    expect(new Set(seq.flat()).size).toBe(6);
  });

  it("the quit-aware oracle under KuaiSim's response temper: best items, a new category per slot, slot repeats allowed", () => {
    const seq = oracleSlates(() => [new ResponseTemperRule({ initial: 20 })]);
    // Repeating a slot's category costs nothing here, so slate 2 is the best two unseen items of two
    // categories (4 in c2 at slot 0, as 5 was), where LERL's temper gave [2, 4].
    expect(seq).toEqual([[5, 3], [4, 2], [1, 0]]);
  });
});
