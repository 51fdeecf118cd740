/**
 * @farsight/lab: the experiment layer shared by scripts, the `farsight` CLI and the server: the LERL and IL-Rec
 * experiments and the `bench learn` grid, the planner and agent registries, resumable run directories, the
 * run-dir writer and reader (RUN_DIR.md), the HTML/SVG report, and statistics over seeds (./stats).
 */
export { SILENT, warnOf, type LabIO } from "./io.js";
// Experiments
export { runLerlExperiment, formatTable, tableFooter, wrap, FLAT_GREEDY, FLAT_SAMPLED, type LerlExperiment, type LerlResult, type ResultRow, type SeedValues } from "./experiment/lerl.js";
export { runIlrecExperiment, type IlrecExperiment, type IlrecResult } from "./experiment/ilrec.js";
export { aggregate as aggregateIlrecRows, ilrecCurves, ilrecEpisodes, ilrecResults, ilrecWeights, sessionCollector, writeIlrecRecords, type IlrecRunInfo, type IlrecSeedRun } from "./experiment/ilrec-record.js";
export { forgetUncheckpointedRecords, LERL_FLAGS, seriesKey } from "./experiment/lerl-resume.js";
export { categoryQuitRule, createPlanner, lerlName, nonLlmPlanners, plannerEntry, plannerNames, registerPlanner, type PlannerContext, type PlannerEntry, type PlannerModel } from "./experiment/planners.js";
export { agentChoice, agentMayRepeat, agentNames, masksRepeats, registerAgent, resolveAgent, type AgentContext, type AgentEntry } from "./experiment/agents.js";
export { checkCollapse, qualityFigures } from "./experiment/llm-run.js";
export { formatGrade, gradeModel, type GradeOptions, type GradeReport, type RoleGrade } from "./experiment/llm-grade.js";
export { answerLines, answerRecord, checkFallbackRate, fallbackLabel, LlmRunError, modelOptions, preflight, watchSlowCalls, worstComponent, type LlmRunOptions } from "./experiment/llm-run.js";
export { eta, fitToWidth, formatDuration, makeProgress, ThrottledProgress, type ProgressOptions, type ThrottleOptions } from "./experiment/progress.js";
export { userSplit, type EvalPolicy, type UserSplit } from "./experiment/protocol.js";
export { faultPoint } from "./experiment/fault.js";
export { sessionVerdict, verdictLegend, verdictLine, type SessionVerdict } from "./experiment/verdict.js";
// bench learn
export {
  aggregateRows,
  DEFAULT_LEARN_STEPS,
  FALLBACK_LEARN_STEPS,
  fmtDuration,
  knownMethods,
  DEFAULT_LEARN_MODES,
  LEARNED,
  learnerPolicyOptions,
  MODE_NOTES,
  OFFLINE,
  runLearnBench,
  userSplit as learnUserSplit,
  type LearnOptions,
  type LearnerSettings,
  type LearnResults,
  type LearnRow,
  type PresetInfo,
  type SeedResult,
  type UserSplit as LearnUserSplit,
} from "./bench/learn.js";
export { USER_STATE_MODES, type UserStateMode } from "./bench/learn.js";
export { formatPresetTable, writeLearnReport } from "./bench/learn-report.js";
export { OFFLINE_TERMINALS, trainFromLog, type OfflineTerminals, type TrainFromLogOptions, type TrainedFromLog } from "./experiment/train-from-log.js";
// Run directories and the report
export { CONFIG_HASH_FILE, diffConfig, LOCK_FILE, lockHolder, RunDirectory, writeFileAtomic, type ConfigDifference, type LockHolder, type OpenRunDirectoryOptions } from "./run-dir/run-directory.js";
export { episodeRecord } from "./run-dir/run-dir.js";
export { formatLlmAnswers, llmRecordSink, LLM_RECORDS_FILE, readLlmRecords, reasonGist, type AnswerExample, type LlmAnswersSummary, type RoleAnswers } from "./run-dir/llm-records.js";
export { llmAnswersSection } from "./report/llm-answers-section.js";
export * from "./report/index.js";
// Statistics
export { ci95, tQuantile975, type Interval } from "./stats/student-t.js";
export * from "./stats/index.js";
export * from "./evidence/index.js";
// bench user-model
export { formatUserModelTable, runUserModelBench, type UserModelBenchOptions, type UserModelBenchResult, type UserModelRow, type UserModelScores } from "./bench/user-model.js";
// bench llm --throughput
export { formatLlmThroughput, runLlmThroughputBench, startFixedLatencyServer, throughputRequests, type LlmThroughputOptions, type LlmThroughputResult, type LlmThroughputRow } from "./bench/llm-throughput.js";
export * from "./sweep/index.js";
export { distillPlanner, readPlanRecords, isHeldOut, meanAgreement, majorityAgreement, distilledPlannerFile, type DistillOptions, type DistillResult, type PlanRecords } from "./distill/distill.js";
export { RecordedPlanner, NO_MODEL } from "./distill/recorded-planner.js";
// bench distill
export { formatDistillBench, runDistillBench, type DistillBenchCell, type DistillBenchOptions, type DistillBenchResult, type DistillBenchRow } from "./bench/distill.js";
