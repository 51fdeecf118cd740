import { evaluate, loadPreset, makeSimulator, PRESETS, type EnvSetup, type EvalMode } from "@farsight/env";
import { contextFromEnv, createAlgorithm, DEFAULT_A2C_OPTIONS, DEFAULT_PPO_OPTIONS, initBackend, PolicyAgent, saveCheckpoint, STATE_TRACKERS, trainPolicy, type AlgorithmName, type EncoderKind } from "@farsight/rl-policy";
import { UsageError, type CliIO, type Command } from "../command.js";
import { DATA_DIR_FLAG, ENV_FLAG, JSON_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { renderHelp } from "../help.js";
import { PRESET_FLAG_TABLE, presetOptionsFrom, quitRuleLine } from "../preset-flags.js";
import { userSplit, RunDirectory } from "@farsight/lab";

const ALGOS = ["ppo", "a2c", "dqn"] as const satisfies readonly AlgorithmName[];
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
    "Trains an RL policy on a preset's train-time simulator (the predicted world model from the training log, train users), saves it, " +
      "and evaluates it on the test-time simulator (ground truth, the preset's test users, the same quit rule).",
  ],
  flags: {
    ...ENV_FLAG,
    algo: { kind: "choice", choices: ALGOS, default: "ppo", placeholder: "NAME", help: "the RL algorithm." },
    steps: {
      kind: "int", min: 1, default: 20_000,
      help: "env transitions (B sessions stepping once count B). Rounded up to whole updates (PPO: 10 steps x B, A2C: 5 x B, DQN: B), with a note on stderr.",
    },
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
    mode: { kind: "choice", choices: MODES, default: "FB", placeholder: "MODE", help: "simulator mode of training and evaluation (see `farsight eval --help`)." },
    "eval-episodes": { kind: "int", min: 0, default: 500, help: "episodes of the final evaluation on the test simulator (0 skips it)." },
    // user-aware state (issue 27)
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
  summary: "train an RL policy (PPO, A2C, DQN) on a preset's predicted world model and save it",
  get usage() {
    return renderHelp(spec);
  },
  tables: [spec],
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, given } = parseCommand(spec, argv);
    const { env: envName, algo, steps, seed, encoder, batch, history, mode, lr, out } = values;
    const evalEpisodes = values["eval-episodes"];
    const preset = presetOptionsFrom(given);
    // Checked before any data loads: a budget below one update fails at once.
    const budget = stepBudget(algo, batch, steps);
    if (budget.note) io.stderr(`farsight train: ${budget.note}\n`);
    const say = (line: string) => {
      if (!values.json) io.stdout(line + "\n");
    };

    // --out is checked (and locked) before anything is loaded or trained: another policy there is never overwritten.
    const dir = RunDirectory.open(out, { command: "train" });
    try {
      return await trainInto(out, io, values, { preset, envName, algo, steps: budget.steps, requestedSteps: steps, seed, encoder, batch, history, mode, evalEpisodes, lr, userState: values["user-state"] === "on" }, say);
    } finally {
      dir.release();
    }
  },
};

interface TrainSettings {
  /** The quit-rule and user-split flags. */
  readonly preset: ReturnType<typeof presetOptionsFrom>;
  readonly envName: (typeof PRESETS)[number];
  readonly algo: AlgorithmName;
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
  /** rl-policy `userState` on (issue 27). */
  readonly userState?: boolean;
}

async function trainInto(out: string, io: CliIO, values: { "data-dir"?: string; json?: boolean }, t: TrainSettings, say: (line: string) => void): Promise<number> {
  const { envName, algo, steps, requestedSteps, seed, encoder, batch, history, mode, evalEpisodes, lr } = t;
  const dataDir = values["data-dir"];
  // The predicted world's model comes with the preset flags (--user-model, --uncertainty-penalty); MF by default.
  const userModel = t.preset.userModel?.kind ?? "mf", uncertaintyPenalty = t.preset.userModel?.uncertaintyPenalty ?? 0;
  const setup = await loadPreset(envName, { ...t.preset, ...(dataDir ? { dataDir } : {}) });
  const split = userSplit(setup);
  // The predicted world model is trained first: its trainer selects the cpu backend for itself, and the
  // policy must then run on the fastest backend.
  const trainEnv = await makeSimulator(setup, "train", { batchSize: batch, autoReset: true, seed, mode });
  const backend = await initBackend();
  say(backend.summary);
  say(`${envName}: ${quitRuleLine(setup.describe)}; evaluation on ${split.label} (${split.testUsers} test, ${split.trainUsers} train)`);
  const algorithm = createAlgorithm({ algorithm: algo, context: contextFromEnv(trainEnv), policy: { seed, historyLength: history, feedbackScale: feedbackScaleOf(setup), encoder: { ...defaultsOf(encoder) }, ...(t.userState ? { userState: {} } : {}) },
    ...(lr !== undefined ? { [algo]: { learningRate: lr } } : {}), });
  say(`training ${algo} (${encoder} encoder, ${algorithm.policy.params.count()} parameters) on ${envName} (predicted world: ${userModel}${uncertaintyPenalty ? `, penalty ${uncertaintyPenalty} x std` : ""}): ${steps} steps, ${batch} sessions, seed ${seed}`);
  const summary = await trainPolicy(trainEnv, algorithm, {
    totalSteps: steps,
    onProgress: (p) =>
      say(
        `step ${String(p.envSteps).padStart(8)}/${p.totalSteps}  episodes ${String(p.episodes).padStart(6)}  return ${fmt(p.meanReturn)}  length ${fmt(p.meanLength)}  ` +
          `${Object.entries(p.stats).map(([k, v]) => `${k} ${fmt(v)}`).join("  ")}  ${Math.round(p.stepsPerSecond)} steps/s`,
      ),
  });
  const manifest = await saveCheckpoint(out, algorithm, { env: envName, algo, steps: summary.envSteps, seed, encoder, mode, backend: backend.backend });
  say(`saved ${out} (${manifest.weights.length} tensors, ${summary.updates} updates, ${(summary.elapsedMs / 1000).toFixed(1)} s, ${Math.round(summary.stepsPerSecond)} steps/s)`);
  let evaluation: Record<string, number> | undefined;
  if (evalEpisodes > 0) {
    const result = await evaluate(setup, () => new PolicyAgent({ policy: algorithm.policy }), { episodes: evalEpisodes, seeds: [seed], simulator: { mode } });
    evaluation = result.metrics;
    say(`eval on ${envName} test users (${split.label}, ground truth, ${evalEpisodes} episodes, ${mode}): len ${fmt(evaluation["len"]!)}  r_traj ${fmt(evaluation["r_traj"]!)}  r_each ${fmt(evaluation["r_each"]!)}  ctr ${fmt(evaluation["ctr"]!)}`);
  }
  if (values.json) io.stdout(JSON.stringify({ backend: backend.backend, requestedSteps, userModel, uncertaintyPenalty, train: summary, out, evaluation, users: split.label, env: setup.describe }) + "\n");
  algorithm.dispose();
  algorithm.policy.dispose();
  return 0;
}

/**
 * The training loop collects whole updates: an on-policy algorithm `rolloutSteps` batched steps (PPO 10 x 32
 * sessions = 320 transitions), DQN one batched step. A budget that is not a multiple is rounded up, and said;
 * a budget smaller than one update is refused (it would train several times what was asked).
 */
export function stepBudget(algo: AlgorithmName, batch: number, steps: number): { steps: number; note?: string } {
  // `farsight train` never changes the rollout length, so the algorithms' defaults are the loop's.
  const rollout = algo === "ppo" ? DEFAULT_PPO_OPTIONS.rolloutSteps : algo === "a2c" ? DEFAULT_A2C_OPTIONS.rolloutSteps : 1;
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
