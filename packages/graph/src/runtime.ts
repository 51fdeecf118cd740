/**
 * The runtime a LERL graph's nodes share: the heavy, non-serialisable objects (simulator, policy and its
 * algorithm, the rollout collector and buffer, planner, reflector, reflection pool, LLM accounting) plus
 * per-slot scratch. It never enters the LangGraph state; checkpoints save its weights and pool beside the state.
 */
import { END_REASONS, type EpisodeTracker, type VecEnv } from "@farsight/env";
import { Rng, type CategoryId, type Episode, type EpisodeStep } from "@farsight/core";
import type { LlmStats } from "@farsight/llm";
import type { Planner } from "@farsight/planner";
import type { ReflectionPool, Reflector } from "@farsight/reflector";
import { plannerRunnable, reflectorRunnable, type PlannerRunnable, type ReflectorRunnable } from "./runnables.js";
import { Collector, planMaskFromCategories, rolloutBufferFor, type OnPolicyAlgorithm, type PendingStep, type RolloutBuffer } from "@farsight/rl-policy/tf";

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
  /**
   * The one collection loop (rl-policy's, the one `trainPolicy` drives): `act` acts through it with the
   * plans as its plan mask, `step` steps the env and stores the transition through it, `learn` takes its
   * bootstrap value. It neither resets the env on creation (`run` does, once) nor refills idle slots (an
   * eval env's session limit ends the run; a train env auto-resets, so no slot idles).
   */
  readonly collector: Collector;
  readonly buffer: RolloutBuffer | null;
  /** The plan in force per slot, set by the `act` node from the state before it acts (read by the collector's plan-mask hook). */
  plans: readonly (readonly CategoryId[])[] = [];
  /** The act node's half of the current step, which the step node completes. */
  pending: PendingStep | null = null;
  /** Steps of the session running in each slot (for reflections and episode records). */
  readonly trajectories: EpisodeStep[][];
  /** Sessions that ended since the reflect node last ran. */
  finished: Episode[] = [];
  readonly rng: Rng;
  readonly chunkSteps: number;
  /** When the current invocation started (set by the `begin` node, moved on by `learn`). */
  startedAt = performance.now();
  /** True once the `begin` node has started the env's sessions; `run()` clears it to start over (a resume). */
  live = false;
  /**
   * End each invocation after one chunk even when no budget is spent. `run()` sets it while it runs, so that
   * the checkpointer (`durability: "exit"`) saves every chunk; otherwise one invocation runs until a budget is spent.
   */
  oneChunkPerInvocation = false;
  /** The planner and reflector as Runnables: their calls are traced as child runs of the nodes. */
  readonly plannerRunnable: PlannerRunnable;
  readonly reflectorRunnable: ReflectorRunnable | null;

  constructor(
    readonly components: LerlComponents,
    readonly options: LerlLoopOptions,
    readonly budget: LerlBudget,
    readonly hooks: LerlHooks,
  ) {
    const { env, algorithm } = components;
    this.collector = new Collector(env, algorithm.policy, {
      planMask: (e) => this.planMask(e),
      resetOnCreate: false,
      refillIdleSlots: false,
      ...(hooks.tracker ? { observer: hooks.tracker } : {}),
    });
    this.buffer = options.mode === "train" ? rolloutBufferFor(algorithm, env) : null;
    this.trajectories = Array.from({ length: env.batchSize }, () => []);
    this.rng = new Rng(options.seed, "graph/lerl");
    this.plannerRunnable = plannerRunnable(components.planner);
    this.reflectorRunnable = components.reflector ? reflectorRunnable(components.reflector, { context: { categoryNames: env.catalog.categoryNames } }) : null;
    this.chunkSteps = options.chunkSteps > 0 ? options.chunkSteps : options.mode === "train" ? algorithm.rolloutSteps : 50;
  }

  /** B*C: each active slot's plan; idle slots and slots without a plan allow every category. */
  private planMask(env: VecEnv): Uint8Array {
    const perSlot: (readonly CategoryId[] | undefined)[] = [];
    for (let b = 0; b < env.batchSize; b++) perSlot.push(env.active[b] && this.plans[b]?.length ? this.plans[b] : undefined);
    return planMaskFromCategories(perSlot, env.catalog.numCategories);
  }

  get env(): VecEnv {
    return this.components.env;
  }

  /** Starts (or restarts after a resume) every slot and empties per-slot scratch. */
  resetEnv(): void {
    this.collector.reset();
    this.pending = null;
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
