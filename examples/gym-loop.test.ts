import { describe, expect, it } from "vitest";
import { playEpisodes } from "./gym-loop.ts";

describe("example: the Gymnasium loop", () => {
  it("plays every session to its end, terminated (the user quit) or truncated (the step limit of 30)", async () => {
    const records = await playEpisodes({ episodes: 30, seed: 0 });
    expect(records).toHaveLength(30);
    for (const r of records) {
      expect(r.length).toBeGreaterThan(0);
      expect(r.length).toBeLessThanOrEqual(30);
    }
    // A session is truncated exactly at the limit, and only there.
    expect(records.filter((r) => r.ending === "truncated").every((r) => r.length === 30)).toBe(true);
    // Random slates of the synthetic preset repeat categories: most users quit before the limit.
    expect(records.filter((r) => r.ending === "terminated").length).toBeGreaterThan(0);
  });

  it("replays the same sessions from the same seed", async () => {
    const a = await playEpisodes({ episodes: 10, seed: 4 });
    expect(await playEpisodes({ episodes: 10, seed: 4 })).toEqual(a);
    expect(await playEpisodes({ episodes: 10, seed: 5 })).not.toEqual(a);
  });

  it("takes your own agent in place of the random one", async () => {
    const chosen: number[] = [];
    const records = await playEpisodes({ episodes: 2, seed: 0, choose: (_observation, mask) => {
      const item = mask.indexOf(1);
      chosen.push(item);
      return item;
    } });
    expect(chosen.length).toBe(records.reduce((a, r) => a + r.length, 0));
    expect(new Set(chosen)).toEqual(new Set([0])); // FB: every item allowed, so the first is always item 0
  });
});
