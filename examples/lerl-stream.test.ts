import { describe, expect, it } from "vitest";
import { streamLerl } from "./lerl-stream.ts";

describe("example: the LERL graph driven with stream()", () => {
  it("one stream() call spends the budget; progress in the custom mode, node updates in the updates mode", async () => {
    const lines: string[] = [];
    // 16 slots x 16-step rollouts = 256 transitions per chunk: a 600-step budget ends after the third chunk.
    const { chunks, stepEvents, nodeUpdates, poolSize, state } = await streamLerl({ steps: 600, seed: 0, log: (l) => lines.push(l) });
    expect(state.stopped).toBe("steps");
    expect(state.envSteps).toBe(768);
    expect(chunks.map((c) => c.envSteps)).toEqual([256, 512, 768]);
    expect(chunks.map((c) => c.updates)).toEqual([1, 2, 3]);
    expect(stepEvents).toBe(state.iterations);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^steps 768\/600 \| sessions \d+ \|/);
    expect(nodeUpdates).toMatchObject({ begin: 1, plan: state.iterations, act: state.iterations, step: state.iterations, learn: 3 });
    // Sessions ended, were reflected on into the pool, and the recent returns are finite.
    expect(state.sessionsFinished).toBeGreaterThan(0);
    expect(poolSize).toBe(state.sessionsFinished);
    expect(Number.isFinite(chunks.at(-1)!.meanRecentReturn)).toBe(true);
  }, 120_000);
});
