import { describe, expect, it } from "vitest";
import { RandomAgent } from "./agents.js";
import { loadPreset } from "./presets.js";
import { evaluate, EVAL_MODES, resolveMode } from "./protocol.js";

describe("evaluate's mode option", () => {
  it("is the simulator's mode under one name: mode and simulator.mode give the same numbers", async () => {
    const setup = await loadPreset("synthetic", { synthetic: { numItems: 60, numCategories: 6, numUsers: 60 } });
    const o = { episodes: 50, seeds: [2] };
    for (const mode of EVAL_MODES) {
      const a = await evaluate(setup, (s) => new RandomAgent({ seed: s }), { ...o, mode });
      const b = await evaluate(setup, (s) => new RandomAgent({ seed: s }), { ...o, simulator: { mode } });
      expect(a.metrics).toEqual(b.metrics);
    }
    const nx10 = await evaluate(setup, (s) => new RandomAgent({ seed: s }), { ...o, mode: "NX_10" });
    expect(nx10.metrics["len"]).toBe(10);
  });

  it("refuses a mode that contradicts simulator.mode, or an unknown one", () => {
    expect(resolveMode(undefined, undefined)).toBeUndefined();
    expect(resolveMode("NX_0", "NX_0")).toBe("NX_0");
    expect(() => resolveMode("FB", "NX_10")).toThrow(/contradicts simulator.mode NX_10/);
    expect(() => resolveMode("NX_1" as never, undefined)).toThrow(/expected FB, NX_0, NX_10/);
  });
});
