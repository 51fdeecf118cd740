/**
 * "@farsight/rl-policy": one-line training (`PPO.learn(env, { steps })`), evaluation, save / load, the backend and
 * the distilled planner. Its declarations name no TF.js type, so a project that imports only this entry
 * type-checks under TypeScript 7 with `skipLibCheck: false` (TF.js 4.22's own .d.ts do not, and a compiler checks
 * them only when an import reaches them). The tensor-level API (ParamSet, NeuralPolicy, createAlgorithm,
 * trainPolicy, buffers, the `tf` tensor types) is "@farsight/rl-policy/tf", whose declarations show tensors through
 * the structural types of ./tensor-view.ts instead (so it type-checks there too).
 *
 * The values below are the implementation's, typed here with the plain types of ./plain-types.ts and the
 * interfaces of this file: tsc checks that each implementation fits them, and the emitted index.d.ts imports
 * neither ./learn.js nor ./backend.js.
 */
import type { Agent, EvaluationResult, GymEnv, GymObservation } from "@farsight/env";
import type { Policy } from "@farsight/core";
import * as backend from "./backend.js";
import * as learn from "./learn.js";
import type {
  A2CBaseOptions,
  AgentEvaluateOptions,
  AlgorithmName,
  BackendName,
  BackendReport,
  CheckpointManifest,
  DqnOptions,
  LearnOptions,
  PolicyKind,
  PolicyOptions,
  PpoOptions,
  ReinforceOptions,
  TrainSummary,
} from "./plain-types.js";

export type {
  A2CBaseOptions,
  AgentEvaluateOptions,
  AlgorithmName,
  BackendName,
  BackendReport,
  CheckpointEntry,
  CheckpointManifest,
  DqnOptions,
  EncoderKind,
  EncoderOptions,
  LearnOptions,
  PolicyHead,
  PolicyKind,
  PolicyOptions,
  PolicyOptionsInit,
  PpoOptions,
  ReinforceBaseline,
  ReinforceOptions,
  TrainProgress,
  TrainSummary,
  TransformerOptions,
  UpdateStats,
  UserStateOptions,
} from "./plain-types.js";
export { DistilledPlanner, DEFAULT_DISTILLED_PLANNER_OPTIONS, type DistilledPlannerOptions, type DistillExample, type DistillRequest } from "./distilled-planner.js";

/** A trained policy with its environment: evaluate, act, save. (The class, with its algorithm, is in "/tf".) */
export interface TrainedAgent {
  /** The environment it was trained on (or loaded with); `evaluate` uses it unless given another. */
  readonly env: GymEnv | undefined;
  /** What training did (absent for a loaded agent). */
  readonly training: TrainSummary | undefined;
  /** The TF.js backend that trained it. */
  readonly backend: BackendReport;
  /** The policy, as core's `Policy` (its tensors stay inside; "/tf" has the `NeuralPolicy` view). */
  readonly policy: Policy<PolicyOptions, PolicyKind>;
  /** The evaluation protocol of @farsight/env on held-out users (ground-truth world by default). */
  evaluate(options?: AgentEvaluateOptions): Promise<EvaluationResult>;
  /** The action for one observation: an item id, or a slate of ids when the env shows more than one. */
  predict(observation: GymObservation, options?: { readonly actionMask?: Uint8Array; readonly deterministic?: boolean }): number | Int32Array;
  /** The policy as an @farsight/env `Agent`, for `evaluate` or a custom loop. */
  asEnvAgent(options?: { readonly deterministic?: boolean }): Agent;
  /** Writes a checkpoint folder (`policy.json` + `weights.bin`); `Learner.load(dir)` reads it back. */
  save(dir: string): Promise<CheckpointManifest>;
  /** Frees the policy's and optimiser's tensors. */
  dispose(): void;
}

/** One algorithm's entry point: `learn` trains a fresh policy, `load` reads a saved one. */
export interface Learner<A> {
  readonly algorithm: AlgorithmName;
  learn(env: GymEnv | string, options: LearnOptions<A>): Promise<TrainedAgent>;
  load(dir: string, options?: { readonly env?: GymEnv }): Promise<TrainedAgent>;
}

export const PPO: Learner<PpoOptions> = learn.PPO;
export const A2C: Learner<A2CBaseOptions> = learn.A2C;
export const DQN: Learner<DqnOptions> = learn.DQN;
export const REINFORCE: Learner<ReinforceOptions> = learn.REINFORCE;

/**
 * Selects the first backend of `order` (default tensorflow, wasm, cpu) that initialises, registers the package's
 * gradients and reports the choice; `FARSIGHT_TF_BACKEND` forces one. Safe to call repeatedly.
 */
export const initBackend: (order?: readonly BackendName[]) => Promise<BackendReport> = backend.initBackend;
/** Throws a FarsightError naming `initBackend` (and `what` needed it) when no TF.js backend is ready. */
export const requireBackend: (what: string) => void = backend.requireBackend;
/** Backends that can be initialised here, in preference order. */
export const availableBackends: () => Promise<BackendName[]> = backend.availableBackends;
/** Default preference of `initBackend`: fastest first. */
export const DEFAULT_BACKEND_ORDER: readonly BackendName[] = backend.DEFAULT_BACKEND_ORDER;
