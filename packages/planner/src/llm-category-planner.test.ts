import { describe, expect, it } from "vitest";
import type { Observation, Plan, Reflection } from "@farsight/core";
import { LlmStats, NoModelError, ScriptedChatModel } from "@farsight/llm";
import { buildPlanRequest, type PlanRequest } from "./index.js";
import { LlmCategoryPlanner } from "./llm.js";

const NAMES = ["Action", "Puzzle", "Racing", "Drama", "Comedy"];
const catalog = { numCategories: 5, categoryNames: NAMES };

const reflections: Reflection[] = [
  { text: "Racing streaks bored the user; alternate with Puzzle.", return: 12.5, length: 18, categories: [2, 1], source: { kind: "llm", by: "m" } },
  { text: "Comedy kept clicks high until step nine.", return: 7, length: 9, categories: [4], source: { kind: "heuristic", by: "t" } },
];

/** Seven steps of one-item... two-item slates; only the last 5 must reach the prompt. */
function observation(sessionId = "u1"): Observation {
  const history = [];
  for (let step = 0; step < 7; step++) {
    history.push({ item: 10 * step, category: step % 5, feedback: step % 2, step });
    history.push({ item: 10 * step + 1, category: 2, feedback: 1, step });
  }
  return { sessionId, userId: 4, step: 7, history, returnSoFar: 5.5 };
}

/** The text of one `[Part]` of a prompt, up to the next part. */
function part(prompt: string, header: string): string {
  const start = prompt.indexOf(`[${header}]`);
  expect(start, `prompt has a [${header}] part`).toBeGreaterThanOrEqual(0);
  const rest = prompt.slice(start + header.length + 2);
  const next = rest.search(/\n\[[A-Z][A-Za-z ]+\]\n/);
  return next < 0 ? rest : rest.slice(0, next);
}

function scripted(answer: string | ((p: string, i: number) => string)) {
  return new ScriptedChatModel({ responses: typeof answer === "string" ? () => answer : answer });
}

describe("LlmCategoryPlanner prompt", () => {
  it("carries candidates, the last 5 slates, the reflections and the task in their four parts", async () => {
    const model = scripted('{"categories": [1, 4], "rationale": "Puzzle and Comedy are fresh"}');
    const planner = new LlmCategoryPlanner({ model, minCategories: 2, maxCategories: 3 });
    const request = buildPlanRequest(observation(), { catalog, reflections, candidates: [0, 1, 3, 4] });
    const [plan] = await planner.plan([request]);
    expect(plan).toMatchObject({ categories: [1, 4], rationale: "Puzzle and Comedy are fresh", source: { kind: "llm" } });
    expect(model.prompts).toHaveLength(1);
    const prompt = model.prompts[0]!;

    const candidates = part(prompt, "Candidate Categories");
    for (const line of ["- 0 (Action)", "- 1 (Puzzle)", "- 3 (Drama)", "- 4 (Comedy)"]) expect(candidates).toContain(line);
    expect(candidates).not.toContain("Racing"); // category 2 is not a candidate

    const history = part(prompt, "User Interaction History");
    expect(history).not.toContain("Step 0:");
    expect(history).not.toContain("Step 1:");
    for (let step = 2; step < 7; step++) {
      expect(history).toContain(`- Step ${step}: categories [${NAMES[step % 5]}, Racing]; feedback [${step % 2}, 1]`);
    }

    const summaries = part(prompt, "Reflective Summaries");
    expect(summaries).toContain("high long-term satisfaction");
    expect(summaries).toContain("(return 12.5, 18 steps): Racing streaks bored the user; alternate with Puzzle.");
    expect(summaries).toContain("(return 7, 9 steps): Comedy kept clicks high until step nine.");

    const task = part(prompt, "Your Task");
    expect(task).toContain("between 2 and 3 categories");
    expect(task).toContain("long-term satisfaction");
    expect(prompt.indexOf("[Candidate Categories]")).toBeLessThan(prompt.indexOf("[User Interaction History]"));
    expect(prompt.indexOf("[Reflective Summaries]")).toBeLessThan(prompt.indexOf("[Your Task]"));
  });

  it("says when there is no history and no reflection, and shows bare ids without names", async () => {
    const model = scripted("[0, 2]");
    const planner = new LlmCategoryPlanner({ model });
    const request = buildPlanRequest({ sessionId: "new", userId: 1, step: 0, history: [], returnSoFar: 0 }, {
      catalog: { numCategories: 3, categoryNames: ["", "", ""] },
    });
    const [plan] = await planner.plan([request]);
    expect(plan!.categories).toEqual([0, 2]); // LERL's bare-list answer format is accepted
    const prompt = model.prompts[0]!;
    expect(part(prompt, "Candidate Categories")).toContain("- 0\n- 1\n- 2");
    expect(part(prompt, "User Interaction History")).toContain("The user has no interaction history yet.");
    expect(part(prompt, "Reflective Summaries")).toContain("No reflections are available yet.");
    expect(part(prompt, "Your Task")).toContain("at least 2 categories");
  });
});

describe("LlmCategoryPlanner answers", () => {
  const request = (id: string, step = 3): PlanRequest => buildPlanRequest({ ...observation(id), step }, { catalog, reflections });

  it("drops unknown ids and counts them, accepts names, cuts beyond maxCategories", async () => {
    const planner = new LlmCategoryPlanner({ model: scripted('{"categories": [7, "comedy", 1, "#3", "Opera", 0]}'), maxCategories: 3 });
    const [plan] = await planner.plan([request("a")]);
    expect(plan!.categories).toEqual([4, 1, 3]);
    expect(plan!.source.detail).toContain("dropped unknown [7,\"Opera\"]");
    expect(planner.counters).toMatchObject({ unknownIdsDropped: 2, truncatedIds: 1, fromModel: 1, fallbacks: 0 });
  });

  it("sends a session with only unknown ids to the fallback planner and records it in LlmStats", async () => {
    const stats = new LlmStats();
    const planner = new LlmCategoryPlanner({ model: scripted('{"categories": [42, 43]}'), stats });
    const [plan] = await planner.plan([request("a")]);
    expect(plan!.source).toMatchObject({ kind: "fallback", by: "llm-category->saturation-aware" });
    expect(plan!.source.detail).toContain("the answer named none; not candidates: [42,43]");
    expect(stats.snapshot().fallbacksByComponent).toEqual({ "planner/llm-category": 1 });
    // Refused by the request's schema (after its repair turns), so no id of it was "dropped" from a kept answer.
    expect(planner.counters).toMatchObject({ fallbacks: 1, unknownIdsDropped: 0 });
  });

  it("sends the request's own schema: candidate ids as an enum, the list bounded by minCategories / maxCategories", async () => {
    const model = scripted('{"categories": [3, 0], "rationale": "fresh"}');
    const planner = new LlmCategoryPlanner({ model, minCategories: 2, maxCategories: 3 });
    const restricted = buildPlanRequest(observation("r"), { catalog, candidates: [0, 3, 4] });
    await planner.plan([restricted]);
    // The schema shown is the one sent to constrained decoders (structured() puts the same object in both places).
    const shown = JSON.parse(/JSON schema of category_plan:\n(.*)$/m.exec(model.prompts[0]!)![1]!) as { properties: { categories: unknown }; required: string[] };
    expect(shown.required).toEqual(["categories", "rationale"]);
    expect(shown.properties.categories).toEqual({
      type: "array", items: { type: "integer", enum: [0, 3, 4] }, minItems: 2, maxItems: 3, description: "ids of the chosen candidate categories",
    });
  });

  it("asks again, saying why, when an answer names fewer candidates than minCategories; then falls back", async () => {
    const stats = new LlmStats();
    const model = scripted('{"categories": [1, 99]}');
    const planner = new LlmCategoryPlanner({ model, stats, minCategories: 2, maxRepairs: 1 });
    const [plan] = await planner.plan([request("a")]);
    expect(model.prompts).toHaveLength(2);
    expect(model.prompts[1]).toContain("name at least 2 candidate category ids (candidates: 0, 1, 2, 3, 4); the answer named only 1 (1); not candidates: [99]");
    expect(plan!.source.kind).toBe("fallback");
    expect(stats.snapshot()).toMatchObject({ repairs: 1, invalidAnswers: 2, fallbacks: 1 });
  });

  it("plans every k steps: reuses a session's plan in between, from memory or from the request", async () => {
    const model = scripted('{"categories": [0, 1]}');
    const planner = new LlmCategoryPlanner({ model, planEvery: 3 });
    const kinds: string[] = [];
    for (let step = 3; step < 9; step++) kinds.push((await planner.plan([request("a", step)]))[0]!.source.kind);
    expect(kinds).toEqual(["llm", "cache", "cache", "llm", "cache", "cache"]);
    expect(model.prompts).toHaveLength(2);
    expect(planner.counters.reused).toBe(4);

    // A stateless caller (the graph) hands the plan in force back instead.
    const fresh = new LlmCategoryPlanner({ model, planEvery: 3 });
    const previous = { plan: { categories: [3, 4], source: { kind: "llm" as const, by: "m" } }, step: 2 };
    const [reused] = await fresh.plan([{ ...request("b", 4), previous }]);
    expect(reused).toMatchObject({ categories: [3, 4], source: { kind: "cache" } });
    fresh.forget();

    // A caller that hands back every plan it got, reused ones included, still gets a fresh plan every k steps.
    const echo = new LlmCategoryPlanner({ model: scripted('{"categories": [2, 3]}'), planEvery: 2 });
    let last: { plan: Plan; step: number } | undefined;
    const echoed: string[] = [];
    for (let step = 3; step < 9; step++) {
      const [plan] = await echo.plan([{ ...request("c", step), ...(last ? { previous: last } : {}) }]);
      echoed.push(plan!.source.kind);
      last = { plan: plan!, step };
    }
    expect(echoed).toEqual(["llm", "cache", "llm", "cache", "llm", "cache"]);
  });

  it("plans a cohort in one call and maps the answer back by label", async () => {
    const model = scripted((prompt) => {
      expect(prompt).toContain("S1 (step 3");
      expect(prompt).toContain("S3 (step 3");
      return JSON.stringify({ plans: [{ session: "S2", categories: [2, 1] }, { session: "S1", categories: [0, 4] }, { session: 3, categories: ["Drama", "action"] }] });
    });
    const planner = new LlmCategoryPlanner({ model, cohortSize: 8 });
    const plans = await planner.plan([request("a"), request("b"), request("c")]);
    expect(plans.map((p) => p.categories)).toEqual([[0, 4], [2, 1], [3, 0]]);
    expect(model.prompts).toHaveLength(1);
    const prompt = model.prompts[0]!;
    // Shared candidates and reflections appear once.
    expect(prompt.split("- 4 (Comedy)").length - 1).toBe(1);
    expect(prompt.split("Racing streaks bored").length - 1).toBe(1);
  });

  it("falls back for sessions a cohort answer leaves out", async () => {
    const stats = new LlmStats();
    const planner = new LlmCategoryPlanner({ model: scripted('{"plans": [{"session": "S1", "categories": [1, 2]}]}'), cohortSize: 2, stats });
    const plans = await planner.plan([request("a"), request("b")]);
    expect(plans.map((p) => p.source.kind)).toEqual(["llm", "fallback"]);
    expect(plans[1]!.source.detail).toContain("no plan for S2");
    expect(stats.fallbacks).toBe(1);
  });

  it("runs per-session calls concurrently, at most `concurrency` at once", async () => {
    const stats = new LlmStats();
    const model = new ScriptedChatModel({ responses: () => '{"categories": [1, 2]}', delayMs: 15 });
    const planner = new LlmCategoryPlanner({ model, stats, concurrency: 3 });
    const plans = await planner.plan(Array.from({ length: 9 }, (_x, i) => request(`s${i}`)));
    expect(plans.every((p) => p.source.kind === "llm")).toBe(true);
    expect(stats.calls).toBe(9);
    expect(stats.maxInFlight).toBe(3);
  });

  it("stops waiting when the caller aborts, without counting fallbacks", async () => {
    const stats = new LlmStats();
    const model = new ScriptedChatModel({ responses: () => '{"categories": [1]}', delayMs: 10_000 });
    const planner = new LlmCategoryPlanner({ model, stats });
    const controller = new AbortController();
    const pending = planner.plan([request("a"), request("b")], { signal: controller.signal });
    controller.abort(new Error("run cancelled"));
    await expect(pending).rejects.toThrow("run cancelled");
    expect(stats.fallbacks).toBe(0);
  });

  it("refuses to be built without a model and names the alternatives", () => {
    expect(() => new LlmCategoryPlanner({ model: null })).toThrow(NoModelError);
    expect(() => new LlmCategoryPlanner({ model: null })).toThrow(/saturation-aware/);
  });
});
