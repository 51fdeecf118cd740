/**
 * The runtime a LERL graph's nodes share: the heavy, non-serialisable objects (simulator, policy and its
 * algorithm, rollout buffer, planner, reflector, reflection pool, LLM accounting) plus per-slot scratch
 * arrays. It never enters the LangGraph state; checkpoints save its weights and pool beside the state.
 */
import { END_REASONS, type EpisodeTracker, type VecEnv } from "@farsight/env";
import { Rng, type Episode, type EpisodeStep } from "@farsight/core";
import type { LlmStats } from "@farsight/llm";
import type { Planner } from "@farsight/planner";
import type { ReflectionPool, Reflector } from "@farsight/reflector";
import { emptyHistory, RolloutBuffer, type HistoryBatch, type OnPolicyAlgorithm } from "@farsight/rl-policy";

/** Budgets: the run stops at the first chunk boundary after any of them is spent. */
export interface LerlBudget {
  /** Environment transitions (slot-steps). */
  readonly steps?: number;
  /** Finished sessions. */
  readonly sessions?: number;
  /** Wall-clock seconds (summed over resumes). */
  readonly seconds?: number;
}

/** Hyper-parameters of the LERL loop (the PPO ones live in the algorithm). Defaults: LERL's released code. */
export interface LerlLoopOptions {
  /** `train` samples actions, fills the rollout buffer and learns; `eval` acts greedily and never learns. Default "train". */
  readonly mode: "train" | "eval";
  /** Re-plan a session every k of its steps, reusing its plan in between. LERL: 1 (every step). */
  readonly planEvery: number;
  /** Reflections sampled from the pool per plan request (LERL N_s = 3). */
  readonly reflectionsPerPlan: number;
  /** Softmax temperature over returns for that sampling (LERL tau = 10). */
  readonly reflectionTau: number;
  /** Past slates shown to the planner (LERL: 5). */
  readonly historySlates: number;
  /** Write reflections (and grow the pool) in eval mode too. Default false: evaluation leaves the pool frozen. */
  readonly reflectInEval: boolean;
  /** Batched env steps per chunk (one graph invocation, one checkpoint). Default: the algorithm's rollout length in train mode, 50 in eval. */
  readonly chunkSteps: number;
  /** Seed of the graph's own streams (reflection sampling). */
  readonly seed: number;
}

export const DEFAULT_LERL_LOOP: LerlLoopOptions = {
  mode: "train",
  planEvery: 1,
  reflectionsPerPlan: 3,
  reflectionTau: 10,
  historySlates: 5,
  reflectInEval: false,
  chunkSteps: 0,
  seed: 0,
};

/** The components a LERL graph wires. */
export interface LerlComponents {
  /** The batched simulator; in train mode it should auto-reset finished slots (LERL replaces users). */
  readonly env: VecEnv;
  readonly planner: Planner;
  /** PPO (or any on-policy algorithm) whose policy recommends inside the plan. Only its policy is used in eval mode. */
  readonly algorithm: OnPolicyAlgorithm;
  /** Writes a reflection for every finished session; none: the pool stays as it is. */
  readonly reflector?: Reflector;
  readonly pool?: ReflectionPool;
  /** The run's LLM accounting, for progress (calls and latency). */
  readonly stats?: LlmStats;
}

/** Hooks for evaluation and recording; all optional. */
export interface LerlHooks {
  /** Follows every step (call order: beforeStep, env.step, afterStep), e.g. the env package's metrics. */
  readonly tracker?: EpisodeTracker;
  /** Every finished session, with its steps (slates, categories, feedback, plans). */
  readonly onEpisode?: (episode: Episode) => void;
  /** Called at the end of every chunk, after learning: save weights and pool here. */
  readonly onChunk?: (chunk: number, runtime: LerlRuntime) => Promise<void> | void;
}

/** Mutable runtime shared by the nodes of one graph. */
export class LerlRuntime {
  readonly history: HistoryBatch;
  readonly buffer: RolloutBuffer | null;
  readonly slates: Int32Array;
  readonly stepped: Uint8Array;
  /** Steps of the session running in each slot (for reflections and episode records). */
  readonly trajectories: EpisodeStep[][];
  /** Sessions that ended since the reflect node last ran. */
  finished: Episode[] = [];
  readonly rng: Rng;
  readonly chunkSteps: number;
  /** Milliseconds since the current invocation of `run` started (set by `run`). */
  startedAt = performance.now();

  constructor(
    readonly components: LerlComponents,
    readonly options: LerlLoopOptions,
    readonly budget: LerlBudget,
    readonly hooks: LerlHooks,
  ) {
    const { env, algorithm } = components;
    const policy = algorithm.policy;
    this.history = emptyHistory(env.batchSize, policy.options.historyLength, env.numItems);
    this.buffer =
      options.mode === "train"
        ? new RolloutBuffer(algorithm.rolloutSteps, env.batchSize, {
            historyLength: policy.options.historyLength,
            slateSize: env.slateSize,
            actionDim: policy.actionDim,
            numItems: env.numItems,
          })
        : null;
    this.slates = new Int32Array(env.batchSize * env.slateSize);
    this.stepped = new Uint8Array(env.batchSize);
    this.trajectories = Array.from({ length: env.batchSize }, () => []);
    this.rng = new Rng(options.seed, "graph/lerl");
    this.chunkSteps = options.chunkSteps > 0 ? options.chunkSteps : options.mode === "train" ? algorithm.rolloutSteps : 50;
  }

  get env(): VecEnv {
    return this.components.env;
  }

  /** Starts (or restarts after a resume) every slot and empties per-slot scratch. */
  resetEnv(): void {
    this.components.env.reset();
    this.buffer?.reset();
    for (const t of this.trajectories) t.length = 0;
    this.finished = [];
  }

  /** Closes the session that just ended in `slot` into an {@link Episode} (the env already holds the replacement user). */
  closeEpisode(slot: number, sessionId: string, endCode: number, finalUser: number, finalReturn: number, finalLength: number): Episode {
    const steps = this.trajectories[slot]!;
    this.trajectories[slot] = [];
    return { sessionId, userId: finalUser, steps, return: finalReturn, length: finalLength, endReason: END_REASONS[endCode] ?? "quit" };
  }
}
