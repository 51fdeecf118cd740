import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FarsightError, jaccard, Rng, type CategoryId } from "@farsight/core";
import { initBackend } from "./backend.js";
import { DistilledPlanner, type DistillExample, type DistillRequest } from "./distilled-planner.js";

const CATEGORIES = 8;

/** A random request: 4-8 candidates, 0-5 past slates of 4 items with click feedback. */
function request(rng: Rng, i: number): DistillRequest {
  const candidates = rng.sample(CATEGORIES, rng.intBetween(4, CATEGORIES)).sort((a, b) => a - b).map((id) => ({ id }));
  const history = Array.from({ length: rng.intBetween(0, 5) }, (_, step) => ({
    step,
    categories: Array.from({ length: 4 }, () => rng.int(CATEGORIES)),
    feedback: Array.from({ length: 4 }, () => (rng.bernoulli(0.4) ? 1 : 0)),
  }));
  return { sessionId: `s${i}`, step: history.length, candidates, history };
}

/**
 * The synthetic teacher's rule: the candidates the user clicked in the last two slates, topped up to 2 with the
 * lowest-id candidates (a plan of 2-4 categories that depends on the history).
 */
function teacher(r: DistillRequest): CategoryId[] {
  const clicked = new Set(r.history.slice(-2).flatMap((s) => s.categories.filter((_, i) => s.feedback[i]! > 0)));
  const plan = r.candidates.map((c) => c.id).filter((id) => clicked.has(id));
  for (const c of r.candidates) if (plan.length < 2 && !plan.includes(c.id)) plan.push(c.id);
  return plan.sort((a, b) => a - b);
}

function examples(seed: number, n: number, offset = 0): DistillExample[] {
  const rng = new Rng(seed, "distill-test");
  return Array.from({ length: n }, (_, i) => {
    const r = request(rng, offset + i);
    return { request: r, categories: teacher(r) };
  });
}

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

let dir: string;
beforeAll(async () => {
  await initBackend(["cpu"]);
  dir = mkdtempSync(join(tmpdir(), "distilled-planner-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("DistilledPlanner", () => {
  // Every seed run, shipped defaults: held-out agreement beats both chance baselines by a clear margin.
  it.each([0, 1, 2])("learns a synthetic teacher's rule (seed %i): held-out agreement above chance", (seed) => {
    const all = examples(seed, 600);
    const train = all.slice(0, 400);
    const test = all.slice(400);
    const { planner } = DistilledPlanner.fit(train, { seed });
    try {
      const plans = planner.planSync(test.map((e) => e.request));
      const agreement = meanOf(plans.map((p, i) => jaccard(p.categories, test[i]!.categories)));
      // Chance 1: a random plan of 2+ candidates. Chance 2: the teacher's most frequent training plan, kept to the candidates.
      const rng = new Rng(seed, "random-plans");
      const random = meanOf(test.map((e) => {
        const ids = e.request.candidates.map((c) => c.id);
        return jaccard(rng.sample(ids.length, rng.intBetween(2, ids.length)).map((j) => ids[j]!), e.categories);
      }));
      const counts = new Map<string, number>();
      for (const e of train) counts.set(e.categories.join(","), (counts.get(e.categories.join(",")) ?? 0) + 1);
      const top = [...counts].sort((a, b) => b[1] - a[1])[0]![0].split(",").map(Number);
      const majority = meanOf(test.map((e) => {
        const kept = top.filter((id) => e.request.candidates.some((c) => c.id === id));
        return jaccard(kept.length ? kept : [e.request.candidates[0]!.id], e.categories);
      }));
      expect(agreement).toBeGreaterThan(Math.max(random, majority) + 0.15);
      for (const [i, p] of plans.entries()) {
        expect(p.categories.length).toBeGreaterThanOrEqual(1);
        expect(p.categories.every((id) => test[i]!.request.candidates.some((c) => c.id === id))).toBe(true);
        expect(p.source.kind).toBe("learned");
      }
    } finally {
      planner.dispose();
    }
  });

  it("saves and loads: the loaded planner gives the same probabilities and plans", () => {
    const train = examples(7, 200);
    const { planner } = DistilledPlanner.fit(train, { epochs: 5, hidden: [16], maxCategories: 4 }, { teacher: "synthetic rule" });
    const out = join(dir, "round-trip");
    planner.save(out);
    const loaded = DistilledPlanner.load(out);
    try {
      const probe = examples(8, 30).map((e) => e.request);
      expect(loaded.probabilities(probe)).toEqual(planner.probabilities(probe));
      expect(loaded.planSync(probe)).toEqual(planner.planSync(probe));
      expect(loaded.options).toEqual(planner.options);
      expect(loaded.meta).toEqual({ teacher: "synthetic rule" });
    } finally {
      planner.dispose();
      loaded.dispose();
    }
  });

  it("refuses a file that is not a distilled planner, naming it", () => {
    const out = join(dir, "broken");
    const { planner } = DistilledPlanner.fit(examples(3, 50), { epochs: 1, hidden: [4] });
    planner.save(out);
    planner.dispose();
    const path = join(out, "planner.json");
    const body = JSON.parse(readFileSync(path, "utf8"));
    body.weights[0].shape = [1, 1];
    writeFileSync(path, JSON.stringify(body));
    const err = (() => {
      try {
        DistilledPlanner.load(out);
      } catch (e) {
        return e as FarsightError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(FarsightError);
    expect(err!.code).toBe("rl-policy/bad-checkpoint");
    expect(err!.message).toContain(path);
    expect(() => DistilledPlanner.load(join(dir, "missing"))).toThrow(/ENOENT/);
  });
});
