/** User profiles: best-first logged past, the held-out users' fold-in share only, features, and the observation. */
import { describe, expect, it } from "vitest";
import { loadPreset, makeSimulator } from "./presets.js";
import { buildUserProfiles, truncateProfiles, userFeatureMap, userPast } from "./user-profiles.js";

describe("user profiles", () => {
  it("orders each user's past best first (ties: newest first where the log has time) and names features", () => {
    const p = buildUserProfiles({
      numUsers: 3,
      log: { user: Int32Array.from([1, 0, 1, 1, 0]), item: Int32Array.from([7, 2, 8, 9, 3]), rating: Float32Array.from([3, 1, 5, 3, 4]), timestamp: Float64Array.from([10, 1, 2, 30, 4]) },
      testUsers: Int32Array.from([0]),
      features: Float32Array.from([1, 0, 0, 1, 0, 0]),
      featureDim: 2,
      featureNames: ["gender:a", "gender:b"],
    });
    expect(userPast(p, 1)).toEqual([{ item: 8, rating: 5 }, { item: 9, rating: 3 }, { item: 7, rating: 3 }]);
    expect(userPast(p, 0, 1)).toEqual([{ item: 3, rating: 4 }]);
    expect(userPast(p, 2)).toEqual([]);
    expect(p.source).toEqual(["fold-in", "training log", "none"]);
    expect(userFeatureMap(p, 1)).toEqual({ "gender:b": 1 });
    expect(userPast(truncateProfiles(p, 2), 1)).toEqual(userPast(p, 1, 2));
  });

  it("a preset's held-out users' past is their fold-in share, never a withheld rating; observations carry it", async () => {
    const setup = await loadPreset("synthetic");
    const withheld = new Set<string>();
    for (let j = 0; j < setup.withheldLog!.user.length; j++) withheld.add(`${setup.withheldLog!.user[j]}:${setup.withheldLog!.item[j]}`);
    const u = setup.testUsers[0]!;
    const past = userPast(setup.profiles, u);
    expect(past.length).toBe(50);
    expect(past.filter((x) => withheld.has(`${u}:${x.item}`))).toEqual([]);
    expect(setup.profiles.source[u]).toBe("synthetic log");
    const sim = await makeSimulator(setup, "test", { batchSize: 1, seed: 0 });
    sim.reset();
    const obs = sim.observation(0);
    expect(obs.userPast!.length).toBe(20);
    expect(obs.userPast![0]).toEqual({ ...userPast(setup.profiles, obs.userId, 1)[0]!, category: setup.catalog.itemCategory[obs.userPast![0]!.item] });
    expect(obs.userFeatures).toBeUndefined();
  });
});
