/**
 * The `bench learn` experiment: learned methods and baselines x presets x seeds at fixed training budgets, one table
 * per preset with mean ± 95% CI over seeds, written as `results.json`, `curves.jsonl`, `config.json` and
 * `report.html` in one run directory.
 *
 * The protocol is the project's, reused rather than re-implemented: the training world and policy defaults
 * come from `@farsight/graph` (`defaultTrainWorld`, `policyDefaults`, as `farsight run lerl` trains flat PPO; the
 * training simulator runs in the row's mode), training is `trainPolicy` (offline methods: `trainFromLog`, the log
 * alone), and evaluation is `@farsight/env`'s `evaluate` on the preset's test simulator (ground truth, test users,
 * the preset's quit rule) in the row's mode (FB, NX_0, NX_10), as `farsight eval --mode`. The evaluation seed is
 * the training seed, as in `farsight train`, so each seed's ratio to random compares runs on the same users.
 */
import { FarsightError } from "@farsight/core";
import { evaluate, loadPreset, makeSimulator, type EnvSetup, type EvalMode, type MetricSummary, type PresetName, type PresetOptions } from "@farsight/env";
import { defaultTrainWorld, type TrainWorld } from "@farsight/graph";
import { initBackend, type AlgorithmName, contextFromEnv, createAlgorithm, OFFLINE_ALGORITHMS, PolicyAgent, trainPolicy, type OfflineKind, type Policy } from "@farsight/rl-policy/tf";
import { agentNames, masksRepeats, resolveAgent } from "../experiment/agents.js";
import { trainFromLog } from "../experiment/train-from-log.js";
import { userSplit as protocolUserSplit } from "../experiment/protocol.js";
import { SequenceCounter } from "./sequence-counter.js";
import { SILENT, warnOf, type LabIO } from "../io.js";
import type { CurvePoint } from "../run-dir/run-dir.js";
import { RunDirWriter } from "../run-dir/run-dir.js";
import { ci95 } from "../stats/student-t.js";
import { writeLearnReport } from "./learn-report.js";
import { DEFAULT_LEARN_MODES } from "./modes.js";
import { learnerPolicyOptions, USER_SUFFIX, userStateVariants, type LearnerSettings, type UserStateMode } from "./learner-settings.js";
export { learnerPolicyOptions, USER_STATE_MODES, type LearnerSettings, type UserStateMode } from "./learner-settings.js";

/** Learned online, in the preset's training world. */
export const LEARNED: readonly AlgorithmName[] = ["ppo", "a2c", "dqn", "reinforce"];
/** Learned offline, from the preset's training log alone (no environment interaction): `trainFromLog`. */
export const OFFLINE: readonly OfflineKind[] = OFFLINE_ALGORITHMS;
export { DEFAULT_LEARN_MODES, MODE_NOTES } from "./modes.js";
/** What each baseline is, for the header and results.json (so a reader knows which rows are references). */
const BASELINE_NOTES: Record<string, string> = {
  random: "uniform over the catalogue; in FB it may repeat (EasyRL4Rec's FB random), else over the items not yet shown",
  logging: "the logging policy replayed: each user's logged items (training log and withheld rows) at random, then the log's item marginal; never repeats",
  popularity: "most-interacted items of the training log",
  "round-robin": "cycles categories; best unseen item of the category under the predicted model (MF unless --user-model)",
  greedy: "best unseen items under the predicted model (MF unless --user-model; myopic)",
  oracle: "best unseen items under the live ground truth: a reference that reads the test world, not a baseline",
};
const BASELINE_LABELS: Record<string, string> = { greedy: "greedy (MF)", oracle: "oracle (reads ground truth)" };
/** The issue's budgets: synthetic 8000 and Coat 15000 transitions; other presets 8000 unless --steps says. */
export const DEFAULT_LEARN_STEPS: Readonly<Record<string, number>> = { synthetic: 8000, coat: 15000 };
export const FALLBACK_LEARN_STEPS = 8000;

export interface LearnOptions {
  readonly methods: readonly string[];
  readonly presets: readonly PresetName[];
  readonly seeds: readonly number[];
  /** Training transitions per method and seed, per preset. */
  readonly steps: Readonly<Record<string, number>>;
  readonly episodes: number;
  readonly batch: number;
  readonly out: string;
  readonly dataDir?: string;
  /** Share of users held out for evaluation, overriding every preset's own split (20% by default). */
  readonly testFraction?: number;
  /** Preset options for every preset (the CLI's `--quit-window`, `--quit-threshold`, `--same-users`...). */
  readonly preset?: Omit<PresetOptions, "dataDir" | "testFraction">;
  /** The command line as typed, for the headers. */
  readonly command: string;
  /** Evaluation modes; each trains and evaluates in its own mode (default {@link DEFAULT_LEARN_MODES}). */
  readonly modes?: readonly EvalMode[];
  /** How the learners are built, beyond each algorithm's defaults. */
  readonly learner?: LearnerSettings;
  /** User-aware state of the learned policies (rl-policy `userState`): off (default), on, or both as two rows. */
  readonly userState?: UserStateMode;
  /** Offline methods: a progress line per epoch with every training diagnostic (default: the first and last epoch's). */
  readonly verbose?: boolean;
}

/** One seed's evaluation of one row. */
export interface SeedResult {
  readonly seed: number;
  readonly len: number;
  readonly r_traj: number;
  readonly r_each: number;
  /** R_traj over random's R_traj on the same preset, mode and seed. */
  readonly r_traj_vs_random: number;
  /** Share of the catalogue shown at least once over the seed's sessions. */
  readonly item_coverage: number;
  /** Distinct item sequences over the seed's sessions (learned policies; NaN for baselines). */
  readonly distinct_sequences: number;
  /** Every metric of the evaluation (CTR, coverage, diversity...), means over this seed's sessions. */
  readonly metrics: MetricSummary;
}

/** One row of a preset's table: means and 95% CI half-widths over seeds, and the per-seed values. */
// A type alias, not an interface: rows must be assignable to the run-dir `ResultsTable` rows (an index signature).
export type LearnRow = {
  /** "<preset>: <label>", unique over the whole run (the `farsight report` comparison table keys on it). */
  readonly agent: string;
  readonly preset: string;
  /** The evaluation mode (FB, NX_0, NX_10), trained and evaluated in. */
  readonly mode: EvalMode;
  readonly method: string;
  /** "ppo (greedy)", "ppo (sampled)", "popularity"... */
  readonly label: string;
  readonly evaluation: "greedy" | "sampled" | "baseline";
  readonly len: number;
  readonly len_ci95: number;
  readonly r_traj: number;
  readonly r_traj_ci95: number;
  readonly r_each: number;
  readonly r_each_ci95: number;
  readonly r_traj_vs_random: number;
  readonly r_traj_vs_random_ci95: number;
  readonly r_traj_vs_random_min: number;
  /** Share of the catalogue shown over a seed's sessions (all users), mean over seeds. */
  readonly item_coverage: number;
  readonly item_coverage_ci95: number;
  readonly distinct_sequences: number;
  readonly distinct_sequences_ci95: number;
  readonly perSeed: readonly SeedResult[];
};

/** Who the test sessions belong to, from the preset's actual user split (not from what a preset claims). */
export interface UserSplit {
  readonly trainUsers: number;
  readonly testUsers: number;
  /** Test users that are also training users. */
  readonly overlap: number;
  readonly evalUsers: "held-out" | "same users as training" | "partly overlapping";
}

/** The report's {@link protocolUserSplit}, in the bench's words (test users all among the training users = same). */
export function userSplit(setup: Pick<EnvSetup, "trainUsers" | "testUsers">): UserSplit {
  const { trainUsers, testUsers, shared: overlap } = protocolUserSplit(setup);
  const evalUsers = overlap === 0 ? "held-out" : overlap === testUsers ? "same users as training" : "partly overlapping";
  return { trainUsers, testUsers, overlap, evalUsers };
}

export interface PresetInfo {
  readonly name: string;
  readonly steps: number;
  readonly trainWorld: TrainWorld;
  readonly users: UserSplit;
  readonly describe: Record<string, unknown>;
}

export interface LearnResults {
  readonly columns: readonly { key: string; label: string; better?: "higher" | "lower" }[];
  readonly rows: readonly LearnRow[];
  readonly note: string;
  readonly bench: {
    readonly command: string;
    readonly methods: readonly string[];
    readonly modes: readonly EvalMode[];
    readonly learner: LearnerSettings;
    /** Which state the learned policies read (see {@link UserStateMode}). */
    readonly userState: UserStateMode;
    readonly seeds: readonly number[];
    readonly episodes: number;
    readonly batch: number;
    /** --test-fraction when given; otherwise each preset's own split (see `presets[].users`). */
    readonly testFraction: number | "preset default";
    readonly presets: readonly PresetInfo[];
    readonly skipped: readonly { preset: string; reason: string }[];
    readonly baselines: Readonly<Record<string, string>>;
    readonly evaluation: Readonly<Record<string, string>>;
    readonly backend: string;
    readonly seconds: number;
  };
}

const COLUMNS = [
  { key: "len", label: "Len", better: "higher" as const },
  { key: "r_traj", label: "R_traj", better: "higher" as const },
  { key: "r_each", label: "R_each", better: "higher" as const },
  { key: "r_traj_vs_random", label: "R_traj / random", better: "higher" as const },
  { key: "r_traj_vs_random_min", label: "min over seeds", better: "higher" as const },
  { key: "item_coverage", label: "item coverage", better: "higher" as const },
  { key: "distinct_sequences", label: "distinct sequences", better: "higher" as const },
];

const EVALUATION = {
  protocol: "@farsight/env evaluate: the preset's test simulator (ground truth, test users, the preset's quit rule) in the row's mode, evaluation seed = training seed",
  greedy: "the policy's highest-scoring slate (PolicyAgent deterministic)",
  sampled: "slates sampled from the policy (PolicyAgent deterministic: false): PPO and A2C draw from their slate distribution, DQN acts epsilon-greedy at its final exploration rate",
  noRepeat: "In NX modes no agent shows an item twice in a session. In FB, random and the learned policies may repeat (trained without a repeat mask too, so they learn what a repeat costs); the ranking baselines and logging never repeat",
  offline: "bc, bcq, cql, crr: trained from the preset's training log alone (trainFromLog), no environment interaction; evaluated like the online policies",
  itemCoverage: "item coverage: share of the catalogue shown over a seed's evaluation sessions",
  len: "Len and R_traj count the quitting step (as EasyRL4Rec)",
  interval: "mean ± 95% CI over seeds: Student t with n - 1 degrees of freedom on the per-seed means",
};

/** "42s", "3m05s", "1h02m". */
export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "?";
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

type Pending = { preset: string; mode: EvalMode; method: string; label: string; evaluation: LearnRow["evaluation"]; seed: number; metrics: MetricSummary; distinct?: number };

interface LearnedRun {
  readonly setup: EnvSetup;
  readonly world: TrainWorld;
  readonly method: AlgorithmName | OfflineKind;
  readonly mode: EvalMode;
  readonly seed: number;
  readonly steps: number;
  readonly episodes: number;
  readonly batch: number;
  readonly learner: LearnerSettings;
  /** The policy reads the user's profile (rl-policy `userState`); its rows are named "<method> +user". */
  readonly userState?: boolean;
}

/** A learned run's row name: the method, with " +user" when the policy reads the user's profile. */
const rowName = (r: { method: string; userState?: boolean }) => `${r.method}${r.userState ? USER_SUFFIX : ""}`;

/** The policy evaluated greedy, then sampled, in the run's mode (repeats only in FB). */
async function evaluateBoth(r: LearnedRun, policy: Policy): Promise<Pending[]> {
  const out: Pending[] = [];
  for (const deterministic of [true, false]) {
    const evaluation = deterministic ? "greedy" : "sampled";
    const name = rowName(r);
    const label = `${name} (${evaluation})`;
    const counter = new SequenceCounter(new PolicyAgent({ policy, deterministic, name: label, noRepeat: masksRepeats(r.mode) }));
    const result = await evaluate(r.setup, () => counter, { episodes: r.episodes, seeds: [r.seed], mode: r.mode });
    out.push({ preset: r.setup.name, mode: r.mode, method: name, label, evaluation, seed: r.seed, metrics: result.perSeed[0]!, distinct: counter.sequences.size });
  }
  return out;
}

/** An epoch's diagnostics as `name value` pairs, in the learner's order (loss, gradNorm and skipped last). */
export function formatOfflineStats(stats: Readonly<Record<string, number>>): string {
  const last = ["loss", "gradNorm", "skipped"];
  const keys = [...Object.keys(stats).filter((k) => !last.includes(k)), ...last.filter((k) => k in stats)];
  return keys.map((k) => `${k} ${fmtStat(stats[k]!)}`).join("  ");
}

/** Four significant digits, without exponent noise for the usual ranges. */
function fmtStat(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(2) : v.toFixed(a >= 100 ? 1 : a >= 10 ? 2 : 3);
}

/**
 * An offline method on one seed: trained from the training log alone, then evaluated as the online ones. Every
 * epoch's mean diagnostics (losses, mean Q, CRR's weights...) go to the curves (step = gradient updates so far), and
 * to the progress lines: each epoch with `verbose`, else the first and the last, so a reader sees whether it converged.
 */
async function trainOfflineAndEvaluate(r: LearnedRun & { method: OfflineKind }, on: { curve: (point: CurvePoint) => void; say: (line: string) => void; verbose: boolean }): Promise<Pending[]> {
  const epochs = r.learner.offlineEpochs;
  const head = `[${r.setup.name} ${r.mode}] ${r.method} seed ${r.seed}`;
  const series = curveSeries(r.setup.name, r.mode, rowName(r));
  const { algorithm, transitions, sessions, quits, epochs: reports } = await trainFromLog(r.setup, {
    algorithm: r.method,
    seed: r.seed,
    policy: learnerPolicyOptions(r.setup, r.method, r.seed, r.learner, r.userState),
    ...(epochs !== undefined ? { epochs } : {}),
    ...(r.learner.offlineTerminals ? { terminals: r.learner.offlineTerminals } : {}),
    mode: r.mode,
    onEpoch: (e) => {
      for (const [metric, value] of Object.entries(e.stats)) if (Number.isFinite(value)) on.curve({ series, step: e.updates, metric, value, seed: r.seed });
      if (on.verbose) on.say(`${head}: epoch ${e.epoch}  ${e.updates} updates  ${formatOfflineStats(e.stats)}`);
    },
  });
  on.say(`${head}: ${algorithm.updates} updates on ${transitions} logged transitions in ${sessions} sessions${quits > 0 ? ` (${quits} ended by the quit rule)` : ""}`);
  if (!on.verbose && reports.length > 0) {
    on.say(`${head}: epoch 1  ${formatOfflineStats(reports[0]!.stats)}`);
    if (reports.length > 1) on.say(`${head}: epoch ${reports.length}  ${formatOfflineStats(reports.at(-1)!.stats)}`);
  }
  const out = await evaluateBoth(r, algorithm.policy);
  algorithm.dispose();
  algorithm.policy.dispose();
  return out;
}

/**
 * One learned method on one seed: trains a fresh policy with the graph's training world and defaults (as flat
 * PPO in `farsight run lerl`), then evaluates it greedy and sampled. Learning-curve points and about four
 * progress lines per run go to the callbacks.
 */
async function trainAndEvaluate(
  r: LearnedRun & { method: AlgorithmName },
  on: { curve: (point: CurvePoint) => void; progress: (envSteps: number, line: string) => void },
): Promise<Pending[]> {
  const { setup, method, seed, steps, mode } = r;
  const series = curveSeries(setup.name, mode, rowName(r));
  // The training simulator runs in the evaluated mode: in FB the policy meets the cost of a repeat while training.
  const env = await makeSimulator(setup, r.world === "predicted" ? "train" : "train-gt", { batchSize: r.batch, autoReset: true, seed, mode });
  const algorithm = createAlgorithm({ algorithm: method, context: contextFromEnv(env), policy: learnerPolicyOptions(setup, method, seed, r.learner, r.userState) });
  const quarter = Math.max(1, Math.floor(steps / 4));
  let nextSay = quarter;
  await trainPolicy(env, algorithm, {
    totalSteps: steps,
    noRepeat: masksRepeats(mode),
    // ~25 curve points per run: enough for the shape, small enough for a many-seed report.
    progressEvery: Math.max(env.batchSize, Math.floor(steps / 25)),
    onProgress: (p) => {
      const point = (metric: string, value: number) => {
        if (Number.isFinite(value)) on.curve({ series, step: p.envSteps, metric, value, seed });
      };
      point("return", p.meanReturn);
      point("len", p.meanLength);
      for (const [k, v] of Object.entries(p.stats)) point(k, v);
      if (p.envSteps < nextSay && p.envSteps < steps) return;
      while (nextSay <= p.envSteps) nextSay += quarter;
      const done = Math.min(p.envSteps, steps);
      on.progress(done, `[${setup.name} ${mode}] ${rowName(r)} seed ${seed}: step ${done}/${steps}  return ${Number.isFinite(p.meanReturn) ? p.meanReturn.toFixed(2) : "-"}  ${Math.round(p.stepsPerSecond)} steps/s`);
    },
  });
  const out = await evaluateBoth(r, algorithm.policy);
  algorithm.dispose();
  algorithm.policy.dispose();
  return out;
}

/** Curve series of one learned method: "<preset>/<mode>/<method>". */
function curveSeries(preset: string, mode: EvalMode, method: string): string {
  return `${preset}/${mode}/${method}`;
}

/** Methods: the learned algorithms (online, then offline) and the registered env agents (except saved policies). */
export function knownMethods(): string[] {
  return [...LEARNED, ...OFFLINE, ...agentNames().map(([n]) => n).filter((n) => n !== "policy" && n !== "policy-sampled")];
}

const isOnline = (m: string): m is AlgorithmName => (LEARNED as readonly string[]).includes(m);
const isOffline = (m: string): m is OfflineKind => (OFFLINE as readonly string[]).includes(m);

/**
 * Runs the whole grid; writes the run directory as it goes (curves) and at the end (results.json, results.md,
 * report.html). Progress lines go to `io.write`, a skipped preset (dataset missing) to `io.warn`.
 */
export async function runLearnBench(o: LearnOptions, io: LabIO = SILENT): Promise<LearnResults & { out: string }> {
  const t0 = performance.now();
  const say = (line: string) => io.write(line + "\n");
  const run = new RunDirWriter(o.out);
  const modes = o.modes ?? DEFAULT_LEARN_MODES;
  const learner = o.learner ?? {};
  const learned = o.methods.filter(isOnline);
  const offline = o.methods.filter(isOffline);
  const baselines = o.methods.filter((m) => !isOnline(m) && !isOffline(m));
  // Training steps of the whole grid, for the ETA (presets found missing are taken out when they are).
  const variants = userStateVariants(o.userState);
  const gridSteps = (preset: string) => o.steps[preset]! * learned.length * variants.length * o.seeds.length * modes.length;
  let totalTrain = o.presets.reduce((a, p) => a + gridSteps(p), 0);
  let doneTrain = 0;
  const pending: Pending[] = [];
  const curves: CurvePoint[] = [];
  const presets: PresetInfo[] = [];
  const skipped: { preset: string; reason: string }[] = [];
  let backend = "none";

  for (const name of o.presets) {
    let setup: EnvSetup;
    try {
      setup = await loadPreset(name, { ...o.preset, ...(o.dataDir ? { dataDir: o.dataDir } : {}), ...(o.testFraction !== undefined ? { testFraction: o.testFraction } : {}) });
    } catch (err) {
      if (!(err instanceof FarsightError && err.code === "env/missing-data")) throw err;
      skipped.push({ preset: name, reason: err.message });
      totalTrain -= gridSteps(name);
      warnOf(io)(`bench learn: skipping preset ${name}: ${err.message}\n`);
      continue;
    }
    const world = defaultTrainWorld(setup);
    // The predicted world trains first, as in `farsight train`: its trainer picks a backend only when
    // none is active, and the policies must then get the fastest one.
    if (world === "predicted" || offline.length > 0 || baselines.some((m) => m === "greedy" || m === "round-robin")) await setup.predicted();
    backend = (await initBackend()).backend;
    const steps = o.steps[name]!;
    const info: PresetInfo = { name, steps, trainWorld: world, users: userSplit(setup), describe: setup.describe };
    presets.push(info);

    for (const mode of modes) {
      say(`[${name} ${mode}] ${learned.length} online method(s) x ${o.seeds.length} seed(s) x ${steps} steps, ${offline.length} offline; eval ${o.episodes} sessions per seed, test users: ${info.users.evalUsers}; backend ${backend}`);
      const runOf = (method: AlgorithmName | OfflineKind, seed: number): LearnedRun => ({ setup, world, method, mode, seed, steps, episodes: o.episodes, batch: o.batch, learner });
      // Every per-seed value a table row needs, so a run stopped for time still leaves its finished seeds in the log.
      const part = (p: Pending) =>
        `Len ${p.metrics.len.toFixed(2)} R_traj ${p.metrics.r_traj.toFixed(2)} items ${(100 * p.metrics.item_coverage).toFixed(1)}% seq ${p.distinct ?? "-"}`;
      const said = (rows: Pending[], method: string, seed: number) => {
        const [g, s] = rows;
        say(`[${name} ${mode}] ${method} seed ${seed}: greedy ${part(g!)} | sampled ${part(s!)}`);
      };
      for (const method of learned) for (const userState of variants) {
        for (const seed of o.seeds) {
          const before = doneTrain;
          const rows = await trainAndEvaluate({ ...runOf(method, seed), method, userState }, {
            curve: (c) => curves.push(c),
            progress: (envSteps, line) => {
              doneTrain = before + envSteps;
              const elapsed = performance.now() - t0;
              say(`${line}  elapsed ${fmtDuration(elapsed)}  ETA ${fmtDuration((elapsed / doneTrain) * (totalTrain - doneTrain))}`);
            },
          });
          doneTrain = before + steps;
          const row = rowName({ method, userState });
          run.curve(...curves.filter((c) => c.series === curveSeries(name, mode, row) && c.seed === seed));
          pending.push(...rows);
          said(rows, row, seed);
        }
      }
      for (const method of offline) {
        for (const seed of o.seeds) {
          const rows = await trainOfflineAndEvaluate({ ...runOf(method, seed), method }, { curve: (c) => curves.push(c), say, verbose: o.verbose ?? false });
          run.curve(...curves.filter((c) => c.series === curveSeries(name, mode, method) && c.seed === seed));
          pending.push(...rows);
          said(rows, method, seed);
        }
      }
      for (const method of baselines) {
        const label = BASELINE_LABELS[method] ?? method;
        for (const seed of o.seeds) {
          const r = await evaluate(setup, (s) => resolveAgent(method, setup, s, mode), { episodes: o.episodes, seeds: [seed], mode });
          pending.push({ preset: name, mode, method, label, evaluation: "baseline", seed, metrics: r.perSeed[0]! });
        }
        const mine = pending.filter((x) => x.preset === name && x.mode === mode && x.method === method);
        say(`[${name} ${mode}] ${label}: R_traj ${mine.map((x) => x.metrics.r_traj.toFixed(2)).join(", ")} (seeds ${o.seeds.join(",")})`);
      }
    }
  }

  const rows = aggregateRows(pending);
  const results: LearnResults = {
    columns: COLUMNS,
    rows,
    note: `${EVALUATION.interval}; ${EVALUATION.len}; ${o.seeds.length} seed(s) x ${o.episodes} sessions`,
    bench: {
      command: o.command,
      methods: o.methods,
      modes,
      learner,
      userState: o.userState ?? "off",
      seeds: o.seeds,
      episodes: o.episodes,
      batch: o.batch,
      testFraction: o.testFraction ?? "preset default",
      presets,
      skipped,
      baselines: Object.fromEntries(baselines.map((m) => [m, BASELINE_NOTES[m] ?? "an agent of `farsight eval`"])),
      evaluation: EVALUATION,
      backend,
      seconds: (performance.now() - t0) / 1000,
    },
  };
  run.writeConfig({
    ...results.bench,
    steps: "environment transitions (slot-steps) per method and seed",
    ...(offline.length ? { offlineCurveSteps: "curves of the offline methods: step = gradient updates so far, one point per epoch (its mean)" } : {}),
  });
  run.writeResults(results);
  writeLearnReport(o.out, results, curves);
  return { ...results, out: o.out };
}

/** Per (preset, mode, row label): mean and CI over seeds of each metric, the ratio to random on the same seed and mode. */
export function aggregateRows(pending: readonly Pending[]): LearnRow[] {
  const randomOf = new Map(pending.filter((p) => p.method === "random").map((p) => [`${p.preset}|${p.mode}|${p.seed}`, p.metrics.r_traj]));
  const groups = new Map<string, Pending[]>();
  for (const p of pending) {
    const key = `${p.preset}|${p.mode}|${p.label}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.values()].map((g) => {
    const first = g[0]!;
    const perSeed: SeedResult[] = g.map((p) => ({
      seed: p.seed,
      len: p.metrics.len,
      r_traj: p.metrics.r_traj,
      r_each: p.metrics.r_each,
      r_traj_vs_random: p.metrics.r_traj / (randomOf.get(`${p.preset}|${p.mode}|${p.seed}`) ?? NaN),
      item_coverage: p.metrics.item_coverage,
      distinct_sequences: p.distinct ?? NaN,
      metrics: p.metrics,
    }));
    const ci = (k: "len" | "r_traj" | "r_each" | "r_traj_vs_random" | "item_coverage" | "distinct_sequences") => ci95(perSeed.map((s) => s[k]));
    const len = ci("len"), rt = ci("r_traj"), re = ci("r_each"), ratio = ci("r_traj_vs_random"), cov = ci("item_coverage"), distinct = ci("distinct_sequences");
    return {
      agent: `${first.preset} ${first.mode}: ${first.label}`,
      preset: first.preset,
      mode: first.mode,
      method: first.method,
      label: first.label,
      evaluation: first.evaluation,
      len: len.mean,
      len_ci95: len.halfWidth,
      r_traj: rt.mean,
      r_traj_ci95: rt.halfWidth,
      r_each: re.mean,
      r_each_ci95: re.halfWidth,
      r_traj_vs_random: ratio.mean,
      r_traj_vs_random_ci95: ratio.halfWidth,
      r_traj_vs_random_min: ratio.min,
      item_coverage: cov.mean,
      item_coverage_ci95: cov.halfWidth,
      distinct_sequences: distinct.mean,
      distinct_sequences_ci95: distinct.halfWidth,
      perSeed,
    };
  });
}
