/**
 * The IL-Rec part of a run directory: `demo-weights.json` (the demonstration weights after every refresh of
 * every seed) and how a report knows that a directory holds an IL-Rec run. Read as untrusted input, like the
 * rest of the directory: a malformed file or snapshot becomes a listed problem, never a crash.
 */
import type { RunDirData } from "../run-dir/read-run-dir.js";
import { readRunFile } from "../run-dir/safe-read.js";

/** The file name of the demonstration weights inside a run directory. */
export const DEMO_WEIGHTS_FILE = "demo-weights.json";

/** One refresh of the demonstration weights of one seed (see RUN_DIR.md). */
export interface DemoWeightSnapshot {
  readonly seed: number;
  /** Env transitions of IL-Rec's training at the refresh. */
  readonly step: number;
  /** 0 for the seed's first refresh. */
  readonly refresh: number;
  /** Demonstrated steps the policy could take (repeats left out). */
  readonly usable: number;
  /** Usable steps whose weight is exactly 0: gated off. */
  readonly zero: number;
  /** Weights > 0 per bin (edges[i], edges[i + 1]]; the last bin also holds everything above its top edge. */
  readonly counts: readonly number[];
  readonly mean: number;
}

/** `demo-weights.json`. */
export interface DemoWeightsFile {
  /** `filter`: weights in [0, 1], 0 = rejected; `released`: IL-Rec's released form, mean 1, never 0. */
  readonly form: "filter" | "released";
  readonly edges: readonly number[];
  readonly snapshots: readonly DemoWeightSnapshot[];
}

/**
 * Whether the directory holds a `farsight run ilrec` run: its config.json says so, or (a seed's folder of a
 * multi-seed run, which has no config of its own) it holds demonstration weights.
 */
export function isIlrecRun(data: RunDirData): boolean {
  return data.config?.["command"] === "run ilrec" || data.demoWeights !== null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const count = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

/** Reads `demo-weights.json`: null when absent or unreadable as a whole; bad snapshots are skipped and listed. */
export function readDemoWeights(dir: string, problem: (message: string) => void): DemoWeightsFile | null {
  const text = readRunFile(dir, DEMO_WEIGHTS_FILE);
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    problem(`not valid JSON: ${(err as Error).message}`);
    return null;
  }
  if (!isObject(value) || (value.form !== "filter" && value.form !== "released") || !Array.isArray(value.edges) || !Array.isArray(value.snapshots)) {
    problem(`expected { "form": "filter" | "released", "edges": [...], "snapshots": [...] }`);
    return null;
  }
  const edges = value.edges;
  if (edges.length < 2 || !edges.every((e, i) => typeof e === "number" && Number.isFinite(e) && (i === 0 || e > (edges[i - 1] as number)))) {
    problem(`"edges" must be at least two finite numbers in ascending order`);
    return null;
  }
  const bins = edges.length - 1;
  const snapshots: DemoWeightSnapshot[] = [];
  value.snapshots.forEach((s, i) => {
    const ok = isObject(s) && typeof s.seed === "number" && count(s.step) && count(s.refresh) && count(s.usable) && count(s.zero) &&
      Array.isArray(s.counts) && s.counts.length === bins && s.counts.every(count) &&
      (s.zero as number) + (s.counts as number[]).reduce((a, b) => a + b, 0) === s.usable;
    if (!ok) {
      problem(`snapshots[${i}] must have seed, step, refresh, usable, zero and ${bins} counts that add up to usable (with zero); skipped`);
      return;
    }
    snapshots.push({ seed: s.seed as number, step: s.step as number, refresh: s.refresh as number, usable: s.usable as number, zero: s.zero as number, counts: s.counts as number[], mean: typeof s.mean === "number" ? s.mean : NaN });
  });
  return { form: value.form, edges: edges as number[], snapshots };
}
