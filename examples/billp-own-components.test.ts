import { describe, expect, it } from "vitest";
import type { ItemScorer } from "@farsight/core";
import { actorConformance, CONFORMANCE_USERS, criticConformance } from "@farsight/testing";
import { MomentumCritic, NoveltyActor, playBillp } from "./billp-own-components.ts";

/** Scores that differ per user and item (the conformance catalogue has 12 items, 2 users). */
const scorer = (numItems: number): ItemScorer => ({
  numUsers: CONFORMANCE_USERS,
  numItems,
  scoreAll: (user, out = new Float32Array(numItems)) => out.map((_, i) => ((i * 7 + user * 3) % numItems) / numItems),
});

// Your components pass the same conformance suites as the packages' own actors and critics.
actorConformance("example NoveltyActor", { usesModel: false, create: ({ catalog }) => new NoveltyActor(catalog.itemCategory, scorer(catalog.numItems)) });
criticConformance("example MomentumCritic", { usesModel: false, create: () => new MomentumCritic() });

describe("example: the BiLLP graph with your own actor and critic", () => {
  it("plays whole sessions: no item twice, every value in BiLLP's range, a reflection per session", async () => {
    const { trajectories, poolSize } = await playBillp({ sessions: 4, seed: 0 });
    expect(trajectories).toHaveLength(4);
    for (const t of trajectories) {
      const shown = t.steps.flatMap((s) => [...s.slate]);
      expect(new Set(shown).size).toBe(shown.length);
      for (const s of t.steps) {
        expect(s.actorSource.by).toBe("novelty");
        expect(s.value).toBeGreaterThanOrEqual(-5);
        expect(s.value).toBeLessThanOrEqual(5);
      }
      expect(t.episode.length).toBe(t.steps.length);
    }
    expect(poolSize).toBe(4);
    // The critic learned from TD targets: later sessions value some states from memory.
    expect(trajectories.slice(1).some((t) => t.steps.some((s) => s.criticSource?.kind === "learned"))).toBe(true);
  }, 60_000);
});
