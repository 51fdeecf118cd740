/**
 * One run per thread (LangGraph Platform's default multitask strategy: reject): this process's bookkeeping of
 * the threads it runs on, and the storage's thread lock across processes (see `runs.ts`).
 */
import type { HeldTuples } from "./held-tuples.js";
import { HttpError } from "./served-graph.js";
import type { ThreadLock } from "./storage.js";

/** Never aborts: the signal of runs on storage without thread locks (one process). */
const NEVER = new AbortController().signal;
/**
 * A run's `signal` option: none for {@link NEVER}. LangGraph leaves a listener on the signal it is given after
 * the run, so one signal shared by every run would collect a listener (and what it holds) per run.
 */
export const signalOf = (lost: AbortSignal) => (lost === NEVER ? {} : { signal: lost });

export class ThreadExclusivity {
  /** Threads with a run in progress in this process. */
  private readonly busy = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Threads whose lock this process holds (a subset of `busy`: a thread is busy before its lock is taken). */
  private readonly held = new Set<string>();

  /**
   * `lockThread` (the storage's, when processes share it) extends the refusal to runs in other replicas; without
   * it only this process's runs are seen.
   */
  constructor(
    private readonly lockThread?: (threadId: string) => Promise<ThreadLock | undefined>,
    /** Hands the checkpoint read before a run to the run's own first read (see held-tuples.ts). */
    private readonly heldTuples?: HeldTuples,
  ) {}

  /** Whether a run is in progress on the thread in this process (its lock may not be taken yet). */
  isBusy(id: string): boolean {
    return this.busy.has(id);
  }

  /** Whether this process holds the thread's lock. */
  holds(id: string): boolean {
    return this.held.has(id);
  }

  /**
   * Runs `fn` as the only run on the thread (this process's bookkeeping, and the storage's lock across
   * processes). `lost` aborts when the lock goes with its database connection: the run must stop, since another
   * replica may now take the thread.
   */
  async run<T>(id: string, fn: (lost: AbortSignal) => Promise<T>): Promise<T> {
    if (this.busy.has(id)) throw new HttpError(409, "server/thread-busy", `thread ${id} has a run in progress; wait for it to finish`);
    this.busy.add(id);
    let lock: ThreadLock | undefined;
    try {
      if (this.lockThread) {
        lock = await this.lockThread(id);
        if (!lock) throw new HttpError(409, "server/thread-busy", `thread ${id} has a run in progress on another replica; wait for it to finish`);
      }
    } catch (err) {
      this.busy.delete(id);
      throw err;
    }
    this.held.add(id);
    const p = fn(lock?.lost ?? NEVER);
    this.inFlight.add(p);
    try {
      return await p;
    } finally {
      this.inFlight.delete(p);
      this.held.delete(id);
      this.heldTuples?.release(id);
      await lock?.release();
      this.busy.delete(id);
    }
  }

  /** Resolves when every run in progress has finished. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}
