/**
 * `farsight run lerl` and `farsight run ilrec`: flags in, @farsight/lab's experiment, the table out. The
 * experiment itself (training, evaluation, run directory, resume) is lab's `runLerlExperiment`.
 */
import { join } from "node:path";
import { buildReport, formatTable, lerlName, readRunDir, runLerlExperiment, wrap, writeFileAtomic, type LerlExperiment } from "@farsight/lab";
import { UsageError, type CliIO, type Command } from "../command.js";
import { DATA_DIR_FLAG, ENV_FLAG, JSON_FLAG } from "../common-flags.js";
import { defineCommand, flagValues, readFlags } from "../flag-table.js";
import { renderHelp } from "../help.js";
import { labIO } from "../lab-io.js";
import { answerLines, checkCollapse, checkFallbackRate, LLM_RUN_FLAGS, llmRunOptions, RECORD_FLAG } from "../llm-run.js";
import { plannerChoices, type PlannerName } from "../planners.js";
import { givenPresetFlags, PRESET_FLAG_TABLE, presetOptionsFrom } from "../preset-flags.js";
import { ILREC_TABLE, runIlrec } from "../run/ilrec.js";
import { checkLerlFlags } from "../run/lerl-flags.js";
import { savedLerlFlags } from "../run/lerl-saved-flags.js";

/** Planners `run lerl` can train with (names of lab's planner registry; the flag table also takes the aliases). */
export const PLANNERS = ["llm-category", "saturation-aware", "reflection-guided", "oracle-saturation", "quit-aware-oracle", "noisy-oracle", "distilled", "random", "all-categories"] as const satisfies readonly PlannerName[];
export type PlannerChoice = (typeof PLANNERS)[number];

const table = defineCommand({
  command: "run lerl",
  positionals: true,
  description: ["Trains LERL (an LLM or non-LLM category planner + PPO) on a preset, evaluates it and compares it with flat PPO, random and popularity. `farsight run ilrec --help` describes the other method."],
  flags: {
    ...ENV_FLAG,
    planner: { kind: "list", ...plannerChoices(PLANNERS), parameterised: ["noisy-oracle", "distilled"], default: ["saturation-aware"], placeholder: "NAME,...", help: "one LERL row per planner (comma-separated; noisy-oracle takes its quality, noisy-oracle:0.5; distilled its directory, distilled:DIR)." },
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
    ...RECORD_FLAG,
  },
  exclusive: [{ flags: ["skip-eval", "episodes"], why: "--skip-eval runs no evaluation, so it has no episodes to count" }],
  notes: [
    "Training runs against the ground truth on the train users for simulated presets and against the MF world model learned from the training log for datasets; " +
      "evaluation is on the ground truth with the preset's test users (the table says \"held-out users\" when they are disjoint from the train users, \"same users\" otherwise). " +
      "Rows: each LERL planner (greedy inside the plan), flat PPO greedy and sampled, random and popularity; every agent, baselines included, never shows an item twice in a session.",
  ],
});

/** The lab experiment `farsight run lerl <argv>` asks for (flags checked; nothing run). */
export function lerlExperimentFromArgs(argv: string[]): { x: LerlExperiment & Required<Pick<LerlExperiment, "llm" | "seeds">>; json: boolean; llmRun: ReturnType<typeof llmRunOptions> } {
  const { given, positionals } = readFlags(table, argv);
  // A resume takes every setting it is not given from the run it continues (a setting given must match it).
  const raw = given.resume && given.out ? { ...savedLerlFlags(given.out, (row) => PLANNERS.find((p) => lerlName(p) === row)), ...given } : given;
  if (positionals[0] !== "lerl" || positionals.length !== 1) throw new UsageError(`farsight run: expected the method "lerl" (or "ilrec"), got ${JSON.stringify(positionals)}\n\n${renderHelp(table)}`);
  const values = flagValues(table, raw);
  const { env, seed } = values;
  const { spec, ...llmRun } = llmRunOptions(raw);
  const x = {
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
    record: values.record === true,
    ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
    preset: presetOptionsFrom(raw),
    presetFlags: givenPresetFlags(raw),
  };
  if (x.resume && !values.out) throw new UsageError("--resume needs --out <the run directory to continue>");
  // Checked on the flags as given: settings a resume takes from the saved run (e.g. its cohort) are not the user's to drop.
  checkLerlFlags(given, x.planners);
  return { x, json: values.json, llmRun: { spec, ...llmRun } };
}

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
    const { x, json, llmRun } = lerlExperimentFromArgs(argv);
    const result = await runLerlExperiment(x, labIO(io, { quiet: json }));
    // The report needs the evaluation's results; a --skip-eval run has none to show.
    const report = result.rows.length ? join(x.out, "report.html") : undefined;
    if (report) writeFileAtomic(report, buildReport(readRunDir(x.out), { title: `Farsight: LERL on ${x.env}` }).html);
    if (json) {
      io.stdout(JSON.stringify({ out: x.out, ...(report ? { report } : {}), rows: result.rows, seconds: result.seconds, ...(result.llm ? { llm: result.llm } : {}) }) + "\n");
    } else {
      if (result.rows.length) io.stdout(`\n${formatTable(result.rows)}${wrap(result.note)}\n`);
      if (result.llm) io.stdout(answerLines(result.stats, x.llm).join("\n") + "\n");
      io.stdout(`run directory: ${x.out} (${result.seconds.toFixed(1)}s)\n${report ? `report: ${report}\n` : ""}`);
    }
    if (result.llm) {
      checkFallbackRate(result.stats, llmRun);
      checkCollapse(result.stats, llmRun);
    }
    return 0;
  },
};
