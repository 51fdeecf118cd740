/**
 * Reads a run directory for the report. Nothing in it is trusted: a missing file is "not recorded", a bad
 * line is skipped and reported with its file and line number, and the rest of the report still renders.
 */
import { existsSync, statSync } from "node:fs";
import { FarsightError } from "@farsight/core";
import { DEMO_WEIGHTS_FILE, readDemoWeights, type DemoWeightsFile } from "../report/ilrec-data.js";
import { readRunFile } from "./safe-read.js";
import { LLM_RECORDS_FILE, readLlmRecords, type LlmAnswersSummary } from "./llm-records.js";
import { RUN_FILES, type CurvePoint, type EpisodeRecord, type ResultColumn, type ResultsTable, type RunConfig } from "./run-dir.js";

/** Something wrong in a run directory's files, precise enough to find and fix. */
export interface Problem {
  readonly file: string;
  /** 1-based line number for .jsonl files. */
  readonly line?: number;
  readonly message: string;
}

export type RunFile = keyof typeof RUN_FILES;

/** What `readRunDir` found. A section is null when its file is missing or unreadable as a whole. */
export interface RunDirData {
  readonly dir: string;
  /** Which files exist (a present file can still be null below when it could not be read). */
  readonly present: Readonly<Record<RunFile, boolean>>;
  readonly config: RunConfig | null;
  readonly curves: CurvePoint[] | null;
  readonly episodes: EpisodeRecord[] | null;
  readonly results: ResultsTable | null;
  /** `farsight run ilrec`: the demonstration weights after each refresh (null when absent or unreadable). */
  readonly demoWeights: DemoWeightsFile | null;
  /** `--record`: the LLM answers of `llm-records.jsonl` per role (null when the run recorded none). */
  readonly llmAnswers: LlmAnswersSummary | null;
  readonly problems: Problem[];
  /** Problems beyond the per-file cap that were counted but not listed. */
  readonly problemsNotListed: number;
}

/** At most this many problems are listed per file; a file of garbage should not make a report of garbage. */
const MAX_PROBLEMS_PER_FILE = 50;

export function readRunDir(dir: string): RunDirData {
  if (!existsSync(dir)) throw new FarsightError("lab/run-dir-missing", `run directory not found: ${dir}`, { dir });
  if (!statSync(dir).isDirectory()) throw new FarsightError("lab/run-dir-not-dir", `not a directory: ${dir} (expected a run directory, see RUN_DIR.md)`, { dir });
  const problems = new ProblemLog();
  // Every file is checked before any is parsed: a link out of the directory refuses the whole report.
  const texts = {} as Record<RunFile, string | null>;
  const present = {} as Record<RunFile, boolean>;
  for (const key of Object.keys(RUN_FILES) as RunFile[]) {
    texts[key] = readRunFile(dir, RUN_FILES[key]);
    present[key] = texts[key] !== null;
  }
  const demoWeights = readDemoWeights(dir, (message) => problems.add(DEMO_WEIGHTS_FILE, message));
  const llmAnswers = readLlmRecords(dir, (message, line) => problems.add(LLM_RECORDS_FILE, message, line));

  const configText = texts.config;
  const resultsText = texts.results;
  const curvesText = texts.curves;
  const episodesText = texts.episodes;
  return {
    dir,
    present,
    config: configText === null ? null : parseConfig(configText, problems),
    results: resultsText === null ? null : parseResults(resultsText, problems),
    curves: curvesText === null ? null : parseLines(curvesText, RUN_FILES.curves, problems, toCurvePoint),
    episodes: episodesText === null ? null : parseLines(episodesText, RUN_FILES.episodes, problems, toEpisode),
    demoWeights,
    llmAnswers,
    problems: problems.list,
    get problemsNotListed() {
      return problems.notListed;
    },
  };
}

class ProblemLog {
  readonly list: Problem[] = [];
  notListed = 0;
  private perFile = new Map<string, number>();
  add(file: string, message: string, line?: number): void {
    const n = (this.perFile.get(file) ?? 0) + 1;
    this.perFile.set(file, n);
    if (n > MAX_PROBLEMS_PER_FILE) this.notListed++;
    else this.list.push(line === undefined ? { file, message } : { file, line, message });
  }
}

function parseJson(text: string, file: string, problems: ProblemLog, line?: number): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    problems.add(file, `not valid JSON: ${(err as Error).message}`, line);
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function parseConfig(text: string, problems: ProblemLog): RunConfig | null {
  const value = parseJson(text, RUN_FILES.config, problems);
  if (value === undefined) return null;
  if (!isObject(value)) {
    problems.add(RUN_FILES.config, `expected a JSON object, got ${Array.isArray(value) ? "an array" : typeof value}`);
    return null;
  }
  return value;
}

function parseResults(text: string, problems: ProblemLog): ResultsTable | null {
  const file = RUN_FILES.results;
  const value = parseJson(text, file, problems);
  if (value === undefined) return null;
  if (!isObject(value) || !Array.isArray(value.columns) || !Array.isArray(value.rows)) {
    problems.add(file, `expected { "columns": [...], "rows": [...] }`);
    return null;
  }
  const columns: ResultColumn[] = [];
  value.columns.forEach((c, i) => {
    if (typeof c === "string" && c) columns.push({ key: c });
    else if (isObject(c) && typeof c.key === "string" && c.key) {
      const better = c.better === "higher" || c.better === "lower" ? c.better : undefined;
      if (c.better !== undefined && !better) problems.add(file, `columns[${i}].better must be "higher" or "lower", got ${JSON.stringify(c.better)}`);
      columns.push({ key: c.key, ...(typeof c.label === "string" ? { label: c.label } : {}), ...(better ? { better } : {}) });
    } else problems.add(file, `columns[${i}] must be a key string or { "key": ... }, got ${JSON.stringify(c)}`);
  });
  const rows: ResultsTable["rows"][number][] = [];
  value.rows.forEach((r, i) => {
    if (isObject(r) && typeof r.agent === "string") rows.push(r as ResultsTable["rows"][number]);
    else problems.add(file, `rows[${i}] must be an object with an "agent" string`);
  });
  return { columns, rows, ...(typeof value.note === "string" ? { note: value.note } : {}) };
}

/**
 * Parses JSON lines; `convert` returns the record or a message saying why the line is skipped, and can `warn`
 * about a part of a line it dropped while keeping the rest.
 */
function parseLines<T>(text: string, file: string, problems: ProblemLog, convert: (v: unknown, warn: (msg: string) => void) => T | string): T[] {
  const out: T[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    const value = parseJson(line, file, problems, i + 1);
    if (value === undefined) return;
    const record = convert(value, (msg) => problems.add(file, msg, i + 1));
    if (typeof record === "string") problems.add(file, record, i + 1);
    else out.push(record);
  });
  return out;
}

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

function describe(v: unknown): string {
  return v === null ? "null (a non-finite number when written)" : JSON.stringify(v) ?? String(v);
}

function toCurvePoint(v: unknown): CurvePoint | string {
  if (!isObject(v)) return "expected a JSON object";
  if (typeof v.series !== "string" || !v.series) return `"series" must be a non-empty string, got ${describe(v.series)}`;
  if (typeof v.metric !== "string" || !v.metric) return `"metric" must be a non-empty string, got ${describe(v.metric)}`;
  if (!finite(v.step)) return `"step" must be a finite number, got ${describe(v.step)}`;
  if (!finite(v.value)) return `"value" of ${v.series} / ${v.metric} at step ${v.step} must be a finite number, got ${describe(v.value)}`;
  if (v.seed !== undefined && !finite(v.seed)) return `"seed" must be a number when present, got ${describe(v.seed)}`;
  return { series: v.series, step: v.step, metric: v.metric, value: v.value, ...(v.seed !== undefined ? { seed: v.seed as number } : {}) };
}

function toEpisode(v: unknown, warn: (msg: string) => void): EpisodeRecord | string {
  if (!isObject(v)) return "expected a JSON object";
  if (typeof v.agent !== "string" || !v.agent) return `"agent" must be a non-empty string, got ${describe(v.agent)}`;
  if (!finite(v.length) || !Number.isInteger(v.length) || v.length < 0) return `"length" must be an integer >= 0, got ${describe(v.length)}`;
  if (!finite(v.return)) return `"return" must be a finite number, got ${describe(v.return)}`;
  const base = { agent: v.agent, length: v.length, return: v.return };
  if (v.categories === undefined) return base;
  const cats = v.categories;
  const ok = Array.isArray(cats) && cats.every((s) => Array.isArray(s) && s.every((c) => Number.isInteger(c) && (c as number) >= 0));
  // A bad category list loses only the exposure picture for this episode, so it is a problem, not a skip.
  if (!ok) {
    warn(`"categories" must be an array (one per step) of arrays of category ids (integers >= 0); this episode is left out of the exposure charts`);
    return base;
  }
  return { ...base, categories: cats as number[][] };
}
