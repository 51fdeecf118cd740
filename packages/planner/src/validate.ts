import { z } from "zod";
import type { CategoryId } from "@farsight/core";
import type { CategoryOption } from "./types.js";

/** A category as a model may write it: the id (number or numeric string) or its name. */
export const categoryRefSchema = z.union([z.number(), z.string()]);

/** One session's answer: `{ categories, rationale? }`, or LERL's bare list of ids. */
export const categoryPlanSchema = z.union([
  z.object({
    categories: z.array(categoryRefSchema).describe("ids of the chosen candidate categories"),
    rationale: z.string().optional().describe("one short sentence: why these categories"),
  }),
  z.array(categoryRefSchema),
]);
export type CategoryPlanAnswer = z.infer<typeof categoryPlanSchema>;

/** A cohort answer: one plan per session label. */
export const cohortPlanSchema = z.object({
  plans: z.array(
    z.object({
      session: z.union([z.string(), z.number()]).describe("the user's label, e.g. S1"),
      categories: z.array(categoryRefSchema),
      rationale: z.string().optional(),
    }),
  ),
});
export type CohortPlanAnswer = z.infer<typeof cohortPlanSchema>;

export interface ValidatedCategories {
  /** Candidate ids the answer named, in the answer's order, without repeats, at most `maxCategories`. */
  readonly kept: CategoryId[];
  /** Entries that matched no candidate (dropped). */
  readonly unknown: (number | string)[];
  /** Valid ids dropped because the answer was longer than `maxCategories`. */
  readonly truncated: number;
}

/**
 * Maps a model's category references onto the candidates: ids, numeric strings, "#3", "3 (Comedy)" and
 * names (case-insensitive) are accepted; anything else is dropped and reported. Never throws.
 */
export function validateCategories(
  refs: readonly (number | string)[],
  candidates: readonly CategoryOption[],
  maxCategories = Infinity,
): ValidatedCategories {
  const ids = new Set(candidates.map((c) => c.id));
  const byName = new Map<string, CategoryId>();
  for (const c of candidates) if (c.name) byName.set(c.name.trim().toLowerCase(), c.id);
  const kept: CategoryId[] = [];
  const unknown: (number | string)[] = [];
  let truncated = 0;
  for (const ref of refs) {
    const id = resolve(ref, ids, byName);
    if (id === undefined) { unknown.push(ref); continue; }
    if (kept.includes(id)) continue;
    if (kept.length >= maxCategories) { truncated++; continue; }
    kept.push(id);
  }
  return { kept, unknown, truncated };
}

function resolve(ref: number | string, ids: Set<CategoryId>, byName: Map<string, CategoryId>): CategoryId | undefined {
  if (typeof ref === "number") return Number.isInteger(ref) && ids.has(ref) ? ref : undefined;
  const text = ref.trim();
  const lead = /^#?\s*(-?\d+)\b/.exec(text);
  if (lead) {
    const n = Number(lead[1]);
    if (ids.has(n)) return n;
  }
  return byName.get(text.toLowerCase()) ?? byName.get(text.replace(/^["'\s]+|["'\s.]+$/g, "").toLowerCase());
}

/** Normalises both answer shapes to `{ refs, rationale }`. */
export function answerParts(answer: CategoryPlanAnswer): { refs: (number | string)[]; rationale?: string } {
  if (Array.isArray(answer)) return { refs: answer };
  return answer.rationale ? { refs: answer.categories, rationale: answer.rationale } : { refs: answer.categories };
}
