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
import { redactCheckpoints, redactingStore, redactorOf } from "./redaction.js";
import { OneStatementPostgresSaver } from "./postgres-saver.js";
import { ThreadLocks } from "./thread-locks.js";
import { GroupedPostgresStore } from "./grouped-store.js";

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
  const packageStore = new PostgresStore({ connectionOptions: { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS }, ensureTables: false });
  const storePool = guardPool((packageStore as unknown as { core: { pool: pg.Pool } }).core.pool, () => health);
  // Gets and puts of many runs in one statement each (grouped-store.ts); the rest goes to the package's store.
  const store = new GroupedPostgresStore(packageStore, storePool);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on("error", () => {}); // a failure here is also a failed query, reported below
  try {
    await client.connect();
    // Any fixed key: it only has to be the same in every replica.
    await client.query("SELECT pg_advisory_lock(724011)");
    try {
      await checkpointer.setup();
      await packageStore.setup();
    } finally {
      await client.query("SELECT pg_advisory_unlock(724011)");
    }
  } catch (err) {
    await client.end().catch(() => {});
    await checkpointer.end().catch(() => {});
    await packageStore.stop().catch(() => {});
    throw new FarsightError("server/postgres", `cannot open PostgreSQL at ${where}: ${err instanceof Error ? err.message : String(err)}`, { where }, { cause: err });
  }
  await client.end();
  // The thread locks live on one connection of this pool (thread-locks.ts); the health probes use it too.
  const locks = poolOf(4);
  health = new DatabaseHealth(locks, where);
  const threadLocks = new ThreadLocks(locks, where, (err) => health!.markDown(err));
  return {
    kind: "postgres",
    where,
    checkpointer,
    store,
    health,
    lockThread: (threadId: string) => threadLocks.take(threadId),
    close: async () => {
      health?.stop();
      await threadLocks.close();
      await checkpointer.end();
      await store.stop();
      await locks.end();
    },
  };
}
