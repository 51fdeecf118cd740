export * from "./fake-llm-server.js";
export { actorConformance, conformanceCatalog, CONFORMANCE_USERS, type ConformanceActor, type ActorConformanceContext, type ActorConformanceOptions } from "./actor-conformance.js";
export { criticConformance, type ConformanceCritic, type CriticConformanceContext, type CriticConformanceOptions } from "./critic-conformance.js";
export { plannerConformance, planProblems, randomPlanRequests, plannerAnswer, GARBAGE_PLANNER_ANSWERS, type ConformancePlanner, type ConformancePlanRequest, type PlannerConformanceContext, type PlannerConformanceOptions } from "./planner-conformance.js";
export { reflectorConformance, reflectionProblems, randomEpisode, reflectorAnswer, GARBAGE_REFLECTOR_ANSWERS, type ConformanceReflector, type ReflectorConformanceContext, type ReflectorConformanceOptions } from "./reflector-conformance.js";
export { writeMovieLens100k, writeMovieLens1m, ML100K_GENRES, type MovieLensFixtureOptions, type MovieLensFacts } from "./movielens-fixtures.js";
export { tarBytes, writeTar, writeZip, zipBytes, type ArchiveMember, type TarOptions, type ZipOptions } from "./archive-writers.js";
export {
  kuaiRandPureMembers,
  kuaiRecMembers,
  writeKuaiRandPureFixture,
  writeKuaiRandPureTarGz,
  writeKuaiRecFixture,
  writeKuaiRecZip,
  writeMembers,
  KUAI_USER_FEATURE_COLUMNS,
  KUAIRAND_LOG_COLUMNS,
  KUAIRAND_VIDEO_BASIC_COLUMNS,
  KUAIRAND_VIDEO_STATISTIC_COLUMNS,
  KUAIREC_ITEM_DAILY_COLUMNS,
  KUAIREC_MATRIX_COLUMNS,
  type KuaiFixtureOptions,
  type KuaiRandFacts,
  type KuaiRecFacts,
} from "./kuai-fixtures.js";
export { randomSchemaValue, requestSchema, randomSchemaAnswers } from "./schema-sampler.js";
