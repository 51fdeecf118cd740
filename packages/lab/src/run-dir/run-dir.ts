/**
 * The run directory: what a training or evaluation run leaves behind for `farsight report`. The format is
 * described for people in RUN_DIR.md beside this file; these types and `RunDirWriter` are the same contract
 * for code. Every file is optional: the report says "not recorded" for a missing one.
 */
import { appendFileSync, mkdirSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { FarsightError, redactForWrite, type Episode } from "@farsight/core";
import { checkOrdinaryPath } from "@farsight/core/node";

/** File names inside a run directory. */
export const RUN_FILES = {
  config: "config.json",
  curves: "curves.jsonl",
  episodes: "episodes.jsonl",
  results: "results.json",
} as const;

/** The run's configuration: any JSON object (the report flattens it into a key/value table). */
export type RunConfig = Record<string, unknown>;

/** One line of `curves.jsonl`: the value of one metric of one series (method) at one training step. */
export interface CurvePoint {
  /** The learning curve's name, usually the method: "LERL (saturation)", "PPO (flat)". */
  readonly series: string;
  /** Training progress: environment steps (or updates; say which in config.json). */
  readonly step: number;
  /** Which metric: "r_traj", "len", "policy_loss", ... One chart per metric. */
  readonly metric: string;
  /** Non-finite values are written as null and reported as problems, never plotted. */
  readonly value: number | null;
  /** Optional: several seeds of one series are averaged, and their spread is shaded. */
  readonly seed?: number;
}

/** One line of `episodes.jsonl`: one finished evaluation session. */
export interface EpisodeRecord {
  /** Who recommended: "LERL (saturation)", "PPO (flat)", "random", "popularity". */
  readonly agent: string;
  /** Session length as the run counts it (say in config.json whether the quitting step counts). */
  readonly length: number;
  /** Cumulative reward of the session (R_traj). */
  readonly return: number;
  /** Per step shown, the categories of the slate's items (one entry per item; an item's first category). */
  readonly categories?: readonly (readonly number[])[];
  /** Optional: the user the session belonged to. */
  readonly user?: number | string;
  /** Optional: the evaluation seed. */
  readonly seed?: number;
}

/** The `episodes.jsonl` line of a finished session of `agent` (categories of every slate shown, the user, the seed). */
export function episodeRecord(agent: string, e: Episode, seed: number): EpisodeRecord {
  return { agent, length: e.length, return: e.return, categories: e.steps.map((s) => [...s.categories]), user: e.userId, seed };
}

/** One column of the comparison table. A plain string is a key with itself as label. */
export interface ResultColumn {
  /** The row property holding the value; `<key>_std`, when present, is printed as "± std". */
  readonly key: string;
  readonly label?: string;
  /** Which direction is better; the best value of the column is then printed in bold. */
  readonly better?: "higher" | "lower";
}

/** `results.json`: the comparison table. */
export interface ResultsTable {
  readonly columns: readonly (string | ResultColumn)[];
  readonly rows: readonly ({ readonly agent: string } & Record<string, unknown>)[];
  /** Optional one-line note printed under the table (protocol, seeds, what Len counts). */
  readonly note?: string;
  /** Runs with a language model: where each component's answers came from (model, repaired, cache, fallback). */
  readonly llm?: unknown;
  /** What the "±" beside a value is (e.g. "standard deviation over the sessions of one seed"), printed under the table. */
  readonly spread?: string;
}

/**
 * Writes a run directory as a run goes. Lines are appended synchronously, one complete JSON line per call, so
 * a run killed at any moment leaves readable files (at worst a missing last line, never half a line the
 * reader cannot place). Non-finite numbers (NaN, Infinity) do not stop a long run: they are written as null,
 * counted in `nonFiniteValues`, and reported by `farsight report`.
 */
export class RunDirWriter {
  readonly dir: string;
  /** How many non-finite values were written as null so far. */
  nonFiniteValues = 0;

  constructor(dir: string) {
    this.dir = dir;
    checkOrdinaryPath(dir, "directory", { code: "lab/run-dir-refused", what: "the run directory" });
    try {
      mkdirSync(dir, { recursive: true });
    } catch (cause) {
      throw new FarsightError("lab/run-dir-create", `cannot create the run directory ${dir}`, { dir }, { cause });
    }
  }

  /** Writes config.json (replacing it) atomically, credentials in URLs and model specs redacted. */
  writeConfig(config: RunConfig): void {
    this.writeJsonAtomic(RUN_FILES.config, config);
  }

  /** Appends learning-curve points to curves.jsonl. */
  curve(...points: CurvePoint[]): void {
    const lines = points.map((p) => {
      checkText(p.series, "series", RUN_FILES.curves);
      checkText(p.metric, "metric", RUN_FILES.curves);
      return this.line({ series: p.series, step: p.step, metric: p.metric, value: p.value, ...(p.seed !== undefined ? { seed: p.seed } : {}) });
    });
    if (lines.length > 0) appendFileSync(join(this.dir, RUN_FILES.curves), redactForWrite(lines.join("")));
  }

  /** Appends finished evaluation episodes to episodes.jsonl. */
  episode(...episodes: EpisodeRecord[]): void {
    const lines = episodes.map((e) => {
      checkText(e.agent, "agent", RUN_FILES.episodes);
      return this.line(e);
    });
    if (lines.length > 0) appendFileSync(join(this.dir, RUN_FILES.episodes), redactForWrite(lines.join("")));
  }

  /** Writes results.json (replacing it) atomically. */
  writeResults(results: ResultsTable): void {
    this.writeJsonAtomic(RUN_FILES.results, results);
  }

  private line(value: unknown): string {
    return JSON.stringify(value, (_k, v: unknown) => this.finite(v)) + "\n";
  }

  private finite(v: unknown): unknown {
    if (typeof v === "number" && !Number.isFinite(v)) {
      this.nonFiniteValues++;
      return null;
    }
    return v;
  }

  private writeJsonAtomic(name: string, value: unknown): void {
    const path = join(this.dir, name);
    const tmp = `${path}.tmp-${process.pid}`;
    // The write boundary: every file of the run directory passes redactForWrite (spec credentials, known secrets).
    writeFileSync(tmp, redactForWrite(JSON.stringify(value, (_k, v: unknown) => this.finite(v), 2) + "\n"));
    renameSync(tmp, path);
  }
}

function checkText(value: unknown, field: string, file: string): void {
  if (typeof value !== "string" || value.length === 0) {
    throw new FarsightError("lab/run-dir-record", `${file}: "${field}" must be a non-empty string, got ${JSON.stringify(value)}`, { file, field });
  }
}
