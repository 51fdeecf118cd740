import { describe, expect, it } from "vitest";
import type { Reflection } from "@farsight/core";
import { OracleSaturationPlanner, ReflectionGuidedPlanner, SaturationAwarePlanner, saturationSettingsFor, type CategoryQuitRule, type PlanRequest, type Planner, type SlateSummary } from "./index.js";

const candidates = [0, 1, 2, 3, 4, 5].map((id) => ({ id, name: `c${id}` }));

/** EasyRL4Rec's category-window rule at slate size 1: leave when the new category occurs > threshold times in the last `window` slates. */
function quits(rule: Extract<CategoryQuitRule, { kind: "category-window" }>, shown: number[], next: number): boolean {
  return shown.slice(-rule.window).filter((c) => c === next).length > rule.threshold;
}

/**
 * Plays one 30-step session at slate size 1: the low level shows the plan's first category, the user likes
 * categories 0 and 1 (feedback 1) and nothing else. Returns the step at which the rule fired (30 = never).
 */
async function sessionLength(planner: Planner, rule: Extract<CategoryQuitRule, { kind: "category-window" }>): Promise<number> {
  const history: SlateSummary[] = [];
  const shown: number[] = [];
  for (let step = 0; step < 30; step++) {
    const [plan] = await planner.plan([{ sessionId: "s", step, candidates, history: history.slice(-5), reflections: [] }]);
    const c = plan!.categories[0]!;
    if (quits(rule, shown, c)) return step;
    shown.push(c);
    history.push({ step, categories: [c], feedback: [c <= 1 ? 1 : 0] });
  }
  return 30;
}

describe("OracleSaturationPlanner", () => {
  const rule = { kind: "category-window", window: 4, threshold: 1 } as const;

  it("derives its settings from the rule: the window, and threshold + 1 showings", () => {
    expect(saturationSettingsFor(rule)).toEqual({ windowSlates: 4, saturationShare: 0, minRepeats: 2 });
    expect(saturationSettingsFor({ kind: "temper" })).toEqual({ windowSlates: 1, saturationShare: 0, minRepeats: 1 });
    expect(() => saturationSettingsFor({ kind: "category-window", window: 0, threshold: 1 })).toThrow(RangeError);
  });

  it("never lets the category-window rule fire, where the history-only planner with its defaults does", async () => {
    expect(await sessionLength(new OracleSaturationPlanner({ rule, numCategories: 1 }), rule)).toBe(30);
    // The defaults (2 slates, both must repeat) allow c, x, c: the rule's window of 4 catches that.
    expect(await sessionLength(new SaturationAwarePlanner({ numCategories: 1 }), rule)).toBeLessThan(30);
  });

  it("under temper leaves out the previous slate's categories", async () => {
    const planner = new OracleSaturationPlanner({ rule: { kind: "temper" } });
    const history = [{ step: 0, categories: [0, 1, 2], feedback: [1, 1, 1] }];
    const [plan] = await planner.plan([{ sessionId: "s", step: 1, candidates, history, reflections: [] }]);
    expect(plan!.categories.filter((c) => c <= 2)).toEqual([]);
  });

  it("says it is an oracle, in the planner and in every plan's provenance", async () => {
    const planner = new OracleSaturationPlanner({ rule });
    expect(planner.oracle).toBe(true);
    expect(planner.name).toBe("oracle-saturation");
    expect(new SaturationAwarePlanner().oracle).toBe(false);
    const [plan] = await planner.plan([{ sessionId: "s", step: 0, candidates, history: [], reflections: [] }]);
    expect(plan!.source).toEqual({ kind: "heuristic", by: "oracle-saturation", detail: "oracle: reads the category-window quit rule" });
  });
});

describe("ReflectionGuidedPlanner", () => {
  const reflection = (ret: number, categories: number[]): Reflection => ({ text: "", return: ret, length: 10, categories, source: { kind: "heuristic", by: "template" } });
  const history = [{ step: 0, categories: [0], feedback: [1] }];
  const request = (reflections: Reflection[]): PlanRequest => ({ sessionId: "s", step: 1, candidates, history, reflections });

  it("prefers categories that high-return sessions saw over those of low-return sessions", async () => {
    const planner = new ReflectionGuidedPlanner({ numCategories: 2 });
    const reflections = [reflection(9, [3, 4]), reflection(8, [3, 4, 0]), reflection(1, [2, 5]), reflection(2, [2, 5, 0])];
    const lift = planner.reflectionLift(request(reflections));
    expect(lift.get(3)!).toBeGreaterThan(0);
    expect(lift.get(2)!).toBeLessThan(0);
    const [plan] = await planner.plan([request(reflections)]);
    expect([...plan!.categories].sort()).toEqual([3, 4]);
    expect(plan!.rationale).toMatch(/reflections \+/);
    // The same request without reflections: no preference between the unseen categories 1..5.
    const plain = planner.evidence(request([]));
    expect(new Set(plain.filter((e) => e.id !== 0).map((e) => e.score)).size).toBe(1);
  });

  it("is the saturation-aware planner when reflections carry no contrast", () => {
    const planner = new ReflectionGuidedPlanner();
    const flat = [reflection(5, [3]), reflection(5, [2])];
    const scores = (p: SaturationAwarePlanner, r: Reflection[]) => p.evidence(request(r)).map((e) => e.score);
    expect(scores(planner, flat)).toEqual(scores(new SaturationAwarePlanner(), []));
    expect(scores(planner, [reflection(9, [3])])).toEqual(scores(new SaturationAwarePlanner(), []));
    expect(planner.oracle).toBe(false);
  });
});
