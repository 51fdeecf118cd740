export { EndCode, END_REASONS } from "./types.js";
export type { EvalMode, VecStepResult, VecEnv, Agent, FeedbackKind, SlateReward } from "./types.js";
export { Simulator, DEFAULT_SIMULATOR, type SimulatorOptions } from "./simulator.js";
export { Session, type SessionStep } from "./session.js";
export { MatrixWorld, MatrixScorer, columnDistances, type WorldModel, type MatrixWorldOptions } from "./world.js";
export { SyntheticWorld, generateSynthetic, DEFAULT_SYNTHETIC, type SyntheticOptions, type SyntheticWorldData } from "./synthetic.js";
export { syntheticFamily, SYNTHETIC_SIZES, type SyntheticSize, type SyntheticFamilyMember } from "./synthetic-family.js";
export {
  CategoryWindowRule,
  DistanceWindowRule,
  TemperRule,
  ResponseTemperRule,
  windowStart,
  type QuitRule,
  type WindowCompat,
  type CategoryWindowOptions,
  type DistanceWindowOptions,
  type TemperOptions,
  type ResponseTemperOptions,
  type ItemDistance,
  itemDistanceOf,
  checkCategoryWindow,
  checkDistanceWindow,
} from "./quit.js";
export { trainMF, rmse, constantRmse, ensureBackend, tfjsAvailable, columnDistancesTf, DEFAULT_MF, type MFOptions, type TrainedMF } from "./learned.js";
export { trainDeepFM, memberStats, DEFAULT_DEEPFM, MAX_DEEPFM_CELLS, type DeepFMOptions, type TrainedDeepFM } from "./deepfm.js";
export { trainDeepFMEnsemble, ensembleSeeds, DEFAULT_DEEPFM_ENSEMBLE, type DeepFMEnsembleOptions, type TrainedDeepFMEnsemble } from "./deepfm-ensemble.js";
export { trainIpsDeepFM, ipsWeights, DEFAULT_IPS_DEEPFM, type IpsDeepFMOptions, type IpsWeights, type TrainedIpsDeepFM } from "./deepfm-ips.js";
export {
  trainUserModel,
  noPropensitiesError,
  completeGroundTruth,
  penalizedPrediction,
  userModelOptions,
  USER_MODELS,
  DEFAULT_USER_MODEL,
  type UserModelKind,
  type UserModelOptions,
  type TrainedUserModel,
  type UserModelData,
} from "./user-model.js";
export { featureTable, categoryFeatures, datasetFeatures, type FeatureTable, type SideFeatures } from "./features.js";
export { EpisodeTracker, majorityCategories, SEQUENCE_PREFIX, COLLAPSE_SHARE, COLLAPSE_MIN_USERS, type MetricSummary, type TrackerOptions } from "./metrics.js";
export { runEpisodes, evaluate, resolveMode, EVAL_MODES, type EvaluateOptions, type EvaluateProgress, type EvaluationResult } from "./protocol.js";
export { DEPRECATED_PRESETS, resolvePresetName } from "./preset-names.js";
export { PRESETS, DATASET_TEST_FRACTION, DEFAULT_FOLD_IN, loadPreset, makeSimulator, splitUsers, filterLog, foldInLog, type FoldInOrder, type SimulatorRole, type PresetName, type PresetOptions, type EnvSetup } from "./presets.js";
export { TEMPER_MODELS, INITIAL_TEMPER, type TemperModel } from "./preset-temper.js";
export { RandomAgent, GreedyAgent, PopularityAgent, OracleAgent, QuitAwareOracleAgent, RoundRobinAgent, type RandomAgentOptions, type GreedyAgentOptions, type PopularityAgentOptions } from "./agents.js";
export { LoggingAgent, type LoggingAgentOptions } from "./logging-agent.js";
export { defaultDataDir, dataDirCandidates, findDataset, repoRoot } from "./datadir.js";
export { type Dataset, type RatingLog, dataError } from "./data/dataset.js";
export { loadCoat } from "./data/coat.js";
export { loadMovieLens100k, loadMovieLens1m } from "./data/movielens.js";
export { loadKuaiRec, loadKuaiRandPure } from "./data/kuai.js";
export { loadGenericCsv, loadBillpItems, parsePythonStringList } from "./data/generic.js";
export { fetchDataset, DATASET_SOURCES, type DatasetSource, type Download, type FetchOptions, type FetchResult } from "./fetch.js";
export { extractArchive, type ExtractedFile, type ExtractOptions } from "./archive.js";
export { fitSparse, predictAll, columnEmbeddings, type MFFactors, type SparseFitOptions } from "./mf-sparse.js";
export { calibrateTheta, windowQuitChance, nearestWindowDistances, COAT_WINDOW_QUIT_CHANCE, COAT_WINDOW, CALIBRATION_SAMPLES, type ThetaCalibration } from "./calibrate.js";
export {
  quitRuleKnowledge,
  itemRuleKnowledge,
  type QuitRuleKnowledge,
  type CategoryRuleKnowledge,
  type ItemRuleKnowledgeOptions,
  type ItemRuleKnowledgeTable,
  type ItemRuleQueryLike,
  type CategoryOutlookLike,
  type ItemSlateLike,
} from "./oracle-knowledge.js";
export { buildUserProfiles, userPast, userFeatureMap, truncateProfiles, type UserProfiles, type UserProfileInput, type UserPastSource, type LoggedItem } from "./user-profiles.js";
export { GymEnv, makeGymEnv, type GymObservation, type GymInfo, type GymStepResult, type GymResetOptions, type GymEnvOptions, type GymEnvSource } from "./gym.js";
export { DiscreteSpace, SlateSpace, BoxSpace, DictSpace, type Space } from "./gym-spaces.js";
