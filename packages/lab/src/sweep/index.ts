export { checkSweepSpec, expandJobs, parseSweepSpec, specHash, SWEEP_METHODS, type SweepJob, type SweepMethod, type SweepSpec } from "./spec.js";
export { jobDir, runSweepJob, summariseCurves, type CurveSummary, type JobResult, type RunJobOptions, type SweepRow } from "./job.js";
export { jobFailedError, runWorker, type ClaimedJob, type JobQueue, type WorkerOptions, type WorkerSummary } from "./worker.js";
export { runLocalSweep, type LocalSweepOptions, type LocalSweepSummary } from "./local-pool.js";
export { hasLocalResult, localRunsRoot, openLocalSweep, readLocalResults, readLocalSpec, writeLocalResult } from "./local-store.js";
export { ablationOf, renderProgress, renderSweepReport, sweepProgress, sweepTables, type SweepProgress, type SweepTable } from "./aggregate.js";
