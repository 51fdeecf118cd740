/**
 * `farsight run ilrec`: IL-Rec end to end on a preset (demonstrate -> learn reward -> train policy -> serve)
 * and the comparison table on the ground truth (held-out or same users, as the preset splits them). Dispatched from `commands/run.ts`.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadPreset } from "@farsight/env";
import { runIlrecPipeline, type ServeMode, type TeacherKind } from "@farsight/graph";
import { redactDeep, redactText } from "@farsight/core";
import { createChatModel, LlmStats } from "@farsight/llm";
import { initBackend, type IlrecAdvantage, type IlrecRewardMode } from "@farsight/rl-policy";
import { UsageError, type CliIO } from "../command.js";
import { DATA_DIR_FLAG, ENV_FLAG, JSON_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { buildReport } from "../report/html.js";
import { userSplit } from "../report/protocol.js";
import { readRunDir } from "../report/read-run-dir.js";
import { answerLines, answerRecord, checkFallbackRate, LLM_RUN_FLAGS, llmRunOptions, modelOptions, preflight, watchSlowCalls } from "../llm-run.js";
import { PRESET_FLAG_TABLE, presetOptionsFrom } from "../preset-flags.js";
import { faultPoint } from "./fault.js";
import { aggregate, sessionCollector, writeIlrecRecords, type IlrecRunInfo, type IlrecSeedRun } from "./ilrec-record.js";
import { RunDirectory, writeFileAtomic } from "./run-directory.js";

const REWARDS = ["env", "airl", "env+airl"] as const satisfies readonly IlrecRewardMode[];
const SERVE = ["greedy", "sampled", "both"] as const;

/** The flags of `farsight run ilrec`. */
export const ILREC_TABLE = defineCommand({
  command: "run ilrec",
  description: ["IL-Rec end to end on a preset: demonstrate -> learn reward -> train policy -> serve, and the comparison table on the ground truth."],
  flags: {
    ...ENV_FLAG,
    teacher: {
      kind: "choice", choices: ["llm", "heuristic"] as const satisfies readonly TeacherKind[], default: "heuristic", placeholder: "NAME", help: "who demonstrates.",
      choiceHelp: { llm: "the BiLLP-style LLM agent (needs --llm)", heuristic: "saturation planner + catalogue-greedy actor + scorer critic on the training-time world model" },
    },
    demos: { kind: "int", min: 1, default: 100, help: "demonstration sessions." },
    steps: { kind: "int", min: 1, default: 20_000, help: "training budget of each learned policy, in environment transitions." },
    seed: { kind: "int", min: 0, default: 0, placeholder: "S", help: "first seed." },
    seeds: { kind: "int", min: 1, default: 1, placeholder: "K", help: "runs seeds S..S+K-1 and prints the mean (std) over seeds." },
    out: { kind: "path", placeholder: "DIR", defaultHelp: "runs/ilrec-<env>-<timestamp>", help: "writes demonstrations.jsonl and policy/ (checkpoint) per seed; results.json, curves.jsonl, demo-weights.json, episodes.jsonl and report.html (see apps/cli/src/report/RUN_DIR.md)." },
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
  },
  notes: [
    "Table: Len, R_traj, R_each on the ground truth (quitting step counted), and the cost per recommendation " +
      "(LLM calls, milliseconds at one session at a time) of the teacher and the IL-Rec policy.",
  ],
});

function formatTable(rows: ReturnType<typeof aggregate>, seeds: number): string {
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
  if (teacher !== "llm" && values.llm !== undefined) throw new UsageError(`--llm is only used by --teacher llm; --teacher ${teacher} would ignore "${redactText(values.llm)}". Drop --llm or pass --teacher llm`);
  const { seed, episodes } = values;
  const seeds = Array.from({ length: values.seeds }, (_, k) => seed + k);
  const out = values.out ?? join("runs", `ilrec-${env}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  const quiet = values.json === true;
  const log = (line: string) => {
    if (!quiet) io.stdout(line + "\n");
  };

  // Every flag is parsed (by the table) before the backend, the model and the data load: a typo fails in milliseconds.
  const { demos, steps, advantage, anneal } = values;
  const teacherEpisodes = values["teacher-episodes"];
  const batchSize = values.batch;
  const quitReward = values["quit-reward"];
  const imitationCoef = values.imitation;
  const serve: ServeMode[] = values.serve === "both" ? ["greedy", "sampled"] : [values.serve];
  const rewardMode = values.reward;
  const teacherOutput = values["teacher-output"];
  const teacherMaxSteps = values["teacher-max-steps"];
  const bcSteps = values["bc-steps"];

  // One run per directory, checked and locked before anything is trained (`run ilrec` has no --resume).
  // The flags as given (minus where and how to print): enough to say how another run in --out differs.
  const { out: _out, json: _json, llm: _llm, ...flags } = given;
  const config = redactDeep({ command: "run ilrec", flags: { ...flags, llm: spec } });
  const runDir = RunDirectory.open(out, { command: "run ilrec", config, resumable: false });
  try {
    runDir.writeConfig();
    return await trainAndCompare();
  } finally {
    runDir.release();
  }

  async function trainAndCompare(): Promise<number> {
    const backend = await initBackend();
    log(backend.summary);
    const stats = new LlmStats();
    const model = teacher === "llm" ? await createChatModel(spec, modelOptions(llmRun, stats)) : null;
    if (model) await preflight(model, llmRun, io);
    const stopWatching = model ? watchSlowCalls(stats, spec, io) : () => {};
    const setup = await loadPreset(env, { ...presetOptionsFrom(given), ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}) });
    const runs: IlrecSeedRun[] = [];
    const results = [];
    const protocol = `ground truth, ${userSplit(setup).label}, ${episodes} sessions per method, learned policies served ${serve.join(" and ")}`;
    for (const s of seeds) {
      // Kill tests stop the run here: every seed before this one has written all its records.
      faultPoint("ilrec-seed");
      log(`-- seed ${s}`);
      let lastTenth = -1;
      const dir = seeds.length > 1 ? join(out, `seed${s}`) : out;
      const sessions = sessionCollector();
      const r = await runIlrecPipeline({
        setup, teacher, model, stats, seed: s, outDir: dir, episodes,
        demos,
        steps,
        ...(teacherEpisodes !== undefined ? { teacherEpisodes } : {}),
        ...(batchSize !== undefined ? { batchSize } : {}),
        ...(bcSteps !== undefined ? { bcSteps } : {}),
        ...(quitReward !== undefined ? { quitReward } : {}),
        ...(teacherOutput !== undefined ? { teacherOutput } : {}),
        ...(teacherMaxSteps !== undefined ? { teacherMaxSteps } : {}),
        serve,
        ilrec: {
          rewardMode,
          ...(imitationCoef !== undefined ? { imitationCoef } : {}),
          ...(anneal !== undefined ? { imitationAnneal: anneal } : {}),
          ...(advantage ? { advantage } : {}),
        },
        log,
        onEpisode: sessions.onEpisode,
        onProgress: (p) => {
          // About ten lines per training run: env steps, updates, recent return, discriminator accuracy.
          const tenth = Math.floor((10 * p.envSteps) / Math.max(1, steps));
          if (tenth === lastTenth) return;
          lastTenth = tenth;
          log(`  IL-Rec ${p.envSteps}/${steps} steps, ${p.updates} updates, recent return ${p.meanReturn.toFixed(2)}, D accuracy ${p.discriminatorAccuracy.toFixed(2)}, demos accepted ${(100 * p.acceptedShare).toFixed(0)}% (mean w ${p.meanWeight.toFixed(2)}), imitation scale ${p.imitationScale.toFixed(2)}`);
        },
      });
      mkdirSync(dir, { recursive: true });
      // The sessions go with their rows by position, taken before a row is renamed below.
      const perRow = sessions.byRow(r.rows);
      // A teacher row names what ran: the share of the LLM teacher's answers that came from its fallbacks.
      if (model) r.rows.forEach((row, i) => row.method.startsWith("teacher (") && (r.rows[i] = { ...row, method: `${row.method.slice(0, -1)}, ${teacherFallback(stats)})` }));
      runs.push({ seed: s, result: r, sessions: perRow });
      // After every seed the directory reports what is finished: the seed's own records, then all seeds so far.
      const info: IlrecRunInfo = { env, teacher, llm: redactText(spec), protocol, ...(model ? { llmAnswers: answerRecord(stats, redactText(spec)) } : {}) };
      if (dir !== out) writeIlrecRecords(dir, [runs.at(-1)!], info);
      writeIlrecRecords(out, runs, info);
      results.push({ seed: s, rows: r.rows, latencyRatio: r.latencyRatio, demonstrations: r.demonstrations, trainWorld: r.trainWorld });
    }
    stopWatching();
    const reportPath = join(out, "report.html");
    writeFileAtomic(reportPath, buildReport(readRunDir(out)).html);
    const table = aggregate(runs.map((r) => r.result.rows));
    const ratios = results.map((r) => r.latencyRatio);
    const ratio = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    if (values.json) {
      io.stdout(JSON.stringify({ env, teacher, llm: spec, out, report: reportPath, seeds, table, perSeed: results, latencyRatio: ratio, llmStats: stats.snapshot(), ...(model ? { llmAnswers: answerRecord(stats, spec) } : {}) }) + "\n");
      if (model) checkFallbackRate(stats, llmRun);
      return 0;
    }
    io.stdout(`\nIL-Rec on ${env} (ground truth, ${userSplit(setup).label}, ${episodes} sessions per method${seeds.length > 1 ? `, mean (std) over ${seeds.length} seeds` : `, seed ${seed}`}; learned policies served ${serve.join(" and ")}):\n`);
    io.stdout(formatTable(table, seeds.length));
    io.stdout(`teacher / policy latency per recommendation: ${ratio.toFixed(1)}x\n`);
    if (model) io.stdout(answerLines(stats, spec).join("\n") + "\n");
    io.stdout(`run directory: ${out}\nreport: ${reportPath}\n`);
    if (model) checkFallbackRate(stats, llmRun);
    return 0;
  }
}

/** "23% fallback": fallback answers over every answer of the LLM teacher's components so far. */
function teacherFallback(stats: LlmStats): string {
  const all = Object.values(stats.answersByComponent);
  const answers = all.reduce((n, c) => n + c.answers, 0);
  const fallbacks = all.reduce((n, c) => n + c.fallback, 0);
  return `${Math.round((100 * fallbacks) / Math.max(1, answers))}% fallback`;
}
