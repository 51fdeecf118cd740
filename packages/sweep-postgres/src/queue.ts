/**
 * A sweep across machines: `enqueueSweep` puts the spec's unfinished jobs into a pg-boss queue, `runPgWorker` (on any
 * machine that reaches the database) claims and runs them through @farsight/lab's shared worker loop and writes their
 * results into the sweep's tables (./schema.ts), `readPgSweep` reads what has finished for status and report.
 *
 * Worker death is handled by pg-boss's expiration (a visibility timeout) plus a heartbeat: while a worker runs a job
 * it moves the job's start time forward every quarter of the timeout, so a live worker's job never expires however
 * long it runs, and a dead worker's job is active without heartbeats for `visibilitySeconds`, after which the
 * maintenance pass any live worker runs puts it back (state retry) and another worker claims it. Should a stalled
 * worker's job be retried while it still runs, the results are keyed by spec hash, job id and method and written by
 * upsert, so the second run overwrites the first with the same numbers.
 */
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { FarsightError } from "@farsight/core";
import { checkSweepSpec, expandJobs, runWorker, specHash, SILENT, type ClaimedJob, type JobQueue, type JobResult, type LabIO, type SweepJob, type SweepSpec, type WorkerSummary } from "@farsight/lab";
import PgBoss from "pg-boss";
import pg from "pg";
import { ensureSchema } from "./schema.js";

/** The pg-boss queue every sweep's jobs go into (jobs carry their spec hash, so sweeps share it). */
export const QUEUE_NAME = "farsight-sweep";

export interface EnqueueOptions {
  /** Seconds a claimed job may go without its worker's heartbeat before it counts as abandoned and is retried elsewhere. Default 120. */
  readonly visibilitySeconds?: number;
  /** Retries after the first attempt (a failure or an abandoned claim each use one). Default 2. */
  readonly retries?: number;
}

export interface EnqueueSummary {
  readonly specHash: string;
  readonly jobs: number;
  /** Jobs already finished in the database, not queued again. */
  readonly finished: number;
  /** Jobs sent now (a job still queued or running from an earlier call is not duplicated). */
  readonly queued: number;
}

/** A pool with an error listener (an idle client's error must not crash a worker). */
function openPool(url: string, io: LabIO): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  pool.on("error", (e) => io.write(`[sweep] PostgreSQL connection error: ${e.message}\n`));
  return pool;
}

function openBoss(url: string, io: LabIO, maintenanceSeconds: number, supervise: boolean): PgBoss {
  const boss = new PgBoss({ connectionString: url, max: 2, supervise, schedule: false, maintenanceIntervalSeconds: maintenanceSeconds, monitorStateIntervalSeconds: Math.max(maintenanceSeconds, 60) });
  boss.on("error", (e: Error) => io.write(`[sweep] queue error: ${e.message}\n`));
  return boss;
}

/** A job's pg-boss id, derived from the spec hash and job id: sending a job twice while it is queued inserts nothing. */
export function queueJobId(job: SweepJob): string {
  const h = createHash("sha256").update(`${job.specHash}/${job.id}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Records the spec and queues every job that has no result yet. */
export async function enqueueSweep(url: string, spec: SweepSpec, o: EnqueueOptions = {}, io: LabIO = SILENT): Promise<EnqueueSummary> {
  const hash = specHash(spec);
  const jobs = expandJobs(spec);
  const pool = openPool(url, io);
  const boss = openBoss(url, io, 60, false);
  try {
    await ensureSchema(pool);
    await pool.query("INSERT INTO farsight_sweep (spec_hash, name, spec, jobs) VALUES ($1, $2, $3, $4) ON CONFLICT (spec_hash) DO NOTHING", [hash, spec.name, JSON.stringify(spec), jobs.length]);
    const done = new Set((await pool.query<{ job_id: string }>("SELECT job_id FROM farsight_sweep_job WHERE spec_hash = $1", [hash])).rows.map((r) => r.job_id));
    await boss.start();
    if (!(await boss.getQueue(QUEUE_NAME))) await boss.createQueue(QUEUE_NAME);
    const todo = jobs.filter((j) => !done.has(j.id));
    // Jobs of this spec still waiting or running: sending them again would add a second copy (pg-boss archives a
    // settled job, so its id can be reused; an unsettled one is skipped here).
    const open = new Set(
      (await pool.query<{ id: string }>("SELECT id::text FROM pgboss.job WHERE name = $1 AND state IN ('created', 'retry', 'active') AND data->>'specHash' = $2", [QUEUE_NAME, hash])).rows.map((r) => r.id),
    );
    let queued = 0;
    for (const job of todo) {
      const id = queueJobId(job);
      if (open.has(id)) continue;
      await boss.send(QUEUE_NAME, job as unknown as object, { id, expireInSeconds: o.visibilitySeconds ?? 120, retryLimit: o.retries ?? 2, retryDelay: 0 });
      queued++;
    }
    return { specHash: hash, jobs: jobs.length, finished: done.size, queued };
  } finally {
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    await pool.end();
  }
}

export interface PgWorkerOptions {
  /** Root of this worker's run directories (`<out>/<spec hash>/<job id>/`). */
  readonly out: string;
  readonly dataDir?: string;
  /** Leave when no job of the queue is waiting or running (default: keep polling for new sweeps). */
  readonly untilEmpty?: boolean;
  /** Seconds between polls of an empty queue. Default 2. */
  readonly pollSeconds?: number;
  /** Seconds between maintenance passes (the one that puts abandoned jobs back). Default 30. */
  readonly maintenanceSeconds?: number;
  /** This worker's name in the claims and results. Default host:pid. */
  readonly name?: string;
  readonly io?: LabIO;
}

/** Claims and runs jobs from the queue until stopped (or, with `untilEmpty`, until none is left). */
export async function runPgWorker(url: string, o: PgWorkerOptions): Promise<WorkerSummary> {
  const io = o.io ?? SILENT;
  const name = o.name ?? `${hostname()}:${process.pid}`;
  const pool = openPool(url, io);
  const boss = openBoss(url, io, o.maintenanceSeconds ?? 30, true);
  const ids = new Map<string, string>();
  await ensureSchema(pool);
  await boss.start();
  if (!(await boss.getQueue(QUEUE_NAME))) await boss.createQueue(QUEUE_NAME);
  const queue: JobQueue = {
    async claim(): Promise<ClaimedJob | undefined> {
      for (;;) {
        const [got] = await boss.fetch<SweepJob>(QUEUE_NAME, { batchSize: 1, includeMetadata: true });
        if (got) {
          const claim = { job: got.data, attempt: got.retryCount + 1 };
          ids.set(got.data.id + "\u0000" + got.data.specHash, got.id);
          beat = heartbeat(pool, got.id, got.expireInSeconds, io);
          await pool.query("INSERT INTO farsight_sweep_claim (spec_hash, job_id, attempt, worker) VALUES ($1, $2, $3, $4)", [got.data.specHash, got.data.id, claim.attempt, name]);
          io.write(`[worker ${name}] ${got.data.id} (spec ${got.data.specHash}): attempt ${claim.attempt}\n`);
          return claim;
        }
        if (o.untilEmpty) {
          const open = await pool.query<{ n: string }>("SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state IN ('created', 'retry', 'active')", [QUEUE_NAME]);
          if (Number(open.rows[0]!.n) === 0) return undefined;
        }
        await sleep((o.pollSeconds ?? 2) * 1000);
      }
    },
    async finish(claim, result) {
      await writeResult(pool, result, claim.attempt, name);
      await boss.complete(QUEUE_NAME, takeId(claim));
      io.write(`[worker ${name}] ${claim.job.id}: finished in ${result.seconds.toFixed(1)} s\n`);
    },
    async fail(claim, error) {
      await boss.fail(QUEUE_NAME, takeId(claim), { message: error.message });
    },
  };
  let beat: (() => void) | undefined;
  const takeId = (c: ClaimedJob) => {
    beat?.();
    beat = undefined;
    const key = c.job.id + "\u0000" + c.job.specHash;
    const id = ids.get(key)!;
    ids.delete(key);
    return id;
  };
  try {
    return await runWorker(queue, { root: o.out, ...(o.dataDir ? { dataDir: o.dataDir } : {}), io, rootOf: (job) => join(o.out, job.specHash) });
  } finally {
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    await pool.end();
  }
}

/**
 * Keeps a claimed job from expiring while this worker lives: pg-boss 10 has no heartbeat of its own, and it expires an
 * active job when `started_on + expire_in` has passed, so the heartbeat moves `started_on` to now. Returns the stop.
 */
function heartbeat(pool: pg.Pool, id: string, expireInSeconds: number, io: LabIO): () => void {
  const every = Math.max(0.5, expireInSeconds / 4) * 1000;
  const timer = setInterval(() => {
    pool.query("UPDATE pgboss.job SET started_on = now() WHERE name = $1 AND id = $2 AND state = 'active'", [QUEUE_NAME, id]).catch((e: Error) => io.write(`[sweep] heartbeat of job ${id} failed: ${e.message}\n`));
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}

/** Writes a job's rows and its job record in one transaction, by upsert: a second run of the job adds no row. */
async function writeResult(pool: pg.Pool, result: JobResult, attempt: number, worker: string): Promise<void> {
  const { job } = result;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO farsight_sweep_job (spec_hash, job_id, job, attempt, worker, seconds, curves) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (spec_hash, job_id) DO UPDATE SET job = EXCLUDED.job, attempt = EXCLUDED.attempt, worker = EXCLUDED.worker, seconds = EXCLUDED.seconds, curves = EXCLUDED.curves, finished_at = now()`,
      [job.specHash, job.id, JSON.stringify(job), attempt, worker, result.seconds, JSON.stringify(result.curves)],
    );
    for (const r of result.rows) {
      await client.query(
        `INSERT INTO farsight_sweep_result (spec_hash, job_id, method, preset, budget, seed, metrics) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (spec_hash, job_id, method) DO UPDATE SET metrics = EXCLUDED.metrics`,
        [job.specHash, job.id, r.method, r.preset, r.budget, r.seed, JSON.stringify(r.metrics)],
      );
    }
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** What the database holds of one sweep. */
export interface PgSweep {
  readonly spec: SweepSpec;
  readonly results: JobResult[];
  /** Jobs of the spec waiting, running or given up in the queue. */
  readonly queued: number;
  readonly running: number;
  readonly failed: number;
  /** Claims beyond the first of a job: retries after a failure or an abandoned claim. */
  readonly retries: number;
}

/** Reads a sweep's spec and finished results; `which` is a spec hash or a sweep name (default: the newest sweep). */
export async function readPgSweep(url: string, which?: string, io: LabIO = SILENT): Promise<PgSweep> {
  const pool = openPool(url, io);
  try {
    await ensureSchema(pool);
    const found = await pool.query<{ spec_hash: string; spec: unknown }>(
      which ? "SELECT spec_hash, spec FROM farsight_sweep WHERE spec_hash = $1 OR name = $1 ORDER BY created_at DESC LIMIT 1" : "SELECT spec_hash, spec FROM farsight_sweep ORDER BY created_at DESC LIMIT 1",
      which ? [which] : [],
    );
    const row = found.rows[0];
    if (!row) throw new FarsightError("lab/run-dir-missing", which ? `no sweep named or hashed "${which}" in the database` : "the database holds no sweep yet: start one with `farsight sweep SPEC --queue URL`", { which });
    const spec = checkSweepSpec(row.spec, `the spec stored for ${row.spec_hash}`);
    const hash = row.spec_hash;
    const jobs = await pool.query<{ job_id: string; job: SweepJob; seconds: number; curves: JobResult["curves"] }>("SELECT job_id, job, seconds, curves FROM farsight_sweep_job WHERE spec_hash = $1 ORDER BY job_id", [hash]);
    const rows = await pool.query<{ job_id: string; method: string; preset: string; budget: number; seed: number; metrics: Record<string, number> }>(
      "SELECT job_id, method, preset, budget, seed, metrics FROM farsight_sweep_result WHERE spec_hash = $1 ORDER BY job_id, method",
      [hash],
    );
    const order = new Map(expandJobs(spec).map((j, i) => [j.id, i]));
    const results: JobResult[] = jobs.rows.map((j) => ({
      job: j.job,
      seconds: j.seconds,
      curves: j.curves,
      rows: rows.rows.filter((r) => r.job_id === j.job_id).map((r) => ({ jobId: r.job_id, method: r.method, preset: r.preset, budget: r.budget, seed: r.seed, metrics: r.metrics })),
    }));
    results.sort((a, b) => (order.get(a.job.id) ?? 0) - (order.get(b.job.id) ?? 0));
    const states = await pool.query<{ state: string; n: string }>("SELECT state::text, count(*) AS n FROM pgboss.job WHERE name = $1 AND data->>'specHash' = $2 GROUP BY state", [QUEUE_NAME, hash]).catch(() => ({ rows: [] as { state: string; n: string }[] }));
    const count = (...s: string[]) => states.rows.filter((r) => s.includes(r.state)).reduce((a, r) => a + Number(r.n), 0);
    const retries = await pool.query<{ n: string }>("SELECT count(*) - count(DISTINCT job_id) AS n FROM farsight_sweep_claim WHERE spec_hash = $1", [hash]);
    return { spec, results, queued: count("created", "retry"), running: count("active"), failed: count("failed"), retries: Number(retries.rows[0]!.n) };
  } finally {
    await pool.end();
  }
}
