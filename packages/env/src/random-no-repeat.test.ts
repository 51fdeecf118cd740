import { createCatalog } from "@farsight/core";
import { describe, expect, it } from "vitest";
import { RandomAgent } from "./agents.js";
import { Simulator } from "./simulator.js";
import { MatrixWorld } from "./world.js";

const catalog = createCatalog({ itemCategories: [[0], [0], [1], [1], [2], [2]] });
const world = new MatrixWorld(catalog, new Float32Array(6).fill(1), 1);

/** Items shown in one FB-mode session of `steps` steps at slate size 1 (no quit rule). */
function session(agent: RandomAgent, steps: number): number[] {
  const sim = new Simulator(world, [], { maxSteps: steps, slateSize: 1, seed: 1 });
  sim.resetSlot(0, 0);
  const out = new Int32Array(1);
  const seq: number[] = [];
  while (sim.numActive() > 0) {
    agent.act(sim, out);
    seq.push(out[0]!);
    sim.step(out);
  }
  return seq;
}

describe("RandomAgent { noRepeat }", () => {
  it("in FB mode repeats by default and never with noRepeat, until the catalogue is used up", () => {
    // Six items, six steps: uniform draws repeat with probability 1 - 6!/6^6 (98.5%) per session; over ten
    // seeds a default agent that never repeated would be a bug, not luck.
    const repeats = Array.from({ length: 10 }, (_, s) => session(new RandomAgent({ seed: s }), 6)).filter((seq) => new Set(seq).size < 6);
    expect(repeats.length).toBeGreaterThan(0);
    for (let s = 0; s < 10; s++) expect(new Set(session(new RandomAgent({ seed: s, noRepeat: true }), 6)).size).toBe(6);
    // A session longer than the catalogue has to repeat; the agent does so instead of looping forever.
    expect(session(new RandomAgent({ seed: 0, noRepeat: true }), 8)).toHaveLength(8);
  });
});
