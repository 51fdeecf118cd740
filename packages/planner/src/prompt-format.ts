import type { CategoryId, CategoryOption, PlanRequest, Reflection, SlateSummary } from "@farsight/core";

/** "2 (Comedy)" where the dataset names its categories, "2" otherwise. */
export function categoryLabel(option: CategoryOption): string {
  return option.name ? `${option.id} (${option.name})` : String(option.id);
}

/** Names by id for a request's candidates plus anything named in its history (history may hold non-candidates). */
export function nameLookup(request: Pick<PlanRequest, "candidates" | "otherCategories">): (id: CategoryId) => string {
  const names = new Map<CategoryId, string>();
  for (const c of [...(request.otherCategories ?? []), ...request.candidates]) if (c.name) names.set(c.id, c.name);
  return (id) => names.get(id) ?? `category ${id}`;
}

/** Compact number: integers as is, others with at most 2 decimals. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Number.isInteger(x) ? String(x) : String(Math.round(x * 100) / 100);
}

/** Candidate list, one per line. */
export function formatCandidates(candidates: readonly CategoryOption[]): string {
  return candidates.map((c) => `- ${categoryLabel(c)}`).join("\n");
}

/** One line per slate: the categories shown and the feedback each position got. */
export function formatHistory(history: readonly SlateSummary[], name: (id: CategoryId) => string): string {
  if (history.length === 0) return "The user has no interaction history yet.";
  return history
    .map((s) => `- Step ${s.step}: categories [${s.categories.map(name).join(", ")}]; feedback [${s.feedback.map(num).join(", ")}]`)
    .join("\n");
}

/** One line per reflection with the return of the session it describes. */
export function formatReflections(reflections: readonly Reflection[], emptyText = "No reflections are available yet."): string {
  if (reflections.length === 0) return emptyText;
  return reflections.map((r, i) => `- Session ${i + 1} (return ${num(r.return)}, ${r.length} steps): ${r.text.trim()}`).join("\n");
}

/** Reflections of several requests, without repeats (a cohort usually shares one sample). */
export function uniqueReflections(requests: readonly PlanRequest[]): Reflection[] {
  const seen = new Set<string>();
  const out: Reflection[] = [];
  for (const r of requests) for (const f of r.reflections) {
    const key = `${f.text}\u0000${f.return}`;
    if (!seen.has(key)) { seen.add(key); out.push(f); }
  }
  return out;
}

/** True when every request offers the same candidates in the same order. */
export function sameCandidates(requests: readonly PlanRequest[]): boolean {
  const first = requests[0]?.candidates.map((c) => c.id).join(",");
  return requests.every((r) => r.candidates.map((c) => c.id).join(",") === first);
}
