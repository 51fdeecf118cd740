/**
 * Statistics over seeds, after Agarwal et al. (2021), "Deep Reinforcement Learning at the Edge of the
 * Statistical Precipice" (rliable): aggregates, stratified-bootstrap intervals, differences with verdicts,
 * probability of improvement, performance profiles, learning-curve bands, and the text every table uses.
 */
export { ONE_TASK, toStrata, type Scores, type MethodScores, type Strata } from "./scores.js";
export { mean, iqm, median, aggregateTasks, AGGREGATE_LABELS, type AggregateName } from "./aggregates.js";
export {
  intervalEstimate,
  bootstrapSettings,
  bootstrapReplicates,
  percentileInterval,
  resampleInto,
  DEFAULT_REPS,
  DEFAULT_CONFIDENCE,
  DEFAULT_SEED,
  type BootstrapOptions,
  type BootstrapSettings,
  type IntervalEstimate,
  type IntervalOptions,
} from "./bootstrap.js";
export { difference, verdictOf, type DifferenceEstimate, type DifferenceOptions, type Verdict } from "./difference.js";
export { probabilityOfImprovement, pairwiseImprovement, type ImprovementEstimate } from "./improvement.js";
export { performanceProfile, fractionAbove, DEFAULT_PROFILE_POINTS, type PerformanceProfile, type ProfileOptions } from "./profile.js";
export { curveBands, interpolateCurve, commonSteps, DEFAULT_CURVE_STEPS, type CurveBand, type CurveBandOptions, type StepValue, type SeedCurve } from "./curves.js";
export {
  formatNumber,
  formatInterval,
  formatConfidence,
  overSeeds,
  resamplingNote,
  intervalLegend,
  differenceLegend,
  improvementLegend,
  bandLegend,
  NO_INTERVAL,
  type FormatOptions,
  type EstimateLike,
} from "./format.js";
export { compareMethods, renderComparison, comparisonTable, type ComparisonRow, type ComparisonOptions, type ComparisonResult } from "./table.js";
