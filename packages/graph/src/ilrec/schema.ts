/**
 * The demonstration file: JSON Lines, one object per demonstrated step, in session then step order.
 * Schema `farsight.ilrec.demo/1` (documented field by field in ./README.md):
 *
 *   { schema, teacher, session, user, step,
 *     state: { recentItems, recentCategories, recentFeedback, returnSoFar },   // before the step, oldest first
 *     action: [item ids], actionTitles?, reward, feedback: [per item], done, endReason?,
 *     plan: { text?, categories, source }, grounding: [{ text, item, method, score, replaced, reason? }],
 *     value?, nextValue?, advantage? }                                         // the teacher's critic, if any
 *
 * The reader validates every line and names the file and line of the first problem; `episodesFromRecords`
 * turns records back into `@farsight/core` Episodes, the form the IL-Rec learner reads.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { FarsightError, type Catalog, type EndReason, type Episode } from "@farsight/core";
import { z } from "zod";
import type { BillpTrajectory } from "../billp-session.js";

export const DEMO_SCHEMA = "farsight.ilrec.demo/1";

/** Items of the state summary (the last STATE_WINDOW interactions before the step). */
export const STATE_WINDOW = 10;

const groundingSchema = z.object({
  text: z.string(),
  item: z.number().int().nonnegative().nullable(),
  method: z.string(),
  score: z.number(),
  replaced: z.boolean(),
  reason: z.string().optional(),
});

export const demoRecordSchema = z.object({
  schema: z.literal(DEMO_SCHEMA),
  teacher: z.string(),
  session: z.string().min(1),
  user: z.number().int().nonnegative(),
  step: z.number().int().nonnegative(),
  state: z.object({
    recentItems: z.array(z.number().int().nonnegative()),
    recentCategories: z.array(z.number().int()),
    recentFeedback: z.array(z.number()),
    returnSoFar: z.number(),
  }),
  action: z.array(z.number().int().nonnegative()).min(1),
  actionTitles: z.array(z.string()).optional(),
  reward: z.number(),
  feedback: z.array(z.number()),
  done: z.boolean(),
  endReason: z.string().optional(),
  plan: z.object({ text: z.string().optional(), categories: z.array(z.number().int()), source: z.string() }),
  grounding: z.array(groundingSchema),
  value: z.number().optional(),
  nextValue: z.number().optional(),
  advantage: z.number().optional(),
});

/** One demonstrated step. */
export type DemoRecord = z.infer<typeof demoRecordSchema>;

/** The records of one teacher session, step by step. */
export function recordsFromTrajectory(t: BillpTrajectory, teacher: string, catalog: Catalog): DemoRecord[] {
  const items: number[] = [], cats: number[] = [], fb: number[] = [];
  let returnSoFar = 0;
  return t.steps.map((s, i) => {
    const state = {
      recentItems: items.slice(-STATE_WINDOW), recentCategories: cats.slice(-STATE_WINDOW), recentFeedback: fb.slice(-STATE_WINDOW), returnSoFar,
    };
    s.slate.forEach((item, j) => {
      items.push(item);
      cats.push(catalog.itemCategory[item] ?? -1);
      fb.push(s.feedback[j] ?? 0);
    });
    returnSoFar += s.reward;
    const titles = catalog.itemTitles;
    return {
      schema: DEMO_SCHEMA, teacher, session: t.episode.sessionId, user: t.episode.userId, step: i, state,
      action: [...s.slate], ...(titles ? { actionTitles: s.slate.map((x) => titles[x] ?? "") } : {}),
      reward: s.reward, feedback: [...s.feedback], done: s.done, ...(s.endReason ? { endReason: s.endReason } : {}),
      plan: { ...(s.plan.thought ? { text: s.plan.thought } : {}), categories: [...s.plan.categories], source: `${s.plan.source.kind}:${s.plan.source.by ?? ""}` },
      grounding: s.grounding.map((g) => ({ text: g.text, item: g.item, method: g.method, score: g.score, replaced: g.replaced, ...(g.reason ? { reason: g.reason } : {}) })),
      value: s.value, nextValue: s.nextValue, advantage: s.advantage,
    };
  });
}

/** Appends records to a JSONL file (created with its directory when missing). */
export function appendDemonstrations(path: string, records: readonly DemoRecord[]): void {
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, records.map((r) => JSON.stringify(r) + "\n").join(""));
}

/** Writes (replacing) a JSONL file of records, through a temporary file and a rename: never half a file. */
export function writeDemonstrations(path: string, records: readonly DemoRecord[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, records.map((r) => JSON.stringify(r) + "\n").join(""));
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Parses JSONL text; `source` names the file in errors. Blank lines are skipped. */
export function parseDemonstrations(text: string, source = "<demonstrations>"): DemoRecord[] {
  const out: DemoRecord[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      throw new FarsightError("graph/ilrec-bad-demo-file", `${source}:${i + 1}: not JSON (${(err as Error).message})`, { source, line: i + 1 });
    }
    const parsed = demoRecordSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new FarsightError("graph/ilrec-bad-demo-file", `${source}:${i + 1}: ${issue.path.join(".") || "record"}: ${issue.message}`, { source, line: i + 1 });
    }
    out.push(parsed.data);
  });
  return out;
}

/** Reads and validates a demonstration file. */
export function readDemonstrations(path: string): DemoRecord[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new FarsightError("graph/ilrec-no-demo-file", `cannot read demonstrations ${path}: ${(err as Error).message}`, { path });
  }
  return parseDemonstrations(text, path);
}

/**
 * Groups records into Episodes (sessions in order of first appearance). Each session's steps must be 0, 1, 2...
 * with `done` on the last one only. With a catalogue, item ids are checked against it and categories filled in
 * (otherwise categories are -1).
 */
export function episodesFromRecords(records: readonly DemoRecord[], catalog?: Catalog): Episode[] {
  const numItems = catalog?.numItems;
  const bySession = new Map<string, DemoRecord[]>();
  for (const r of records) {
    const list = bySession.get(r.session) ?? [];
    list.push(r);
    bySession.set(r.session, list);
  }
  return [...bySession.entries()].map(([session, steps]) => {
    steps.forEach((r, i) => {
      const problem = r.step !== i ? `step ${r.step} where ${i} was expected`
        : r.done !== (i === steps.length - 1) ? (r.done ? "done before its last step" : "last step is not done")
        : numItems !== undefined && r.action.some((x) => x >= numItems) ? `item outside the catalogue of ${numItems}` : undefined;
      if (problem) throw new FarsightError("graph/ilrec-bad-demo-session", `demonstration session ${session}: ${problem}`, { session, step: r.step });
    });
    const last = steps[steps.length - 1]!;
    return {
      sessionId: session, userId: last.user,
      steps: steps.map((r) => ({ slate: r.action, categories: r.action.map((x) => catalog?.itemCategory[x] ?? -1), feedback: r.feedback, reward: r.reward, planCategories: r.plan.categories, ...(r.plan.text ? { thought: r.plan.text } : {}) })),
      return: steps.reduce((s, r) => s + r.reward, 0), length: steps.length, endReason: (last.endReason ?? "budget") as EndReason,
    };
  });
}
