/**
 * The worker loop every backend shares: claim a job, run it with {@link runSweepJob}, hand the result back,
 * until the queue has nothing left. A queue is anything that can claim and settle jobs: the local pool's parent
 * process over IPC (./pool-child.ts), or PostgreSQL through pg-boss (@farsight/sweep-postgres).
 */
import { FarsightError } from "@farsight/core";
import { SILENT } from "../io.js";
import { runSweepJob, type JobResult, type RunJobOptions } from "./job.js";
import type { SweepJob } from "./spec.js";

/** A job a worker holds: until it is settled, nobody else runs it (unless the worker is judged dead). */
export interface ClaimedJob {
  readonly job: SweepJob;
  /** 1 for the first attempt, 2 after one retry, ... */
  readonly attempt: number;
}

export interface JobQueue {
  /** The next job, or undefined when none is left for this worker. */
  claim(): Promise<ClaimedJob | undefined>;
  /** Records the job's result (idempotently: a second call for the same job writes nothing new) and releases it. */
  finish(claim: ClaimedJob, result: JobResult): Promise<void>;
  /** Gives the job back as failed; the queue retries it while it has attempts left. */
  fail(claim: ClaimedJob, error: Error): Promise<void>;
}

export interface WorkerOptions extends RunJobOptions {
  /** The run directories' root of a job, when it depends on the job (a worker serving several sweeps). Default `root`. */
  readonly rootOf?: (job: SweepJob) => string;
  /** Stop after this many jobs (default: until the queue is empty). */
  readonly maxJobs?: number;
}

/** What one worker did. */
export interface WorkerSummary {
  readonly finished: number;
  readonly failed: number;
}

/** Claims and runs jobs until the queue is empty (or `maxJobs`). A failed job is handed back, not fatal. */
export async function runWorker(queue: JobQueue, o: WorkerOptions): Promise<WorkerSummary> {
  const io = o.io ?? SILENT;
  let finished = 0;
  let failed = 0;
  while (o.maxJobs === undefined || finished + failed < o.maxJobs) {
    const claim = await queue.claim();
    if (!claim) break;
    let result: JobResult;
    try {
      result = await runSweepJob(claim.job, { ...o, root: o.rootOf?.(claim.job) ?? o.root });
    } catch (e) {
      failed++;
      const error = e instanceof Error ? e : new Error(String(e));
      io.write(`[sweep] ${claim.job.id}: attempt ${claim.attempt} failed: ${error.message}\n`);
      await queue.fail(claim, error);
      continue;
    }
    await queue.finish(claim, result);
    finished++;
  }
  return { finished, failed };
}

/** The error a job that failed on every attempt leaves behind. */
export function jobFailedError(job: SweepJob, attempts: number, message: string): FarsightError {
  return new FarsightError("lab/sweep-job-failed", `sweep job ${job.id} failed on all ${attempts} attempts; last error: ${message}`, { job: job.id, attempts });
}
