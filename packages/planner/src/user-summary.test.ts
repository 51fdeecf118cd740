/** The user's context reaches the planners (issue 27): the request's user summary, LERL's prompt, the saturation prior. */
import { describe, expect, it } from "vitest";
import { lerlPlanPrompt } from "./prompt-lerl.js";
import { buildPlanRequest } from "./request.js";
import { SaturationAwarePlanner } from "./saturation-planner.js";

const catalog = { numCategories: 3, categoryNames: ["jackets", "coats", "parkas"] };
const base = { sessionId: "s1", userId: 7, step: 0, history: [], returnSoFar: 0 };
const withUser = {
  ...base,
  userPast: [
    { item: 4, category: 2, rating: 5 },
    { item: 9, category: 2, rating: 4 },
    { item: 1, category: 0, rating: 4 },
  ],
  userFeatures: { "gender:women": 1 },
};

describe("user summary in plan requests", () => {
  it("summarises the user's best logged items by category (most frequent first) and their features", () => {
    const r = buildPlanRequest(withUser, { catalog });
    expect(r.user).toEqual({
      pastItems: 3,
      topCategories: [{ id: 2, name: "parkas", count: 2, meanRating: 4.5 }, { id: 0, name: "jackets", count: 1, meanRating: 4 }],
      features: ["gender:women"],
    });
    expect(buildPlanRequest(base, { catalog }).user).toBeUndefined();
  });

  it("LERL's prompt gains a [User Profile] section only when the request has a user", () => {
    const text = (o: typeof base) => lerlPlanPrompt(buildPlanRequest(o, { catalog }), { minCategories: 1 })[1]![1];
    expect(text(withUser)).toContain("[User Profile]\nBefore this session the user's 3 best-rated logged items were mostly from: parkas (2 items, mean rating 4.5), jackets (1 items, mean rating 4).\nUser features: gender:women.");
    expect(text(base)).not.toContain("[User Profile]");
  });

  it("the saturation planner's opt-in user prior starts a new session from the user's favourite category", async () => {
    const request = buildPlanRequest(withUser, { catalog });
    const plain = new SaturationAwarePlanner({ numCategories: 1, seed: 0, userPrior: 0 });
    const aware = new SaturationAwarePlanner({ numCategories: 1, seed: 0, userPrior: 1 });
    expect(plain.evidence(request).map((e) => e.userShare)).toEqual([1 / 3, 0, 2 / 3]);
    expect((await aware.plan([request]))[0]!.categories).toEqual([2]);
    // Without it every category ties on an empty session: the seeded tie-break decides, across users and seeds.
    const picks = new Set<number>();
    for (let seed = 0; seed < 12; seed++) picks.add((await new SaturationAwarePlanner({ numCategories: 1, seed }).plan([request]))[0]!.categories[0]!);
    expect(picks.size).toBeGreaterThan(1);
  });
});
