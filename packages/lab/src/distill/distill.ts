/**
 * `farsight distill`: recorded planner answers (llm-records.jsonl of `run lerl --record`, an LLM planner's or a
 * non-LLM teacher's) train @farsight/rl-policy's DistilledPlanner, which then serves the planner role with no
 * LLM (`--planner distilled:DIR`). Only the teacher's own answers are learned from: fallbacks (another planner
 * answered) and records without their request are skipped and counted. A share of the sessions is held out and
 * the distilled planner's agreement (Jaccard) with the teacher on them is reported.
 */
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { FarsightError, hashString, jaccard, Rng, type CategoryId } from "@farsight/core";
import { DistilledPlanner, initBackend, type DistilledPlannerOptions, type DistillExample, type DistillRequest } from "@farsight/rl-policy";
import { readRunFile } from "../run-dir/safe-read.js";

/** The planner answers of a records file, and what was skipped. */
export interface PlanRecords {
  /** The role learned from (`planner/llm-category`, `planner/noisy-oracle:0.8`). */
  readonly role: string;
  /** The teacher's model as the records name it. */
  readonly model: string;
  readonly examples: readonly (DistillExample & { readonly session: string })[];
  /** Records of the role skipped: fallbacks (another planner answered), no request recorded, an unusable plan. */
  readonly skipped: { readonly fallback: number; readonly noInput: number; readonly badPlan: number };
  /** Every planner role in the file with its number of records. */
  readonly roles: Readonly<Record<string, number>>;
  /** Lines that were not answer records. */
  readonly badLines: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isIdList = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0);

/** A recorded request as the features read it, or undefined when it lacks a field they need. */
function requestOf(input: unknown): DistillRequest | undefined {
  if (!isObject(input) || !Array.isArray(input.candidates) || !Array.isArray(input.history)) return undefined;
  if (!input.candidates.every((c) => isObject(c) && Number.isInteger(c.id) && (c.id as number) >= 0)) return undefined;
  if (!input.history.every((s) => isObject(s) && isIdList(s.categories) && Array.isArray(s.feedback))) return undefined;
  return input as unknown as DistillRequest;
}

/**
 * Reads the planner answers of `file` (one answer record per line). `role` picks one planner role where the file
 * holds several. Throws `lab/no-planner-answers` when no usable answer is left (saying what the file does hold),
 * `lab/bad-option` for an ambiguous or unknown role.
 */
export function readPlanRecords(file: string, role?: string): PlanRecords {
  const text = readRunFile(dirname(file), basename(file));
  if (text === null) throw new FarsightError("lab/bad-option", `no records file at ${file}: record one with \`farsight run lerl --record --out DIR ...\` (it writes DIR/llm-records.jsonl)`, { file });
  const roles: Record<string, number> = {};
  const records: Record<string, unknown>[] = [];
  let badLines = 0;
  for (const raw of text.split("\n")) {
    if (raw.trim() === "") continue;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      badLines++;
      continue;
    }
    if (!isObject(v) || typeof v.role !== "string") {
      badLines++;
      continue;
    }
    if (!v.role.startsWith("planner/")) continue;
    roles[v.role] = (roles[v.role] ?? 0) + 1;
    records.push(v);
  }
  const names = Object.keys(roles);
  const none = (why: string) =>
    new FarsightError(
      "lab/no-planner-answers",
      `${file} holds no planner answer to learn from: ${why}. Record a teacher with \`farsight run lerl --planner P --record --out DIR\` and pass DIR/llm-records.jsonl`,
      { file, roles, badLines },
    );
  if (names.length === 0) throw none(`no record has a planner role (${badLines} lines were not answer records)`);
  if (role !== undefined && !roles[role]) throw new FarsightError("lab/bad-option", `--role ${role}: ${file} has no record of that role; it has ${names.join(", ")}`, { file, role, roles });
  if (role === undefined && names.length > 1) throw new FarsightError("lab/bad-option", `${file} holds answers of several planners (${names.join(", ")}): choose one with --role`, { file, roles });
  const chosen = role ?? names[0]!;
  const skipped = { fallback: 0, noInput: 0, badPlan: 0 };
  const examples: (DistillExample & { session: string })[] = [];
  let model = "";
  for (const r of records) {
    if (r.role !== chosen) continue;
    if (r.valid !== true) {
      skipped.fallback++;
      continue;
    }
    const request = requestOf(r.input);
    if (!request) {
      skipped.noInput++;
      continue;
    }
    const categories = isObject(r.value) ? r.value.categories : undefined;
    const allowed = new Set(request.candidates.map((c) => c.id));
    if (!isIdList(categories) || categories.length === 0 || !categories.every((c) => allowed.has(c))) {
      skipped.badPlan++;
      continue;
    }
    model ||= String(r.model ?? "");
    examples.push({ request, categories: categories as CategoryId[], session: typeof r.session === "string" ? r.session : `#${examples.length}` });
  }
  if (examples.length === 0) {
    throw none(
      `${roles[chosen]} records of ${chosen}, ${skipped.fallback} of them fallbacks (another planner answered), ${skipped.noInput} without their plan request ` +
        `(recorded before requests were kept), ${skipped.badPlan} with a plan outside the candidates`,
    );
  }
  return { role: chosen, model, examples, skipped, roles, badLines };
}

/** What {@link distillPlanner} is given. */
export interface DistillOptions {
  /** An llm-records.jsonl. */
  readonly records: string;
  /** The directory the planner is saved to (planner.json). */
  readonly out: string;
  /** The planner role to learn from, where the file holds several. */
  readonly role?: string;
  /** Share of the sessions held out to measure agreement (0: none; every example trains). Default 0.2. */
  readonly holdout?: number;
  /** The network's and training's options (@farsight/rl-policy's defaults otherwise). */
  readonly planner?: Partial<DistilledPlannerOptions>;
}

/** What {@link distillPlanner} returns. */
export interface DistillResult {
  readonly role: string;
  readonly model: string;
  readonly trainExamples: number;
  readonly heldOutExamples: number;
  /** Mean Jaccard of the distilled plan with the teacher's on the held-out requests (NaN without any). */
  readonly agreement: number;
  /** The same for the teacher's most frequent training plan (kept to each request's candidates): a bar to clear. */
  readonly majorityAgreement: number;
  /** The same for random candidates, as many as the distilled plan names (chance, given the plan sizes). */
  readonly randomAgreement: number;
  readonly loss: number;
  readonly skipped: PlanRecords["skipped"];
  /** The saved planner file. */
  readonly path: string;
}

/** A session is held out when its hash falls below `share`: every request of a session is on one side. */
export function isHeldOut(session: string, share: number): boolean {
  return share > 0 && (hashString(`holdout:${session}`) % 10_000) / 10_000 < share;
}

/** Mean Jaccard of `plans` with the examples' teacher plans. */
export function meanAgreement(plans: readonly (readonly CategoryId[])[], examples: readonly DistillExample[]): number {
  if (examples.length === 0) return NaN;
  return plans.reduce((a, p, i) => a + jaccard(p, examples[i]!.categories), 0) / examples.length;
}

/** The agreement of always answering the most frequent training plan (restricted to the candidates). */
export function majorityAgreement(train: readonly DistillExample[], test: readonly DistillExample[]): number {
  const counts = new Map<string, number>();
  for (const e of train) {
    const key = [...e.categories].sort((a, b) => a - b).join(",");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const top = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0].split(",").map(Number) ?? [];
  return meanAgreement(test.map((e) => {
    const kept = top.filter((id) => e.request.candidates.some((c) => c.id === id));
    return kept.length ? kept : [e.request.candidates[0]!.id];
  }), test);
}

/** Trains a distilled planner on the records, measures it on the held-out sessions, saves it to `out`. */
export async function distillPlanner(o: DistillOptions): Promise<DistillResult> {
  const holdout = o.holdout ?? 0.2;
  if (!(holdout >= 0 && holdout < 1)) throw new FarsightError("lab/bad-option", `distill: holdout must be in [0, 1), got ${holdout}`, { holdout });
  // Never overwrite a planner saved earlier: it may be the one a run names.
  if (existsSync(distilledPlannerFile(o.out))) throw new FarsightError("lab/bad-option", `${distilledPlannerFile(o.out)} exists already; choose another --out (a saved planner is never overwritten)`, { out: o.out });
  const recs = readPlanRecords(o.records, o.role);
  let train: readonly DistillExample[] = recs.examples.filter((e) => !isHeldOut(e.session, holdout));
  let test: readonly DistillExample[] = recs.examples.filter((e) => isHeldOut(e.session, holdout));
  // Too few sessions to split: train on all of them and report no agreement rather than fail.
  if (train.length === 0) [train, test] = [recs.examples, []];
  await initBackend();
  const meta = { teacher: recs.role, teacherModel: recs.model, records: o.records, trainExamples: train.length, heldOutExamples: test.length };
  const { planner, loss } = DistilledPlanner.fit(train, o.planner ?? {}, meta);
  try {
    const plans = planner.planSync(test.map((e) => e.request)).map((p) => p.categories);
    const agreement = meanAgreement(plans, test);
    const rng = new Rng(planner.options.seed, "distill-chance");
    const random = meanAgreement(plans.map((p, i) => rng.sample(test[i]!.request.candidates.length, p.length).map((j) => test[i]!.request.candidates[j]!.id)), test);
    const path = planner.save(o.out);
    return {
      role: recs.role, model: recs.model, trainExamples: train.length, heldOutExamples: test.length,
      agreement, majorityAgreement: majorityAgreement(train, test), randomAgreement: random, loss, skipped: recs.skipped, path,
    };
  } finally {
    planner.dispose();
  }
}

/** The saved planner file of a directory `distillPlanner` wrote. */
export const distilledPlannerFile = (dir: string) => join(dir, "planner.json");
