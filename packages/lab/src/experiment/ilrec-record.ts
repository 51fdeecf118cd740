/**
 * What the IL-Rec experiment (`farsight run ilrec`) leaves in its run directory for `farsight report`: the comparison table as
 * `results.json` (the report's format, plus IL-Rec's own fields), the learning curves as `curves.jsonl`, the
 * demonstration weights as `demo-weights.json`, and every evaluation session as `episodes.jsonl`. Every file is
 * replaced whole (temporary file + rename) after each seed, so a run stopped between seeds leaves a directory
 * that reports the seeds it finished; a seed's sessions are held in memory until the seed is done.
 */
import { join } from "node:path";
import type { Episode } from "@farsight/core";
import type { IlrecPipelineResult, IlrecRow, IlrecWeightSnapshot } from "@farsight/graph";
import { DEMO_WEIGHTS_FILE, type DemoWeightsFile } from "../report/ilrec-data.js";
import { episodeRecord, RUN_FILES, type CurvePoint, type EpisodeRecord, type ResultColumn } from "../run-dir/run-dir.js";
import { writeFileAtomic } from "../run-dir/run-directory.js";

/** One finished seed of a run. */
export interface IlrecSeedRun {
  readonly seed: number;
  readonly result: IlrecPipelineResult;
  /** The evaluation sessions of each row of `result.rows`, by position (the writer names them after the table's rows). */
  readonly sessions: readonly (readonly EpisodeRecord[])[];
}

/**
 * Gathers a seed's evaluation sessions from the pipeline's `onEpisode`, then hands them out by table row:
 * `byRow` must be called with the rows as the pipeline returned them (before a row is renamed).
 */
export function sessionCollector(): { onEpisode: (method: string, episode: Episode, seed: number) => void; byRow: (rows: readonly IlrecRow[]) => EpisodeRecord[][] } {
  const byMethod = new Map<string, EpisodeRecord[]>();
  return {
    onEpisode: (method, episode, seed) => {
      let list = byMethod.get(method);
      if (!list) byMethod.set(method, (list = []));
      list.push(episodeRecord(method, episode, seed));
    },
    byRow: (rows) => rows.map((row) => byMethod.get(row.method) ?? []),
  };
}

/** What the results file says about the run as a whole. */
export interface IlrecRunInfo {
  readonly env: string;
  readonly teacher: string;
  /** The model spec, redacted ("none" for the heuristic teacher). */
  readonly llm: string;
  /** Protocol in words: which users, how many sessions, how the policies served. */
  readonly protocol: string;
  /** Where the LLM teacher's answers came from (model, repaired, fallback), when it is an LLM. */
  readonly llmAnswers?: unknown;
}

const METRICS = ["len", "r_traj", "r_each", "llmCallsPerRec", "msPerRec"] as const;

/** Mean and population std over seeds of each row's metrics (rows matched by position: every seed has the same methods in the same order). */
export function aggregate(perSeed: readonly (readonly IlrecRow[])[]): { method: string; cells: Record<(typeof METRICS)[number], [number, number]> }[] {
  return perSeed[0]!.map((first, i) => {
    const cells = {} as Record<(typeof METRICS)[number], [number, number]>;
    for (const key of METRICS) {
      const xs = perSeed.map((rows) => rows[i]![key]);
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      cells[key] = [m, Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length)];
    }
    return { method: first.method, cells };
  });
}

const COLUMNS: ResultColumn[] = [
  { key: "len", label: "Len", better: "higher" },
  { key: "r_traj", label: "R_traj", better: "higher" },
  { key: "r_each", label: "R_each", better: "higher" },
  { key: "llmCallsPerRec", label: "LLM calls / rec", better: "lower" },
  { key: "msPerRec", label: "ms / rec", better: "lower" },
];

/** `results.json` of some seeds: the report's table (mean ± std over seeds; not measured = absent) and IL-Rec's details per seed. */
export function ilrecResults(runs: readonly IlrecSeedRun[], info: IlrecRunInfo): Record<string, unknown> {
  const table = aggregate(runs.map((r) => r.result.rows));
  const rows = table.map((t, i) => {
    const row: Record<string, unknown> = { agent: t.method, method: t.method, episodes: runs[0]!.result.rows[i]!.episodes };
    const serve = runs[0]!.result.rows[i]!.serve;
    if (serve) row.serve = serve;
    for (const key of METRICS) {
      const [m, s] = t.cells[key];
      if (!Number.isFinite(m)) continue;
      row[key] = m;
      if (runs.length > 1) row[`${key}_std`] = s;
    }
    // Each seed's values of the row (a metric not measured for the row is left out), for statistics over seeds.
    row.perSeed = runs.map(({ seed, result }) => ({ seed, ...Object.fromEntries(METRICS.map((k) => [k, result.rows[i]![k]]).filter(([, v]) => Number.isFinite(v))) }));
    return row;
  });
  const ratios = runs.map((r) => r.result.latencyRatio);
  const demo = runs[0]!.result.demonstrations;
  return {
    columns: COLUMNS,
    rows,
    note: `IL-Rec on ${info.env}: ${info.protocol}; ${runs.length === 1 ? `seed ${runs[0]!.seed}` : `mean ± std over ${runs.length} seeds`}; ` +
      `Len counts the quitting step; demonstrations: ${demo.sessions} sessions (${demo.steps} steps) of the ${info.teacher} teacher per seed; ` +
      `ms / rec serves one session at a time; teacher / policy latency per recommendation ${(ratios.reduce((a, b) => a + b, 0) / ratios.length).toFixed(1)}x.`,
    ...(runs.length > 1 ? { spread: `standard deviation of the ${runs.length} per-seed means (a spread, not an interval; intervals over seeds: farsight evidence, docs/evidence.md)` } : {}),
    env: info.env,
    teacher: info.teacher,
    llm: info.llm,
    seeds: runs.map((r) => r.seed),
    latencyRatio: ratios.reduce((a, b) => a + b, 0) / ratios.length,
    perSeed: runs.map(({ seed, result: r }) => ({ seed, rows: r.rows, demonstrations: r.demonstrations, training: r.training, options: r.options, trainWorld: r.trainWorld, latencyRatio: r.latencyRatio })),
    ...(info.llmAnswers !== undefined ? { llmAnswers: info.llmAnswers } : {}),
  };
}

/** The learning curves of some seeds, each point tagged with its seed (the report averages seeds and shades their spread). */
export function ilrecCurves(runs: readonly IlrecSeedRun[]): CurvePoint[] {
  return runs.flatMap(({ seed, result }) => result.history.curves.map((c) => ({ ...c, seed })));
}

/** `demo-weights.json` of some seeds. */
export function ilrecWeights(runs: readonly IlrecSeedRun[]): DemoWeightsFile {
  const h = runs[0]!.result.history;
  const snapshots: (IlrecWeightSnapshot & { seed: number })[] = runs.flatMap(({ seed, result }) => result.history.weights.map((w) => ({ seed, ...w })));
  return { form: h.weightForm, edges: h.edges, snapshots };
}

/**
 * `episodes.jsonl` of some seeds: every evaluation session, seed by seed in table order, its `agent` the name of
 * its row in `results.json` of the same runs (the first seed's, as `aggregate` names the rows).
 */
export function ilrecEpisodes(runs: readonly IlrecSeedRun[]): EpisodeRecord[] {
  const names = aggregate(runs.map((r) => r.result.rows)).map((t) => t.method);
  return runs.flatMap((r) => r.sessions.flatMap((list, i) => list.map((e) => ({ ...e, agent: names[i]! }))));
}

/** Replaces results.json, curves.jsonl, demo-weights.json and episodes.jsonl of `dir` with the records of `runs`. */
export function writeIlrecRecords(dir: string, runs: readonly IlrecSeedRun[], info: IlrecRunInfo): void {
  writeFileAtomic(join(dir, RUN_FILES.curves), ilrecCurves(runs).map((p) => JSON.stringify(p) + "\n").join(""));
  writeFileAtomic(join(dir, DEMO_WEIGHTS_FILE), JSON.stringify(ilrecWeights(runs), null, 2) + "\n");
  // JSON.stringify writes a non-finite return as null, which the report lists as a problem and skips.
  writeFileAtomic(join(dir, RUN_FILES.episodes), ilrecEpisodes(runs).map((e) => JSON.stringify(e) + "\n").join(""));
  // results.json last: a run stopped between these writes leaves a table that never claims a seed whose records are missing.
  // NaN (a metric not measured for a row) is left out above; anything else non-finite would become null.
  writeFileAtomic(join(dir, RUN_FILES.results), JSON.stringify(ilrecResults(runs, info), null, 2) + "\n");
}
