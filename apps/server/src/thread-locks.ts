/**
 * The PostgreSQL thread locks of one server process (see `Storage.lockThread`): a session-level advisory lock
 * per thread, `pg_try_advisory_lock(724012, hashtext(thread_id))`, held for a run. All of this process's locks
 * live on one connection, and the takes and releases of many runs that wait at once go in one statement
 * (group-commit.ts, in the order they were asked): a run no longer checks out a connection of its own and pays
 * two round trips for it, and under load the releases of runs that end ride with the takes of runs that start.
 *
 * What a lock guarantees is unchanged: another replica cannot take the thread while this process holds it;
 * the database drops every lock of the connection when it ends (a replica killed, `pg_terminate_backend`, a
 * restart), and then every run holding one is told at once through its `lost` signal (another replica may now
 * take its thread) and the next take opens a new connection. A lock is not taken twice by this process (an
 * advisory lock is re-entrant on its connection, so this process's own bookkeeping refuses the second take).
 */
import type pg from "pg";
import { GroupCommit } from "./group-commit.js";
import { databaseUnavailable } from "./served-graph.js";
import type { ThreadLock } from "./storage.js";

/** Namespace of the thread locks (the first key of PostgreSQL's two-key advisory locks); the table-setup lock is 724011. */
export const THREAD_LOCK_SPACE = 724012;

/** The connection that holds the locks, and the runs' `lost` signals that end with it. */
interface Holder {
  readonly client: pg.PoolClient;
  readonly runs: Map<string, AbortController>;
  gone: boolean;
}

export class ThreadLocks {
  private holder: Holder | undefined;
  private connecting: Promise<Holder> | undefined;
  /** Threads taken (or being taken) by this process. */
  private readonly taken = new Set<string>();
  /** Takes (`take: true`) and releases of thread locks, answered in one statement per batch. */
  private readonly ops = new GroupCommit<{ thread: string; take: boolean }, boolean>((batch) => this.lockMany(batch));

  constructor(
    private readonly pool: pg.Pool,
    private readonly where: string,
    private readonly markDown: (err: unknown) => void,
  ) {}

  /** Takes `threadId` for one run; undefined when another process (or a run of this one) holds it. */
  async take(threadId: string): Promise<ThreadLock | undefined> {
    if (this.taken.has(threadId)) return undefined;
    this.taken.add(threadId);
    let holder: Holder;
    let ok: boolean;
    try {
      holder = await this.connection(threadId);
      ok = await this.ops.submit({ thread: threadId, take: true });
    } catch (err) {
      this.taken.delete(threadId);
      throw databaseUnavailable(`cannot take thread ${threadId}'s lock`, err);
    }
    if (!ok) {
      this.taken.delete(threadId);
      return undefined;
    }
    const lost = new AbortController();
    // The connection may have ended between the take and now: the lock went with it.
    if (holder.gone || holder !== this.holder) lost.abort(databaseUnavailable(`the connection that held thread ${threadId}'s lock was lost, so the run was stopped`));
    else holder.runs.set(threadId, lost);
    let released = false;
    return {
      lost: lost.signal,
      release: async () => {
        if (released) return;
        released = true;
        holder.runs.delete(threadId);
        try {
          // A lock of a connection that has ended is gone already.
          if (!holder.gone && holder === this.holder) await this.ops.submit({ thread: threadId, take: false }).catch(() => {});
        } finally {
          this.taken.delete(threadId);
        }
      },
    };
  }

  /** Ends the connection (every lock with it). */
  async close(): Promise<void> {
    const h = this.holder;
    this.holder = undefined;
    if (h && !h.gone) {
      h.gone = true;
      // Destroyed, not returned to the pool: its locks must not outlive it.
      h.client.release(true);
    }
  }

  private async connection(threadId: string): Promise<Holder> {
    if (this.holder && !this.holder.gone) return this.holder;
    this.connecting ??= this.pool
      .connect()
      .then((client) => {
        const holder: Holder = { client, runs: new Map(), gone: false };
        const onLost = (err?: unknown) => this.lose(holder, err ?? new Error("Connection terminated"));
        client.on("error", onLost);
        client.on("end", () => onLost());
        this.holder = holder;
        return holder;
      })
      .catch((err: unknown) => {
        this.markDown(err);
        throw databaseUnavailable(`cannot take thread ${threadId}'s lock: PostgreSQL at ${this.where} is unreachable`, err);
      })
      .finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** The connection ended: every lock on it is gone, and so is every run's hold. */
  private lose(holder: Holder, err: unknown): void {
    if (holder.gone) return;
    holder.gone = true;
    if (this.holder === holder) this.holder = undefined;
    holder.client.release(err instanceof Error ? err : true);
    for (const [threadId, lost] of holder.runs) lost.abort(databaseUnavailable(`the connection that held thread ${threadId}'s lock was lost, so the run was stopped`, err));
    holder.runs.clear();
  }

  /**
   * Takes and releases, in the order asked (a release of a thread and a later take of it are never in one
   * batch: a run starts after the previous one's release was answered). For a take, whether it was granted.
   */
  private async lockMany(batch: { thread: string; take: boolean }[]): Promise<boolean[]> {
    const holder = this.holder;
    if (!holder || holder.gone) {
      // Locks of a connection that has ended are gone already: a release has nothing left to do.
      if (batch.every((op) => !op.take)) return batch.map(() => false);
      throw new Error("Connection terminated");
    }
    // hashtext collisions make two threads share a lock: a run may then be refused as busy, never run twice.
    // A named statement: the connection parses and plans it once, not on every batch. The rows are evaluated
    // in the order of the arrays (a function scan, then the ordinality sort).
    const r = await holder.client.query<{ ok: boolean }>({
      name: "farsight-thread-locks",
      text: `SELECT CASE WHEN take THEN pg_try_advisory_lock($1::int, hashtext(t)) ELSE pg_advisory_unlock($1::int, hashtext(t)) END AS ok
        FROM unnest($2::text[], $3::bool[]) WITH ORDINALITY AS u(t, take, i) ORDER BY i`,
      values: [THREAD_LOCK_SPACE, batch.map((op) => op.thread), batch.map((op) => op.take)],
    });
    return r.rows.map((row) => row.ok);
  }
}
