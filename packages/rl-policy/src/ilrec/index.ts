export { demoWeights, criticAdvantages, shapedReward, discountedReturns, clampProbability, DEFAULT_DEMO_WEIGHT_OPTIONS, type DemoWeightOptions } from "./weights.js";
export { DemoBuffer, type DemoShape } from "./demo-buffer.js";
export { Discriminator, stateFeatures, transitionFeatures, featureRows, selectRows, DEFAULT_DISCRIMINATOR_OPTIONS, type DiscriminatorOptions, type FeatureMatrix } from "./discriminator.js";
export { demoAdvantages, fitRegressor, DEFAULT_DEMO_VALUE_OPTIONS, type DemoValueOptions } from "./demo-values.js";
export { MixedReplay, replayActorCriticLoss, type MixedSample, type MixedTransitions, type ReplayLossOptions } from "./replay.js";
export { DEFAULT_ILREC_OPTIONS, ilrecDefaults, resolveIlrecOptions, type IlrecOptions, type IlrecDataset, type IlrecRewardMode, type IlrecAdvantage } from "./options.js";
export { IlrecLearner, trainBehaviourCloning, DEFAULT_BC_OPTIONS, type BehaviourCloningOptions, type IlrecProgress, type IlrecTrainSummary } from "./learner.js";
