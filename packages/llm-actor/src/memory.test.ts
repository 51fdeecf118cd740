import { describe, expect, it } from "vitest";
import type { ItemId, Observation } from "@farsight/core";
import { ActorMemory } from "./memory.js";

const obs = (items: ItemId[]): Observation => ({
  sessionId: "s", userId: 0, step: items.length, returnSoFar: 0,
  history: items.map((item, step) => ({ item, category: 0, feedback: 1, step })),
});

describe("ActorMemory", () => {
  it("marks items by the sign of the advantage, the latest mark winning", () => {
    const m = new ActorMemory();
    m.record(obs([1, 2, 3]), 7, 0.5);
    m.record(obs([1, 2, 3]), 8, -2);
    m.record(obs([1, 2, 3]), 9, 0); // A >= 0 counts as positive, as in BiLLP
    expect(m.retrieve(obs([1, 2, 3]))).toEqual({ encourage: [7, 9], discourage: [8], similarity: 1 });
    m.record(obs([1, 2, 3]), 7, -1);
    expect(m.retrieve(obs([1, 2, 3]))!.discourage).toEqual([7, 8]);
  });

  it("retrieves from similar histories only, keyed by the last `window` items", () => {
    const m = new ActorMemory({ window: 3, minSimilarity: 0.5 });
    m.record(obs([9, 1, 2, 3]), 5, 1);
    expect(m.retrieve(obs([0, 1, 2, 3]))?.encourage).toEqual([5]); // same last 3 items
    expect(m.retrieve(obs([1, 2, 4]))?.similarity).toBeCloseTo(0.5);
    expect(m.retrieve(obs([4, 5, 6]))).toBeNull();
    m.record(obs([1, 2]), 6, Number.NaN);
    expect(m.size).toBe(1);
  });

  it("round-trips through JSON and rejects malformed entries", () => {
    const m = new ActorMemory();
    m.record(obs([1, 2]), 3, 1);
    const copy = ActorMemory.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    expect(copy.retrieve(obs([1, 2]))).toEqual(m.retrieve(obs([1, 2])));
    expect(() => ActorMemory.fromJSON([{ key: [1], marks: [[2, 5]] }])).toThrow(/entry 0 is malformed/);
    expect(() => new ActorMemory({ window: 0 })).toThrow(/window/);
  });
});
