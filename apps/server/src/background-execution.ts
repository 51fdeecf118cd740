/**
 * Executing a background run this process accepted (see `Runs.createRun`): its status through to the end,
 * written to the run records even across a restart of the database, and cancel requests left by other replicas.
 */
import { errorBody } from "./served-graph.js";
import type { ThreadRecord, ThreadRecords } from "./threads.js";
import type { RunRecord, RunRecords } from "./run-records.js";
import { isConnectionError } from "./db-health.js";

/** How often a process that executes a background run looks for a cancel request left by another replica. */
const CANCEL_POLL_MS = 500;
/** How long a run's final status is retried while the database is unreachable (then `alive` reports it lost). */
const PERSIST_RETRY_MS = 60_000;

/** A background run this process executes. */
export interface ActiveRun {
  readonly controller: AbortController;
  /** Resolves once the run's final status is written. */
  readonly done: Promise<void>;
  cancelReason?: string;
}

/** Where a background run's outcome is recorded. */
export interface RunStores {
  readonly records: RunRecords;
  readonly threads: ThreadRecords;
  /** Whether processes share the storage (it has thread locks): only then can another replica ask to cancel. */
  readonly shared: boolean;
}

/** Runs an accepted background run to its end and records the outcome; never throws. */
export async function executeBackgroundRun(stores: RunStores, run: RunRecord, thread: ThreadRecord, entry: ActiveRun, lost: AbortSignal, invoke: () => Promise<unknown>): Promise<void> {
  const { records, threads } = stores;
  // The final status is written once the database is back when it went away during the run.
  const persist = <T>(write: () => Promise<T>) => retryWhileUnreachable(write);
  try {
    run = await records.update(run, { status: "running" });
    let failure: unknown;
    // Only processes that share the storage can be asked by another to cancel.
    const unwatch = stores.shared ? watchCancel(records, run, entry) : undefined;
    try {
      await invoke();
    } catch (err) {
      failure = err;
    } finally {
      unwatch?.();
    }
    // The thread record first: once a run's record says it has ended, its thread's record is final too.
    if (failure === undefined) {
      await persist(() => threads.touch(thread, { error: undefined, active_run: undefined }));
      await persist(() => records.update(run, { status: "success" }));
    } else if (entry.controller.signal.aborted && !lost.aborted) {
      await persist(() => threads.touch(thread, { active_run: undefined }));
      await persist(() => records.update(run, { status: "interrupted", cancel_reason: entry.cancelReason ?? "cancelled" }));
    } else {
      // A lost thread lock stopped the run: its reason says so (a 503 server/database-unavailable).
      const { body } = errorBody(lost.aborted ? lost.reason : failure);
      await persist(() => threads.touch(thread, { error: String(body["detail"]), active_run: undefined }));
      await persist(() => records.update(run, { status: "error", error: { error: String(body["error"]), message: String(body["detail"]) } }));
    }
    if (stores.shared) await persist(() => records.clearCancel(run.thread_id, run.run_id));
  } catch (err) {
    // The store failed while recording the outcome: a later read reports the run as lost (see `alive`).
    console.error(`farsight server: background run ${run.run_id} on thread ${run.thread_id}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Aborts `entry` when another replica leaves a cancel request for the run; returns the function that stops watching. */
function watchCancel(records: RunRecords, run: RunRecord, entry: ActiveRun): () => void {
  let looking = false;
  const timer = setInterval(() => {
    if (looking || entry.controller.signal.aborted) return;
    looking = true;
    records
      .cancelRequest(run.thread_id, run.run_id)
      .then((reason) => {
        if (reason === undefined || entry.controller.signal.aborted) return;
        entry.cancelReason ??= reason;
        entry.controller.abort();
      })
      .catch(() => {}) // the store is unreachable now: look again at the next tick
      .finally(() => (looking = false));
  }, CANCEL_POLL_MS);
  return () => clearInterval(timer);
}

/**
 * Runs `write`, again with back-off (100 ms doubling to 2 s) while the database is unreachable, for up to
 * {@link PERSIST_RETRY_MS}: a run's outcome outlives a restart of the database.
 */
async function retryWhileUnreachable<T>(write: () => Promise<T>): Promise<T> {
  for (let wait = 100, spent = 0; ; wait = Math.min(wait * 2, 2_000)) {
    try {
      return await write();
    } catch (err) {
      if (!isConnectionError(err) || spent >= PERSIST_RETRY_MS) throw err;
      await new Promise((r) => setTimeout(r, wait));
      spent += wait;
    }
  }
}
