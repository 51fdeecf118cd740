/**
 * A sweep spec (`farsight sweep SPEC`): methods x presets x budgets x seeds, each combination one job that runs
 * one experiment of this package (runLerlExperiment or runIlrecExperiment) into its own run directory. The spec
 * is a small JSON or YAML file; it is checked whole before any job starts, and its hash keys every result, so two
 * different sweeps never mix their rows and a retried job writes to the same key.
 */
import { createHash } from "node:crypto";
import { FarsightError } from "@farsight/core";
import { parse as parseYaml } from "yaml";
import { plannerEntry } from "../experiment/planners.js";

/** The experiment kinds a sweep runs. */
export const SWEEP_METHODS = ["lerl", "ilrec"] as const;
export type SweepMethod = (typeof SWEEP_METHODS)[number];

/** What `farsight sweep SPEC` reads. */
export interface SweepSpec {
  /** A name for the sweep's tables and run directories (letters, digits, `-`, `_`, `.`). */
  readonly name: string;
  /** Experiment kinds: "lerl" (LERL per planner against flat PPO), "ilrec" (IL-Rec against A2C without demonstrations). */
  readonly methods: readonly SweepMethod[];
  /** Environment presets (`loadPreset`), e.g. "synthetic", "coat". */
  readonly presets: readonly string[];
  /** Seeds; every (method, preset, budget) runs each. Report on seeds not used to choose settings. */
  readonly seeds: readonly number[];
  /** Training budgets in environment transitions; each is a point of the report's axis. */
  readonly budgets: readonly number[];
  /** Evaluation sessions per row and seed. */
  readonly episodes: number;
  /** Options of the LERL jobs. */
  readonly lerl: { readonly planners: readonly string[]; readonly batch?: number };
  /** Options of the IL-Rec jobs. */
  readonly ilrec: { readonly teacher: "heuristic" | "noisy-oracle"; readonly teacherQ?: number; readonly demos: number; readonly batch?: number };
  /** The metric the report compares (default "r_traj"). */
  readonly metric: string;
}

/** One job: one experiment, one preset, one budget, one seed. Self-contained, so a worker needs nothing else. */
export interface SweepJob {
  /** `method/preset/stepsB/seedS`: unique in its sweep, and the job's run directory under the sweep's. */
  readonly id: string;
  /** The hash of the sweep spec the job belongs to ({@link specHash}). */
  readonly specHash: string;
  readonly sweep: string;
  readonly method: SweepMethod;
  readonly preset: string;
  readonly budget: number;
  readonly seed: number;
  readonly episodes: number;
  readonly lerl?: SweepSpec["lerl"];
  readonly ilrec?: SweepSpec["ilrec"];
}

const DEFAULT_LERL: SweepSpec["lerl"] = { planners: ["reflection-guided"] };
const DEFAULT_ILREC: SweepSpec["ilrec"] = { teacher: "heuristic", demos: 100 };
const KEYS = ["name", "methods", "presets", "seeds", "budgets", "episodes", "lerl", "ilrec", "metric"];

/** Parses and checks a spec file's text (JSON when it starts with `{`, else YAML). */
export function parseSweepSpec(text: string, file = "the sweep spec"): SweepSpec {
  let raw: unknown;
  try {
    raw = text.trimStart().startsWith("{") ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw bad(file, `is neither valid JSON nor YAML: ${(e as Error).message}`);
  }
  return checkSweepSpec(raw, file);
}

/** Checks a spec object and fills in its defaults; every problem names the field and what it takes. */
export function checkSweepSpec(raw: unknown, file = "the sweep spec"): SweepSpec {
  if (!isObject(raw)) throw bad(file, "must be an object with name, methods, presets, seeds, budgets");
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) throw bad(file, `has an unknown field "${k}" (fields: ${KEYS.join(", ")})`);
  const name = raw.name;
  if (typeof name !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw bad(file, `name must be 1-64 letters, digits, "-", "_" or ".", got ${JSON.stringify(name)}`);
  const methods = list(raw.methods, "methods", file, (v): v is SweepMethod => (SWEEP_METHODS as readonly unknown[]).includes(v), `one of ${SWEEP_METHODS.join(", ")}`);
  const presets = list(raw.presets, "presets", file, (v): v is string => typeof v === "string" && /^[A-Za-z0-9._-]{1,64}$/.test(v), "preset names");
  const seeds = list(raw.seeds, "seeds", file, (v): v is number => Number.isInteger(v) && (v as number) >= 0, "integers >= 0");
  const budgets = list(raw.budgets, "budgets", file, (v): v is number => Number.isInteger(v) && (v as number) >= 1, "integers >= 1");
  const episodes = raw.episodes ?? 100;
  if (!Number.isInteger(episodes) || (episodes as number) < 1) throw bad(file, `episodes must be an integer >= 1, got ${JSON.stringify(episodes)}`);
  const metric = raw.metric ?? "r_traj";
  if (typeof metric !== "string" || !metric) throw bad(file, `metric must be a metric name such as "r_traj", got ${JSON.stringify(metric)}`);
  const lerl = { ...DEFAULT_LERL, ...(isObject(raw.lerl) ? raw.lerl : {}) } as SweepSpec["lerl"];
  const planners = list(lerl.planners, "lerl.planners", file, (v): v is string => typeof v === "string", "planner names");
  for (const p of planners) plannerEntry(p);
  const ilrec = { ...DEFAULT_ILREC, ...(isObject(raw.ilrec) ? raw.ilrec : {}) } as SweepSpec["ilrec"];
  if (ilrec.teacher !== "heuristic" && ilrec.teacher !== "noisy-oracle") throw bad(file, `ilrec.teacher must be "heuristic" or "noisy-oracle" (an LLM teacher is not swept yet), got ${JSON.stringify(ilrec.teacher)}`);
  if (!Number.isInteger(ilrec.demos) || ilrec.demos < 1) throw bad(file, `ilrec.demos must be an integer >= 1, got ${JSON.stringify(ilrec.demos)}`);
  for (const [k, v] of [["lerl.batch", lerl.batch], ["ilrec.batch", ilrec.batch]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw bad(file, `${k} must be an integer >= 1, got ${JSON.stringify(v)}`);
  }
  return { name, methods, presets, seeds, budgets, episodes: episodes as number, metric, lerl: { ...lerl, planners }, ilrec };
}

/** A short stable hash of the checked spec: the key of its jobs and results (field order does not matter). */
export function specHash(spec: SweepSpec): string {
  return createHash("sha256").update(canonical(spec)).digest("hex").slice(0, 16);
}

/**
 * Every job of the spec, budgets outermost so that a sweep cut short has every method's curve up to the same
 * budget, seeds innermost.
 */
export function expandJobs(spec: SweepSpec): SweepJob[] {
  const hash = specHash(spec);
  const jobs: SweepJob[] = [];
  for (const budget of spec.budgets) {
    for (const method of spec.methods) {
      for (const preset of spec.presets) {
        for (const seed of spec.seeds) {
          const options = method === "lerl" ? { lerl: spec.lerl } : { ilrec: spec.ilrec };
          jobs.push({ id: `${method}/${preset}/steps${budget}/seed${seed}`, specHash: hash, sweep: spec.name, method, preset, budget, seed, episodes: spec.episodes, ...options });
        }
      }
    }
  }
  return jobs;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`;
  return JSON.stringify(v);
}

function list<T>(v: unknown, field: string, file: string, ok: (x: unknown) => x is T, what: string): T[] {
  if (!Array.isArray(v) || v.length === 0) throw bad(file, `${field} must be a non-empty list of ${what}, got ${JSON.stringify(v)}`);
  const badOne = v.find((x) => !ok(x));
  if (badOne !== undefined) throw bad(file, `${field} must list ${what}; ${JSON.stringify(badOne)} is not one`);
  if (new Set(v.map((x) => JSON.stringify(x))).size !== v.length) throw bad(file, `${field} lists a value twice: ${JSON.stringify(v)}`);
  return v as T[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function bad(file: string, message: string): FarsightError {
  return new FarsightError("lab/bad-sweep-spec", `${file} ${message}`, { file });
}
