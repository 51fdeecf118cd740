/**
 * The `bench learn` experiment: learned methods and baselines x presets x seeds at fixed training budgets, one table
 * per preset with mean ± 95% CI over seeds, written as `results.json`, `curves.jsonl`, `config.json` and
 * `report.html` in one run directory.
 *
 * The protocol is the project's, reused rather than re-implemented: the training world and policy defaults
 * come from `@farsight/graph` (`defaultTrainWorld`, `trainSimulator`, `policyDefaults`, as `farsight run lerl`
 * trains flat PPO), training is `trainPolicy`, and evaluation is `@farsight/env`'s `evaluate` on the preset's
 * test simulator (ground truth, test users, the preset's quit rule), as `farsight eval`. The evaluation seed is
 * the training seed, as in `farsight train`, so each seed's ratio to random compares runs on the same users.
 */
import { FarsightError } from "@farsight/core";
import { evaluate, loadPreset, type Agent, type EnvSetup, type MetricSummary, type PresetName, type PresetOptions, type VecEnv, type VecStepResult } from "@farsight/env";
import { defaultTrainWorld, policyDefaults, trainSimulator, type TrainWorld } from "@farsight/graph";
import { contextFromEnv, createAlgorithm, initBackend, PolicyAgent, trainPolicy, type AlgorithmName } from "@farsight/rl-policy";
import { agentNames, resolveAgent } from "../experiment/agents.js";
import { userSplit as protocolUserSplit } from "../experiment/protocol.js";
import { SILENT, warnOf, type LabIO } from "../io.js";
import type { CurvePoint } from "../run-dir/run-dir.js";
import { RunDirWriter } from "../run-dir/run-dir.js";
import { ci95 } from "../stats/student-t.js";
import { writeLearnReport } from "./learn-report.js";

export const LEARNED: readonly AlgorithmName[] = ["ppo", "a2c", "dqn"];
/** What each baseline is, for the header and results.json (so a reader knows which rows are references). */
const BASELINE_NOTES: Record<string, string> = {
  random: "uniform over the items not yet shown in the session",
  popularity: "most-interacted items of the training log",
  "round-robin": "cycles categories; best unseen item of the category under the predicted model (MF unless --user-model)",
  greedy: "best unseen items under the predicted model (MF unless --user-model; myopic)",
  oracle: "best unseen items under the live ground truth: a reference that reads the test world, not a baseline",
};
const BASELINE_LABELS: Record<string, string> = { greedy: "greedy (MF)", oracle: "oracle (reads ground truth)" };
/** The budgets: synthetic 8000 and Coat 15000 transitions; other presets 8000 unless --steps says. */
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
  /** User-aware state of the learned policies (rl-policy `userState`): off (default), on, or both as two rows. */
  readonly userState?: UserStateMode;
}

// --- user-aware state (issue 27): which variants train, and the rows' extra columns ---
export type UserStateMode = "off" | "on" | "both";
export const USER_STATE_MODES: readonly UserStateMode[] = ["off", "on", "both"];
/** The variants a mode trains: `false` = session-only state, `true` = user-aware. */
function userStateVariants(mode: UserStateMode | undefined): boolean[] {
  return mode === "on" ? [true] : mode === "both" ? [false, true] : [false];
}
/** Row label suffix of a user-aware variant. */
const USER_SUFFIX = " +user";

/**
 * Wraps an agent to count distinct greedy item sequences over the finished sessions: one sequence for everyone is
 * the symptom of a state that does not know the user.
 */
class SequenceCounter implements Agent {
  readonly name: string;
  readonly sequences = new Set<string>();
  private open: number[][] = [];
  private last: Int32Array = new Int32Array(0);
  constructor(private readonly inner: Agent) {
    this.name = inner.name;
  }
  begin(env: VecEnv): void {
    this.inner.begin?.(env);
    this.open = Array.from({ length: env.batchSize }, () => []);
  }
  act(env: VecEnv, out: Int32Array): void {
    this.inner.act(env, out);
    if (this.open.length !== env.batchSize) this.open = Array.from({ length: env.batchSize }, () => []);
    for (let b = 0; b < env.batchSize; b++) if (env.active[b]) for (let k = 0; k < env.slateSize; k++) this.open[b]!.push(out[b * env.slateSize + k]!);
    this.last = out;
  }
  observe(env: VecEnv, result: VecStepResult): void {
    this.inner.observe?.(env, result);
    for (let b = 0; b < env.batchSize; b++) {
      if (!result.done[b]) continue;
      this.sequences.add(this.open[b]!.join(","));
      this.open[b] = [];
    }
  }
}
// --- end user-aware state block ---


/** One seed's evaluation of one row. */
export interface SeedResult {
  readonly seed: number;
  readonly len: number;
  readonly r_traj: number;
  readonly r_each: number;
  /** R_traj over random's R_traj on the same preset and seed. */
  readonly r_traj_vs_random: number;
  /** Every metric of the evaluation (CTR, coverage, diversity...), means over this seed's sessions. */
  readonly metrics: MetricSummary;
  /** Share of the catalogue shown at least once over the seed's sessions. */
  readonly item_coverage: number;
  /** Distinct item sequences over the seed's sessions (learned policies; NaN for baselines). */
  readonly distinct_sequences: number;
}

/** One row of a preset's table: means and 95% CI half-widths over seeds, and the per-seed values. */
// A type alias, not an interface: rows must be assignable to the run-dir `ResultsTable` rows (an index signature).
export type LearnRow = {
  /** "<preset>: <label>", unique over the whole run (the `farsight report` comparison table keys on it). */
  readonly agent: string;
  readonly preset: string;
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
  protocol: "@farsight/env evaluate: the preset's test simulator (ground truth, test users, the preset's quit rule), FB mode, evaluation seed = training seed",
  greedy: "the policy's highest-scoring slate (PolicyAgent deterministic)",
  sampled: "slates sampled from the policy (PolicyAgent deterministic: false): PPO and A2C draw from their slate distribution, DQN acts epsilon-greedy at its final exploration rate",
  noRepeat: "No agent shows an item twice in a session: learned policies mask shown items (PolicyAgent's default, as in training); baselines never repeat either (the registered random agent runs with `noRepeat`)",
  len: "Len and R_traj count the quitting step (as EasyRL4Rec)",
  interval: "mean ± 95% CI over seeds: Student t with n - 1 degrees of freedom on the per-seed means",
};

/** "42s", "3m05s", "1h02m". */
export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "?";
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

type Pending = { preset: string; method: string; label: string; evaluation: LearnRow["evaluation"]; seed: number; metrics: MetricSummary; distinct?: number };

interface LearnedRun {
  readonly setup: EnvSetup;
  readonly world: TrainWorld;
  readonly method: AlgorithmName;
  readonly seed: number;
  readonly steps: number;
  readonly episodes: number;
  readonly batch: number;
  readonly userState: boolean;
}

/**
 * One learned method on one seed: trains a fresh policy with the graph's training world and defaults (as flat
 * PPO in `farsight run lerl`), then evaluates it greedy and sampled. Learning-curve points and about four
 * progress lines per run go to the callbacks.
 */
async function trainAndEvaluate(
  r: LearnedRun,
  on: { curve: (point: CurvePoint) => void; progress: (envSteps: number, line: string) => void },
): Promise<Pending[]> {
  const { setup, method, seed, steps } = r;
  const name = `${method}${r.userState ? USER_SUFFIX : ""}`;
  const series = `${setup.name}/${name}`;
  const env = await trainSimulator(setup, r.world, r.batch, seed);
  const algorithm = createAlgorithm({ algorithm: method, context: contextFromEnv(env), policy: { ...policyDefaults(setup, seed), ...(r.userState ? { userState: {} } : {}) } });
  const quarter = Math.max(1, Math.floor(steps / 4));
  let nextSay = quarter;
  await trainPolicy(env, algorithm, {
    totalSteps: steps,
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
      on.progress(done, `[${setup.name}] ${name} seed ${seed}: step ${done}/${steps}  return ${Number.isFinite(p.meanReturn) ? p.meanReturn.toFixed(2) : "-"}  ${Math.round(p.stepsPerSecond)} steps/s`);
    },
  });
  const out: Pending[] = [];
  for (const deterministic of [true, false]) {
    const evaluation = deterministic ? "greedy" : "sampled";
    const label = `${name} (${evaluation})`;
    const counter = new SequenceCounter(new PolicyAgent({ policy: algorithm.policy, deterministic, name: label }));
    const result = await evaluate(setup, () => counter, { episodes: r.episodes, seeds: [seed] });
    out.push({ preset: setup.name, method: name, label, evaluation, seed, metrics: result.perSeed[0]!, distinct: counter.sequences.size });
  }
  algorithm.dispose();
  algorithm.policy.dispose();
  return out;
}

/** Methods: the learned algorithms and the registered env agents (except `policy:DIR`). */
export function knownMethods(): string[] {
  return [...LEARNED, ...agentNames().map(([n]) => n).filter((n) => n !== "policy")];
}

/**
 * Runs the whole grid; writes the run directory as it goes (curves) and at the end (results.json, results.md,
 * report.html). Progress lines go to `io.write`, a skipped preset (dataset missing) to `io.warn`.
 */
export async function runLearnBench(o: LearnOptions, io: LabIO = SILENT): Promise<LearnResults & { out: string }> {
  const t0 = performance.now();
  const say = (line: string) => io.write(line + "\n");
  const run = new RunDirWriter(o.out);
  const learned = o.methods.filter((m) => (LEARNED as readonly string[]).includes(m)) as AlgorithmName[];
  const baselines = o.methods.filter((m) => !(LEARNED as readonly string[]).includes(m));
  // Training steps of the whole grid, for the ETA (presets found missing are taken out when they are).
  const variants = userStateVariants(o.userState);
  let totalTrain = o.presets.reduce((a, p) => a + o.steps[p]! * learned.length * variants.length * o.seeds.length, 0);
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
      totalTrain -= o.steps[name]! * learned.length * variants.length * o.seeds.length;
      warnOf(io)(`bench learn: skipping preset ${name}: ${err.message}\n`);
      continue;
    }
    const world = defaultTrainWorld(setup);
    // The predicted world trains first, as in `farsight train`: its trainer picks a backend only when
    // none is active, and the policies must then get the fastest one.
    if (world === "predicted" || baselines.some((m) => m === "greedy" || m === "round-robin")) await setup.predicted();
    backend = (await initBackend()).backend;
    const steps = o.steps[name]!;
    const info: PresetInfo = { name, steps, trainWorld: world, users: userSplit(setup), describe: setup.describe };
    presets.push(info);
    say(`[${name}] ${learned.length} learned method(s) x ${o.seeds.length} seed(s) x ${steps} steps; eval ${o.episodes} sessions per seed, test users: ${info.users.evalUsers}; backend ${backend}`);

    for (const method of learned) for (const userState of variants) {
      const rowName = `${method}${userState ? USER_SUFFIX : ""}`;
      for (const seed of o.seeds) {
        const before = doneTrain;
        const rows = await trainAndEvaluate({ setup, world, method, seed, steps, episodes: o.episodes, batch: o.batch, userState }, {
          curve: (c) => curves.push(c),
          progress: (envSteps, line) => {
            doneTrain = before + envSteps;
            const elapsed = performance.now() - t0;
            say(`${line}  elapsed ${fmtDuration(elapsed)}  ETA ${fmtDuration((elapsed / doneTrain) * (totalTrain - doneTrain))}`);
          },
        });
        doneTrain = before + steps;
        run.curve(...curves.filter((c) => c.series === `${name}/${rowName}` && c.seed === seed));
        pending.push(...rows);
        const [g, s] = rows.map((x) => x.metrics);
        say(`[${name}] ${rowName} seed ${seed}: greedy Len ${g!.len.toFixed(2)} R_traj ${g!.r_traj.toFixed(2)} | sampled Len ${s!.len.toFixed(2)} R_traj ${s!.r_traj.toFixed(2)}`);
      }
    }
    for (const method of baselines) {
      const label = BASELINE_LABELS[method] ?? method;
      for (const seed of o.seeds) {
        const r = await evaluate(setup, (s) => resolveAgent(method, setup, s), { episodes: o.episodes, seeds: [seed] });
        pending.push({ preset: name, method, label, evaluation: "baseline", seed, metrics: r.perSeed[0]! });
      }
      const mine = pending.filter((x) => x.preset === name && x.method === method);
      say(`[${name}] ${label}: R_traj ${mine.map((x) => x.metrics.r_traj.toFixed(2)).join(", ")} (seeds ${o.seeds.join(",")})`);
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
  run.writeConfig({ ...results.bench, steps: "environment transitions (slot-steps) per method and seed" });
  run.writeResults(results);
  writeLearnReport(o.out, results, curves);
  return { ...results, out: o.out };
}

/** Per (preset, row label): mean and CI over seeds of each metric, the ratio to random on the same seed. */
export function aggregateRows(pending: readonly Pending[]): LearnRow[] {
  const randomOf = new Map(pending.filter((p) => p.method === "random").map((p) => [`${p.preset}|${p.seed}`, p.metrics.r_traj]));
  const groups = new Map<string, Pending[]>();
  for (const p of pending) groups.set(`${p.preset}|${p.label}`, [...(groups.get(`${p.preset}|${p.label}`) ?? []), p]);
  return [...groups.values()].map((g) => {
    const first = g[0]!;
    const perSeed: SeedResult[] = g.map((p) => ({
      seed: p.seed,
      len: p.metrics.len,
      r_traj: p.metrics.r_traj,
      r_each: p.metrics.r_each,
      r_traj_vs_random: p.metrics.r_traj / (randomOf.get(`${p.preset}|${p.seed}`) ?? NaN),
      metrics: p.metrics,
      item_coverage: p.metrics.item_coverage,
      distinct_sequences: p.distinct ?? NaN,
    }));
    const ci = (k: "len" | "r_traj" | "r_each" | "r_traj_vs_random" | "item_coverage" | "distinct_sequences") => ci95(perSeed.map((s) => s[k]));
    const cov = ci("item_coverage"), distinct = ci("distinct_sequences");
    const len = ci("len"), rt = ci("r_traj"), re = ci("r_each"), ratio = ci("r_traj_vs_random");
    return {
      agent: `${first.preset}: ${first.label}`,
      preset: first.preset,
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
