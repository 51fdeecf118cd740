/**
 * Training drivers for a preset: `trainLerl` (the LERL graph, checkpointed in a run directory and resumable)
 * and `trainFlatPpo` (the same PPO without a planner, through `@farsight/rl-policy`'s `trainPolicy`: the
 * flat-RL baseline and the reference for the graph's overhead).
 */
import { FarsightError, type Episode } from "@farsight/core";
import { makeSimulator, Simulator, type EnvSetup } from "@farsight/env";
import type { LlmStats } from "@farsight/llm";
import type { Planner } from "@farsight/planner";
import { ReflectionPool, type ReflectionPoolOptions, type Reflector } from "@farsight/reflector";
import { type PolicyOptions, type PpoOptions, type TrainProgress, contextFromEnv, createAlgorithm, trainPolicy, type FinishedEpisode, type OnPolicyAlgorithm } from "@farsight/rl-policy/tf";
import { createLerlGraph } from "./lerl-graph.js";
import type { LerlProgress } from "./nodes.js";
import { RunCheckpoints } from "./run-checkpoints.js";
import type { LerlLoopOptions, LerlRuntime } from "./runtime.js";
import type { LerlStateValue } from "./state.js";

/** Which world the policy trains against: the preset's ground truth on the train users, or the world model predicted from the training log (EasyRL4Rec / DORL protocol). */
export type TrainWorld = "truth" | "predicted";

export interface TrainSetupOptions {
  readonly setup: EnvSetup;
  /** Budget in environment transitions (slot-steps). */
  readonly steps: number;
  readonly seed: number;
  /** Concurrent training sessions (LERL: 12; default 32). */
  readonly batchSize?: number;
  /** Default: "truth" for simulated presets (synthetic, synthetic-kuaisim-rules), "predicted" for datasets. */
  readonly trainWorld?: TrainWorld;
  readonly policy?: Partial<PolicyOptions>;
  readonly ppo?: Partial<PpoOptions>;
}

export function defaultTrainWorld(setup: EnvSetup): TrainWorld {
  return setup.name === "synthetic" || setup.name === "synthetic-kuaisim-rules" ? "truth" : "predicted";
}

/** Policy defaults for a preset: LERL's 5-slate history (at least 10 items) and ratings scaled to ~[0, 1]. */
export function policyDefaults(setup: EnvSetup, seed: number): Partial<PolicyOptions> {
  const k = setup.simulator.slateSize ?? 1;
  return { seed, historyLength: Math.min(30, Math.max(10, 5 * k)), feedbackScale: setup.positiveThreshold > 1 ? 5 : 1 };
}

/** The auto-resetting training simulator (finished sessions are replaced by new users, as in LERL). */
export async function trainSimulator(setup: EnvSetup, world: TrainWorld, batchSize: number, seed: number): Promise<Simulator> {
  const o = { batchSize, autoReset: true, seed };
  return makeSimulator(setup, world === "predicted" ? "train" : "train-gt", o);
}

function newAlgorithm(env: Simulator, o: TrainSetupOptions): OnPolicyAlgorithm {
  const algorithm = createAlgorithm({ algorithm: "ppo", context: contextFromEnv(env), policy: { ...policyDefaults(o.setup, o.seed), ...o.policy }, ppo: { ...o.ppo } });
  return algorithm as OnPolicyAlgorithm;
}

export interface TrainLerlOptions extends TrainSetupOptions {
  readonly planner: Planner;
  readonly reflector?: Reflector;
  readonly stats?: LlmStats;
  readonly loop?: Partial<LerlLoopOptions>;
  /** Wall-clock budget in seconds (summed over resumes). */
  readonly seconds?: number;
  /** Pool bound (LERL: 200). */
  readonly poolSize?: number;
  /** Checkpoint into this directory (graph.sqlite + checkpoints/); none: in memory only. */
  readonly runDir?: string;
  /** Continue the run saved in `runDir` (an error when there is none). Without it, an existing checkpoint is an error. */
  readonly resume?: boolean;
  readonly onProgress?: (p: LerlProgress) => void;
  /**
   * After each chunk's state is saved (durably: a kill from here on resumes after this chunk); on a resume,
   * first once with the saved state it continues from. Write per-chunk records here, not from `onProgress`,
   * so records and checkpoints agree after any kill.
   */
  readonly onCheckpoint?: (state: LerlStateValue) => void;
  /** Every training session that ends, with its steps and plans. */
  readonly onEpisode?: (episode: Episode) => void;
  readonly signal?: AbortSignal;
}

export interface TrainLerlResult {
  readonly algorithm: OnPolicyAlgorithm;
  readonly pool: ReflectionPool;
  readonly state: LerlStateValue;
  /** The chunk a resume started from, when it was one. */
  readonly resumedFromChunk?: number;
}

const THREAD = "lerl-train";

/** The LERL state saved in a run directory, or undefined when it holds no checkpoint yet (read-only). */
export async function savedLerlState(runDir: string): Promise<LerlStateValue | undefined> {
  const v = await RunCheckpoints.savedState<Partial<LerlStateValue>>(runDir, THREAD);
  return v && typeof v.chunk === "number" ? (v as LerlStateValue) : undefined;
}

/**
 * Loads the weights and pool of the chunk the saved state names and checks they belong to `setup` (preset,
 * catalogue size, slate size): a resume with another environment must not train a policy made for another.
 */
async function loadChunk(runDir: string, chunk: number, setup: EnvSetup, seed: number, poolOptions: ReflectionPoolOptions) {
  const loaded = await RunCheckpoints.load(runDir, chunk, poolOptions);
  const { meta, context } = loaded.checkpoint.manifest;
  const slateSize = setup.simulator.slateSize ?? 1;
  const problems = [
    meta["preset"] !== undefined && meta["preset"] !== setup.name ? `it was trained on preset "${String(meta["preset"])}", this run uses "${setup.name}"` : "",
    meta["seed"] !== undefined && meta["seed"] !== seed ? `it was trained with seed ${String(meta["seed"])}, this run uses ${seed}` : "",
    context.numItems !== setup.catalog.numItems ? `its policy scores ${context.numItems} items, the environment has ${setup.catalog.numItems}` : "",
    context.slateSize !== slateSize ? `its policy fills slates of ${context.slateSize}, the environment's slate is ${slateSize}` : "",
  ].filter(Boolean);
  if (problems.length) {
    loaded.checkpoint.algorithm.dispose();
    loaded.checkpoint.policy.dispose();
    throw new FarsightError("graph/checkpoint-mismatch", `${RunCheckpoints.chunkDir(runDir, chunk)} does not belong to this run: ${problems.join("; ")}`, { dir: RunCheckpoints.chunkDir(runDir, chunk), problems });
  }
  return loaded;
}

/**
 * Checks that the LERL run saved in `runDir` can be resumed with `setup` before anything is changed: its
 * state reads, the chunk files it names load (finite weights) and match the environment. Returns the saved
 * state, or undefined when the directory holds no checkpoint yet (a run killed in its first chunk).
 */
export async function checkLerlResume(runDir: string, setup: EnvSetup, seed: number): Promise<LerlStateValue | undefined> {
  const state = await savedLerlState(runDir);
  if (!state || state.chunk === 0) return state;
  const loaded = await loadChunk(runDir, state.chunk, setup, seed, {});
  loaded.checkpoint.algorithm.dispose();
  loaded.checkpoint.policy.dispose();
  return state;
}

/** Trains LERL on a preset; with `runDir`, every chunk is checkpointed and `resume` continues a killed run. */
export async function trainLerl(o: TrainLerlOptions): Promise<TrainLerlResult> {
  const store = o.runDir ? new RunCheckpoints(o.runDir) : undefined;
  try {
    return await trainLerlWith(o, store);
  } finally {
    store?.close();
  }
}

async function trainLerlWith(o: TrainLerlOptions, store: RunCheckpoints | undefined): Promise<TrainLerlResult> {
  const saved = store ? await store.saver.getTuple({ configurable: { thread_id: THREAD } }) : undefined;
  const savedValues = saved?.checkpoint.channel_values as Partial<LerlStateValue> | undefined;
  const savedChunk = savedValues?.chunk;
  if (saved && !o.resume) {
    throw new FarsightError("graph/run-exists", `${o.runDir} already holds a checkpointed run; pass --resume to continue it or choose another output directory`, { runDir: o.runDir });
  }
  if (o.resume && savedChunk === undefined) {
    throw new FarsightError("graph/nothing-to-resume", `--resume: ${o.runDir ?? "(no run directory)"} holds no checkpointed run`, { runDir: o.runDir });
  }
  const poolOptions = { maxSize: o.poolSize ?? 200, seed: o.seed };
  let algorithm: OnPolicyAlgorithm | undefined;
  let pool = new ReflectionPool(poolOptions);
  if (store && savedChunk !== undefined && savedChunk > 0) {
    const loaded = await loadChunk(o.runDir!, savedChunk, o.setup, o.seed, poolOptions);
    algorithm = loaded.checkpoint.algorithm as OnPolicyAlgorithm;
    if (loaded.pool) pool = loaded.pool;
  }
  // A consumer that writes one record per checkpoint sees the state it continues from first, so it can
  // write the record a kill between the checkpoint and its write lost (it skips steps it already has).
  if (savedValues && savedChunk !== undefined) o.onCheckpoint?.(savedValues as LerlStateValue);
  if (savedValues?.stopped && (savedValues.envSteps ?? 0) >= o.steps) {
    // The saved run already spent this budget: nothing to train, hand back what it learned.
    return { algorithm: algorithm!, pool, state: savedValues as LerlStateValue, resumedFromChunk: savedChunk! };
  }
  // A resumed run draws new users and clicks: the env seed moves on with the chunk.
  const env = await trainSimulator(o.setup, o.trainWorld ?? defaultTrainWorld(o.setup), o.batchSize ?? 32, o.seed + 7919 * (savedChunk ?? 0));
  algorithm ??= newAlgorithm(env, o);
  const graph = createLerlGraph({
    env,
    planner: o.planner,
    algorithm,
    pool,
    ...(o.reflector ? { reflector: o.reflector } : {}),
    ...(o.stats ? { stats: o.stats } : {}),
    loop: { seed: o.seed, ...o.loop, mode: "train" },
    budget: { steps: o.steps, ...(o.seconds !== undefined ? { seconds: o.seconds } : {}) },
    hooks: {
      ...(store ? { onChunk: (chunk: number, rt: LerlRuntime) => store.save(chunk, rt.components.algorithm, rt.components.pool, { preset: o.setup.name, seed: o.seed }) } : {}),
      ...(o.onEpisode ? { onEpisode: o.onEpisode } : {}),
    },
    ...(store ? { checkpointer: store.saver } : {}),
    threadId: THREAD,
  });
  const state = await graph.run({ ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...(o.onCheckpoint ? { onSaved: o.onCheckpoint } : {}), ...(o.signal ? { signal: o.signal } : {}) });
  return { algorithm, pool, state, ...(savedChunk !== undefined ? { resumedFromChunk: savedChunk } : {}) };
}

export interface TrainFlatPpoOptions extends TrainSetupOptions {
  readonly onProgress?: (p: TrainProgress) => void;
  /** Every training session that ends (return, length, user). */
  readonly onEpisode?: (episode: FinishedEpisode) => void;
}

/**
 * Trains the flat PPO baseline (no plan) with the same env and PPO settings. Same collection loop as
 * {@link trainLerl}: with a planner that allows every category, LERL trains these exact weights.
 */
export async function trainFlatPpo(o: TrainFlatPpoOptions): Promise<{ algorithm: OnPolicyAlgorithm; elapsedMs: number }> {
  const env = await trainSimulator(o.setup, o.trainWorld ?? defaultTrainWorld(o.setup), o.batchSize ?? 32, o.seed);
  const algorithm = newAlgorithm(env, o);
  const summary = await trainPolicy(env, algorithm, {
    totalSteps: o.steps,
    ...(o.onProgress ? { onProgress: o.onProgress, progressEvery: env.batchSize * algorithm.rolloutSteps } : {}),
    ...(o.onEpisode ? { onEpisode: o.onEpisode } : {}),
  });
  return { algorithm, elapsedMs: summary.elapsedMs };
}
