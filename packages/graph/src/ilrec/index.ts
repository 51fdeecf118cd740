export {
  DEMO_SCHEMA, STATE_WINDOW, demoRecordSchema, recordsFromTrajectory, appendDemonstrations, writeDemonstrations, parseDemonstrations, readDemonstrations,
  episodesFromRecords, type DemoRecord,
} from "./schema.js";
export { buildTeacher, runTeacher, trainingSession, TEACHER_KINDS, type Teacher, type TeacherKind, type TeacherOptions, type TeacherRun } from "./teacher.js";
export { runIlrecPipeline, servingLatency, type IlrecPipelineOptions, type IlrecPipelineResult, type IlrecRow, type ServeMode } from "./pipeline.js";
export { TrainingRecorder, CURVE_POINTS, type IlrecCurvePoint, type IlrecHistory, type IlrecWeightSnapshot } from "./history.js";
