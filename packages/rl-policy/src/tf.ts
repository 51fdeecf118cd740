// "@farsight/rl-policy/tf": the whole API, tensor level included (ParamSet, NeuralPolicy, the algorithms, buffers,
// the `tf` tensor types). Its declarations show tensors through ./tensor-view.ts, not TF.js's own .d.ts (which do not
// type-check under TypeScript 7 with skipLibCheck false); TF.js's ops are @tensorflow/tfjs-core's, imported directly.
export { initBackend, requireBackend, availableBackends, DEFAULT_BACKEND_ORDER, type BackendName, type BackendReport } from "./backend.js";
/** The tensor types of the declarations below (`tf.Tensor2D`, `tf.Variable`, `tf.Optimizer`, ...); types only. */
export type * as tf from "#tfjs";
export { registerGradients, differentiableKernels } from "./gradients.js";
export { ParamSet, dense, mlp, layerNorm } from "./params.js";
export { DEFAULT_ENCODER_OPTIONS, stateDimOf, itemTable, historyTokens, encodeState, type HistoryBatch, type HistoryTokens, type EncoderKind, type EncoderOptions } from "./encoders.js";
export type { TransformerOptions } from "./state-trackers/transformer.js";
export { STATE_TRACKERS, stateTracker, type StateTracker } from "./state-trackers/index.js";
export { emptyHistory, readHistory, readRepeatMask, combineMasks, planMaskFromCategories, sliceHistory, type MaskStats } from "./features.js";
export { MASKED_LOGIT, gaussianLogProb, gaussianEntropy, applyMask, plackettLuceLogProb, topKSlates, sampleSlates, epsilonGreedySlates } from "./distributions.js";
export { computeGae, RolloutBuffer, ReplayBuffer, historyRows, stackMasks, permutation, type TransitionShape } from "./buffers.js";
export {
  NeuralPolicy,
  contextFromEnv,
  gradientStep,
  maskTensor,
  DEFAULT_POLICY_OPTIONS,
  type Policy,
  type PolicyKind,
  type PolicyContext,
  type PolicyOptions,
  type PolicyOptionsInit,
  type ActRequest,
  type ActResult,
  type StepStats,
} from "./policy.js";
export type { Algorithm, AlgorithmBase, OnPolicyAlgorithm, OffPolicyAlgorithm, StepBatch, UpdateStats } from "./algorithm.js";
export { ActorCriticPolicy, forEachMinibatch, explainedVariance, normalizeInPlace, type ActionEvaluation, type StoredActions, type Minibatch } from "./actor-critic.js";
export { SlatePolicy } from "./slate-policy.js";
export { HyperActionPolicy, DEFAULT_INIT_STD } from "./hyper-action.js";
export { PpoAlgorithm, createPpoPolicy, DEFAULT_PPO_OPTIONS, setLearningRate, type PpoOptions, type PolicyHead } from "./ppo.js";
export { A2CPolicy, A2CAlgorithm, DEFAULT_A2C_OPTIONS, imitationLoss, type A2COptions, type A2CBaseOptions, type AuxiliaryLoss, type DemoBatch } from "./a2c.js";
export { DqnPolicy, DqnAlgorithm, DEFAULT_DQN_OPTIONS, type DqnOptions } from "./dqn.js";
export { ReinforceAlgorithm, DEFAULT_REINFORCE_OPTIONS, type ReinforceOptions, type ReinforceBaseline } from "./reinforce.js";
export { Collector, type CollectorOptions, type CollectedStep, type PendingStep, type StepObserver, type FinishedEpisode } from "./collector.js";
export { trainPolicy, rolloutBufferFor, type TrainOptions, type TrainProgress, type TrainSummary } from "./trainer.js";
export { saveCheckpoint, loadCheckpoint, loadOfflineCheckpoint, loadPolicy, type CheckpointManifest, type CheckpointEntry, type LoadedCheckpoint, type LoadedOfflineCheckpoint } from "./checkpoint.js";
export { PolicyAgent, createAlgorithm, type AlgorithmName, type CreateAlgorithmOptions, type PolicyAgentOptions } from "./agent.js";
export * from "./ilrec/index.js";
export * from "./offline/index.js";
export { DEFAULT_USER_STATE, UserTables, userVector, categoryAffinity, type UserStateOptions } from "./user-state.js";
export { PPO, A2C, DQN, REINFORCE, Learner, TrainedAgent, type LearnOptions, type AgentEvaluateOptions } from "./learn.js";
export { DistilledPlanner, DEFAULT_DISTILLED_PLANNER_OPTIONS, type DistilledPlannerOptions, type DistillExample, type DistillRequest } from "./distilled-planner.js";
