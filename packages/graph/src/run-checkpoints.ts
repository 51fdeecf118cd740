/**
 * A run directory's checkpoint files: the LangGraph state in `graph.sqlite` (SqliteSaver) and, beside it,
 * one directory per chunk with the policy weights, the optimiser state and the reflection pool:
 *
 *   <run>/graph.sqlite
 *   <run>/checkpoints/chunk-000012/{policy.json, weights.bin, optimizer.bin, pool.json}
 *
 * The chunk files are written before the state that names them (the learn node saves them, the state is
 * checkpointed when the chunk's invocation ends), and the previous chunk's files are kept, so a process
 * killed between the two still finds the files of the chunk its saved state names.
 *
 * `graph.sqlite` is opened (and so created) when a run starts, before its first checkpoint: a database
 * without a checkpoint is "no run yet" ({@link RunCheckpoints.exists}), so a run killed in its first chunk
 * can be started again.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { FarsightError, redactForWrite } from "@farsight/core";
import { redactCheckpoints } from "./redact-checkpoints.js";
import { ReflectionPool, type ReflectionPoolOptions, type ReflectionPoolSnapshot } from "@farsight/reflector";
import { loadCheckpoint, saveCheckpoint, type Algorithm, type LoadedCheckpoint } from "@farsight/rl-policy/tf";

const CHUNK_PREFIX = "chunk-";

/** The part of better-sqlite3 used here (its types are not a dependency). */
export interface CheckpointDb {
  prepare(sql: string): { get(): unknown };
  pragma(source: string, options: { simple: boolean }): unknown;
  readonly open: boolean;
  close(): void;
}

/** The part of `@langchain/langgraph-checkpoint-sqlite`'s SqliteSaver used here. */
export type RunCheckpointSaver = BaseCheckpointSaver & { readonly db: CheckpointDb };
interface SqliteSaverClass {
  new (db: CheckpointDb): RunCheckpointSaver;
  fromConnString(file: string): RunCheckpointSaver;
}

/**
 * Loads a run directory's SQLite support on first use: `@langchain/langgraph-checkpoint-sqlite` and its
 * `better-sqlite3` are optional peers (a native module), so a graph without a run directory needs neither.
 */
function loadSqlite(file: string): { SqliteSaver: SqliteSaverClass; Database: new (file: string, o: { readonly: boolean; fileMustExist: boolean }) => CheckpointDb } {
  const require = createRequire(import.meta.url);
  try {
    return {
      SqliteSaver: (require("@langchain/langgraph-checkpoint-sqlite") as { SqliteSaver: SqliteSaverClass }).SqliteSaver,
      Database: require("better-sqlite3") as new (file: string, o: { readonly: boolean; fileMustExist: boolean }) => CheckpointDb,
    };
  } catch (cause) {
    const missing = /langgraph-checkpoint-sqlite|better-sqlite3/.exec(String((cause as Error).message))?.[0];
    if ((cause as { code?: string }).code !== "MODULE_NOT_FOUND" || !missing) throw cause;
    throw new FarsightError(
      "graph/sqlite-missing",
      `the run directory's checkpoint database ${file} needs ${missing}, an optional peer of @farsight/graph: npm install @langchain/langgraph-checkpoint-sqlite better-sqlite3`,
      { file, package: missing === "langgraph-checkpoint-sqlite" ? "@langchain/langgraph-checkpoint-sqlite" : missing },
      { cause },
    );
  }
}

/** Opens read-only: inspecting a run directory must not change a byte of it (no WAL checkpoint on close). */
function openReadOnly(file: string): CheckpointDb {
  const { Database } = loadSqlite(file);
  return new Database(file, { readonly: true, fileMustExist: true });
}
const chunkName = (n: number) => `${CHUNK_PREFIX}${String(n).padStart(6, "0")}`;

export class RunCheckpoints {
  readonly saver: RunCheckpointSaver;
  readonly checkpointsDir: string;

  constructor(readonly runDir: string) {
    this.checkpointsDir = join(runDir, "checkpoints");
    mkdirSync(runDir, { recursive: true });
    mkdirSync(this.checkpointsDir, { recursive: true });
    const existed = existsSync(join(runDir, "graph.sqlite"));
    // Checkpointed state passes the runs' write boundary: no secret reaches graph.sqlite.
    this.saver = redactCheckpoints(loadSqlite(join(runDir, "graph.sqlite")).SqliteSaver.fromConnString(join(runDir, "graph.sqlite")), redactForWrite);
    if (existed) checkDatabase(this.saver, join(runDir, "graph.sqlite"));
  }

  /** True when the run directory holds at least one saved graph checkpoint (an empty graph.sqlite is no run). */
  static exists(runDir: string): boolean {
    const file = join(runDir, "graph.sqlite");
    if (!existsSync(file)) return false;
    const db = openReadOnly(file);
    try {
      const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'checkpoints'").get();
      return table !== undefined && db.prepare("SELECT 1 FROM checkpoints LIMIT 1").get() !== undefined;
    } catch (cause) {
      throw new FarsightError("graph/bad-checkpoint-db", `${file} is not a readable checkpoint database: ${(cause as Error).message}`, { file }, { cause });
    } finally {
      db.close();
    }
  }

  /** The state saved on `threadId` in `runDir`, read without creating anything; undefined when there is none. */
  static async savedState<T = Record<string, unknown>>(runDir: string, threadId: string): Promise<T | undefined> {
    if (!RunCheckpoints.exists(runDir)) return undefined;
    const file = join(runDir, "graph.sqlite");
    const saver = new (loadSqlite(file).SqliteSaver)(openReadOnly(file));
    try {
      const tuple = await saver.getTuple({ configurable: { thread_id: threadId } });
      return tuple?.checkpoint.channel_values as T | undefined;
    } finally {
      saver.db.close();
    }
  }

  /** Closes the checkpoint database (the saver cannot be used afterwards). */
  close(): void {
    if (this.saver.db.open) this.saver.db.close();
  }

  chunkDir(chunk: number): string {
    return RunCheckpoints.chunkDir(this.runDir, chunk);
  }

  /** Where the files of `chunk` live in `runDir`. */
  static chunkDir(runDir: string, chunk: number): string {
    return join(runDir, "checkpoints", chunkName(chunk));
  }

  /** Saves weights, optimiser and pool of `chunk`; removes chunk directories older than the previous one. */
  async save(chunk: number, algorithm: Algorithm, pool: ReflectionPool | undefined, meta: Record<string, unknown> = {}): Promise<void> {
    const dir = this.chunkDir(chunk);
    await saveCheckpoint(dir, algorithm, { chunk, ...meta });
    if (pool) {
      // Reflections are model answers: one that quotes a key must not carry it into the checkpoint.
      await writeFile(join(dir, "pool.json.tmp"), redactForWrite(JSON.stringify(pool.snapshot())));
      await rename(join(dir, "pool.json.tmp"), join(dir, "pool.json"));
    }
    for (const name of readdirSync(this.checkpointsDir)) {
      const n = Number(name.slice(CHUNK_PREFIX.length));
      if (name.startsWith(CHUNK_PREFIX) && Number.isInteger(n) && n < chunk - 1) rmSync(join(this.checkpointsDir, name), { recursive: true, force: true });
    }
  }

  /** Loads the policy (with its optimiser) and the pool saved for `chunk`. */
  async load(chunk: number, poolOptions: ReflectionPoolOptions = {}): Promise<{ checkpoint: LoadedCheckpoint; pool: ReflectionPool | undefined }> {
    return RunCheckpoints.load(this.runDir, chunk, poolOptions);
  }

  /** {@link RunCheckpoints.load} without opening the database (nothing in `runDir` is created or changed). */
  static async load(runDir: string, chunk: number, poolOptions: ReflectionPoolOptions = {}): Promise<{ checkpoint: LoadedCheckpoint; pool: ReflectionPool | undefined }> {
    const dir = RunCheckpoints.chunkDir(runDir, chunk);
    if (!existsSync(dir)) {
      throw new FarsightError("graph/missing-chunk", `the saved graph state names chunk ${chunk}, but ${dir} does not exist; the run directory is incomplete`, { dir, chunk });
    }
    const checkpoint = await loadCheckpoint(dir);
    const poolFile = join(dir, "pool.json");
    const pool = existsSync(poolFile) ? await readPool(poolFile, poolOptions) : undefined;
    return { checkpoint, pool };
  }
}

/**
 * SQLite opens any file lazily and fails on the first query with "file is not a database" naming nothing:
 * an existing graph.sqlite is probed once, and a damaged one is reported with its path.
 */
function checkDatabase(saver: RunCheckpointSaver, file: string): void {
  try {
    const check = saver.db.pragma("quick_check(1)", { simple: true });
    if (check !== "ok") throw new Error(String(check));
  } catch (err) {
    throw new FarsightError("graph/corrupt-checkpoint", `${file}: the checkpoint database is damaged (${(err as Error).message}); move it aside to start the run over`, { file }, { cause: err });
  }
}

/** Reads a chunk's reflection pool, naming the file when it is not a pool snapshot. */
export async function readPool(file: string, options: ReflectionPoolOptions): Promise<ReflectionPool> {
  try {
    return ReflectionPool.fromSnapshot(JSON.parse(await readFile(file, "utf8")) as ReflectionPoolSnapshot, options);
  } catch (err) {
    throw new FarsightError("graph/corrupt-checkpoint", `${file}: not a readable reflection pool (${(err as Error).message}); the chunk's checkpoint is damaged`, { file }, { cause: err });
  }
}
