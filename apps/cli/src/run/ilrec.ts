/**
 * `farsight run ilrec`: IL-Rec end to end on a preset (demonstrate -> learn reward -> train policy -> serve)
 * and the comparison table on the ground truth (held-out or same users, as the preset splits them). Dispatched from `commands/run.ts`.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadPreset, PRESETS } from "@farsight/env";
import { runIlrecPipeline, type ServeMode, type TeacherKind } from "@farsight/graph";
import { redactDeep, redactText } from "@farsight/core";
import { createChatModel, LlmStats } from "@farsight/llm";
import { initBackend, type IlrecAdvantage, type IlrecRewardMode } from "@farsight/rl-policy";
import { choiceFlag, intFlag, numberFlag, parseFlags, UsageError, type CliIO } from "../command.js";
import { buildReport } from "../report/html.js";
import { userSplit } from "../report/protocol.js";
import { readRunDir } from "../report/read-run-dir.js";
import { answerLines, answerRecord, checkFallbackRate, LLM_RUN_FLAGS, LLM_RUN_USAGE, llmRunOptions, modelOptions, preflight, watchSlowCalls } from "../llm-run.js";
import { aggregate, writeIlrecRecords, type IlrecRunInfo, type IlrecSeedRun } from "./ilrec-record.js";
import { RunDirectory, writeFileAtomic } from "./run-directory.js";

export const ILREC_USAGE = [
  "Usage: farsight run ilrec --env <preset> --teacher llm|heuristic [--llm <spec>] --demos N --steps N --seed S --out DIR",
  "                          [--seeds K] [--episodes E] [--teacher-episodes E] [--reward env|airl|env+airl] [--imitation L]",
  "                          [--anneal F] [--advantage critic|teacher] [--serve greedy|sampled|both]",
  "                          [--batch B] [--bc-steps N] [--quit-reward R] [--teacher-output text|structured] [--teacher-max-steps N]",
  "                          [--data-dir DIR] [--timeout MS] [--retries N] [--max-fallback-rate R] [--json]",
  "",
  `  --env           ${PRESETS.join(", ")} (default synthetic)`,
  "  --teacher       llm: the BiLLP-style LLM agent (needs --llm); heuristic: saturation planner + catalogue-greedy",
  "                  actor + scorer critic on the training-time world model (default heuristic)",
  ...LLM_RUN_USAGE,
  "  --demos N       demonstration sessions (default 100)",
  "  --steps N       training budget of each learned policy, in environment transitions (default 20000)",
  "  --seed S        first seed (default 0); --seeds K runs seeds S..S+K-1 and prints the mean (std) over seeds",
  "  --out DIR       writes demonstrations.jsonl and policy/ (checkpoint) per seed; results.json, curves.jsonl,",
  "                  demo-weights.json and report.html (see apps/cli/src/report/RUN_DIR.md)",
  "  --episodes E    evaluation sessions per method (default 100); --teacher-episodes E for the teacher (default E)",
  "  --reward        what drives IL-Rec's RL term: env (default), airl (log(1-D) - log D), env+airl",
  "  --imitation L   lambda_imit at the start (default: the dataset's, see packages/rl-policy/src/ilrec/README.md)",
  "  --anneal F      the imitation step decays linearly to 0 over this share of the budget (default 1; 0: constant)",
  "  --advantage     gate of the demonstration weights: critic (default; 0 where the policy's critic says the",
  "                  demonstrated action does not beat the policy) or teacher (released code's Q_demo - V_demo)",
  "  --serve         how the learned policies serve in the table: greedy (top-K), sampled, or both (default)",
  "  --bc-steps N    gradient steps of the behaviour-cloning baseline (default: max(500, IL-Rec's imitation steps))",
  "  --quit-reward R reward the teacher's micro level learns from on a quit (BiLLP: -1000; default: the env's)",
  "  --teacher-output  llm teacher's actor and critic answer as BiLLP's text lines (default) or structured JSON,",
  "                  which llama-cpp: constrains with a grammar (a small local model rarely writes BiLLP's lines)",
  "  --teacher-max-steps N  end the teacher's sessions after N steps (default: the preset's; smoke tests)",
  "Table: Len, R_traj, R_each on the ground truth (quitting step counted), and the cost per",
  "recommendation (LLM calls, milliseconds at one session at a time) of the teacher and the IL-Rec policy.",
].join("\n");

const REWARDS = ["env", "airl", "env+airl"] as const;
const SERVE = ["greedy", "sampled", "both"] as const;

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
  const { values } = parseFlags("run ilrec", argv, {
    ...LLM_RUN_FLAGS, env: { type: "string" }, teacher: { type: "string" }, demos: { type: "string" }, steps: { type: "string" },
    "teacher-output": { type: "string" }, "teacher-max-steps": { type: "string" },
    seed: { type: "string" }, seeds: { type: "string" }, out: { type: "string" }, episodes: { type: "string" }, "teacher-episodes": { type: "string" },
    reward: { type: "string" }, imitation: { type: "string" }, anneal: { type: "string" }, advantage: { type: "string" }, serve: { type: "string" },
    batch: { type: "string" }, "quit-reward": { type: "string" }, "bc-steps": { type: "string" },
    "data-dir": { type: "string" }, json: { type: "boolean" }, help: { type: "boolean" },
  });
  if (values.help) {
    io.stdout(ILREC_USAGE + "\n");
    return 0;
  }
  const env = choiceFlag("env", values.env, PRESETS, "synthetic");
  const teacher = choiceFlag<TeacherKind>("teacher", values.teacher, ["llm", "heuristic"], "heuristic");
  const llmRun = llmRunOptions(values);
  const spec = llmRun.spec;
  if (teacher === "llm" && spec === "none") throw new UsageError("--teacher llm needs a model: pass --llm <spec> (e.g. ollama:llama3.1) or set FARSIGHT_LLM, or use --teacher heuristic");
  if (teacher !== "llm" && values.llm !== undefined) throw new UsageError(`--llm is only used by --teacher llm; --teacher ${teacher} would ignore "${redactText(values.llm)}". Drop --llm or pass --teacher llm`);
  const seed = intFlag("seed", values.seed, 0, 0);
  const seeds = Array.from({ length: intFlag("seeds", values.seeds, 1, 1) }, (_, k) => seed + k);
  const episodes = intFlag("episodes", values.episodes, 100, 1);
  const out = values.out ?? join("runs", `ilrec-${env}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  const quiet = values.json === true;
  const log = (line: string) => {
    if (!quiet) io.stdout(line + "\n");
  };

  // Every flag is parsed before the backend, the model and the data load: a typo fails in milliseconds.
  const demos = intFlag("demos", values.demos, 100, 1);
  const teacherEpisodes = values["teacher-episodes"] === undefined ? undefined : intFlag("teacher-episodes", values["teacher-episodes"], episodes, 1);
  const batchSize = values.batch === undefined ? undefined : intFlag("batch", values.batch, 16, 1);
  const bcSteps = values["bc-steps"] === undefined ? undefined : intFlag("bc-steps", values["bc-steps"], 500, 1);
  const quitReward = values["quit-reward"] === undefined ? undefined : numberFlag("quit-reward", values["quit-reward"], 0);
  const imitationCoef = values.imitation === undefined ? undefined : numberFlag("imitation", values.imitation, 0.5, { min: 0 });
  const steps = intFlag("steps", values.steps, 20_000, 1);
  const serveFlag = choiceFlag("serve", values.serve, SERVE, "both");
  const serve: ServeMode[] = serveFlag === "both" ? ["greedy", "sampled"] : [serveFlag];
  const rewardMode = choiceFlag<IlrecRewardMode>("reward", values.reward, REWARDS, "env");
  const advantage = values.advantage ? choiceFlag<IlrecAdvantage>("advantage", values.advantage, ["critic", "teacher"], "critic") : undefined;
  const anneal = values.anneal !== undefined ? numberFlag("anneal", values.anneal, 1, { min: 0 }) : undefined;
  const teacherOutput = values["teacher-output"] === undefined ? undefined : choiceFlag("teacher-output", values["teacher-output"], ["text", "structured"] as const, "text");
  const teacherMaxSteps = values["teacher-max-steps"] === undefined ? undefined : intFlag("teacher-max-steps", values["teacher-max-steps"], 30, 1);

  // One run per directory, checked and locked before anything is trained (`run ilrec` has no --resume).
  // The flags as given (minus where and how to print): enough to say how another run in --out differs.
  const { out: _out, json: _json, help: _help, llm: _llm, ...flags } = values;
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
    const setup = await loadPreset(env, values["data-dir"] ? { dataDir: values["data-dir"] } : {});
    const runs: IlrecSeedRun[] = [];
    const results = [];
    const protocol = `ground truth, ${userSplit(setup).label}, ${episodes} sessions per method, learned policies served ${serve.join(" and ")}`;
    for (const s of seeds) {
      log(`-- seed ${s}`);
      let lastTenth = -1;
      const dir = seeds.length > 1 ? join(out, `seed${s}`) : out;
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
        onProgress: (p) => {
          // About ten lines per training run: env steps, updates, recent return, discriminator accuracy.
          const tenth = Math.floor((10 * p.envSteps) / Math.max(1, steps));
          if (tenth === lastTenth) return;
          lastTenth = tenth;
          log(`  IL-Rec ${p.envSteps}/${steps} steps, ${p.updates} updates, recent return ${p.meanReturn.toFixed(2)}, D accuracy ${p.discriminatorAccuracy.toFixed(2)}, demos accepted ${(100 * p.acceptedShare).toFixed(0)}% (mean w ${p.meanWeight.toFixed(2)}), imitation scale ${p.imitationScale.toFixed(2)}`);
        },
      });
      mkdirSync(dir, { recursive: true });
      // A teacher row names what ran: the share of the LLM teacher's answers that came from its fallbacks.
      if (model) r.rows.forEach((row, i) => row.method.startsWith("teacher (") && (r.rows[i] = { ...row, method: `${row.method.slice(0, -1)}, ${teacherFallback(stats)})` }));
      runs.push({ seed: s, result: r });
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
