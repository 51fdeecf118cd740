/**
 * The shape every statistic reads: a method's scores as tasks (strata, e.g. presets) x runs (seeds), checked
 * once on the way in. A NaN, an infinite value, an empty task or a method without tasks is an error that names
 * the method, the task and the run: a statistic never drops a run silently, because a dropped seed is exactly
 * the kind of selection that makes a comparison lie.
 */
import { FarsightError } from "@farsight/core";

/**
 * One method's scores. A plain array is one task (named {@link ONE_TASK}) with one value per run; a record maps
 * each task name to its per-run values. Run i of every method should come from the same seed i: paired
 * differences rely on it. Higher is better everywhere in this module.
 */
export type Scores = readonly number[] | Readonly<Record<string, readonly number[]>>;

/** A method's name and its scores: what the two-method statistics (difference, P(improvement)) read. */
export interface MethodScores {
  readonly method: string;
  readonly scores: Scores;
}

/** The task name given to a plain array of per-run values. */
export const ONE_TASK = "all";

/** Checked scores: task names in input order, each task's runs as a Float64Array (never empty, all finite). */
export interface Strata {
  readonly method: string;
  readonly tasks: readonly string[];
  readonly runs: readonly Float64Array[];
}

/** Validates and copies `scores` of `method` (the name only serves the error messages). */
export function toStrata(scores: Scores, method = "scores"): Strata {
  const entries: [string, readonly number[]][] = isRunList(scores) ? [[ONE_TASK, scores]] : Object.entries(scores);
  if (entries.length === 0) {
    throw new FarsightError("lab/stats-bad-input", `${method}: no tasks; give at least one task with one run or more`, { method });
  }
  const tasks: string[] = [];
  const runs: Float64Array[] = [];
  for (const [task, values] of entries) {
    if (!Array.isArray(values)) {
      throw new FarsightError("lab/stats-bad-input", `${method}, task "${task}": expected an array of per-run values, got ${typeof values}`, { method, task });
    }
    if (values.length === 0) {
      throw new FarsightError("lab/stats-bad-input", `${method}, task "${task}": no runs; a task needs one value per seed (an empty task cannot be resampled, and skipping it would reweight the others)`, { method, task });
    }
    const column = Float64Array.from(values);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new FarsightError("lab/stats-bad-input", `${method}, task "${task}": run ${i} is ${String(v)}; every score must be a finite number (fix or rerun that seed, never drop it)`, { method, task, run: i, value: v });
      }
    }
    tasks.push(task);
    runs.push(column);
  }
  return { method, tasks, runs };
}

/** Runs per task: the smallest task's count (what bounds the interval) and the total. */
export function runCounts(strata: Strata): { readonly minRuns: number; readonly maxRuns: number; readonly total: number } {
  let minRuns = Infinity;
  let maxRuns = 0;
  let total = 0;
  for (const r of strata.runs) {
    minRuns = Math.min(minRuns, r.length);
    maxRuns = Math.max(maxRuns, r.length);
    total += r.length;
  }
  return { minRuns, maxRuns, total };
}

/**
 * Reorders `y`'s tasks to `x`'s order and checks both have the same tasks; with `sameRuns`, also the same
 * number of runs per task (paired statistics match run i of x with run i of y).
 */
export function alignTasks(x: Strata, y: Strata, sameRuns: boolean): Strata {
  const missing = x.tasks.filter((t) => !y.tasks.includes(t));
  const extra = y.tasks.filter((t) => !x.tasks.includes(t));
  if (missing.length > 0 || extra.length > 0) {
    throw new FarsightError(
      "lab/stats-bad-input",
      `${x.method} vs ${y.method}: the tasks differ (only in ${x.method}: ${missing.join(", ") || "none"}; only in ${y.method}: ${extra.join(", ") || "none"}); compare methods on the same tasks`,
      { x: x.method, y: y.method, missing, extra },
    );
  }
  const runs = x.tasks.map((t) => y.runs[y.tasks.indexOf(t)]!);
  if (sameRuns) {
    x.tasks.forEach((task, i) => {
      if (x.runs[i]!.length !== runs[i]!.length) {
        throw new FarsightError(
          "lab/stats-bad-input",
          `${x.method} vs ${y.method}, task "${task}": a paired comparison needs the same seeds for both, got ${x.runs[i]!.length} and ${runs[i]!.length} runs (use paired: false if the seeds differ)`,
          { x: x.method, y: y.method, task, xRuns: x.runs[i]!.length, yRuns: runs[i]!.length },
        );
      }
    });
  }
  return { method: y.method, tasks: x.tasks, runs };
}

function isRunList(scores: Scores): scores is readonly number[] {
  return Array.isArray(scores);
}
