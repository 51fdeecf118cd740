import { evaluate, loadPreset, makeSimulator, PRESETS, type EnvSetup, type EvalMode } from "@farsight/env";
import {
  initBackend,
  type AlgorithmName,
  type EncoderKind,
  type PolicyOptionsInit,
  contextFromEnv,
  createAlgorithm,
  DEFAULT_A2C_OPTIONS,
  DEFAULT_PPO_OPTIONS,
  DEFAULT_REINFORCE_OPTIONS,
  OFFLINE_ALGORITHMS,
  PolicyAgent,
  saveCheckpoint,
  STATE_TRACKERS,
  trainPolicy,
  type NeuralPolicy,
  type OfflineKind,
} from "@farsight/rl-policy/tf";
import { UsageError, type CliIO, type Command } from "../command.js";
import { DATA_DIR_FLAG, ENV_FLAG, JSON_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { renderHelp } from "../help.js";
import { PRESET_FLAG_TABLE, presetOptionsFrom, quitRuleLine } from "../preset-flags.js";
import { masksRepeats, trainFromLog, userSplit, RunDirectory } from "@farsight/lab";

const ONLINE = ["ppo", "a2c", "dqn", "reinforce"] as const satisfies readonly AlgorithmName[];
const ALGOS = [...ONLINE, ...OFFLINE_ALGORITHMS] as const;
type AlgoName = AlgorithmName | OfflineKind;
const isOffline = (algo: AlgoName): algo is OfflineKind => (OFFLINE_ALGORITHMS as readonly string[]).includes(algo);
/** Every state tracker of rl-policy (`STATE_TRACKERS`), listed with its summary in the help. */
const ENCODERS = Object.keys(STATE_TRACKERS) as EncoderKind[];
const MODES = ["FB", "NX_0", "NX_10"] as const satisfies readonly EvalMode[];

/** Largest rating of the training log: raw feedback is divided by it before it enters the policy. */
export function feedbackScaleOf(setup: EnvSetup): number {
  let max = 1;
  for (const r of setup.trainLog.rating) if (r > max) max = r;
  return max;
}

/**
 * `farsight train`: trains an RL policy on a preset's train-time simulator (the predicted world model from
 * the training log, train users), saves it, and evaluates it on the test-time simulator (ground truth,
 * held-out users, the same quit rule).
 */
const spec = defineCommand({
  command: "train",
  description: [
    "Trains an RL policy on a preset's train-time simulator (the predicted world model from the training log, train users), or for " +
      "bc, bcq, cql, crr on the training log alone, saves it, and evaluates it on the test-time simulator (ground truth, the preset's " +
      "test users, the same quit rule) in --mode.",
  ],
  flags: {
    ...ENV_FLAG,
    algo: {
      kind: "choice", choices: ALGOS, default: "ppo", placeholder: "NAME",
      help: "the RL algorithm; bc, bcq, cql, crr learn from the training log alone (no environment, see --epochs).",
    },
    steps: {
      kind: "int", min: 1, default: 20_000,
      help: "env transitions (B sessions stepping once count B), online algorithms. Rounded up to whole updates, said on stderr.",
    },
    epochs: { kind: "int", min: 1, default: 10, placeholder: "E", help: "passes over the training log (offline algorithms only)." },
    "repeat-logit": { kind: "number", placeholder: "W", defaultHelp: "off", help: "start of the learned repeat logit (ppo, a2c, reinforce, dqn; e.g. -10 in FB)." },
    seed: { kind: "int", min: 0, default: 0, placeholder: "S", help: "seed of the policy and the simulator." },
    out: {
      kind: "path", placeholder: "DIR", required: "where the policy is saved",
      help: "checkpoint directory (policy.json, weights.bin, optimizer.bin): new or empty, checked before training; evaluate it later with `farsight eval --agent policy:DIR`.",
    },
    encoder: {
      kind: "choice", choices: ENCODERS, default: "mean", placeholder: "NAME", help: "state tracker (LERL used a transformer).",
      choiceHelp: Object.fromEntries(ENCODERS.map((k) => [k, STATE_TRACKERS[k].summary])),
    },
    batch: { kind: "int", min: 1, default: 32, placeholder: "B", help: "concurrent training sessions." },
    history: { kind: "int", min: 1, default: 10, placeholder: "L", help: "interactions the encoder sees." },
    lr: { kind: "number", min: 0, exclusiveMin: true, defaultHelp: "the algorithm's", help: "learning rate." },
    mode: {
      kind: "choice", choices: MODES, default: "NX_0", placeholder: "MODE",
      help: "mode of training and evaluation; in FB the policy may repeat (see `farsight eval --help`).",
    },
    "eval-episodes": { kind: "int", min: 0, default: 500, help: "episodes of the final evaluation on the test simulator (0 skips it)." },
    "user-state": {
      kind: "choice", choices: ["off", "on"], default: "off", placeholder: "off|on",
      help: "on: the policy reads the user's best logged items and features (rl-policy userState).",
    },
    ...DATA_DIR_FLAG,
    ...PRESET_FLAG_TABLE,
    ...JSON_FLAG,
  },
  notes: ["Backend: tfjs-node if installed, else wasm, else cpu (FARSIGHT_TF_BACKEND=cpu forces one)."],
});

export const trainCommand: Command = {
  name: "train",
  summary: "train an RL policy (PPO, A2C, DQN, REINFORCE online; BC, BCQ, CQL, CRR from the log) and save it",
  get usage() {
    return renderHelp(spec);
  },
  tables: [spec],
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, given } = parseCommand(spec, argv);
    const { env: envName, algo, steps, seed, encoder, batch, history, mode, lr, out, epochs } = values;
    const evalEpisodes = values["eval-episodes"];
    const repeatLogit = values["repeat-logit"];
    const preset = presetOptionsFrom(given);
    if (repeatLogit !== undefined && !["ppo", "a2c", "reinforce", "dqn"].includes(algo)) throw new UsageError(`--repeat-logit is a parameter of ppo, a2c, reinforce and dqn; ${algo} has none`);
    // Checked before any data loads: a budget below one update fails at once (offline algorithms count epochs instead).
    const budget = isOffline(algo) ? { steps } : stepBudget(algo, batch, steps);
    if (budget.note) io.stderr(`farsight train: ${budget.note}\n`);
    const say = (line: string) => {
      if (!values.json) io.stdout(line + "\n");
    };

    // --out is checked (and locked) before anything is loaded or trained: another policy there is never overwritten.
    const dir = RunDirectory.open(out, { command: "train" });
    try {
      return await trainInto(out, io, values, { preset, envName, algo, steps: budget.steps, requestedSteps: steps, seed, encoder, batch, history, mode, evalEpisodes, lr, epochs, repeatLogit, userState: values["user-state"] === "on" }, say);
    } finally {
      dir.release();
    }
  },
};

interface TrainSettings {
  /** The quit-rule and user-split flags. */
  readonly preset: ReturnType<typeof presetOptionsFrom>;
  readonly envName: (typeof PRESETS)[number];
  readonly algo: AlgoName;
  /** The budget trained: `requestedSteps` rounded up to whole updates (see {@link stepBudget}). */
  readonly steps: number;
  readonly requestedSteps: number;
  readonly seed: number;
  readonly encoder: EncoderKind;
  readonly batch: number;
  readonly history: number;
  readonly mode: EvalMode;
  readonly evalEpisodes: number;
  readonly lr: number | undefined;
  /** Passes over the log (offline algorithms). */
  readonly epochs: number;
  readonly repeatLogit: number | undefined;
  /** rl-policy `userState`: the policy reads the user's profile. */
  readonly userState: boolean;
}

async function trainInto(out: string, io: CliIO, values: { "data-dir"?: string; json?: boolean }, t: TrainSettings, say: (line: string) => void): Promise<number> {
  const { envName, algo, seed, encoder, batch, history, mode, evalEpisodes, requestedSteps } = t;
  const dataDir = values["data-dir"];
  // The predicted world's model comes with the preset flags (--user-model, --uncertainty-penalty); MF by default.
  const userModel = t.preset.userModel?.kind ?? "mf", uncertaintyPenalty = t.preset.userModel?.uncertaintyPenalty ?? 0;
  const setup = await loadPreset(envName, { ...t.preset, ...(dataDir ? { dataDir } : {}) });
  const split = userSplit(setup);
  const policyOptions: PolicyOptionsInit = {
    seed, historyLength: history, feedbackScale: feedbackScaleOf(setup), encoder: { ...defaultsOf(encoder) },
    ...(t.repeatLogit !== undefined ? { repeatLogit: t.repeatLogit } : {}),
    ...(t.userState ? { userState: {} } : {}),
  };
  const trained = isOffline(algo) ? await trainOfflineInto(setup, t, policyOptions, say) : await trainOnlineInto(setup, { ...t, algo }, policyOptions, userModel, uncertaintyPenalty, say);
  const { algorithm, summary, backend } = trained;
  const manifest = await saveCheckpoint(out, algorithm, { env: envName, algo, steps: summary.envSteps, seed, encoder, mode, backend, ...(isOffline(algo) ? { epochs: t.epochs } : {}) });
  say(`saved ${out} (${manifest.weights.length} tensors, ${summary.updates} updates, ${(summary.elapsedMs / 1000).toFixed(1)} s${isOffline(algo) ? "" : `, ${Math.round(summary.stepsPerSecond)} steps/s`})`);
  let evaluation: Record<string, number> | undefined;
  if (evalEpisodes > 0) {
    const policy: NeuralPolicy = algorithm.policy;
    const result = await evaluate(setup, () => new PolicyAgent({ policy, noRepeat: masksRepeats(mode) }), { episodes: evalEpisodes, seeds: [seed], mode });
    evaluation = result.metrics;
    say(`eval on ${envName} test users (${split.label}, ground truth, ${evalEpisodes} episodes, ${mode}): len ${fmt(evaluation["len"]!)}  r_traj ${fmt(evaluation["r_traj"]!)}  r_each ${fmt(evaluation["r_each"]!)}  ctr ${fmt(evaluation["ctr"]!)}  item_coverage ${fmt(evaluation["item_coverage"]!)}`);
  }
  if (values.json) io.stdout(JSON.stringify({ backend, algo, mode, requestedSteps, userModel, uncertaintyPenalty, train: summary, out, evaluation, users: split.label, env: setup.describe }) + "\n");
  algorithm.dispose();
  algorithm.policy.dispose();
  return 0;
}

type Trained = { algorithm: Parameters<typeof saveCheckpoint>[1]; summary: { envSteps: number; updates: number; elapsedMs: number; stepsPerSecond: number }; backend: string };

/** PPO, A2C, DQN, REINFORCE on the preset's train-time simulator, in the chosen mode (FB: repeats allowed). */
async function trainOnlineInto(setup: EnvSetup, t: TrainSettings & { algo: AlgorithmName }, policy: PolicyOptionsInit, userModel: string, uncertaintyPenalty: number, say: (line: string) => void): Promise<Trained> {
  const { envName, algo, steps, seed, encoder, batch, mode, lr } = t;
  // The predicted world model is trained first: its trainer selects the cpu backend for itself, and the
  // policy must then run on the fastest backend.
  const trainEnv = await makeSimulator(setup, "train", { batchSize: batch, autoReset: true, seed, mode });
  const backend = await initBackend();
  say(backend.summary);
  say(`${envName}: ${quitRuleLine(setup.describe)}; evaluation on ${userSplit(setup).label}`);
  const algorithm = createAlgorithm({ algorithm: algo, context: contextFromEnv(trainEnv), policy, ...(lr !== undefined ? { [algo]: { learningRate: lr } } : {}) });
  say(`training ${algo} (${encoder} encoder, ${algorithm.policy.params.count()} parameters) on ${envName} (predicted world: ${userModel}${uncertaintyPenalty ? `, penalty ${uncertaintyPenalty} x std` : ""}, mode ${mode}): ${steps} steps, ${batch} sessions, seed ${seed}`);
  const summary = await trainPolicy(trainEnv, algorithm, {
    totalSteps: steps,
    noRepeat: masksRepeats(mode),
    onProgress: (p) =>
      say(
        `step ${String(p.envSteps).padStart(8)}/${p.totalSteps}  episodes ${String(p.episodes).padStart(6)}  return ${fmt(p.meanReturn)}  length ${fmt(p.meanLength)}  ` +
          `${Object.entries(p.stats).map(([k, v]) => `${k} ${fmt(v)}`).join("  ")}  ${Math.round(p.stepsPerSecond)} steps/s`,
      ),
  });
  return { algorithm, summary, backend: backend.backend };
}

/** BC, BCQ, CQL, CRR from the preset's training log alone: no simulator steps, `--epochs` passes over the log. */
async function trainOfflineInto(setup: EnvSetup, t: TrainSettings & { algo: AlgoName }, policy: PolicyOptionsInit, say: (line: string) => void): Promise<Trained> {
  await setup.predicted(); // the training world's item features (and its cpu backend choice) come first, as online
  const backend = await initBackend();
  say(backend.summary);
  const start = performance.now();
  const { algorithm, transitions, epochs } = await trainFromLog(setup, {
    algorithm: t.algo as OfflineKind,
    seed: t.seed,
    epochs: t.epochs,
    policy,
    onEpoch: (e) => say(`epoch ${e.epoch}/${t.epochs}  updates ${e.updates}  ${Object.entries(e.stats).map(([k, v]) => `${k} ${fmt(v)}`).join("  ")}`),
  });
  say(`trained ${t.algo} from the ${t.envName} training log alone: ${transitions} logged transitions, ${epochs.length} epochs, seed ${t.seed}`);
  return { algorithm, summary: { envSteps: 0, updates: algorithm.updates, elapsedMs: performance.now() - start, stepsPerSecond: 0 }, backend: backend.backend };
}

/**
 * The training loop collects whole updates: an on-policy algorithm `rolloutSteps` batched steps (PPO 10 x 32
 * sessions = 320 transitions), DQN one batched step. A budget that is not a multiple is rounded up, and said;
 * a budget smaller than one update is refused (it would train several times what was asked).
 */
export function stepBudget(algo: AlgorithmName, batch: number, steps: number): { steps: number; note?: string } {
  // `farsight train` never changes the rollout length, so the algorithms' defaults are the loop's.
  const rollout = algo === "ppo" ? DEFAULT_PPO_OPTIONS.rolloutSteps : algo === "a2c" ? DEFAULT_A2C_OPTIONS.rolloutSteps : algo === "reinforce" ? DEFAULT_REINFORCE_OPTIONS.rolloutSteps : 1;
  const perUpdate = rollout * batch;
  const what = algo === "dqn" ? `dqn steps ${batch} sessions at a time` : `${algo} collects ${rollout} steps x ${batch} sessions = ${perUpdate} transitions per update`;
  if (steps < perUpdate) {
    throw new UsageError(`--steps ${steps} is less than one update: ${what}. Pass --steps ${perUpdate} or more, or a smaller --batch`);
  }
  const rounded = Math.ceil(steps / perUpdate) * perUpdate;
  return rounded === steps ? { steps } : { steps: rounded, note: `--steps ${steps} rounded up to ${rounded} (${what})` };
}

function defaultsOf(kind: EncoderKind) {
  // LERL's transformer width is 64; the others keep the package defaults.
  return kind === "transformer" ? { kind, itemDim: 64 } : { kind };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(3)) : "-";
}
