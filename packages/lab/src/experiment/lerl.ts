import { join } from "node:path";
import { loadPreset, PopularityAgent, RandomAgent, type EnvSetup, type MetricSummary } from "@farsight/env";
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
import { AllCategoriesPlanner, LlmCategoryPlanner, OracleSaturationPlanner, RandomCategoryPlanner, ReflectionGuidedPlanner, SaturationAwarePlanner, type Planner } from "@farsight/planner";
import { LlmReflector, TemplateReflector, type Reflector } from "@farsight/reflector";
import { initBackend, PolicyAgent } from "@farsight/rl-policy";
import { redactDeep, type Episode } from "@farsight/core";
import { UsageError, type CliIO, type Command } from "../command.js";
import { DATA_DIR_FLAG, ENV_FLAG, JSON_FLAG } from "../common-flags.js";
import { defineCommand, flagValues, readFlags } from "../flag-table.js";
import { renderHelp } from "../help.js";
import { categoryQuitRule, plannerChoices, type PlannerName } from "../planners.js";
import { userSplit, type EvalPolicy } from "../report/protocol.js";
import { buildReport } from "../report/html.js";
import { readRunDir } from "../report/read-run-dir.js";
import { episodeRecord, RunDirWriter } from "../report/run-dir.js";
import { makeProgress } from "../progress.js";
import { faultPoint } from "../run/fault.js";
import { ILREC_TABLE, runIlrec } from "../run/ilrec.js";
import { checkLerlFlags } from "../run/lerl-flags.js";
import { forgetUncheckpointedRecords, LERL_FLAGS, savedLerlFlags, seriesKey } from "../run/lerl-resume.js";
import { RunDirectory, writeFileAtomic } from "../run/run-directory.js";
import { givenPresetFlags, PRESET_FLAG_TABLE, presetOptionsFrom } from "../preset-flags.js";
import { answerLines, answerRecord, checkFallbackRate, fallbackLabel, LLM_RUN_FLAGS, llmRunOptions, modelOptions, preflight, watchSlowCalls, type LlmRunOptions } from "../llm-run.js";

/** Planners `run lerl` can train with (long names; the flag table also takes the aliases). */
export const PLANNERS = ["llm-category", "saturation-aware", "reflection-guided", "oracle-saturation", "random", "all-categories"] as const satisfies readonly PlannerName[];
export type PlannerChoice = (typeof PLANNERS)[number];

/** Everything one LERL experiment needs (flags of `farsight run lerl`, fixed values for `farsight demo`). */
export interface LerlExperiment {
  readonly env: string;
  /** One LERL row per planner, each trained with its own policy. */
  readonly planners: readonly PlannerChoice[];
  readonly llm: string;
  /** Per-call deadline, retries and the fallback limit of the model (`--timeout`, `--retries`, `--max-fallback-rate`). */
  readonly llmRun?: Omit<LlmRunOptions, "spec">;
  readonly steps: number;
  readonly seeds: readonly number[];
  readonly out: string;
  readonly resume: boolean;
  readonly batch: number;
  readonly episodes: number;
  readonly planEvery: number;
  readonly cohort: number;
  readonly skipEval: boolean;
  readonly dataDir?: string;
  /** The quit-rule and user-split flags as given (`--quit-window`, `--quit-threshold`, `--same-users`). */
  readonly presetFlags?: Record<string, string | boolean>;
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
];

/** Per-recommendation LLM numbers of an evaluation, averaged over seeds into the row. */
const PER_REC = ["llm_calls_per_rec", "llm_retries_per_rec", "llm_repairs_per_rec"] as const;

/**
 * One row of the comparison table: the agent, how it chose at evaluation (`eval`: greedy, sampled, or
 * baseline), whether it read the quit rule (`oracle`), and its metrics (`<key>_std` beside each).
 */
export type ResultRow = { agent: string; eval: EvalPolicy; oracle: boolean } & Record<string, number | string | boolean>;

/** Row labels: an oracle says so in the label itself, so no copy of the table can lose it. */
export function lerlName(p: PlannerChoice): string {
  return p === "oracle-saturation" ? "LERL (oracle-saturation: reads the quit rule)" : `LERL (${p})`;
}

/** PPO's per-update diagnostics worth a chart (the report plots every metric of curves.jsonl). */
const DIAGNOSTICS = ["policyLoss", "valueLoss", "entropy", "approxKl", "clipFraction", "explainedVariance", "responseLoss", "actionStd"];

function diagnosticCurves(series: string, step: number, seed: number, stats: Record<string, number> | undefined) {
  return DIAGNOSTICS.filter((m) => Number.isFinite(stats?.[m])).map((metric) => ({ series, step, metric, value: stats![metric]!, seed }));
}

/** Trains LERL and flat PPO per seed, evaluates them with random and popularity, writes the run dir; returns the table rows. */
export async function runLerlExperiment(x: LerlExperiment, io: CliIO): Promise<{ rows: ResultRow[]; setup: EnvSetup; seconds: number; note: string; stats: LlmStats; llm?: ReturnType<typeof answerRecord> }> {
  const t0 = performance.now();
  await initBackend();
  const setup = await loadPreset(x.env, { ...presetOptionsFrom(x.presetFlags ?? {}), ...(x.dataDir ? { dataDir: x.dataDir } : {}) });
  const stats = new LlmStats();
  const usesLlm = x.planners.includes("llm-category");
  const llmRun: LlmRunOptions = { maxFallbackRate: 0.2, ...x.llmRun, spec: x.llm };
  const model = usesLlm ? await createChatModel(x.llm, modelOptions(llmRun, stats)) : null;
  if (usesLlm && !model) throw new UsageError(`--planner llm-category needs a model: pass --llm <spec> or set FARSIGHT_LLM (got "${x.llm}"); or use a non-LLM planner (${PLANNERS.filter((p) => p !== "llm-category").join(", ")})`);
  if (model) await preflight(model, llmRun, io);
  const stopWatching = model ? watchSlowCalls(stats, x.llm, io) : () => {};
  // The oracle's rule is read (and a preset without a category rule refused) before any training starts.
  const oracleRule = x.planners.includes("oracle-saturation") ? categoryQuitRule(setup) : undefined;
  const feedbackMeaning = setup.positiveThreshold > 1 ? "ratings 1-5" : "1 = click, 0 = no click";
  const plannerFor = (p: PlannerChoice) => (seed: number): Planner => {
    switch (p) {
      case "llm-category":
        return new LlmCategoryPlanner({ model, stats, seed, cohortSize: x.cohort, feedbackMeaning });
      case "saturation-aware":
        // The package defaults (documented in @farsight/planner): nothing here comes from the quit rule.
        return new SaturationAwarePlanner({ seed });
      case "reflection-guided":
        return new ReflectionGuidedPlanner({ seed });
      case "oracle-saturation":
        return new OracleSaturationPlanner({ seed, rule: oracleRule! });
      case "random":
        return new RandomCategoryPlanner({ seed });
      case "all-categories":
        return new AllCategoriesPlanner();
    }
  };
  const reflector: Reflector = model ? new LlmReflector({ model, stats, feedbackMeaning }) : new TemplateReflector();
  // One planner keeps the run directory layout of earlier releases (train/lerl-seedS), so --resume still finds it.
  const trainDir = (p: PlannerChoice, seed: number) => join(x.out, "train", x.planners.length === 1 ? `lerl-seed${seed}` : `lerl-${p}-seed${seed}`);
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
    dir.release();
  }
}

interface ExperimentParts {
  readonly setup: EnvSetup;
  readonly stats: LlmStats;
  readonly plannerFor: (p: PlannerChoice) => (seed: number) => Planner;
  readonly reflector: Reflector;
  readonly trainDir: (p: PlannerChoice, seed: number) => string;
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

async function trainAndEvaluate(x: LerlExperiment, io: CliIO, c: ExperimentParts): Promise<{ rows: ResultRow[]; setup: EnvSetup; seconds: number; note: string; stats: LlmStats; llm?: ReturnType<typeof answerRecord> }> {
  const { setup, stats, plannerFor, reflector, split, run, model, usesLlm, stopWatching } = c;
  const perAgent = new Map<string, MetricSummary[]>();
  const kind = new Map<string, { eval: EvalPolicy; oracle: boolean }>();
  const extra = new Map<string, Record<string, number>[]>();
  const record = (agent: string, how: { eval: EvalPolicy; oracle?: boolean }, r: EvalResult) => {
    kind.set(agent, { eval: how.eval, oracle: how.oracle ?? false });
    perAgent.set(agent, [...(perAgent.get(agent) ?? []), ...r.perSeed]);
    if (r.metrics.llm_calls_per_rec !== undefined) extra.set(agent, [...(extra.get(agent) ?? []), r.metrics]);
  };
  for (const seed of x.seeds) {
    const common = { setup, steps: x.steps, seed, batchSize: x.batch };
    const trained: { p: PlannerChoice; lerl: Awaited<ReturnType<typeof trainLerl>> }[] = [];
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
    io.stdout(`[seed ${seed}] evaluating on ${x.episodes} sessions of ${split.label}...\n`);
    for (const { p, lerl } of trained) {
      // The LERL graph's eval mode acts greedily inside the plan (a sampled LERL row needs a graph option).
      const name = lerlName(p);
      record(name, { eval: "greedy", oracle: p === "oracle-saturation" }, await evaluateLerl(setup, { algorithm: lerl.algorithm, makePlanner: plannerFor(p), pool: lerl.pool, stats, loop: { planEvery: x.planEvery } }, eo(name)));
    }
    // Greedy evaluation of a stochastic policy is a different policy (the argmax slate); the sampled row is
    // the policy that was trained. Both are shown so neither can stand in for the other unnoticed.
    record(FLAT_GREEDY, { eval: "greedy" }, await evaluateAgent(setup, () => new PolicyAgent({ policy: flat.algorithm.policy, name: FLAT_GREEDY }), eo(FLAT_GREEDY)));
    record(FLAT_SAMPLED, { eval: "sampled" }, await evaluateAgent(setup, () => new PolicyAgent({ policy: flat.algorithm.policy, name: FLAT_SAMPLED, deterministic: false }), eo(FLAT_SAMPLED)));
    // Baselines under the learned policies' rule: no item twice in a session (PolicyAgent's noRepeat default).
    record("random", { eval: "baseline" }, await evaluateAgent(setup, (s) => new RandomAgent({ seed: s, noRepeat: true }), eo("random")));
    record("popularity", { eval: "baseline" }, await evaluateAgent(setup, () => new PopularityAgent({ numItems: setup.catalog.numItems, items: setup.trainLog.item }), eo("popularity")));
  }
  stopWatching();
  const rows: ResultRow[] = [];
  for (const [agent, perSeed] of perAgent) {
    const m = aggregateSeeds(perSeed);
    const seen = extra.get(agent);
    const perRec = Object.fromEntries(PER_REC.map((k) => [k, seen ? seen.reduce((a, b) => a + (b[k] ?? 0), 0) / seen.length : 0]));
    // An LLM row names what ran: the model's share of fallback answers over the whole run (training and evaluation).
    const llmRow = agent === lerlName("llm-category") && usesLlm;
    const share = llmRow ? (stats.answersByComponent[PLANNER_COMPONENT]?.fallback ?? 0) / Math.max(1, stats.answersByComponent[PLANNER_COMPONENT]?.answers ?? 0) : 0;
    rows.push({ agent: llmRow ? `LERL (llm-category, ${fallbackLabel(stats, PLANNER_COMPONENT)})` : agent, ...kind.get(agent)!, ...m, ...perRec, llm_fallback_share: share });
  }
  const seconds = (performance.now() - c.t0) / 1000;
  const llm = model ? answerRecord(stats, x.llm) : undefined;
  const note = [tableFooter(x.env, split.label, x.seeds.length, x.episodes, rows), ...(model ? [`LLM answers: ${answerLines(stats, x.llm).map((l) => l.trim()).join("; ")}.`] : [])].join(" ");
  faultPoint("results");
  if (rows.length) run.writeResults({ columns: COLUMNS, rows, note, ...(llm ? { llm } : {}) });
  return { rows, setup, seconds, note, stats, ...(llm ? { llm } : {}) };
}

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
    "Len and R_traj count the quitting step; LLM calls/rec = planner requests that reached the model per slate in evaluation (retries/rec and repairs/rec apart); LLM fallback = share of the planner's answers that came from its non-LLM fallback, training and evaluation.",
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

/** The comparison table as fixed-width text. */
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
  return [head, ...lines].join("\n") + "\n";
}

const table = defineCommand({
  command: "run lerl",
  positionals: true,
  description: ["Trains LERL (an LLM or non-LLM category planner + PPO) on a preset, evaluates it and compares it with flat PPO, random and popularity. `farsight run ilrec --help` describes the other method."],
  flags: {
    ...ENV_FLAG,
    planner: { kind: "list", ...plannerChoices(PLANNERS), default: ["saturation-aware"], placeholder: "NAME,...", help: "one LERL row per planner (comma-separated)." },
    steps: { kind: "int", min: 1, default: 6000, help: "training budget in environment transitions." },
    seed: { kind: "int", min: 0, default: 0, placeholder: "S", help: "first seed." },
    seeds: { kind: "int", min: 1, default: 1, placeholder: "K", help: "trains and evaluates seeds S..S+K-1." },
    out: { kind: "path", placeholder: "DIR", defaultHelp: "runs/lerl-<env>-<timestamp>", help: "run directory (checkpoints, config.json, curves.jsonl, episodes.jsonl, results.json)." },
    resume: {
      kind: "boolean",
      help: "continue the run in --out (after a crash or kill) with its saved settings; a flag given must match them, except that --steps and --episodes may grow (see RUN_DIR.md).",
    },
    batch: { kind: "int", min: 1, default: 32, placeholder: "B", help: "concurrent training sessions." },
    episodes: { kind: "int", min: 1, default: 300, placeholder: "E", help: "evaluation sessions per seed." },
    "plan-every": { kind: "int", min: 1, default: 1, placeholder: "K", help: "re-plan a session every K steps." },
    cohort: { kind: "int", min: 1, default: 1, help: "sessions per LLM call (llm-category only)." },
    "skip-eval": { kind: "boolean", help: "train LERL only (no baselines, no evaluation)." },
    ...DATA_DIR_FLAG,
    ...PRESET_FLAG_TABLE,
    ...JSON_FLAG,
    ...LLM_RUN_FLAGS,
  },
  exclusive: [{ flags: ["skip-eval", "episodes"], why: "--skip-eval runs no evaluation, so it has no episodes to count" }],
  notes: [
    "Training runs against the ground truth on the train users for simulated presets and against the MF world model learned from the training log for datasets; " +
      "evaluation is on the ground truth with the preset's test users (the table says \"held-out users\" when they are disjoint from the train users, \"same users\" otherwise). " +
      "Rows: each LERL planner (greedy inside the plan), flat PPO greedy and sampled, random and popularity; every agent, baselines included, never shows an item twice in a session.",
  ],
});

/** `farsight run lerl`: train LERL on a preset, evaluate against flat PPO, random and popularity. */
export const runCommand: Command = {
  name: "run",
  summary: "run a method end to end: `farsight run lerl` trains LERL, evaluates it and its baselines",
  get usage() {
    return renderHelp(table);
  },
  tables: [table, ILREC_TABLE],
  helpFor: (argv) => (argv[0] === "ilrec" ? renderHelp(ILREC_TABLE) : undefined),
  async run(argv: string[], io: CliIO): Promise<number> {
    if (argv[0] === "ilrec") return runIlrec(argv.slice(1), io);
    const { given, positionals } = readFlags(table, argv);
    // A resume takes every setting it is not given from the run it continues (a setting given must match it).
    const raw = given.resume && given.out ? { ...savedLerlFlags(given.out, (row) => PLANNERS.find((p) => lerlName(p) === row)), ...given } : given;
    if (positionals[0] !== "lerl" || positionals.length !== 1) throw new UsageError(`farsight run: expected the method "lerl" (or "ilrec"), got ${JSON.stringify(positionals)}\n\n${this.usage}`);
    const values = flagValues(table, raw);
    const { env, seed } = values;
    const { spec, ...llmRun } = llmRunOptions(raw);
    const x: LerlExperiment = {
      env,
      planners: values.planner,
      llm: spec,
      llmRun,
      steps: values.steps,
      seeds: Array.from({ length: values.seeds }, (_, k) => seed + k),
      out: values.out ?? join("runs", `lerl-${env}-${new Date().toISOString().replace(/[:.]/g, "-")}`),
      resume: values.resume,
      batch: values.batch,
      episodes: values.episodes,
      planEvery: values["plan-every"],
      cohort: values.cohort,
      skipEval: values["skip-eval"],
      ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
      presetFlags: givenPresetFlags(raw),
    };
    if (x.resume && !values.out) throw new UsageError("--resume needs --out <the run directory to continue>");
    // Checked on the flags as given: settings a resume takes from the saved run (e.g. its cohort) are not the user's to drop.
    checkLerlFlags(given, x.planners);
    const result = await runLerlExperiment(x, values.json ? { ...io, stdout: () => {}, isTTY: false } : io);
    // The report needs the evaluation's results; a --skip-eval run has none to show.
    const report = result.rows.length ? join(x.out, "report.html") : undefined;
    if (report) writeFileAtomic(report, buildReport(readRunDir(x.out), { title: `Farsight: LERL on ${env}` }).html);
    if (values.json) {
      io.stdout(JSON.stringify({ out: x.out, ...(report ? { report } : {}), rows: result.rows, seconds: result.seconds, ...(result.llm ? { llm: result.llm } : {}) }) + "\n");
    } else {
      if (result.rows.length) io.stdout(`\n${formatTable(result.rows)}${wrap(result.note)}\n`);
      if (result.llm) io.stdout(answerLines(result.stats, x.llm).join("\n") + "\n");
      io.stdout(`run directory: ${x.out} (${result.seconds.toFixed(1)}s)\n${report ? `report: ${report}\n` : ""}`);
    }
    if (result.llm) checkFallbackRate(result.stats, { spec: x.llm, ...llmRun });
    return 0;
  },
};
