import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadPreset, PopularityAgent, PRESETS, RandomAgent, type EnvSetup, type MetricSummary } from "@farsight/env";
import {
  aggregateSeeds,
  RunCheckpoints,
  evaluateAgent,
  evaluateLerl,
  formatLerlProgress,
  progressBar,
  trainFlatPpo,
  trainLerl,
  type EvalResult,
} from "@farsight/graph";
import { createChatModel, LlmStats } from "@farsight/llm";
import { AllCategoriesPlanner, LlmCategoryPlanner, RandomCategoryPlanner, SaturationAwarePlanner, type Planner } from "@farsight/planner";
import { LlmReflector, TemplateReflector, type Reflector } from "@farsight/reflector";
import { initBackend, PolicyAgent } from "@farsight/rl-policy";
import type { Episode } from "@farsight/core";
import { choiceFlag, intFlag, parseFlags, UsageError, type CliIO, type Command } from "../command.js";
import { RunDirWriter } from "../report/run-dir.js";
import { runIlrec } from "../run/ilrec.js";

export const PLANNERS = ["llm", "saturation", "random", "all"] as const;
export type PlannerChoice = (typeof PLANNERS)[number];

/** Everything one LERL experiment needs (flags of `farsight run lerl`, fixed values for `farsight demo`). */
export interface LerlExperiment {
  readonly env: string;
  readonly planner: PlannerChoice;
  readonly llm: string;
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
}

const COLUMNS = [
  { key: "len", label: "Len", better: "higher" as const },
  { key: "r_traj", label: "R_traj", better: "higher" as const },
  { key: "r_each", label: "R_each", better: "higher" as const },
  { key: "category_coverage", label: "Cat. coverage", better: "higher" as const },
  { key: "mcd", label: "MCD", better: "lower" as const },
  { key: "llm_calls_per_rec", label: "LLM calls/rec", better: "lower" as const },
];

/** One row of the comparison table: the agent and its metrics (`<key>_std` beside each). */
export type ResultRow = { agent: string } & Record<string, number | string>;

const lerlName = (p: PlannerChoice) => `LERL (${p === "all" ? "all categories" : p})`;

function makeProgress(io: CliIO, label: string, total: number) {
  let lastPlain = -1;
  return (text: string, doneRaw: number, final = false) => {
    const done = Math.min(doneRaw, total); // the last chunk may overshoot the budget
    if (io.isTTY) {
      io.stdout(`\r\x1b[2K${label} ${progressBar(done / total)} ${text}${final ? "\n" : ""}`);
    } else {
      const tenth = Math.floor((10 * done) / total);
      if (final && lastPlain >= 10) return;
      if (tenth !== lastPlain || final) io.stdout(`${label} ${Math.round((100 * done) / total)}% ${text}\n`);
      lastPlain = tenth;
    }
  };
}

function episodeRecord(agent: string, e: Episode, seed: number) {
  return { agent, length: e.length, return: e.return, categories: e.steps.map((s) => [...s.categories]), user: e.userId, seed };
}

/** Trains LERL and flat PPO per seed, evaluates them with random and popularity, writes the run dir; returns the table rows. */
export async function runLerlExperiment(x: LerlExperiment, io: CliIO): Promise<{ rows: ResultRow[]; setup: EnvSetup; seconds: number }> {
  const t0 = performance.now();
  await initBackend();
  const setup = await loadPreset(x.env, x.dataDir ? { dataDir: x.dataDir } : {});
  const stats = new LlmStats();
  const model = x.planner === "llm" ? await createChatModel(x.llm, { stats }) : null;
  if (x.planner === "llm" && !model) throw new UsageError(`--planner llm needs a model: pass --llm <spec> (got "${x.llm}"); or use --planner saturation|random|all`);
  const feedbackMeaning = setup.positiveThreshold > 1 ? "ratings 1-5" : "1 = click, 0 = no click";
  const makePlanner = (seed: number): Planner => {
    switch (x.planner) {
      case "llm":
        return new LlmCategoryPlanner({ model, stats, seed, cohortSize: x.cohort, feedbackMeaning });
      case "saturation":
        // Saturation is judged over the same 5 slates LERL's LLM planner sees; a category filling more
        // than 15% of them (any repeat at slate size 1) is left out of the next plan.
        return new SaturationAwarePlanner({ seed, windowSlates: 5, saturationShare: 0.15 });
      case "random":
        return new RandomCategoryPlanner({ seed });
      default:
        return new AllCategoriesPlanner();
    }
  };
  const reflector: Reflector = model ? new LlmReflector({ model, stats, feedbackMeaning }) : new TemplateReflector();
  const name = lerlName(x.planner);
  if (x.resume) forgetUncheckpointedRecords(x.out, name);
  const run = new RunDirWriter(x.out);
  run.writeConfig({
    command: "run lerl",
    env: setup.describe,
    planner: x.planner,
    llm: x.planner === "llm" ? x.llm : "none",
    reflector: reflector.name,
    train: { steps: x.steps, stepCounts: "environment transitions (slot-steps)", batch: x.batch, planEvery: x.planEvery, cohort: x.cohort },
    eval: { episodesPerSeed: x.episodes, seeds: x.seeds, lenCountsQuittingStep: true, llmCallsPerRec: "planner calls during evaluation / slates shown" },
  });
  const perAgent = new Map<string, MetricSummary[]>();
  const extra = new Map<string, number[]>();
  const record = (agent: string, r: EvalResult) => {
    perAgent.set(agent, [...(perAgent.get(agent) ?? []), ...r.perSeed]);
    if (r.metrics.llm_calls_per_rec !== undefined) extra.set(agent, [...(extra.get(agent) ?? []), r.metrics.llm_calls_per_rec]);
  };
  for (const seed of x.seeds) {
    const common = { setup, steps: x.steps, seed, batchSize: x.batch };
    const show = makeProgress(io, `[seed ${seed}] ${name}`, x.steps);
    let lastDraw = 0;
    const lerl = await trainLerl({
      ...common,
      planner: makePlanner(seed),
      reflector,
      stats,
      loop: { planEvery: x.planEvery },
      runDir: join(x.out, "train", `lerl-seed${seed}`),
      // A resumed multi-seed run continues the seeds that have a checkpoint and starts the others.
      resume: x.resume && RunCheckpoints.exists(join(x.out, "train", `lerl-seed${seed}`)),
      onProgress: (p) => {
        // A terminal bar also moves between chunks (every step event, at most 4 redraws a second).
        if (p.kind === "step") {
          if (io.isTTY && performance.now() - lastDraw > 250) {
            lastDraw = performance.now();
            show(formatLerlProgress(p, x.steps), p.envSteps);
          }
          return;
        }
        show(formatLerlProgress(p, x.steps), p.envSteps);
        // Before the first session ends there is no mean to draw.
        if (Number.isFinite(p.meanRecentReturn)) run.curve({ series: name, step: p.envSteps, metric: "return", value: p.meanRecentReturn, seed }, { series: name, step: p.envSteps, metric: "len", value: p.meanRecentLength, seed });
      },
    });
    show(formatLerlProgress({ ...lerlSummary(lerl.state), elapsedMs: lerl.state.elapsedMs }, x.steps), x.steps, true);
    if (x.skipEval) continue;
    const showFlat = makeProgress(io, `[seed ${seed}] PPO (flat)`, x.steps);
    const flat = await trainFlatPpo({
      ...common,
      onProgress: (p) => {
        showFlat(`steps ${p.envSteps}/${x.steps} | R ${p.meanReturn.toFixed(2)} | len ${p.meanLength.toFixed(1)}`, p.envSteps);
        if (Number.isFinite(p.meanReturn)) run.curve({ series: "PPO (flat)", step: p.envSteps, metric: "return", value: p.meanReturn, seed }, { series: "PPO (flat)", step: p.envSteps, metric: "len", value: p.meanLength, seed });
      },
    });
    showFlat(`trained in ${(flat.elapsedMs / 1000).toFixed(1)}s`, x.steps, true);
    const eo = (agent: string) => ({ episodes: x.episodes, seeds: [seed], onEpisode: (e: Episode, s: number) => run.episode(episodeRecord(agent, e, s)) });
    io.stdout(`[seed ${seed}] evaluating on ${x.episodes} held-out sessions...\n`);
    record(name, await evaluateLerl(setup, { algorithm: lerl.algorithm, makePlanner, pool: lerl.pool, stats, loop: { planEvery: x.planEvery } }, eo(name)));
    record("PPO (flat)", await evaluateAgent(setup, () => new PolicyAgent(flat.algorithm.policy, { name: "PPO (flat)" }), eo("PPO (flat)")));
    record("random", await evaluateAgent(setup, (s) => new RandomAgent(s), eo("random")));
    record("popularity", await evaluateAgent(setup, () => new PopularityAgent(setup.catalog.numItems, setup.trainLog.item), eo("popularity")));
  }
  const rows: ResultRow[] = [];
  for (const [agent, perSeed] of perAgent) {
    const m = aggregateSeeds(perSeed);
    const calls = extra.get(agent);
    rows.push({ agent, ...m, llm_calls_per_rec: calls ? calls.reduce((a, b) => a + b, 0) / calls.length : 0 });
  }
  const seconds = (performance.now() - t0) / 1000;
  if (rows.length) {
    run.writeResults({
      columns: COLUMNS,
      rows,
      note: `${x.env}, ground-truth world, held-out users, ${x.seeds.length} seed(s) x ${x.episodes} sessions; Len and R_traj count the quitting step; LLM calls/rec = planner calls per slate in evaluation`,
    });
  }
  return { rows, setup, seconds };
}

/**
 * Before a resume: the evaluation and the flat baseline are redone from scratch (they are not checkpointed),
 * so their records from the interrupted run go; LERL's learning curve up to its checkpoints stays.
 */
function forgetUncheckpointedRecords(out: string, lerlSeries: string): void {
  rmSync(join(out, "episodes.jsonl"), { force: true });
  rmSync(join(out, "results.json"), { force: true });
  const curves = join(out, "curves.jsonl");
  if (!existsSync(curves)) return;
  const keep = readFileSync(curves, "utf8").split("\n").filter((line) => line.includes(`"series":${JSON.stringify(lerlSeries)}`));
  writeFileSync(curves, keep.length ? keep.join("\n") + "\n" : "");
}

function lerlSummary(s: Awaited<ReturnType<typeof trainLerl>>["state"]) {
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  return { kind: "chunk" as const, envSteps: s.envSteps, iterations: s.iterations, sessionsFinished: s.sessionsFinished, meanRecentReturn: mean(s.recentReturns), meanRecentLength: mean(s.recentLengths), updates: s.updates, poolSize: s.poolSize, llmCalls: s.llmCalls, llmLatencyMs: s.llmLatencyMs, chunk: s.chunk, lastUpdate: s.lastUpdate };
}

/** The comparison table as fixed-width text. */
export function formatTable(rows: readonly ResultRow[]): string {
  const head = ["agent".padEnd(26), ...COLUMNS.map((c) => c.label.padStart(17))].join("");
  const lines = rows.map((r) =>
    [String(r.agent).padEnd(26), ...COLUMNS.map((c) => {
      const v = Number(r[c.key]), s = Number(r[`${c.key}_std`]);
      return (Number.isFinite(v) ? `${v.toFixed(3)}${Number.isFinite(s) ? ` ±${s.toFixed(2)}` : ""}` : "-").padStart(17);
    })].join(""),
  );
  return [head, ...lines].join("\n") + "\n";
}

/** `farsight run lerl`: train LERL on a preset, evaluate against flat PPO, random and popularity. */
export const runCommand: Command = {
  name: "run",
  summary: "run a method end to end: `farsight run lerl` trains LERL, evaluates it and its baselines",
  usage: [
    "Usage: farsight run lerl --env <preset> --planner llm|saturation|random|all [--llm <spec>] --steps N --seed S",
    "                         [--seeds K] --out DIR [--resume] [--batch B] [--episodes E] [--plan-every k] [--cohort n]",
    "                         [--skip-eval] [--data-dir DIR] [--json]",
    "",
    `  --env         ${PRESETS.join(", ")} (default synthetic)`,
    "  --planner     llm (LERL's LLM planner, needs --llm), saturation (non-LLM), random, all (flat: no plan)",
    "  --llm         model spec, e.g. ollama:llama3.1, openai:gpt-4o-mini, scripted:<file.jsonl> (default none)",
    "  --steps N     training budget in environment transitions (default 6000)",
    "  --seed S      first seed (default 0); --seeds K trains and evaluates seeds S..S+K-1 (default 1)",
    "  --out DIR     run directory (checkpoints, config.json, curves.jsonl, episodes.jsonl, results.json)",
    "  --resume      continue the checkpointed run in --out (after a crash or kill)",
    "  --batch B     concurrent training sessions (default 32); --episodes E held-out sessions per seed (default 300)",
    "  --plan-every  re-plan a session every k steps (default 1); --cohort n sessions per LLM call (default 1)",
    "  --skip-eval   train LERL only (no baselines, no evaluation)",
    "Training runs against the ground truth on the train users for simulated presets and against the MF world",
    "model learned from the training log for datasets; evaluation is on the ground truth with held-out users.",
  ].join("\n"),
  async run(argv: string[], io: CliIO): Promise<number> {
    if (argv[0] === "ilrec") return runIlrec(argv.slice(1), io);
    const { values, positionals } = parseFlags(
      "run",
      argv,
      {
        env: { type: "string" }, planner: { type: "string" }, llm: { type: "string" }, steps: { type: "string" }, seed: { type: "string" },
        seeds: { type: "string" }, out: { type: "string" }, resume: { type: "boolean" }, batch: { type: "string" }, episodes: { type: "string" },
        "plan-every": { type: "string" }, cohort: { type: "string" }, "skip-eval": { type: "boolean" }, "data-dir": { type: "string" }, json: { type: "boolean" },
      },
      true,
    );
    if (positionals[0] !== "lerl" || positionals.length !== 1) throw new UsageError(`farsight run: expected the method "lerl" (or "ilrec"), got ${JSON.stringify(positionals)}\n\n${this.usage}`);
    const env = choiceFlag("env", values.env, PRESETS, "synthetic");
    const seed = intFlag("seed", values.seed, 0, 0);
    const x: LerlExperiment = {
      env,
      planner: choiceFlag("planner", values.planner, PLANNERS, "saturation"),
      llm: values.llm ?? "none",
      steps: intFlag("steps", values.steps, 6000, 1),
      seeds: Array.from({ length: intFlag("seeds", values.seeds, 1, 1) }, (_, k) => seed + k),
      out: values.out ?? join("runs", `lerl-${env}-${new Date().toISOString().replace(/[:.]/g, "-")}`),
      resume: Boolean(values.resume),
      batch: intFlag("batch", values.batch, 32, 1),
      episodes: intFlag("episodes", values.episodes, 300, 1),
      planEvery: intFlag("plan-every", values["plan-every"], 1, 1),
      cohort: intFlag("cohort", values.cohort, 1, 1),
      skipEval: Boolean(values["skip-eval"]),
      ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
    };
    if (x.resume && !values.out) throw new UsageError("--resume needs --out <the run directory to continue>");
    const result = await runLerlExperiment(x, values.json ? { ...io, stdout: () => {}, isTTY: false } : io);
    if (values.json) {
      io.stdout(JSON.stringify({ out: x.out, rows: result.rows, seconds: result.seconds }) + "\n");
      return 0;
    }
    if (result.rows.length) io.stdout(`\n${formatTable(result.rows)}`);
    io.stdout(`run directory: ${x.out} (${result.seconds.toFixed(1)}s); render it with \`farsight report ${x.out}\`\n`);
    return 0;
  },
};
