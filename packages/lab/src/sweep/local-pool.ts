/**
 * The embedded backend of `farsight sweep` (no `--queue`): the spec's jobs on a pool of worker processes on this
 * machine (one per core by default). The parent process is the queue: it hands each child a job over IPC when the
 * child asks (./pool-child.ts runs the same worker loop as a PostgreSQL worker), records results, and notices a
 * child's death at once (its exit), so the job the child held goes back to the queue and a new child takes its
 * place. Finished jobs are recorded in the sweep directory (./local-store.ts): rerunning the command skips them.
 */
import { fork, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { SILENT, type LabIO } from "../io.js";
import type { JobResult } from "./job.js";
import { hasLocalResult, localRunsRoot, openLocalSweep, writeLocalResult } from "./local-store.js";
import { expandJobs, type SweepJob, type SweepSpec } from "./spec.js";
import { jobFailedError } from "./worker.js";

export interface LocalSweepOptions {
  /** The sweep directory (sweep.json, runs/, results/). */
  readonly out: string;
  /** Worker processes. Default: one per core (`os.availableParallelism()`), never more than the jobs left. */
  readonly workers?: number;
  /** Attempts per job before the sweep gives it up (a failure or a dead worker each count one). Default 2. */
  readonly attempts?: number;
  readonly dataDir?: string;
  readonly io?: LabIO;
}

export interface LocalSweepSummary {
  readonly jobs: number;
  /** Jobs found finished by an earlier run and skipped. */
  readonly skipped: number;
  readonly finished: number;
  /** Jobs given up after maxAttempts, with their last error. */
  readonly failed: { readonly job: string; readonly error: string }[];
  /** Attempts that ended in a worker's death or a failure and were retried. */
  readonly retried: number;
  readonly workers: number;
  readonly seconds: number;
}

/** Messages between the pool and its children (JSON over the IPC channel). */
export type ToChild = { readonly type: "job"; readonly job: SweepJob; readonly attempt: number } | { readonly type: "none" };
export type FromChild = { readonly type: "claim" } | { readonly type: "result"; readonly result: JobResult } | { readonly type: "failed"; readonly job: string; readonly error: string };

/** Runs every unfinished job of the spec on a local pool and returns what happened. */
export async function runLocalSweep(spec: SweepSpec, o: LocalSweepOptions): Promise<LocalSweepSummary> {
  const io = o.io ?? SILENT;
  const started = Date.now();
  openLocalSweep(o.out, spec);
  const all = expandJobs(spec);
  const pending = all.filter((j) => !hasLocalResult(o.out, j.id));
  const attempts = new Map<string, number>();
  const maxAttempts = o.attempts ?? 2;
  const size = Math.max(1, Math.min(o.workers ?? availableParallelism(), pending.length));
  const summary = { jobs: all.length, skipped: all.length - pending.length, finished: 0, failed: [] as { job: string; error: string }[], retried: 0, workers: pending.length ? size : 0 };
  if (summary.skipped) io.write(`[sweep] ${summary.skipped} of ${all.length} jobs finished earlier: skipped\n`);
  if (!pending.length) return { ...summary, seconds: (Date.now() - started) / 1000 };
  io.write(`[sweep] ${pending.length} jobs on ${size} worker process${size > 1 ? "es" : ""} -> ${o.out}\n`);

  const queue = [...pending];
  const childScript = fileURLToPath(new URL("./pool-child.js", import.meta.url));
  const args = [localRunsRoot(o.out), ...(o.dataDir ? [o.dataDir] : [])];
  const holding = new Map<ChildProcess, SweepJob>();
  let live = 0;

  await new Promise<void>((resolve) => {
    const giveBack = (job: SweepJob, error: string) => {
      const n = attempts.get(job.id) ?? 1;
      if (n < maxAttempts) {
        summary.retried++;
        attempts.set(job.id, n + 1);
        queue.unshift(job);
        io.write(`[sweep] ${job.id}: attempt ${n} ended (${error}); retrying\n`);
      } else {
        summary.failed.push({ job: job.id, error: jobFailedError(job, n, error).message });
        io.write(`[sweep] ${job.id}: given up after ${n} attempts (${error})\n`);
      }
    };
    const start = () => {
      live++;
      const child = fork(childScript, args, { stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "json" });
      child.on("message", (m: FromChild) => {
        if (m.type === "claim") {
          const job = queue.shift();
          if (!job) return void child.send({ type: "none" } satisfies ToChild);
          if (!attempts.has(job.id)) attempts.set(job.id, 1);
          holding.set(child, job);
          child.send({ type: "job", job, attempt: attempts.get(job.id)! } satisfies ToChild);
        } else if (m.type === "result") {
          holding.delete(child);
          writeLocalResult(o.out, m.result);
          summary.finished++;
          io.write(`[sweep] ${m.result.job.id}: finished in ${m.result.seconds.toFixed(1)} s (${summary.finished + summary.skipped}/${all.length})\n`);
        } else if (m.type === "failed") {
          const job = holding.get(child);
          holding.delete(child);
          if (job) giveBack(job, m.error);
        }
      });
      child.on("exit", (code, signal) => {
        live--;
        const job = holding.get(child);
        holding.delete(child);
        if (job) giveBack(job, `worker process ${child.pid} died (${signal ?? `exit code ${code}`})`);
        // A death leaves work behind: a new child takes the dead one's place while jobs remain.
        if (queue.length > 0 && live < size) start();
        else if (live === 0) resolve();
      });
    };
    for (let i = 0; i < size; i++) start();
  });
  return { ...summary, seconds: (Date.now() - started) / 1000 };
}
