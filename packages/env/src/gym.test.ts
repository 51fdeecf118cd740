import { createCatalog, FarsightError } from "@farsight/core";
import { describe, expect, it } from "vitest";
import { GymEnv, makeGymEnv } from "./gym.js";
import { BoxSpace, DiscreteSpace, SlateSpace } from "./gym-spaces.js";
import type { EnvSetup } from "./presets.js";
import { DistanceWindowRule } from "./quit.js";
import type { SimulatorOptions } from "./simulator.js";
import { buildUserProfiles } from "./user-profiles.js";
import { columnDistances, MatrixWorld } from "./world.js";

// 2 users x 4 items; item columns 0 and 1 are close (distance 1), the others far apart: showing 0 then 1
// makes the user quit under a distance window with theta 1.5.
const catalog = createCatalog({ itemCategories: [[0], [0], [1], [2]] });
const matrix = Float32Array.of(5, 4, 1, 3, 5, 5, 2, 1);
const log = { user: Int32Array.of(0, 1), item: Int32Array.of(0, 1), rating: Float32Array.of(5, 5) };
const world = new MatrixWorld(catalog, matrix, 2);

function tinySetup(simulator: Partial<SimulatorOptions> = {}): EnvSetup {
  const dist = columnDistances(matrix, 2, 4);
  return {
    name: "synthetic",
    catalog,
    numUsers: 2,
    trainLog: log,
    groundTruth: world,
    makeRules: () => [new DistanceWindowRule({ kind: "matrix", numItems: 4, values: dist }, { window: 3, theta: 1.5 })],
    simulator,
    positiveThreshold: 4,
    majority: new Uint8Array(3),
    trainUsers: Int32Array.of(0, 1),
    testUsers: Int32Array.of(0, 1),
    profiles: buildUserProfiles({ numUsers: 2, log }),
    predicted: () => Promise.resolve({ world, model: undefined as never }),
    describe: {},
  };
}

function tinyEnv(simulator: Partial<SimulatorOptions> = {}, historyLength = 3): GymEnv {
  return new GymEnv({ setup: tinySetup({ historyLength, ...simulator }), role: "train-gt", world, simulator: {} });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof FarsightError ? err.code : `not a FarsightError: ${String(err)}`;
  }
  return undefined;
}

describe("GymEnv spaces", () => {
  it("describes one-item slates as Discrete(numItems) and the history as Boxes", () => {
    const env = tinyEnv();
    expect(env.actionSpace).toBeInstanceOf(DiscreteSpace);
    expect(env.actionSpace.toJSON()).toEqual({ type: "Discrete", n: 4 });
    expect(JSON.parse(JSON.stringify(env.observationSpace))).toEqual({
      type: "Dict",
      spaces: {
        items: { type: "Box", low: -1, high: 3, shape: [3, 1], dtype: "int32" },
        feedback: { type: "Box", low: null, high: null, shape: [3, 1], dtype: "float32" },
        user: { type: "Discrete", n: 2 },
        step: { type: "Discrete", n: 31 },
      },
    });
  });

  it("describes K-item slates as a MultiDiscrete of distinct ids, and samples within a mask", () => {
    const env = tinyEnv({ slateSize: 2 });
    const space = env.actionSpace as SlateSpace;
    expect(space.toJSON()).toEqual({ type: "MultiDiscrete", nvec: [4, 4], unique: true });
    expect(space.contains([0, 3])).toBe(true);
    expect(space.contains([3, 3])).toBe(false);
    expect(space.contains([0, 4])).toBe(false);
    expect(space.contains([0])).toBe(false);
    for (let i = 0; i < 50; i++) {
      const slate = space.sample(Uint8Array.of(0, 1, 1, 0));
      expect([...slate].sort()).toEqual([1, 2]);
    }
    expect(codeOf(() => space.sample(Uint8Array.of(0, 1, 0, 0)))).toBe("env/bad-option");
    expect(env.observationSpace.toJSON().spaces["items"]).toMatchObject({ shape: [3, 2] });
  });

  it("samples the same actions after the same seed, and keeps Box samples inside their bounds", () => {
    const a = new DiscreteSpace(1000), b = new DiscreteSpace(1000);
    a.seed(7);
    b.seed(7);
    const xs = Array.from({ length: 20 }, () => a.sample());
    expect(Array.from({ length: 20 }, () => b.sample())).toEqual(xs);
    expect(new Set(xs).size).toBeGreaterThan(1);
    const box = new BoxSpace(-1, 3, [2, 5], "int32");
    for (let i = 0; i < 20; i++) expect(box.contains(box.sample())).toBe(true);
    expect(box.contains(Int32Array.of(0, 1))).toBe(false);
  });
});

describe("GymEnv reset and step", () => {
  it("reset returns an empty padded history, the user and a full action mask", () => {
    const env = tinyEnv();
    const { observation, info } = env.reset({ options: { user: 1 } });
    expect(observation).toEqual({ items: Int32Array.of(-1, -1, -1), feedback: new Float32Array(3), user: 1, step: 0 });
    expect(info).toMatchObject({ sessionReturn: 0, feedback: [] });
    expect([...info.actionMask]).toEqual([1, 1, 1, 1]);
    expect(env.observationSpace.contains(observation)).toBe(true);
  });

  it("reports a quit as terminated (not truncated), with the quitting step's reward paid", () => {
    const env = tinyEnv();
    env.reset({ options: { user: 0 } });
    expect(env.step(2)).toMatchObject({ reward: 1, terminated: false, truncated: false });
    expect(env.step(0)).toMatchObject({ reward: 5, terminated: false, truncated: false });
    const last = env.step(1); // item 1 is at distance 1 < 1.5 from item 0 in the window: the user leaves
    expect(last).toMatchObject({ reward: 4, terminated: true, truncated: false, info: { endReason: "quit", sessionReturn: 10, feedback: [4] } });
    // Oldest first; the ring buffer of 3 rows holds exactly the three steps.
    expect(last.observation).toMatchObject({ items: Int32Array.of(2, 0, 1), feedback: Float32Array.of(1, 5, 4), step: 3 });
  });

  it("reports the step limit as truncated (not terminated)", () => {
    const env = tinyEnv({ maxSteps: 2 });
    env.reset({ options: { user: 0 } });
    expect(env.step(2)).toMatchObject({ terminated: false, truncated: false });
    expect(env.step(3)).toMatchObject({ terminated: false, truncated: true, info: { endReason: "max-steps" } });
  });

  it("pads the history at the start and drops the oldest rows past H", () => {
    const env = tinyEnv({}, 2);
    env.reset({ options: { user: 1 } });
    expect(env.step(3).observation.items).toEqual(Int32Array.of(-1, 3));
    expect(env.step(2).observation.items).toEqual(Int32Array.of(3, 2));
    const third = env.step(0).observation;
    expect(third.items).toEqual(Int32Array.of(2, 0));
    expect(third.feedback).toEqual(Float32Array.of(2, 5));
  });

  it("masks items already shown in the NX modes, and ends a repeat as terminated (invalid action)", () => {
    const env = tinyEnv({ mode: "NX_0" });
    env.reset({ options: { user: 1 } });
    const r = env.step(3);
    expect([...r.info.actionMask]).toEqual([1, 1, 1, 0]);
    expect(env.step(3)).toMatchObject({ terminated: true, truncated: false, info: { endReason: "invalid-action" } });
  });

  it("refuses a step before reset, after the end, and a slate of the wrong size or with a non-integer id", () => {
    const env = tinyEnv({ maxSteps: 1, slateSize: 2 });
    expect(codeOf(() => env.step([0, 1]))).toBe("env/session-over");
    expect(codeOf(() => env.reset({ seed: 1.5 }))).toBe("env/bad-option");
    env.reset();
    expect(codeOf(() => env.step([0]))).toBe("env/bad-slate");
    expect(codeOf(() => env.step([0, 1.5]))).toBe("env/bad-slate");
    expect(env.step([2, 3]).truncated).toBe(true);
    expect(codeOf(() => env.step([2, 3]))).toBe("env/session-over");
    expect(codeOf(() => tinyEnv({ batchSize: 4 }))).toBe(undefined); // the preset's own batch size is overridden
    expect(codeOf(() => new GymEnv({ setup: tinySetup(), role: "train-gt", world, simulator: { batchSize: 4 } }))).toBe("env/bad-option");
  });
});

describe("GymEnv over a preset", () => {
  it("replays the same sessions after reset with the same seed, and other sessions with another", async () => {
    const env = await makeGymEnv("synthetic", { role: "train-gt", simulator: { feedback: "click" } });
    const play = (seed: number) => {
      const first = env.reset({ seed });
      const trace: number[] = [first.observation.user];
      let info = first.info;
      for (let t = 0; t < 40; t++) {
        const r = env.step(env.actionSpace.sample(info.actionMask) as number);
        trace.push(r.reward);
        info = r.info;
        if (r.terminated || r.truncated) {
          const next = env.reset();
          trace.push(-1, next.observation.user);
          info = next.info;
        }
      }
      return trace;
    };
    const a = play(3), b = play(3), c = play(4);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a.some((x) => x === 0) && a.some((x) => x === 1)).toBe(true); // clicks: both outcomes occur
  });

  it("gives training loops a batched simulator of the same world that refills its slots", async () => {
    const env = await makeGymEnv("synthetic", { role: "train-gt", simulator: { slateSize: 3 } });
    const vec = env.vecEnv({ batchSize: 8, seed: 1 });
    expect(vec).toMatchObject({ batchSize: 8, slateSize: 3, numItems: env.sim.numItems });
    expect(vec.options.autoReset).toBe(true);
    expect(vec.world).not.toBe(env.sim.world); // each simulator has its own world state
    expect([...vec.options.users!]).toEqual([...env.setup.trainUsers]);
  });
});
