import { describe, expect, it } from "vitest";
import { Rng } from "@farsight/core";
import { randomPlanRequests } from "../../testing/src/planner-conformance.js";
import { ItemRuleOraclePlanner, NoisyOraclePlanner, OracleSaturationPlanner, RandomCategoryPlanner, type CategoryOutlook, type ItemRuleQuery, type PlanRequest } from "./index.js";

const oracle = () => new OracleSaturationPlanner({ seed: 3, rule: { kind: "category-window", window: 4, threshold: 1 } });

/** Many requests with distinct (session, step) pairs, random histories over 8 candidates. */
function manyRequests(n: number): PlanRequest[] {
  const rng = new Rng(42, "noisy-oracle-test");
  return Array.from({ length: n / 10 }, (_, j) => randomPlanRequests(rng, 10, [0, 1, 2, 3, 4, 5, 6, 7], j % 2 === 0).map((r) => ({ ...r, sessionId: `b${j}-${r.sessionId}` }))).flat();
}

describe("NoisyOraclePlanner", () => {
  const requests = manyRequests(2000);

  it("at q = 1 plans exactly what the oracle plans", async () => {
    const noisy = await new NoisyOraclePlanner({ oracle: oracle(), q: 1, seed: 5 }).plan(requests);
    const direct = await oracle().plan(requests);
    expect(noisy.map((p) => p.categories)).toEqual(direct.map((p) => p.categories));
    expect(noisy.every((p) => p.source.detail?.startsWith("oracle plan (oracle-saturation"))).toBe(true);
  });

  it("at q = 0 plans exactly what the random planner with the same seed plans", async () => {
    const noisy = await new NoisyOraclePlanner({ oracle: oracle(), q: 0, seed: 5 }).plan(requests);
    const random = await new RandomCategoryPlanner({ seed: 5 }).plan(requests);
    expect(noisy.map((p) => p.categories)).toEqual(random.map((p) => p.categories));
    // ...and not what the oracle plans (the two differ on most requests).
    const direct = await oracle().plan(requests);
    const same = noisy.filter((p, i) => JSON.stringify(p.categories) === JSON.stringify(direct[i]!.categories)).length;
    expect(same / requests.length).toBeLessThan(0.5);
  });

  it("follows the oracle on a share q of (session, step) pairs, coupled across q", async () => {
    const at = (q: number) => requests.map((r) => new NoisyOraclePlanner({ oracle: oracle(), q, seed: 9 }).followsOracle(r));
    const half = at(0.5), threeQuarters = at(0.75);
    const share = (xs: boolean[]) => xs.filter(Boolean).length / xs.length;
    // Binomial(2000, q): 4 standard deviations is 0.045 at q = 0.5.
    expect(Math.abs(share(half) - 0.5)).toBeLessThan(0.045);
    expect(Math.abs(share(threeQuarters) - 0.75)).toBeLessThan(0.04);
    expect(half.every((yes, i) => !yes || threeQuarters[i])).toBe(true);
    // The plans follow the coin: oracle plans where it says so, random ones elsewhere.
    const plans = await new NoisyOraclePlanner({ oracle: oracle(), q: 0.5, seed: 9 }).plan(requests);
    expect(plans.map((p) => p.source.detail!.startsWith("oracle plan"))).toEqual(half);
  });

  it("depends on (seed, session, step), not on the batch it is planned in", async () => {
    const planner = new NoisyOraclePlanner({ oracle: oracle(), q: 0.5, seed: 1 });
    const whole = await planner.plan(requests.slice(0, 50));
    const oneByOne = [];
    for (const r of requests.slice(0, 50).reverse()) oneByOne.unshift(...(await planner.plan([r])));
    expect(oneByOne).toEqual(whole);
  });

  it("is named by q, an oracle when q > 0, and refuses a q outside [0, 1]", () => {
    expect(new NoisyOraclePlanner({ oracle: oracle(), q: 0.5 }).name).toBe("noisy-oracle(q=0.50)");
    expect(new NoisyOraclePlanner({ oracle: oracle(), q: 0.25 }).oracle).toBe(true);
    expect(new NoisyOraclePlanner({ oracle: oracle(), q: 0 }).oracle).toBe(false);
    for (const q of [-0.1, 1.5, Number.NaN]) expect(() => new NoisyOraclePlanner({ oracle: oracle(), q })).toThrow(/planner quality q must be a probability in \[0, 1\]/);
  });
});

describe("ItemRuleOraclePlanner", () => {
  // A toy world: item i has category i % 4 and value i; the rule forbids every item of the last slate's category.
  const knowledge = (q: ItemRuleQuery): CategoryOutlook[] => {
    const last = q.itemHistory.at(-1)?.items.map((i) => i % 4) ?? [];
    const shown = new Set(q.itemHistory.flatMap((s) => s.items));
    return q.categories.map((c) => {
      const items = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].filter((i) => i % 4 === c && !shown.has(i));
      const safe = last.includes(c) ? [] : items;
      return { safeValue: safe.length ? Math.max(...safe) : null, bestValue: items.length ? Math.max(...items) : null, safeItems: safe.length };
    });
  };
  const base: PlanRequest = { sessionId: "s", userId: 0, step: 2, candidates: [0, 1, 2, 3].map((id) => ({ id })), history: [], reflections: [] };

  it("plans the categories whose best safe item is worth most, leaving out the ones the rule forbids", async () => {
    const planner = new ItemRuleOraclePlanner({ knowledge, numCategories: 2 });
    expect(planner.oracle).toBe(true);
    const [plan] = await planner.plan([{ ...base, itemHistory: [{ step: 0, items: [4] }, { step: 1, items: [11] }] }]);
    // Category 3 (item 11 last) is forbidden; 2 holds item 10, 1 holds 9, 0 holds 8.
    expect(plan!.categories).toEqual([2, 1]);
    expect(plan!.source).toMatchObject({ by: "oracle-item-rule", detail: expect.stringMatching(/^oracle: reads/) });
  });

  it("puts first the categories whose best items are all safe, whatever their value", async () => {
    const outlooks: CategoryOutlook[] = [
      { safeValue: 5, bestValue: 5, safeItems: 3, bestIsSafe: false },
      { safeValue: 2, bestValue: 2, safeItems: 1, bestIsSafe: true },
      { safeValue: 4, bestValue: 4, safeItems: 2 },
      { safeValue: null, bestValue: 9, safeItems: 0 },
    ];
    const [plan] = await new ItemRuleOraclePlanner({ knowledge: () => outlooks, numCategories: 3 }).plan([base]);
    expect(plan!.categories).toEqual([1, 0, 2]);
    expect(plan!.rationale).toMatch(/#1 2\.00 \(1 safe items, best items all safe\)/);
  });

  it("takes the category of the best item when no category holds a safe one", async () => {
    const planner = new ItemRuleOraclePlanner({ knowledge: (q) => knowledge(q).map((o) => ({ ...o, safeValue: null, safeItems: 0 })) });
    const [plan] = await planner.plan([{ ...base, itemHistory: [{ step: 1, items: [11] }] }]);
    expect(plan!.categories).toEqual([2]);
  });

  it("refuses knowledge that answers for the wrong number of categories", async () => {
    const planner = new ItemRuleOraclePlanner({ knowledge: () => [] });
    await expect(planner.plan([base])).rejects.toThrow(/0 outlooks for 4 candidate categories \(session s\)/);
  });
});
