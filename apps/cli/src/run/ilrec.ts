/**
 * `farsight run ilrec`: the flags of IL-Rec's experiment, @farsight/lab's `runIlrecExperiment`, and the table
 * printed. Dispatched from `commands/run.ts`.
 */
import { join } from "node:path";
import { redactText } from "@farsight/core";
import type { TeacherKind } from "@farsight/graph";
import { runIlrecExperiment, type IlrecResult } from "@farsight/lab";
import type { IlrecAdvantage, IlrecRewardMode } from "@farsight/rl-policy/tf";
import { UsageError, type CliIO } from "../command.js";
import { DATA_DIR_FLAG, ENV_FLAG, JSON_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { labIO } from "../lab-io.js";
import { answerLines, checkCollapse, checkFallbackRate, LLM_RUN_FLAGS, llmRunOptions, RECORD_FLAG } from "../llm-run.js";
import { PRESET_FLAG_TABLE, presetOptionsFrom } from "../preset-flags.js";

const REWARDS = ["env", "airl", "env+airl"] as const satisfies readonly IlrecRewardMode[];
const SERVE = ["greedy", "sampled", "both"] as const;

/** The flags of `farsight run ilrec`. */
export const ILREC_TABLE = defineCommand({
  command: "run ilrec",
  description: ["IL-Rec end to end on a preset: demonstrate -> learn reward -> train policy -> serve, and the comparison table on the ground truth."],
  flags: {
    ...ENV_FLAG,
    teacher: {
      kind: "choice", choices: ["llm", "heuristic", "noisy-oracle"] as const satisfies readonly TeacherKind[], default: "heuristic", placeholder: "NAME", help: "who demonstrates.",
      choiceHelp: {
        llm: "the BiLLP-style LLM agent (needs --llm)",
        heuristic: "saturation planner + catalogue-greedy actor + scorer critic on the training-time world model",
        "noisy-oracle": "ORACLE of quality --teacher-q: the heuristic teacher with the oracle's plan w.p. q",
      },
    },
    "teacher-q": { kind: "number", min: 0, max: 1, placeholder: "Q", defaultHelp: "none (required with --teacher noisy-oracle)", help: "quality of the noisy-oracle teacher (0: random plans, 1: the oracle's); required with --teacher noisy-oracle." },
    demos: { kind: "int", min: 1, default: 100, help: "demonstration sessions." },
    steps: { kind: "int", min: 1, default: 20_000, help: "training budget of each learned policy, in environment transitions." },
    seed: { kind: "int", min: 0, default: 0, placeholder: "S", help: "first seed." },
    seeds: { kind: "int", min: 1, default: 1, placeholder: "K", help: "runs seeds S..S+K-1 and prints the mean (std) over seeds." },
    out: { kind: "path", placeholder: "DIR", defaultHelp: "runs/ilrec-<env>-<timestamp>", help: "writes demonstrations.jsonl and policy/ (checkpoint) per seed; results.json, curves.jsonl, demo-weights.json, episodes.jsonl and report.html (see packages/lab/src/run-dir/RUN_DIR.md)." },
    episodes: { kind: "int", min: 1, default: 100, placeholder: "E", help: "evaluation sessions per method." },
    "teacher-episodes": { kind: "int", min: 1, placeholder: "E", defaultHelp: "--episodes", help: "evaluation sessions of the teacher." },
    reward: {
      kind: "choice", choices: REWARDS, default: "env", placeholder: "NAME", help: "what drives IL-Rec's RL term.",
      choiceHelp: { env: "the environment's reward", airl: "log(1-D) - log D of the discriminator", "env+airl": "both" },
    },
    imitation: { kind: "number", min: 0, placeholder: "L", defaultHelp: "the dataset's, see packages/rl-policy/src/ilrec/README.md", help: "lambda_imit at the start." },
    anneal: { kind: "number", min: 0, placeholder: "F", defaultHelp: "1", help: "the imitation step decays linearly to 0 over this share of the budget (0: constant)." },
    advantage: {
      kind: "choice", choices: ["critic", "teacher"] as const satisfies readonly IlrecAdvantage[], placeholder: "NAME", defaultHelp: "critic", help: "gate of the demonstration weights.",
      choiceHelp: { critic: "0 where the policy's critic says the demonstrated action does not beat the policy", teacher: "the released code's Q_demo - V_demo" },
    },
    serve: { kind: "choice", choices: SERVE, default: "both", placeholder: "MODE", help: "how the learned policies serve in the table: greedy (top-K), sampled, or both." },
    batch: { kind: "int", min: 1, placeholder: "B", defaultHelp: "16", help: "concurrent training sessions." },
    "bc-steps": { kind: "int", min: 1, defaultHelp: "max(500, IL-Rec's imitation steps)", help: "gradient steps of the behaviour-cloning baseline." },
    "quit-reward": { kind: "number", placeholder: "R", defaultHelp: "the env's", help: "reward the teacher's micro level learns from on a quit (BiLLP: -1000; a negative number needs the = form)." },
    "teacher-output": {
      kind: "choice", choices: ["text", "structured"], placeholder: "FORM", defaultHelp: "text",
      help: "llm teacher's actor and critic answer as BiLLP's text lines or structured JSON, which llama-cpp: constrains with a grammar (a small local model rarely writes BiLLP's lines).",
    },
    "teacher-max-steps": { kind: "int", min: 1, defaultHelp: "the preset's", help: "end the teacher's sessions after N steps (smoke tests)." },
    ...DATA_DIR_FLAG,
    ...PRESET_FLAG_TABLE,
    ...JSON_FLAG,
    ...LLM_RUN_FLAGS,
    ...RECORD_FLAG,
  },
  notes: [
    "Table: Len, R_traj, R_each on the ground truth (quitting step counted), and the cost per recommendation " +
      "(LLM calls, milliseconds at one session at a time) of the teacher and the IL-Rec policy.",
  ],
});

function formatTable(rows: IlrecResult["table"], seeds: number): string {
  const fmt = ([m, s]: [number, number], digits: number) => (Number.isNaN(m) ? "-" : seeds > 1 ? `${m.toFixed(digits)} (${s.toFixed(digits)})` : m.toFixed(digits));
  const header = ["Method", "Len", "R_traj", "R_each", "LLM calls/rec", "ms/rec"];
  const body = rows.map((r) => [r.method, fmt(r.cells.len!, 2), fmt(r.cells.r_traj!, 2), fmt(r.cells.r_each!, 3), fmt(r.cells.llmCallsPerRec!, 2), fmt(r.cells.msPerRec!, 3)]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)));
  const line = (cells: string[]) => cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n") + "\n";
}

/** Runs `farsight run ilrec <argv>`; returns the exit code. */
export async function runIlrec(argv: string[], io: CliIO): Promise<number> {
  const { values, given } = parseCommand(ILREC_TABLE, argv);
  const { env, teacher } = values;
  const llmRun = llmRunOptions(given);
  const spec = llmRun.spec;
  if (teacher === "llm" && spec === "none") throw new UsageError("--teacher llm needs a model: pass --llm <spec> (e.g. ollama:llama3.1) or set FARSIGHT_LLM, or use --teacher heuristic");
  if (values.record && teacher !== "llm") throw new UsageError(`--record keeps the LLM teacher's answers; --teacher ${teacher} asks no model. Drop --record or pass --teacher llm`);
  if (teacher !== "llm" && values.llm !== undefined) throw new UsageError(`--llm is only used by --teacher llm; --teacher ${teacher} would ignore "${redactText(values.llm)}". Drop --llm or pass --teacher llm`);
  const { seed, episodes } = values;
  const seeds = Array.from({ length: values.seeds }, (_, k) => seed + k);
  const out = values.out ?? join("runs", `ilrec-${env}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  const opt = <K extends string, V>(key: K, v: V | undefined) => (v !== undefined ? ({ [key]: v } as Record<K, V>) : {});
  // The flags as given (minus where and how to print): what config.json records, so another run in --out is told how it differs.
  const { out: _out, json: _json, llm: _llm, record: _record, ...configFlags } = given;
  // Every flag is parsed (by the table) before the backend, the model and the data load: a typo fails in milliseconds.
  const r = await runIlrecExperiment(
    {
      env, teacher, llm: llmRun, demos: values.demos, steps: values.steps, seeds, out, episodes,
      serve: values.serve === "both" ? ["greedy", "sampled"] : [values.serve],
      reward: values.reward,
      ...opt("teacherEpisodes", values["teacher-episodes"]),
      ...opt("imitation", values.imitation),
      ...opt("anneal", values.anneal),
      ...opt("advantage", values.advantage),
      ...opt("batch", values.batch),
      ...opt("bcSteps", values["bc-steps"]),
      ...opt("quitReward", values["quit-reward"]),
      ...opt("teacherOutput", values["teacher-output"]),
      ...opt("teacherMaxSteps", values["teacher-max-steps"]),
      ...opt("teacherQ", values["teacher-q"]),
      ...(values.record ? { record: true } : {}),
      ...opt("dataDir", values["data-dir"]),
      preset: presetOptionsFrom(given),
      configFlags,
    },
    labIO(io, { quiet: values.json === true }),
  );
  const model = r.llmAnswers !== undefined;
  if (values.json) {
    io.stdout(JSON.stringify({ env, teacher, llm: spec, out, report: r.report, seeds, table: r.table, perSeed: r.perSeed, latencyRatio: r.latencyRatio, llmStats: r.stats.snapshot(), ...(model ? { llmAnswers: r.llmAnswers } : {}) }) + "\n");
    if (model) {
      checkFallbackRate(r.stats, llmRun);
      checkCollapse(r.stats, llmRun);
    }
    return 0;
  }
  const serve = values.serve === "both" ? ["greedy", "sampled"] : [values.serve];
  io.stdout(`\nIL-Rec on ${env} (ground truth, ${r.users}, ${episodes} sessions per method${seeds.length > 1 ? `, mean (std) over ${seeds.length} seeds` : `, seed ${seed}`}; learned policies served ${serve.join(" and ")}):\n`);
  io.stdout(formatTable(r.table, seeds.length));
  io.stdout(`teacher / policy latency per recommendation: ${r.latencyRatio.toFixed(1)}x\n`);
  if (model) io.stdout(answerLines(r.stats, spec).join("\n") + "\n");
  io.stdout(`run directory: ${out}\nreport: ${r.report}\n`);
  if (model) {
    checkFallbackRate(r.stats, llmRun);
    checkCollapse(r.stats, llmRun);
  }
  return 0;
}
