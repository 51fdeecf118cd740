import { FarsightError, type Catalog, type CategoryId, type Interaction, type Observation, type Reflection } from "@farsight/core";
import type { CategoryOption, ItemSlate, PlanRequest, PreviousPlan, SlateSummary, UserSummary } from "@farsight/core";

/** Categories a {@link UserSummary} lists at most. */
const USER_TOP_CATEGORIES = 5;

/** The user summary of an observation with a user profile, else undefined. */
export function userSummary(observation: Observation, catalog: Pick<Catalog, "categoryNames">): UserSummary | undefined {
  if (!observation.userPast && !observation.userFeatures) return undefined;
  const byCategory = new Map<CategoryId, { count: number; sum: number }>();
  for (const x of observation.userPast ?? []) {
    const e = byCategory.get(x.category) ?? { count: 0, sum: 0 };
    e.count++;
    e.sum += x.rating;
    byCategory.set(x.category, e);
  }
  const topCategories = [...byCategory.entries()]
    .sort((a, b) => b[1].count - a[1].count || b[1].sum - a[1].sum || a[0] - b[0])
    .slice(0, USER_TOP_CATEGORIES)
    .map(([id, e]) => ({ id, ...(catalog.categoryNames[id] ? { name: catalog.categoryNames[id] } : {}), count: e.count, meanRating: e.sum / e.count }));
  return { pastItems: observation.userPast?.length ?? 0, topCategories, features: Object.keys(observation.userFeatures ?? {}) };
}

/** LERL's history window: the last 5 slates. */
export const DEFAULT_HISTORY_SLATES = 5;

/**
 * Groups interactions into slates by their `step` (the environment reports one interaction per slate
 * position) and keeps the last `maxSlates`, oldest first. Interactions must be in step order, as
 * `Observation.history` is.
 */
export function slatesFromHistory(history: readonly Interaction[], maxSlates = DEFAULT_HISTORY_SLATES): SlateSummary[] {
  const slates: { step: number; categories: CategoryId[]; feedback: number[] }[] = [];
  for (const it of history) {
    let last = slates[slates.length - 1];
    if (!last || last.step !== it.step) {
      last = { step: it.step, categories: [], feedback: [] };
      slates.push(last);
    }
    last.categories.push(it.category);
    last.feedback.push(it.feedback);
  }
  return maxSlates >= slates.length ? slates : slates.slice(slates.length - Math.max(0, maxSlates));
}

/** The items of every slate in `history`, grouped by step, oldest first (interactions in step order). */
export function itemSlatesFromHistory(history: readonly Interaction[]): ItemSlate[] {
  const slates: { step: number; items: number[] }[] = [];
  for (const it of history) {
    let last = slates[slates.length - 1];
    if (!last || last.step !== it.step) slates.push((last = { step: it.step, items: [] }));
    last.items.push(it.item);
  }
  return slates;
}

/** Candidate options with the catalogue's names; all categories when `ids` is omitted. */
export function candidateOptions(catalog: Pick<Catalog, "numCategories" | "categoryNames">, ids?: Iterable<CategoryId>): CategoryOption[] {
  const list = ids ? [...ids] : Array.from({ length: catalog.numCategories }, (_, c) => c);
  const seen = new Set<CategoryId>();
  const out: CategoryOption[] = [];
  for (const id of list) {
    if (!Number.isInteger(id) || id < 0 || id >= catalog.numCategories) {
      throw new FarsightError("planner/bad-candidate", `candidate category ${id} is not in the catalogue (0..${catalog.numCategories - 1})`, { id });
    }
    if (seen.has(id)) continue;
    seen.add(id);
    const name = catalog.categoryNames[id];
    out.push(name !== undefined && name !== "" ? { id, name } : { id });
  }
  return out;
}

export interface BuildPlanRequestOptions {
  /** The catalogue: names for the candidates. */
  readonly catalog: Pick<Catalog, "numCategories" | "categoryNames">;
  /** Reflections sampled or retrieved for this session. Default none. */
  readonly reflections?: readonly Reflection[];
  /** How many past slates to keep (LERL: 5). */
  readonly historySlates?: number;
  /** Candidate category ids; default every category of the catalogue. */
  readonly candidates?: Iterable<CategoryId>;
  /** The plan in force, if the caller keeps it (see `PlanRequest.previous`). */
  readonly previous?: PreviousPlan;
}

/** The bridge from an environment slot to a planner: one {@link PlanRequest} from a core {@link Observation}. */
export function buildPlanRequest(observation: Observation, options: BuildPlanRequestOptions): PlanRequest {
  const candidates = candidateOptions(options.catalog, options.candidates);
  if (candidates.length === 0) {
    throw new FarsightError("planner/no-candidates", `session ${observation.sessionId}: a plan needs at least one candidate category`, {
      sessionId: observation.sessionId,
    });
  }
  const history = slatesFromHistory(observation.history, options.historySlates ?? DEFAULT_HISTORY_SLATES);
  const candidateIds = new Set(candidates.map((c) => c.id));
  const others = new Set<CategoryId>();
  for (const s of history) for (const c of s.categories) if (!candidateIds.has(c) && c >= 0 && c < options.catalog.numCategories) others.add(c);
  const otherCategories = others.size ? candidateOptions(options.catalog, [...others].sort((a, b) => a - b)).filter((c) => c.name) : [];
  const user = userSummary(observation, options.catalog);
  return {
    sessionId: observation.sessionId,
    userId: observation.userId,
    step: observation.step,
    candidates,
    history,
    ...(otherCategories.length ? { otherCategories } : {}),
    reflections: options.reflections ?? [],
    returnSoFar: observation.returnSoFar,
    ...(user ? { user } : {}),
    itemHistory: itemSlatesFromHistory(observation.history),
    ...(options.previous ? { previous: options.previous } : {}),
  };
}

/** Throws a {@link FarsightError} naming the session when a request cannot be planned for. */
export function assertPlannable(request: PlanRequest): void {
  if (request.candidates.length === 0) {
    throw new FarsightError("planner/no-candidates", `session ${request.sessionId}: a plan needs at least one candidate category`, {
      sessionId: request.sessionId,
      step: request.step,
    });
  }
}

/**
 * A plan request as answer records keep it (`AnswerRecord.input`): everything a planner reads except the item
 * history (long, and only the item-rule oracle reads it), the previous plan and the reflections' texts (the
 * prompt in the same record has them; their number is kept). What `farsight distill` trains on.
 */
export function planRequestForRecord(r: PlanRequest): Record<string, unknown> {
  return {
    sessionId: r.sessionId,
    ...(r.userId !== undefined ? { userId: r.userId } : {}),
    step: r.step,
    candidates: r.candidates,
    history: r.history,
    ...(r.otherCategories?.length ? { otherCategories: r.otherCategories } : {}),
    reflections: r.reflections.length,
    ...(r.returnSoFar !== undefined ? { returnSoFar: r.returnSoFar } : {}),
    ...(r.user ? { user: r.user } : {}),
  };
}
