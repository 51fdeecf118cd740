export {
  runBillpSession, beginBillpSession, planBillpStep, actBillpStep, criticBillpStep, finishBillpSession,
  type BillpComponents, type BillpProgress, type BillpSessionOptions, type BillpStepRecord, type BillpTrajectory, type ReflectionMemory,
} from "./billp-session.js";
export { createBillpGraph, BillpState, type BillpGraph, type BillpRunOptions, type BillpStateValue, type CreateBillpGraphOptions } from "./billp-graph.js";
export { LerlState, RECENT_WINDOW, type LerlStateValue, type LerlStateUpdate } from "./state.js";
export { LerlRuntime, DEFAULT_LERL_LOOP, type LerlBudget, type LerlLoopOptions, type LerlComponents, type LerlHooks } from "./runtime.js";
export { beginNode, planNode, actNode, stepNode, reflectNode, learnNode, routeAfterStep, routeAfterReflect, routeAfterLearn, sessionIdOf, LerlContext, type LerlContextValue, type LerlProgress } from "./nodes.js";
export { createLerlGraph, compileLerlGraph, type CompiledLerlGraph, type CreateLerlGraphOptions, type LerlGraph, type LerlRunOptions } from "./lerl-graph.js";
export { RunCheckpoints } from "./run-checkpoints.js";
export { redactCheckpoints } from "./redact-checkpoints.js";
export { evaluateAgent, evaluateLerl, aggregateSeeds, type EvalOptions, type EvalResult, type LerlEvalComponents } from "./evaluate.js";
export {
  trainLerl,
  checkLerlResume,
  savedLerlState,
  trainFlatPpo,
  trainSimulator,
  policyDefaults,
  defaultTrainWorld,
  type TrainWorld,
  type TrainSetupOptions,
  type TrainLerlOptions,
  type TrainLerlResult,
  type TrainFlatPpoOptions,
} from "./train.js";
export { formatLerlProgress, progressBar } from "./progress.js";
export { MicroBatcher, batchPolicy, BatchingPlanner, type MicroBatchOptions, type MicroBatchStats, type BatchedPolicy } from "./micro-batch.js";
export { createSessionGraph, sessionSteps, SessionState, type SessionSteps, type SessionGraphOptions, type SessionPrompt, type SessionFeedback, type SessionStateValue } from "./session-graph.js";
export * from "./ilrec/index.js";
export { quitAwareOraclePlanner, noisyOraclePlanner, type QuitAwareOracleOptions } from "./oracle-planners.js";
export {
  buildProbeSet,
  planQuality,
  planAll,
  jaccard,
  calibrateNoisyOracle,
  qualityToQ,
  placeOnQScale,
  DEFAULT_Q_GRID,
  type ProbeSet,
  type ProbeSetOptions,
  type PlanQuality,
  type QualityCalibration,
  type QPlacement,
  type PlanQualityReport,
} from "./plan-quality.js";
export {
  asRunnable,
  componentKind,
  plannerRunnable,
  reflectorRunnable,
  criticRunnable,
  actorRunnable,
  policyRunnable,
  type ComponentKind,
  type ComponentRunnableOptions,
  type ReflectorRunnableOptions,
  type PlannerRunnable,
  type ReflectorRunnable,
  type CriticRunnable,
  type ActorRunnable,
  type PolicyRunnable,
} from "./runnables.js";
