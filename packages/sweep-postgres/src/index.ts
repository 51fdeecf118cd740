/**
 * @farsight/sweep-postgres: @farsight/lab's sweeps across machines, with PostgreSQL as the queue (pg-boss) and as
 * the store of per-seed results and curve summaries. Kept out of @farsight/lab so that a user who never runs a
 * sweep on PostgreSQL installs neither pg-boss nor pg.
 */
export { enqueueSweep, queueJobId, readPgSweep, runPgWorker, QUEUE_NAME, type EnqueueOptions, type EnqueueSummary, type PgSweep, type PgWorkerOptions } from "./queue.js";
export { ensureSchema, SCHEMA_SQL } from "./schema.js";
