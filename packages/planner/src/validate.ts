import { z } from "zod";
import type { CategoryId, CategoryOption } from "@farsight/core";

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

/**
 * Longest rationale a per-request schema allows: one short sentence of about 15-20 words (it also bounds a grammar's
 * answer). Was 200: SmolLM2 wrote all 200 characters on every plan (counting "1, 2, 3, ..." or repeating one
 * phrase), about 50 answer tokens of a plan's 100, each a forward pass.
 */
export const MAX_RATIONALE_CHARS = 120;

/** Bounds of a per-request plan schema. */
export interface PlanSchemaBounds {
  /** Fewest ids the answer must list (clamped to the number of candidates). Default 1. */
  readonly minItems?: number;
  /** Most ids the answer may list (clamped to the number of candidates). Default: the number of candidates. */
  readonly maxItems?: number;
}

/** A per-request schema: zod for validation (with readable errors) and the JSON schema sent to the model. */
export interface RequestSchema<T> {
  readonly schema: z.ZodType<T>;
  readonly jsonSchema: Record<string, unknown>;
}

/** The ids a model may name and the list bounds, clamped so that a valid answer always exists. */
export function planBounds(candidates: readonly CategoryOption[], bounds: PlanSchemaBounds = {}): { ids: CategoryId[]; min: number; max: number } {
  const ids = [...new Set(candidates.map((c) => c.id))];
  const max = Math.max(1, Math.min(ids.length, Math.floor(bounds.maxItems ?? ids.length)));
  const min = Math.max(1, Math.min(max, Math.floor(bounds.minItems ?? 1)));
  return { ids, min, max };
}

/**
 * A list of candidate ids for this request. The JSON schema (what json_schema, tools, Ollama's format and llama.cpp's
 * grammar enforce) is strict: each entry one of the candidates' ids (an enum), between `min` and `max` entries. The
 * zod side reads what prompt-only models write (names, numeric strings, "3 (Comedy)") and fails only when fewer than
 * `min` candidates are named, saying which entries were candidates and which were not, so the repair turn
 * can ask for exactly what is missing; unknown entries beyond that are dropped and extra ones cut by the planner
 * (counted there), as for any answer.
 */
export function candidateIdList(candidates: readonly CategoryOption[], bounds: PlanSchemaBounds = {}): { schema: z.ZodType<(number | string)[]>; jsonSchema: Record<string, unknown> } {
  const { ids, min, max } = planBounds(candidates, bounds);
  const allowed = new Set(ids);
  const byName = namesOf(candidates);
  const schema = z.array(categoryRefSchema).superRefine((refs, ctx) => {
    // Entries, not distinct ids: what JSON schema's minItems counts, so a schema-valid answer is never refused here.
    const valid: CategoryId[] = [];
    const unknown: (number | string)[] = [];
    for (const ref of refs) {
      const id = resolve(ref, allowed, byName);
      if (id === undefined) unknown.push(ref);
      else valid.push(id);
    }
    if (valid.length >= min) return;
    const named = valid.length ? `only ${valid.length} (${valid.join(", ")})` : "none";
    const not = unknown.length ? `; not candidates: ${JSON.stringify(unknown.slice(0, 10))}` : "";
    ctx.addIssue({ code: "custom", message: `name at least ${min} candidate category ids (candidates: ${ids.join(", ")}); the answer named ${named}${not}` });
  });
  return { schema, jsonSchema: { type: "array", items: { type: "integer", enum: ids }, minItems: min, maxItems: max } };
}

/**
 * The category-plan schema of one request: `{ categories, rationale }` where `categories` lists between `minItems`
 * and `maxItems` of this request's candidate ids (an enum), so json_schema, tools, Ollama's format and llama.cpp's
 * grammar cannot produce an invalid plan; LERL's bare list of ids is accepted from prompt-only models too, and too
 * few valid ids get a repair turn saying so (see {@link candidateIdList}). A repeated id is valid JSON-schema-wise
 * (grammars do not enforce uniqueItems); it is dropped, not failed.
 */
export function categoryPlanSchemaFor(candidates: readonly CategoryOption[], bounds: PlanSchemaBounds = {}): RequestSchema<CategoryPlanAnswer> {
  const list = candidateIdList(candidates, bounds);
    const schema = z.union([z.object({ categories: list.schema, rationale: z.string().optional() }), list.schema]) as unknown as z.ZodType<CategoryPlanAnswer>;
  const jsonSchema = {
    type: "object",
    properties: {
      categories: { ...list.jsonSchema, description: "ids of the chosen candidate categories" },
      rationale: { type: "string", maxLength: MAX_RATIONALE_CHARS, description: "one short sentence: why these categories" },
    },
    required: ["categories", "rationale"],
    additionalProperties: false,
  };
  return { schema, jsonSchema };
}

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

/**
 * The cohort schema of one chunk: `plans` has one entry per session (`minItems` = `maxItems` = the chunk's size),
 * each `session` one of the chunk's labels and each `categories` a list of the chunk's candidate ids. A label given
 * twice (and so one missing) is still possible under a grammar; that session falls back, said in its reason.
 */
export function cohortPlanSchemaFor(labels: readonly string[], candidates: readonly CategoryOption[], bounds: PlanSchemaBounds = {}): RequestSchema<CohortPlanAnswer> {
  const list = candidateIdList(candidates, bounds);
  const entry = z.object({ session: z.union([z.string(), z.number()]), categories: list.schema, rationale: z.string().optional() });
  const schema = z.object({ plans: z.array(entry) }) as unknown as z.ZodType<CohortPlanAnswer>;
  const jsonSchema = {
    type: "object",
    properties: {
      plans: {
        type: "array",
        minItems: labels.length,
        maxItems: labels.length,
        items: {
          type: "object",
          properties: {
            session: { type: "string", enum: [...labels], description: "the user's label, e.g. S1" },
            categories: list.jsonSchema,
            rationale: { type: "string", maxLength: MAX_RATIONALE_CHARS },
          },
          required: ["session", "categories", "rationale"],
          additionalProperties: false,
        },
      },
    },
    required: ["plans"],
    additionalProperties: false,
  };
  return { schema, jsonSchema };
}

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
  const byName = namesOf(candidates);
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

function namesOf(candidates: readonly CategoryOption[]): Map<string, CategoryId> {
  const byName = new Map<string, CategoryId>();
  for (const c of candidates) if (c.name) byName.set(c.name.trim().toLowerCase(), c.id);
  return byName;
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
