/**
 * The IL-Rec experiment on a preset (demonstrate -> learn reward -> train policy -> serve) per seed, and the
 * comparison table on the ground truth (held-out or same users, as the preset splits them). `farsight run ilrec`
 * and scripts call {@link runIlrecExperiment}; the run directory's records are written after every seed.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadPreset, type PresetOptions } from "@farsight/env";
import { runIlrecPipeline, type IlrecPipelineOptions, type ServeMode, type TeacherKind } from "@farsight/graph";
import { FarsightError, redactDeep, redactText, registerSecrets } from "@farsight/core";
import { createChatModel, LlmStats } from "@farsight/llm";
import { initBackend, type IlrecAdvantage, type IlrecRewardMode } from "@farsight/rl-policy/tf";
import { SILENT, type LabIO } from "../io.js";
import { buildReport } from "../report/html.js";
import { readRunDir } from "../run-dir/read-run-dir.js";
import { RunDirectory, writeFileAtomic } from "../run-dir/run-directory.js";
import { llmRecordSink } from "../run-dir/llm-records.js";
import { faultPoint } from "./fault.js";
import { aggregate, sessionCollector, writeIlrecRecords, type IlrecRunInfo, type IlrecSeedRun } from "./ilrec-record.js";
import { answerRecord, modelOptions, preflight, watchSlowCalls, type LlmRunOptions } from "./llm-run.js";
import { userSplit } from "./protocol.js";

/** Everything one IL-Rec experiment needs (the flags of `farsight run ilrec`). */
export interface IlrecExperiment {
  /** The environment preset, e.g. "synthetic", "coat". */
  readonly env: string;
  /**
   * Who demonstrates: "heuristic" (saturation planner + greedy actor + scorer critic), "llm" (needs `llm`) or
   * "noisy-oracle" (the heuristic teacher planning with the quit-aware oracle's plan with probability `teacherQ`).
   */
  readonly teacher: TeacherKind;
  /** The noisy-oracle teacher's quality q in [0, 1] (required for it, refused for the others). */
  readonly teacherQ?: number;
  /** The LLM teacher's model spec ("none" by default) and how it is called. */
  readonly llm?: LlmRunOptions;
  /** Demonstration sessions per seed. */
  readonly demos: number;
  /** Training budget of each learned policy, in environment transitions. */
  readonly steps: number;
  readonly seeds: readonly number[];
  /** The run directory; with several seeds each seed also writes `seed<S>/`. */
  readonly out: string;
  /** Evaluation sessions per method. */
  readonly episodes: number;
  /** Evaluation sessions of the teacher (default `episodes`). */
  readonly teacherEpisodes?: number;
  /** How the learned policies serve in the table (default both greedy and sampled). */
  readonly serve?: readonly ServeMode[];
  /** What drives IL-Rec's RL term (default "env"). */
  readonly reward?: IlrecRewardMode;
  /** lambda_imit at the start (default: the dataset's). */
  readonly imitation?: number;
  /** The imitation step decays linearly to 0 over this share of the budget (0: constant). */
  readonly anneal?: number;
  /** Gate of the demonstration weights. */
  readonly advantage?: IlrecAdvantage;
  readonly batch?: number;
  /** Gradient steps of the behaviour-cloning baseline. */
  readonly bcSteps?: number;
  /** Reward the teacher's micro level learns from on a quit. */
  readonly quitReward?: number;
  readonly teacherOutput?: IlrecPipelineOptions["teacherOutput"];
  readonly teacherMaxSteps?: number;
  /** Record every answer of the LLM teacher into `out`/llm-records.jsonl (`--record`). Default false. */
  readonly record?: boolean;
  readonly dataDir?: string;
  readonly preset?: Omit<PresetOptions, "dataDir">;
  /** What config.json records as the run's settings (the CLI: the flags as given); a second run in `out` is refused when it differs. Default: these options. */
  readonly configFlags?: Record<string, unknown>;
}

/** What {@link runIlrecExperiment} returns. */
export interface IlrecResult {
  readonly out: string;
  /** `out`/report.html. */
  readonly report: string;
  /** Rows of the table: mean and population std over seeds of each metric (rows in the pipeline's order). */
  readonly table: ReturnType<typeof aggregate>;
  /** Each seed's rows and details. */
  readonly perSeed: { seed: number; rows: IlrecSeedRun["result"]["rows"]; latencyRatio: number; demonstrations: IlrecSeedRun["result"]["demonstrations"]; trainWorld: IlrecSeedRun["result"]["trainWorld"] }[];
  /** Teacher / policy latency per recommendation, mean over seeds. */
  readonly latencyRatio: number;
  /** The user split in words ("held-out users"). */
  readonly users: string;
  readonly stats: LlmStats;
  readonly llmAnswers?: ReturnType<typeof answerRecord>;
}

/**
 * Runs IL-Rec and its baselines per seed and writes the run directory (one run per directory, locked; no resume).
 * Progress lines go to `io`. Throws `lab/bad-option` for an LLM teacher without a model.
 */
export async function runIlrecExperiment(x: IlrecExperiment, io: LabIO = SILENT): Promise<IlrecResult> {
  const llmRun: LlmRunOptions = x.llm ?? { spec: "none", maxFallbackRate: 0.2 };
  const spec = llmRun.spec;
  // Before anything is written: the spec's password and keys are removed wherever they appear.
  registerSecrets([spec]);
  const { env, teacher, seeds, episodes, out, demos, steps } = x;
  if (teacher === "noisy-oracle" && !(typeof x.teacherQ === "number" && x.teacherQ >= 0 && x.teacherQ <= 1)) throw new FarsightError("lab/bad-option", `the noisy-oracle teacher needs its quality teacherQ (--teacher-q) in [0, 1], got ${String(x.teacherQ)}`, { teacherQ: x.teacherQ });
  if (teacher !== "noisy-oracle" && x.teacherQ !== undefined) throw new FarsightError("lab/bad-option", `teacherQ (--teacher-q) is the noisy-oracle teacher's quality; the ${teacher} teacher has none`, { teacher, teacherQ: x.teacherQ });
  if (teacher === "llm" && spec === "none") throw new FarsightError("lab/bad-option", "--teacher llm needs a model: pass --llm <spec> (e.g. ollama:llama3.1) or set FARSIGHT_LLM, or use --teacher heuristic", { teacher });
  const log = (line: string) => io.write(line + "\n");
  const serve = x.serve ?? ["greedy", "sampled"];
  const { out: _out, llm: _llm, record: _record, configFlags, ...settings } = x;
  // One run per directory, checked and locked before anything is trained.
  const config = redactDeep({ command: "run ilrec", flags: { ...(configFlags ?? settings), llm: spec } });
  const runDir = RunDirectory.open(out, { command: "run ilrec", config, resumable: false });
  try {
    runDir.writeConfig();
    return await trainAndCompare();
  } finally {
    runDir.release();
  }

  async function trainAndCompare(): Promise<IlrecResult> {
    const backend = await initBackend();
    log(backend.summary);
    const stats = new LlmStats();
    const model = teacher === "llm" ? await createChatModel(spec, modelOptions(llmRun, stats)) : null;
    if (model) await preflight(model, llmRun, io);
    if (model && x.record) stats.recordAnswersTo(llmRecordSink(out));
    const stopWatching = model ? watchSlowCalls(stats, spec, io) : () => {};
    const setup = await loadPreset(env, { ...x.preset, ...(x.dataDir ? { dataDir: x.dataDir } : {}) });
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
        ...(x.teacherEpisodes !== undefined ? { teacherEpisodes: x.teacherEpisodes } : {}),
        ...(x.batch !== undefined ? { batchSize: x.batch } : {}),
        ...(x.bcSteps !== undefined ? { bcSteps: x.bcSteps } : {}),
        ...(x.quitReward !== undefined ? { quitReward: x.quitReward } : {}),
        ...(x.teacherOutput !== undefined ? { teacherOutput: x.teacherOutput } : {}),
        ...(x.teacherMaxSteps !== undefined ? { teacherMaxSteps: x.teacherMaxSteps } : {}),
        ...(x.teacherQ !== undefined ? { teacherQ: x.teacherQ } : {}),
        serve,
        ilrec: {
          rewardMode: x.reward ?? "env",
          ...(x.imitation !== undefined ? { imitationCoef: x.imitation } : {}),
          ...(x.anneal !== undefined ? { imitationAnneal: x.anneal } : {}),
          ...(x.advantage ? { advantage: x.advantage } : {}),
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
    const latencyRatio = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    return { out, report: reportPath, table, perSeed: results, latencyRatio, users: userSplit(setup).label, stats, ...(model ? { llmAnswers: answerRecord(stats, spec) } : {}) };
  }
}

/** "23% fallback": fallback answers over every answer of the LLM teacher's components so far. */
function teacherFallback(stats: LlmStats): string {
  const all = Object.values(stats.answersByComponent);
  const answers = all.reduce((n, c) => n + c.answers, 0);
  const fallbacks = all.reduce((n, c) => n + c.fallback, 0);
  return `${Math.round((100 * fallbacks) / Math.max(1, answers))}% fallback`;
}
