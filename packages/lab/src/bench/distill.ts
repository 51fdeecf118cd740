/**
 * `farsight bench distill` (issue 26): does a planner distilled from a teacher's recorded plans keep the teacher's
 * value at a fraction of its cost? Per seed: LERL trains with the teacher while every plan is recorded
 * (llm-records.jsonl, the `run lerl --record` path); `distillPlanner` learns from those records (held-out sessions
 * measure agreement); then four rows are evaluated on the preset's test users: the teacher-trained LERL with its
 * teacher, the same policy served with the distilled planner instead, LERL trained with the distilled planner, and
 * LERL with the reflection-guided planner. Each row's cost per 1,000 recommendations: model calls and the planner's
 * wall milliseconds. Over seeds: mean and 95% t-interval.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { FarsightError, type Plan, type PlanCallOptions, type PlanRequest, type Planner } from "@farsight/core";
import { loadPreset, type PresetOptions } from "@farsight/env";
import { evaluateLerl, trainLerl } from "@farsight/graph";
import { createChatModel, LlmStats } from "@farsight/llm";
import { TemplateReflector } from "@farsight/reflector";
import { DistilledPlanner, initBackend, type DistilledPlannerOptions } from "@farsight/rl-policy";
import { distillPlanner, type DistillResult } from "../distill/distill.js";
import { RecordedPlanner } from "../distill/recorded-planner.js";
import { createPlanner, plannerEntry } from "../experiment/planners.js";
import { LLM_RECORDS_FILE, llmRecordSink } from "../run-dir/llm-records.js";
import { ci95, type Interval } from "../stats/student-t.js";
import { SILENT, type LabIO } from "../io.js";

export interface DistillBenchOptions {
  /** Environment preset. Default "synthetic". */
  readonly env?: string;
  /** The teacher planner (a name of the planner registry). Default "noisy-oracle:0.8". */
  readonly teacher?: string;
  /** The model spec of an LLM teacher (llm-category). Default "none". */
  readonly llm?: string;
  /** Seeds; each trains and evaluates every row. Default [0, 1, 2]. */
  readonly seeds?: readonly number[];
  /** Training budget per LERL row and seed (environment transitions). Default 2000. */
  readonly steps?: number;
  /** Evaluation sessions per row and seed. Default 100. */
  readonly episodes?: number;
  /** Concurrent training sessions. Default 32. */
  readonly batch?: number;
  /** Where each seed's records and distilled planner are written (seed-S/llm-records.jsonl, seed-S/student/). */
  readonly out: string;
  readonly dataDir?: string;
  readonly preset?: Omit<PresetOptions, "dataDir">;
  /** The distilled planner's options (its seed is the bench seed). */
  readonly planner?: Partial<DistilledPlannerOptions>;
}

/** One evaluated row of one seed. */
export interface DistillBenchCell {
  readonly len: number;
  readonly rTraj: number;
  /** Model calls per 1,000 recommendations (slates shown) during evaluation. */
  readonly callsPer1k: number;
  /** Wall milliseconds spent in the planner per 1,000 recommendations (machine load matters: compare within one run). */
  readonly planMsPer1k: number;
}

export interface DistillBenchRow {
  readonly row: string;
  readonly perSeed: readonly DistillBenchCell[];
  readonly len: Interval;
  readonly rTraj: Interval;
  readonly callsPer1k: Interval;
  readonly planMsPer1k: Interval;
}

export interface DistillBenchResult {
  readonly env: string;
  readonly teacher: string;
  readonly seeds: readonly number[];
  readonly steps: number;
  readonly episodes: number;
  /** Per seed: the distillation's figures (agreement on held-out sessions, chance, examples). */
  readonly distill: readonly Omit<DistillResult, "path" | "skipped">[];
  readonly agreement: Interval;
  readonly randomAgreement: Interval;
  readonly majorityAgreement: Interval;
  readonly rows: readonly DistillBenchRow[];
  readonly seconds: number;
}

/** Times a planner's calls (the cost column) and passes everything else through. */
class TimedPlanner implements Planner {
  ms = 0;
  constructor(private readonly inner: Planner) {}
  get name(): string {
    return this.inner.name;
  }
  get usesLlm(): boolean {
    return this.inner.usesLlm;
  }
  get oracle(): boolean {
    return this.inner.oracle ?? false;
  }
  async plan(requests: readonly PlanRequest[], options?: PlanCallOptions): Promise<Plan[]> {
    const t0 = performance.now();
    try {
      return await this.inner.plan(requests, options);
    } finally {
      this.ms += performance.now() - t0;
    }
  }
  forget(sessionIds?: readonly string[]): void {
    this.inner.forget?.(sessionIds);
  }
}

/** Frees a trained LERL's optimiser and policy weights. */
function free(lerl: Awaited<ReturnType<typeof trainLerl>>): void {
  lerl.algorithm.dispose();
  lerl.algorithm.policy.dispose();
}

/** Runs the bench; progress lines go to `io`. */
export async function runDistillBench(o: DistillBenchOptions, io: LabIO = SILENT): Promise<DistillBenchResult> {
  const env = o.env ?? "synthetic";
  const teacher = o.teacher ?? "noisy-oracle:0.8";
  const seeds = o.seeds ?? [0, 1, 2];
  const steps = o.steps ?? 2000;
  const episodes = o.episodes ?? 100;
  const batch = o.batch ?? 32;
  if (!seeds.length) throw new FarsightError("lab/bad-option", "bench distill: seeds must name at least one seed", { seeds });
  const teacherEntry = plannerEntry(teacher).entry;
  const t0 = performance.now();
  await initBackend();
  const setup = await loadPreset(env, { ...o.preset, ...(o.dataDir ? { dataDir: o.dataDir } : {}) });
  const stats = new LlmStats();
  const model = teacherEntry.usesLlm ? await createChatModel(o.llm ?? "none", { stats }) : null;
  if (teacherEntry.usesLlm && !model) throw new FarsightError("lab/bad-option", `bench distill: teacher ${teacher} needs a model (--llm SPEC)`, { teacher });
  const label = `${teacher}${teacherEntry.oracle ? ", ORACLE: reads the quit rule" : ""}`;
  const rowNames = [`LERL (teacher: ${label})`, "LERL (teacher-trained policy, distilled planner serving)", "LERL (distilled planner, trained with it)", "LERL (reflection-guided)"];
  const cells = new Map<string, DistillBenchCell[]>(rowNames.map((r) => [r, []]));
  const distilled: Omit<DistillResult, "path" | "skipped">[] = [];
  const reflector = new TemplateReflector();
  const teacherFor = (seed: number): Planner => {
    const p = createPlanner(teacher, { setup, seed, model, stats, cohort: 1 });
    return p.usesLlm ? p : new RecordedPlanner(p, stats, teacher);
  };

  /** Evaluates `algorithm` served with planners from `make`, returning the row's cell for this seed. */
  const evaluateRow = async (seed: number, lerl: Awaited<ReturnType<typeof trainLerl>>, make: (s: number) => Planner): Promise<DistillBenchCell> => {
    const timed: TimedPlanner[] = [];
    let slates = 0;
    const calls0 = stats.modelRequests;
    const r = await evaluateLerl(setup, {
      algorithm: lerl.algorithm, pool: lerl.pool, stats,
      makePlanner: (s) => {
        const t = new TimedPlanner(make(s));
        timed.push(t);
        return t;
      },
    }, { episodes, seeds: [seed], onEpisode: (e) => void (slates += e.length) });
    const per1k = (x: number) => (1000 * x) / Math.max(1, slates);
    return { len: r.metrics.len!, rTraj: r.metrics.r_traj!, callsPer1k: per1k(stats.modelRequests - calls0), planMsPer1k: per1k(timed.reduce((a, t) => a + t.ms, 0)) };
  };
  const train = (seed: number, planner: Planner) => trainLerl({ setup, steps, seed, batchSize: batch, planner, reflector, stats });

  for (const seed of seeds) {
    const dir = join(o.out, `seed-${seed}`);
    mkdirSync(dir, { recursive: true });
    io.write(`[seed ${seed}] training LERL with the teacher ${teacher}, recording its plans...\n`);
    stats.recordAnswersTo(llmRecordSink(dir));
    let withTeacher;
    try {
      withTeacher = await train(seed, teacherFor(seed));
    } finally {
      stats.recordAnswersTo(undefined);
    }
    io.write(`[seed ${seed}] distilling ${join(dir, LLM_RECORDS_FILE)}...\n`);
    const d = await distillPlanner({ records: join(dir, LLM_RECORDS_FILE), out: join(dir, "student"), planner: { ...o.planner, seed } });
    const { path: _path, skipped: _skipped, ...figures } = d;
    distilled.push(figures);
    io.write(`[seed ${seed}] agreement ${d.agreement.toFixed(3)} (random ${d.randomAgreement.toFixed(3)}, majority ${d.majorityAgreement.toFixed(3)}) on ${d.heldOutExamples} held-out plans\n`);
    const students: DistilledPlanner[] = [];
    const student = () => {
      const p = DistilledPlanner.load(join(dir, "student"));
      students.push(p);
      return p;
    };
    try {
      io.write(`[seed ${seed}] evaluating...\n`);
      cells.get(rowNames[0]!)!.push(await evaluateRow(seed, withTeacher, teacherFor));
      cells.get(rowNames[1]!)!.push(await evaluateRow(seed, withTeacher, student));
      io.write(`[seed ${seed}] training LERL with the distilled planner...\n`);
      const withStudent = await train(seed, student());
      cells.get(rowNames[2]!)!.push(await evaluateRow(seed, withStudent, student));
      free(withStudent);
      io.write(`[seed ${seed}] training LERL with the reflection-guided planner...\n`);
      const withReflection = await train(seed, createPlanner("reflection-guided", { setup, seed, model: null, stats, cohort: 1 }));
      cells.get(rowNames[3]!)!.push(await evaluateRow(seed, withReflection, (s) => createPlanner("reflection-guided", { setup, seed: s, model: null, stats, cohort: 1 })));
      free(withReflection);
    } finally {
      for (const p of students) p.dispose();
      free(withTeacher);
    }
  }
  const rows = rowNames.map((row) => {
    const perSeed = cells.get(row)!;
    const of = (k: keyof DistillBenchCell) => ci95(perSeed.map((c) => c[k]));
    return { row, perSeed, len: of("len"), rTraj: of("rTraj"), callsPer1k: of("callsPer1k"), planMsPer1k: of("planMsPer1k") };
  });
  const over = (k: "agreement" | "randomAgreement" | "majorityAgreement") => ci95(distilled.map((d) => d[k]));
  return {
    env, teacher, seeds, steps, episodes, distill: distilled,
    agreement: over("agreement"), randomAgreement: over("randomAgreement"), majorityAgreement: over("majorityAgreement"),
    rows, seconds: (performance.now() - t0) / 1000,
  };
}

const ci = (i: Interval, digits = 2) => (Number.isFinite(i.halfWidth) ? `${i.mean.toFixed(digits)} ± ${i.halfWidth.toFixed(digits)}` : i.mean.toFixed(digits));

/** The bench's result as a Markdown table (the READMEs quote it) with its agreement lines. */
export function formatDistillBench(r: DistillBenchResult): string {
  const lines = [
    `Plan agreement with the teacher (${r.teacher}) on held-out sessions, mean Jaccard over seeds ${r.seeds.join(", ")} (95% t-interval): ` +
      `distilled ${ci(r.agreement, 3)}; chance: random plans of the same size ${ci(r.randomAgreement, 3)}, the teacher's most frequent plan ${ci(r.majorityAgreement, 3)}.`,
    `Per seed: ${r.distill.map((d, i) => `${r.seeds[i]}: ${d.agreement.toFixed(3)} (${d.trainExamples} train / ${d.heldOutExamples} held out)`).join("; ")}.`,
    "",
    "| row | Len | R_traj | model calls / 1k recs | planner ms / 1k recs | R_traj per seed |",
    "|---|---|---|---|---|---|",
    ...r.rows.map((x) => `| ${x.row} | ${ci(x.len)} | ${ci(x.rTraj)} | ${ci(x.callsPer1k, 1)} | ${ci(x.planMsPer1k, 0)} | ${x.perSeed.map((c) => c.rTraj.toFixed(2)).join(", ")} |`),
    "",
    `${r.env}, ${r.steps} training transitions per row and seed, ${r.episodes} evaluation sessions per row and seed (test users), ${r.seconds.toFixed(0)} s in all.`,
  ];
  return lines.join("\n");
}
