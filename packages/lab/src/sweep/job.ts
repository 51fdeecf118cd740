/**
 * Runs one sweep job: the experiment of its method on its preset, budget and seed, through the same cell runner as
 * the evidence sweeps (a run directory per job whose results.json marks it finished), and returns its per-seed
 * result rows and a summary of its learning curves. Every backend (the local pool, the PostgreSQL queue, a serial
 * run) calls this one function, so they cannot drift apart.
 */
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { SILENT, type LabIO } from "../io.js";
import { runIlrecExperiment } from "../experiment/ilrec.js";
import { runLerlExperiment } from "../experiment/lerl.js";
import { ilrecCell, type LerlRows } from "../evidence/run.js";
import { readRunDir } from "../run-dir/read-run-dir.js";
import type { SweepJob } from "./spec.js";

/** One method's evaluation at one seed: a row of the sweep's result table. */
export interface SweepRow {
  readonly jobId: string;
  /** The table row's name (the agent, with "(sampled)" where it serves sampled). */
  readonly method: string;
  readonly preset: string;
  readonly budget: number;
  readonly seed: number;
  /** Means over the evaluation sessions: r_traj, len, r_each, ... */
  readonly metrics: Readonly<Record<string, number>>;
}

/** A learning curve of a job, summarised: where it ended and its mean over training (an area under the curve). */
export interface CurveSummary {
  readonly series: string;
  readonly metric: string;
  readonly points: number;
  readonly lastStep: number;
  readonly last: number;
  readonly mean: number;
}

/** What a finished job hands back. */
export interface JobResult {
  readonly job: SweepJob;
  readonly rows: readonly SweepRow[];
  readonly curves: readonly CurveSummary[];
  /** Wall-clock seconds of this attempt (0 when its results were read from an earlier one). */
  readonly seconds: number;
}

export interface RunJobOptions {
  /** Root of the run directories: the job writes `<root>/<job.id>`. */
  readonly root: string;
  /** Where dataset presets (coat) look for their files. */
  readonly dataDir?: string;
  readonly io?: LabIO;
}

/** The job's run directory under `root`. */
export function jobDir(root: string, job: SweepJob): string {
  return join(root, ...job.id.split("/"));
}

/**
 * Runs the job (or reads it, when its run directory holds results.json). An attempt cut short is set aside under a
 * new name, never deleted, and the job runs again from the start: a fresh run gives the same numbers as a serial
 * run of the spec, which a resumed one need not.
 */
export async function runSweepJob(job: SweepJob, o: RunJobOptions): Promise<JobResult> {
  const io = o.io ?? SILENT;
  const dir = jobDir(o.root, job);
  const data = o.dataDir ? { dataDir: o.dataDir } : {};
  const label = `${job.sweep} ${job.id}`;
  const started = performance.now();
  let ran = false;
  const go = async () => {
    ran = true;
    if (job.method === "lerl") {
      const lerl = job.lerl!;
      await runLerlExperiment({ env: job.preset, planners: lerl.planners, steps: job.budget, seeds: [job.seed], episodes: job.episodes, out: dir, ...(lerl.batch ? { batch: lerl.batch } : {}), ...data }, io);
    } else {
      const il = job.ilrec!;
      await runIlrecExperiment(
        { env: job.preset, teacher: il.teacher, ...(il.teacherQ !== undefined ? { teacherQ: il.teacherQ } : {}), demos: il.demos, steps: job.budget, seeds: [job.seed], episodes: job.episodes, out: dir, ...(il.batch ? { batch: il.batch } : {}), ...data },
        io,
      );
    }
  };
  const rows = (await ilrecCell(dir, true, true, io, [], label, go))!;
  return { job, rows: toRows(job, rows), curves: summariseCurves(dir), seconds: ran ? (performance.now() - started) / 1000 : 0 };
}

function toRows(job: SweepJob, rows: LerlRows): SweepRow[] {
  return rows.flatMap((r) => {
    const values = r.perSeed?.find((v) => v.seed === job.seed);
    if (!values) return [];
    const { seed: _seed, ...metrics } = values;
    const method = r.eval === "sampled" && !/sampled/.test(r.agent) ? `${r.agent} (sampled)` : r.agent;
    return [{ jobId: job.id, method, preset: job.preset, budget: job.budget, seed: job.seed, metrics }];
  });
}

/** Per series and metric of the job's curves.jsonl: its last point and its mean over training. */
export function summariseCurves(dir: string): CurveSummary[] {
  const points = readRunDir(dir).curves ?? [];
  const groups = new Map<string, { series: string; metric: string; steps: number[]; values: number[] }>();
  for (const p of points) {
    if (p.value === null || !Number.isFinite(p.value)) continue;
    const key = `${p.series}\u0000${p.metric}`;
    const g = groups.get(key) ?? { series: p.series, metric: p.metric, steps: [], values: [] };
    g.steps.push(p.step);
    g.values.push(p.value);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => {
    const at = g.steps.indexOf(Math.max(...g.steps));
    return { series: g.series, metric: g.metric, points: g.values.length, lastStep: g.steps[at]!, last: g.values[at]!, mean: g.values.reduce((a, b) => a + b, 0) / g.values.length };
  });
}
