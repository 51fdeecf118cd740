/**
 * The LERL experiment: trains LERL (one row per planner) and flat PPO per seed, evaluates them with random and
 * popularity on the preset's test users, writes a resumable run directory and returns the table rows with their
 * per-seed values. `farsight run lerl`, `farsight demo` and scripts call {@link runLerlExperiment}.
 */
import { join } from "node:path";
import { loadPreset, PopularityAgent, RandomAgent, type EnvSetup, type MetricSummary, type PresetOptions } from "@farsight/env";
import {
  aggregateSeeds,
  checkLerlResume,
  evaluateAgent,
  evaluateLerl,
  formatLerlProgress,
  trainFlatPpo,
  trainLerl,
  type EvalResult,
  type LerlStateValue,
} from "@farsight/graph";
import { createChatModel, LlmStats } from "@farsight/llm";
import type { Planner } from "@farsight/planner";
import { TemplateReflector, type Reflector } from "@farsight/reflector";
import { LlmReflector } from "@farsight/reflector/llm";
import { initBackend, PolicyAgent } from "@farsight/rl-policy/tf";
import { FarsightError, redactDeep, registerSecrets, type Episode } from "@farsight/core";
import { SILENT, type LabIO } from "../io.js";
import { episodeRecord, RunDirWriter } from "../run-dir/run-dir.js";
import { RunDirectory } from "../run-dir/run-directory.js";
import { llmRecordSink } from "../run-dir/llm-records.js";
import { RecordedPlanner } from "../distill/recorded-planner.js";
import { faultPoint } from "./fault.js";
import { forgetUncheckpointedRecords, LERL_FLAGS, seriesKey } from "./lerl-resume.js";
import { answerLines, answerRecord, fallbackLabel, modelOptions, preflight, qualityFigures, watchSlowCalls, type LlmRunOptions } from "./llm-run.js";
import { createPlanner, lerlName, nonLlmPlanners, plannerEntry, plannerNames } from "./planners.js";
import { makeProgress } from "./progress.js";
import { userSplit, type EvalPolicy } from "./protocol.js";

/** Everything one LERL experiment needs (the flags of `farsight run lerl`; fixed values for `farsight demo`). */
export interface LerlExperiment {
  /** The environment preset (`@farsight/env`'s loadPreset), e.g. "synthetic", "coat". */
  readonly env: string;
  /** One LERL row per planner name of the registry ({@link plannerNames}; `name:param` where an entry takes one), each trained with its own policy. */
  readonly planners: readonly string[];
  /** The model spec of LLM planners (and then of the reflector). Default "none". */
  readonly llm?: string;
  /** Per-call deadline, retries and the fallback limit of the model (`--timeout`, `--retries`, `--max-fallback-rate`). */
  readonly llmRun?: Omit<LlmRunOptions, "spec">;
  /** Training budget per row and seed, in environment transitions (slot-steps). Default 6000. */
  readonly steps?: number;
  /** Seeds; each trains and evaluates every row. Default [0]. */
  readonly seeds?: readonly number[];
  /** The run directory (config.json, curves.jsonl, episodes.jsonl, results.json, checkpoints; see RUN_DIR.md). */
  readonly out: string;
  /** Continue the run saved in `out` (its configuration must match; only `steps` and `episodes` may grow). Default false. */
  readonly resume?: boolean;
  /** Concurrent training sessions. Default 32. */
  readonly batch?: number;
  /** Evaluation sessions per seed and row. Default 300. */
  readonly episodes?: number;
  /** Re-plan a session every K steps. Default 1. */
  readonly planEvery?: number;
  /** Sessions per LLM call (LLM planners). Default 1. */
  readonly cohort?: number;
  /**
   * Record every LLM answer (prompt, answer, validation, fallback reason, role, session, timing, tokens) into
   * `out`/llm-records.jsonl (`--record`; a resume appends); a non-LLM planner's plans are recorded with their
   * requests and no calls (a teacher for `farsight distill`). Default false.
   */
  readonly record?: boolean;
  /** Train LERL only: no flat PPO, no baselines, no evaluation (no rows). Default false. */
  readonly skipEval?: boolean;
  /** Where dataset presets look for their files. */
  readonly dataDir?: string;
  /** Preset options (quit rule, user split, user model), as loadPreset takes them. */
  readonly preset?: Omit<PresetOptions, "dataDir">;
  /** The preset flags as the user gave them, recorded in config.json so a resume can pass them again (the CLI's `--quit-window`...). */
  readonly presetFlags?: Record<string, string | boolean>;
}

/** {@link LerlExperiment} with its defaults filled in. */
type LerlSettings = Required<Omit<LerlExperiment, "dataDir" | "preset" | "presetFlags" | "llmRun">> & Pick<LerlExperiment, "dataDir" | "preset" | "presetFlags" | "llmRun">;

function withDefaults(x: LerlExperiment): LerlSettings {
  const bad = (what: string, v: unknown) => new FarsightError("lab/bad-option", `runLerlExperiment: ${what}, got ${JSON.stringify(v)}`, { [what.split(" ")[0]!]: v });
  const s: LerlSettings = { llm: "none", steps: 6000, seeds: [0], resume: false, batch: 32, episodes: 300, planEvery: 1, cohort: 1, skipEval: false, record: false, ...x };
  for (const k of ["steps", "batch", "episodes", "planEvery", "cohort"] as const) if (!Number.isInteger(s[k]) || s[k] < 1) throw bad(`${k} must be an integer >= 1`, s[k]);
  if (!s.seeds.length || s.seeds.some((v) => !Number.isInteger(v) || v < 0)) throw bad("seeds must be a non-empty list of integers >= 0", s.seeds);
  if (!s.planners.length) throw bad(`planners must name at least one planner (${plannerNames().map(([n]) => n).join(", ")})`, s.planners);
  for (const p of s.planners) plannerEntry(p);
  return s;
}

const COLUMNS = [
  { key: "eval", label: "Eval" },
  { key: "len", label: "Len", better: "higher" as const },
  { key: "r_traj", label: "R_traj", better: "higher" as const },
  { key: "r_each", label: "R_each", better: "higher" as const },
  { key: "category_coverage", label: "Cat. coverage", better: "higher" as const },
  { key: "mcd", label: "MCD", better: "lower" as const },
  { key: "llm_calls_per_rec", label: "LLM calls/rec", better: "lower" as const },
  { key: "llm_retries_per_rec", label: "retries/rec", better: "lower" as const },
  { key: "llm_repairs_per_rec", label: "repairs/rec", better: "lower" as const },
  { key: "llm_fallback_share", label: "LLM fallback", better: "lower" as const },
  { key: "llm_distinct_share", label: "LLM distinct", better: "higher" as const },
  { key: "llm_plan_entropy", label: "plan entropy", better: "higher" as const },
];

/** Per-recommendation LLM numbers of an evaluation, averaged over seeds into the row. */
const PER_REC = ["llm_calls_per_rec", "llm_retries_per_rec", "llm_repairs_per_rec"] as const;

/** One seed's evaluation of a row: the seed and the means over its sessions of every metric (no `_std`). */
export type SeedValues = { readonly seed: number } & Readonly<Record<string, number>>;

/**
 * One row of the comparison table: the agent, how it chose at evaluation (`eval`: greedy, sampled, or
 * baseline), whether it read the quit rule (`oracle`), its metrics (`<key>_std` beside each) and `perSeed`,
 * each seed's values, so statistics over seeds can be computed later.
 */
export type ResultRow = { agent: string; eval: EvalPolicy; oracle: boolean; perSeed: SeedValues[] } & Record<string, number | string | boolean | SeedValues[]>;

/** What {@link runLerlExperiment} returns. */
export interface LerlResult {
  /** The table rows (none with `skipEval`). */
  readonly rows: ResultRow[];
  readonly setup: EnvSetup;
  /** Wall-clock seconds of the whole experiment. */
  readonly seconds: number;
  /** The table's footer: what the rows were evaluated on and how. */
  readonly note: string;
  readonly stats: LlmStats;
  /** Where the model's answers came from, when the experiment used one. */
  readonly llm?: ReturnType<typeof answerRecord>;
}

/** PPO's per-update diagnostics worth a chart (the report plots every metric of curves.jsonl). */
const DIAGNOSTICS = ["policyLoss", "valueLoss", "entropy", "approxKl", "clipFraction", "explainedVariance", "responseLoss", "actionStd"];

function diagnosticCurves(series: string, step: number, seed: number, stats: Record<string, number> | undefined) {
  return DIAGNOSTICS.filter((m) => Number.isFinite(stats?.[m])).map((metric) => ({ series, step, metric, value: stats![metric]!, seed }));
}

/**
 * Trains LERL and flat PPO per seed, evaluates them with random and popularity, writes the run directory;
 * returns the table rows. Progress goes to `io` (default: nothing). Throws `lab/bad-option` for an unknown
 * planner or an LLM planner without a model, `lab/run-dir-busy` / `lab/run-dir-refused` when `out` cannot hold the run.
 */
export async function runLerlExperiment(options: LerlExperiment, io: LabIO = SILENT): Promise<LerlResult> {
  const x = withDefaults(options);
  // Before anything is written: the spec's password and keys are removed wherever they appear.
  registerSecrets([x.llm]);
  const t0 = performance.now();
  await initBackend();
  const setup = await loadPreset(x.env, { ...x.preset, ...(x.dataDir ? { dataDir: x.dataDir } : {}) });
  const stats = new LlmStats();
  const usesLlm = x.planners.some((p) => plannerEntry(p).entry.usesLlm);
  const llmRun: LlmRunOptions = { maxFallbackRate: 0.2, ...x.llmRun, spec: x.llm };
  const model = usesLlm ? await createChatModel(x.llm, modelOptions(llmRun, stats)) : null;
  if (usesLlm && !model) {
    const llmPlanner = x.planners.find((p) => plannerEntry(p).entry.usesLlm)!;
    throw new FarsightError("lab/bad-option", `--planner ${llmPlanner} needs a model: pass --llm <spec> or set FARSIGHT_LLM (got "${x.llm}"); or use a non-LLM planner (${nonLlmPlanners().join(", ")})`, { planner: llmPlanner, llm: x.llm });
  }
  if (model) await preflight(model, llmRun, io);
  const stopWatching = model ? watchSlowCalls(stats, x.llm, io) : () => {};
  // What an oracle reads (and a preset it cannot read refused) before any training starts.
  const oracleRule = x.planners.map((p) => plannerEntry(p).entry.reads?.(setup)).find((r) => r !== undefined);
  const feedbackMeaning = setup.positiveThreshold > 1 ? "ratings 1-5" : "1 = click, 0 = no click";
  // With --record, a non-LLM planner's plans are recorded too (no model calls): a teacher for `farsight distill`.
  const plannerFor = (p: string) => (seed: number): Planner => {
    const planner = createPlanner(p, { setup, seed, model, stats, cohort: x.cohort });
    return x.record && !planner.usesLlm ? new RecordedPlanner(planner, stats, p) : planner;
  };
  const reflector: Reflector = model ? new LlmReflector({ model, stats, feedbackMeaning }) : new TemplateReflector();
  // One planner keeps the run directory layout of earlier releases (train/lerl-seedS), so --resume still finds it.
  const trainDir = (p: string, seed: number) => join(x.out, "train", x.planners.length === 1 ? `lerl-seed${seed}` : `lerl-${p}-seed${seed}`);
  const split = userSplit(setup);
  const plannerInfo = x.planners.map((p) => {
    const planner = plannerFor(p)(0);
    return { name: planner.name, row: lerlName(p), usesLlm: planner.usesLlm, oracle: planner.oracle ?? false };
  });
  // Redacted here, so what is written and what a resume compares are the same (no credentials in either).
  const config = redactDeep({
    command: "run lerl",
    env: setup.describe,
    presetFlags: x.presetFlags ?? {},
    categoryNames: setup.catalog.categoryNames,
    planners: plannerInfo,
    ...(oracleRule ? { oracleReads: oracleRule } : {}),
    oracle: plannerInfo.some((p) => p.oracle),
    llm: usesLlm ? x.llm : "none",
    reflector: reflector.name,
    train: { steps: x.steps, stepCounts: "environment transitions (slot-steps)", batch: x.batch, planEvery: x.planEvery, cohort: x.cohort },
    eval: {
      skip: x.skipEval,
      episodesPerSeed: x.episodes,
      seeds: x.seeds,
      users: split.label,
      trainUsers: split.trainUsers,
      testUsers: split.testUsers,
      sharedUsers: split.shared,
      policies: { lerl: "greedy", flatPpo: ["greedy", "sampled"] },
      noRepeatWithinSession: "every agent, baselines included",
      lenCountsQuittingStep: true,
      llmCallsPerRec: "planner calls during evaluation / slates shown",
    },
  });
  // Lock and configuration check: a refusal leaves every byte of the directory as it was.
  const dir = RunDirectory.open(x.out, { command: "run lerl", config, budgets: ["train.steps", "eval.episodesPerSeed"], flags: LERL_FLAGS, resume: x.resume });
  try {
    // A resume reads every seed's checkpoint (finite weights of the right environment) before it changes anything.
    const saved = new Map<string, LerlStateValue | undefined>();
    if (x.resume) for (const seed of x.seeds) for (const p of x.planners) saved.set(seriesKey(lerlName(p), seed), await checkLerlResume(trainDir(p, seed), setup, seed));
    const lastStep = x.resume ? forgetUncheckpointedRecords(dir, saved) : new Map<string, number>();
    dir.writeConfig();
    // The answer records: not part of the configuration (recording changes no result), so a resume may add or drop it.
    if (x.record) stats.recordAnswersTo(llmRecordSink(x.out));
    const run = new RunDirWriter(x.out);
    /** One curve point set per checkpoint, written after it is saved and only once per step (see trainLerl's onCheckpoint). */
    const checkpointCurves = (name: string, seed: number) => (s: LerlStateValue) => {
      const key = seriesKey(name, seed);
      if (s.envSteps <= (lastStep.get(key) ?? -1)) return;
      lastStep.set(key, s.envSteps);
      faultPoint("lerl-checkpoint");
      // Before the first session ends there is no mean to draw.
      if (s.recentReturns.length) run.curve({ series: name, step: s.envSteps, metric: "return", value: mean(s.recentReturns), seed }, { series: name, step: s.envSteps, metric: "len", value: mean(s.recentLengths), seed });
      run.curve(...diagnosticCurves(name, s.envSteps, seed, s.lastUpdate));
      faultPoint("lerl-curve");
    };
    return await trainAndEvaluate(x, io, { setup, stats, plannerFor, reflector, trainDir, split, run, checkpointCurves, hasCheckpoint: (name, seed) => saved.get(seriesKey(name, seed)) !== undefined, t0, model, usesLlm, stopWatching });
  } finally {
    stats.recordAnswersTo(undefined);
    dir.release();
  }
}

interface ExperimentParts {
  readonly setup: EnvSetup;
  readonly stats: LlmStats;
  readonly plannerFor: (p: string) => (seed: number) => Planner;
  readonly reflector: Reflector;
  readonly trainDir: (p: string, seed: number) => string;
  readonly split: ReturnType<typeof userSplit>;
  readonly run: RunDirWriter;
  readonly checkpointCurves: (name: string, seed: number) => (s: LerlStateValue) => void;
  readonly hasCheckpoint: (name: string, seed: number) => boolean;
  readonly t0: number;
  /** The LLM planner's and reflector's model (null without an LLM planner). */
  readonly model: Awaited<ReturnType<typeof createChatModel>>;
  readonly usesLlm: boolean;
  readonly stopWatching: () => void;
}

async function trainAndEvaluate(x: LerlSettings, io: LabIO, c: ExperimentParts): Promise<LerlResult> {
  const { setup, stats, plannerFor, reflector, split, run, model, usesLlm, stopWatching } = c;
  const perAgent = new Map<string, MetricSummary[]>();
  const seedValues = new Map<string, SeedValues[]>();
  const kind = new Map<string, { eval: EvalPolicy; oracle: boolean }>();
  const extra = new Map<string, Record<string, number>[]>();
  const record = (agent: string, how: { eval: EvalPolicy; oracle?: boolean }, r: EvalResult, seed: number) => {
    kind.set(agent, { eval: how.eval, oracle: how.oracle ?? false });
    perAgent.set(agent, [...(perAgent.get(agent) ?? []), ...r.perSeed]);
    seedValues.set(agent, [...(seedValues.get(agent) ?? []), ...perSeedValues(r, seed)]);
    if (r.metrics.llm_calls_per_rec !== undefined) extra.set(agent, [...(extra.get(agent) ?? []), r.metrics]);
  };
  for (const seed of x.seeds) {
    const common = { setup, steps: x.steps, seed, batchSize: x.batch };
    const trained: { p: string; lerl: Awaited<ReturnType<typeof trainLerl>> }[] = [];
    for (const p of x.planners) {
      const name = lerlName(p);
      const show = makeProgress(io, `[seed ${seed}] ${name}`, x.steps);
      let lastDraw = 0;
      const lerl = await trainLerl({
        ...common,
        planner: plannerFor(p)(seed),
        reflector,
        stats,
        loop: { planEvery: x.planEvery },
        runDir: c.trainDir(p, seed),
        // A resumed multi-seed run continues the seeds that have a checkpoint and starts the others.
        resume: x.resume && c.hasCheckpoint(name, seed),
        onCheckpoint: c.checkpointCurves(name, seed),
        onProgress: (ev) => {
          // A terminal bar also moves between chunks (every step event, at most 4 redraws a second).
          if (ev.kind === "step") {
            faultPoint("lerl-step");
            if (io.isTTY && performance.now() - lastDraw > 250) {
              lastDraw = performance.now();
              show(formatLerlProgress(ev, x.steps), ev.envSteps);
            }
            return;
          }
          show(formatLerlProgress(ev, x.steps), ev.envSteps);
          faultPoint("lerl-chunk");
        },
      });
      show(formatLerlProgress({ ...lerlSummary(lerl.state), elapsedMs: lerl.state.elapsedMs }, x.steps), x.steps, true);
      trained.push({ p, lerl });
    }
    if (x.skipEval) continue;
    const showFlat = makeProgress(io, `[seed ${seed}] PPO (flat)`, x.steps);
    const flat = await trainFlatPpo({
      ...common,
      onProgress: (p) => {
        showFlat(`steps ${p.envSteps}/${x.steps} | R ${p.meanReturn.toFixed(2)} | len ${p.meanLength.toFixed(1)}`, p.envSteps);
        if (Number.isFinite(p.meanReturn)) run.curve({ series: "PPO (flat)", step: p.envSteps, metric: "return", value: p.meanReturn, seed }, { series: "PPO (flat)", step: p.envSteps, metric: "len", value: p.meanLength, seed });
        run.curve(...diagnosticCurves("PPO (flat)", p.envSteps, seed, p.stats));
        faultPoint("flat-progress");
      },
    });
    showFlat(`trained in ${(flat.elapsedMs / 1000).toFixed(1)}s`, x.steps, true);
    const eo = (agent: string) => ({
      episodes: x.episodes,
      seeds: [seed],
      onEpisode: (e: Episode, s: number) => {
        run.episode(episodeRecord(agent, e, s));
        faultPoint("eval-episode");
      },
    });
    io.write(`[seed ${seed}] evaluating on ${x.episodes} sessions of ${split.label}...\n`);
    for (const { p, lerl } of trained) {
      // The LERL graph's eval mode acts greedily inside the plan (a sampled LERL row needs a graph option).
      const name = lerlName(p);
      record(name, { eval: "greedy", oracle: plannerEntry(p).entry.oracle ?? false }, await evaluateLerl(setup, { algorithm: lerl.algorithm, makePlanner: plannerFor(p), pool: lerl.pool, stats, loop: { planEvery: x.planEvery } }, eo(name)), seed);
    }
    // Greedy evaluation of a stochastic policy is a different policy (the argmax slate); the sampled row is
    // the policy that was trained. Both are shown so neither can stand in for the other unnoticed.
    record(FLAT_GREEDY, { eval: "greedy" }, await evaluateAgent(setup, () => new PolicyAgent({ policy: flat.algorithm.policy, name: FLAT_GREEDY }), eo(FLAT_GREEDY)), seed);
    record(FLAT_SAMPLED, { eval: "sampled" }, await evaluateAgent(setup, () => new PolicyAgent({ policy: flat.algorithm.policy, name: FLAT_SAMPLED, deterministic: false }), eo(FLAT_SAMPLED)), seed);
    // Baselines under the learned policies' rule: no item twice in a session (PolicyAgent's noRepeat default).
    record("random", { eval: "baseline" }, await evaluateAgent(setup, (s) => new RandomAgent({ seed: s, noRepeat: true }), eo("random")), seed);
    record("popularity", { eval: "baseline" }, await evaluateAgent(setup, () => new PopularityAgent({ numItems: setup.catalog.numItems, items: setup.trainLog.item }), eo("popularity")), seed);
  }
  stopWatching();
  const rows: ResultRow[] = [];
  for (const [agent, perSeed] of perAgent) {
    const m = aggregateSeeds(perSeed);
    const seen = extra.get(agent);
    const perRec = Object.fromEntries(PER_REC.map((k) => [k, seen ? seen.reduce((a, b) => a + (b[k] ?? 0), 0) / seen.length : 0]));
    // An LLM row names what ran: the model's share of fallback answers over the whole run (training and evaluation).
    const llmRow = agent === LLM_ROW && usesLlm;
    const share = llmRow ? (stats.answersByComponent[PLANNER_COMPONENT]?.fallback ?? 0) / Math.max(1, stats.answersByComponent[PLANNER_COMPONENT]?.answers ?? 0) : 0;
    // Beside the fallback share, the quality guards: distinct plans / plans and the entropy of the categories planned.
    const q = llmRow ? qualityFigures(stats, PLANNER_COMPONENT) : undefined;
    const guards: Record<string, number> = q ? { llm_distinct_share: q.distinct, llm_plan_entropy: q.entropy } : {};
    rows.push({ agent: llmRow ? `LERL (llm-category, ${fallbackLabel(stats, PLANNER_COMPONENT)})` : agent, ...kind.get(agent)!, ...m, ...perRec, llm_fallback_share: share, ...guards, perSeed: seedValues.get(agent) ?? [] });
  }
  const seconds = (performance.now() - c.t0) / 1000;
  const llm = model ? answerRecord(stats, x.llm) : undefined;
  const note = [tableFooter(x.env, split.label, x.seeds.length, x.episodes, rows), ...(model ? [`LLM answers: ${answerLines(stats, x.llm).map((l) => l.trim()).join("; ")}.`] : [])].join(" ");
  faultPoint("results");
  if (rows.length) run.writeResults({ columns: COLUMNS, rows, note, spread: spreadNote(x.seeds.length), ...(llm ? { llm } : {}) });
  return { rows, setup, seconds, note, stats, ...(llm ? { llm } : {}) };
}

/**
 * One entry per evaluated seed (an evaluation runs one seed): the seed and the means of every metric (the `_std` over sessions and the
 * session count left out), plus the per-recommendation LLM numbers where the evaluation counted them.
 */
function perSeedValues(r: EvalResult, seed: number): SeedValues[] {
  const perRec = Object.fromEntries(PER_REC.filter((k) => r.metrics[k] !== undefined).map((k) => [k, r.metrics[k]!]));
  return r.perSeed.map((m) => {
    const means = Object.entries(m as unknown as Record<string, number>).filter(([k]) => !k.endsWith("_std") && k !== "episodes");
    return { seed, ...Object.fromEntries(means), ...perRec };
  });
}

/** The row of the LLM planner, renamed after its fallback share. */
const LLM_ROW = "LERL (llm-category)";

/** The component name under which LlmCategoryPlanner counts its answers. */
const PLANNER_COMPONENT = "planner/llm-category";

export const FLAT_GREEDY = "PPO (flat)";
export const FLAT_SAMPLED = "PPO (flat, sampled)";

/** The table's footer: what the rows were evaluated on and how; the same text in results.json and on stdout. */
export function tableFooter(env: string, users: string, seeds: number, episodes: number, rows: readonly ResultRow[]): string {
  const oracles = rows.filter((r) => r.oracle).map((r) => r.agent);
  return [
    `${env}, ground-truth world, ${users}, ${seeds} seed(s) x ${episodes} sessions.`,
    "Eval: greedy = the policy's best slate, sampled = slates drawn from the policy; LERL rows are greedy inside the plan.",
    "Every agent, baselines included, never shows an item twice in a session.",
    ...(oracles.length ? [`${oracles.join(", ")}: an oracle (its planner reads the simulator's quit rule), a reference, not a method.`] : []),
    "Len and R_traj count the quitting step; LLM calls/rec = planner requests that reached the model per slate in evaluation (retries/rec and repairs/rec apart); LLM fallback = share of the planner's answers that came from its non-LLM fallback, training and evaluation; LLM distinct = distinct plans / plans from the model, plan entropy = entropy (bits) of the categories it planned.",
  ].join(" ");
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function lerlSummary(s: LerlStateValue) {
  const meanOr = (xs: number[]) => (xs.length ? mean(xs) : NaN);
  return { kind: "chunk" as const, envSteps: s.envSteps, iterations: s.iterations, sessionsFinished: s.sessionsFinished, meanRecentReturn: meanOr(s.recentReturns), meanRecentLength: meanOr(s.recentLengths), updates: s.updates, poolSize: s.poolSize, llmCalls: s.llmCalls, llmLatencyMs: s.llmLatencyMs, chunk: s.chunk, lastUpdate: s.lastUpdate };
}

/** A footer for a terminal: words wrapped at 110 columns. */
export function wrap(text: string, width = 110): string {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.join("\n");
}

/** What a LERL table's "±" is: over sessions with one seed, over seeds' means with several; never an interval. */
export function spreadNote(seeds: number): string {
  return seeds > 1
    ? `standard deviation of the ${seeds} per-seed means (a spread, not an interval; intervals over seeds: farsight evidence, docs/evidence.md)`
    : "standard deviation over the evaluation sessions of one seed (a spread, not an interval)";
}

/** The comparison table as fixed-width text, with a last line that says what "±" is. */
export function formatTable(rows: readonly ResultRow[]): string {
  const w = Math.max(26, ...rows.map((r) => String(r.agent).length + 2));
  const head = ["agent".padEnd(w), ...COLUMNS.map((c) => c.label.padStart(c.key === "eval" ? 9 : 17))].join("");
  const lines = rows.map((r) =>
    [String(r.agent).padEnd(w), ...COLUMNS.map((c) => {
      if (c.key === "eval") return String(r.eval).padStart(9);
      const v = Number(r[c.key]), s = Number(r[`${c.key}_std`]);
      return (Number.isFinite(v) ? `${v.toFixed(3)}${Number.isFinite(s) ? ` ±${s.toFixed(2)}` : ""}` : "-").padStart(17);
    })].join(""),
  );
  return [head, ...lines, `± = ${spreadNote(rows[0]?.perSeed?.length ?? 1)}.`].join("\n") + "\n";
}
