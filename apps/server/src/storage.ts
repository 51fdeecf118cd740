/**
 * Where the server keeps its state: a LangGraph checkpointer (the threads' graph state) and a LangGraph store
 * (thread records, the reflection pool), chosen by a connection string.
 *
 * - `memory`: nothing survives the process (tests, a quick look);
 * - `sqlite:<file>`: one SQLite file, the embedded default of `farsight serve`;
 * - `postgres://...` / `postgresql://...`: PostgreSQL, shared by every replica that points at it.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import pg from "pg";
import { InMemoryStore, MemorySaver, type BaseCheckpointSaver, type BaseStore } from "@langchain/langgraph-checkpoint";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { PostgresStore } from "@langchain/langgraph-checkpoint-postgres/store";
import { FarsightError } from "@farsight/core";
import { SqliteStore } from "./sqlite-store.js";
import { checkStatePath, lockStateFile } from "./state-file.js";
import { CONNECT_TIMEOUT_MS, DatabaseHealth, guardPool } from "./db-health.js";
import { databaseUnavailable } from "./served-graph.js";
import { redactCheckpoints, redactingStore, redactorOf } from "./redaction.js";
import { OneStatementPostgresSaver } from "./postgres-saver.js";

/** How {@link openStorage} opens a storage. */
export interface StorageOptions {
  /**
   * Secrets that must never be written (an `--llm` spec's, the environment's: see `secretsOf`): every store
   * value and checkpoint is redacted of them, and of URL credentials by shape, before it is written.
   */
  readonly secrets?: readonly string[];
}

/** The checkpointer and store of one server process. */
export interface Storage {
  readonly kind: "memory" | "sqlite" | "postgres";
  /** Where the state is, for logs (a PostgreSQL URL without its password). */
  readonly where: string;
  readonly checkpointer: BaseCheckpointSaver;
  readonly store: BaseStore;
  /**
   * Takes a thread for one run across every process on this storage: resolves with a release function, or
   * with undefined when another process holds it. Only storage that several processes share has one
   * (PostgreSQL: a session-level advisory lock, dropped by the database when the holder's connection dies, so a
   * killed replica never leaves a thread locked); in one process the server's own bookkeeping suffices.
   */
  lockThread?(threadId: string): Promise<ThreadLock | undefined>;
  /**
   * Whether the database can be reached (PostgreSQL only; memory and SQLite always can): `down` turns true
   * when a connection is lost and back once a probe (with back-off) gets an answer; `check()` asks now.
   */
  readonly health?: Pick<DatabaseHealth, "down" | "reason" | "check" | "markDown">;
  /** The redaction step of the write boundary (see {@link StorageOptions.secrets}), for what else the server writes (logs, error answers). */
  readonly redact?: (text: string) => string;
  /** Closes connections and files. */
  close(): Promise<void>;
}

/** A thread taken for one run (see {@link Storage.lockThread}). */
export interface ThreadLock {
  /** Lets the thread go (idempotent). */
  release(): Promise<void>;
  /**
   * Aborts when the lock is lost with its connection (database restart, failover, `pg_terminate_backend`):
   * the thread is no longer held, so the run must stop at once (its reason is a 503
   * `server/database-unavailable`).
   */
  readonly lost: AbortSignal;
}

/** Namespace of the thread locks (the first key of PostgreSQL's two-key advisory locks); the table-setup lock is 724011. */
const THREAD_LOCK_SPACE = 724012;

/** Hides the password of a connection string, for logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/, "$1***@");
}

/**
 * Opens the storage a connection string names (see the module comment). PostgreSQL tables are created on first
 * use, under an advisory lock so that replicas starting together do not race on `CREATE TABLE IF NOT EXISTS`.
 */
export async function openStorage(spec: string, options: StorageOptions = {}): Promise<Storage> {
  const opened = await openRaw(spec);
  // The one redaction step at the write boundary: whatever a graph, a record or a client puts there.
  const redact = redactorOf(options.secrets ?? []);
  return { ...opened, checkpointer: redactCheckpoints(opened.checkpointer, redact), store: redactingStore(opened.store, redact), redact };
}

async function openRaw(spec: string): Promise<Storage> {
  if (spec === "memory") {
    const store = new InMemoryStore();
    return { kind: "memory", where: "memory (lost when the server stops)", checkpointer: new MemorySaver(), store, close: async () => {} };
  }
  if (spec.startsWith("sqlite:")) {
    const file = spec.slice("sqlite:".length);
    if (!file) throw new FarsightError("server/bad-storage", "sqlite: needs a file path (sqlite:/path/to/server.sqlite)", { spec });
    let unlock = () => {};
    if (file !== ":memory:") {
      checkStatePath(file);
      mkdirSync(dirname(file), { recursive: true });
      unlock = lockStateFile(file);
    }
    let checkpointer: SqliteSaver;
    let store: SqliteStore;
    try {
      checkpointer = SqliteSaver.fromConnString(file);
      store = new SqliteStore(file);
    } catch (err) {
      unlock();
      throw err;
    }
    return {
      kind: "sqlite",
      where: file,
      checkpointer,
      store,
      close: async () => {
        store.stop();
        checkpointer.db.close();
        unlock();
      },
    };
  }
  if (/^postgres(ql)?:\/\//.test(spec)) return openPostgres(spec);
  throw new FarsightError("server/bad-storage", `unknown storage "${redactUrl(spec)}": use memory, sqlite:<file> or a postgres:// URL`, { spec: redactUrl(spec) });
}

async function openPostgres(url: string): Promise<Storage> {
  const where = redactUrl(url);
  let health: DatabaseHealth | undefined;
  // Pools of our own, guarded: the packages' pools have no 'error' listener, and one lost connection would end
  // the process.
  const poolOf = (max?: number) => guardPool(new pg.Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, ...(max ? { max } : {}) }), () => health);
  // Each save in one statement (one round trip): see postgres-saver.ts.
  const checkpointer = new OneStatementPostgresSaver(poolOf());
  const store = new PostgresStore({ connectionOptions: { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS }, ensureTables: false });
  guardPool((store as unknown as { core: { pool: pg.Pool } }).core.pool, () => health);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on("error", () => {}); // a failure here is also a failed query, reported below
  try {
    await client.connect();
    // Any fixed key: it only has to be the same in every replica.
    await client.query("SELECT pg_advisory_lock(724011)");
    try {
      await checkpointer.setup();
      await store.setup();
    } finally {
      await client.query("SELECT pg_advisory_unlock(724011)");
    }
  } catch (err) {
    await client.end().catch(() => {});
    await checkpointer.end().catch(() => {});
    await store.stop().catch(() => {});
    throw new FarsightError("server/postgres", `cannot open PostgreSQL at ${where}: ${err instanceof Error ? err.message : String(err)}`, { where }, { cause: err });
  }
  await client.end();
  // One connection per run in progress holds its thread's lock for the run's duration.
  const locks = poolOf(16);
  health = new DatabaseHealth(locks, where);
  return {
    kind: "postgres",
    where,
    checkpointer,
    store,
    health,
    async lockThread(threadId: string) {
      let conn: pg.PoolClient;
      try {
        conn = await locks.connect();
      } catch (err) {
        health!.markDown(err);
        throw databaseUnavailable(`cannot take thread ${threadId}'s lock: PostgreSQL at ${where} is unreachable`, err);
      }
      try {
        // hashtext collisions make two threads share a lock: a run may then be refused as busy, never run twice.
        const got = await conn.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS ok", [THREAD_LOCK_SPACE, threadId]);
        if (!got.rows[0]?.ok) {
          conn.release();
          return undefined;
        }
      } catch (err) {
        conn.release(err instanceof Error ? err : true);
        throw databaseUnavailable(`cannot take thread ${threadId}'s lock`, err);
      }
      const lost = new AbortController();
      // The lock lives as long as this connection: when it ends, another replica may take the thread.
      const onLost = (err?: unknown) => {
        if (!lost.signal.aborted) lost.abort(databaseUnavailable(`the connection that held thread ${threadId}'s lock was lost, so the run was stopped`, err));
      };
      const onEnd = () => onLost(new Error("Connection terminated"));
      conn.on("error", onLost);
      conn.on("end", onEnd);
      let released = false;
      return {
        lost: lost.signal,
        async release() {
          if (released) return;
          released = true;
          conn.off("error", onLost);
          conn.off("end", onEnd);
          if (lost.signal.aborted) {
            conn.release(true);
            return;
          }
          try {
            await conn.query("SELECT pg_advisory_unlock($1::int, hashtext($2))", [THREAD_LOCK_SPACE, threadId]);
            conn.release();
          } catch (err) {
            // Dropping the connection releases the lock too.
            conn.release(err instanceof Error ? err : true);
          }
        },
      };
    },
    close: async () => {
      health?.stop();
      await checkpointer.end();
      await store.stop();
      await locks.end();
    },
  };
}
