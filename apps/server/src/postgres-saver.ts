/**
 * LangGraph's PostgresSaver with each save in one statement. The package's `put` opens a transaction and sends
 * one INSERT per changed channel, then the checkpoint, then COMMIT (a session step changes about six channels:
 * nine round trips); its `putWrites` does the same per pending write. Each round trip is a socket write and a
 * wake-up of the database, which cost the served step more CPU than everything LangGraph computes. Here a
 * checkpoint and its channel blobs go in one INSERT (the blobs in a data-modifying WITH), and a task's writes in
 * one multi-row INSERT: one round trip each. A single statement is atomic in PostgreSQL, so a save is still
 * all or nothing (what a replica killed mid-save leaves is the previous checkpoint, as before); the rows, tables
 * and conflict rules are the package's own, so the package reads them (getTuple, list) unchanged.
 *
 * Reads of threads' newest checkpoints and saves of several threads are group-committed: those that arrive while statements are on their way are sent
 * together in the next one (group-commit.ts), all or nothing; a save is answered only once its statement has
 * committed, so what a run acknowledges is still written.
 */
import pg from "pg";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { WRITES_IDX_MAP, type ChannelVersions, type Checkpoint, type CheckpointMetadata, type CheckpointTuple, type PendingWrite } from "@langchain/langgraph-checkpoint";
import type { RunnableConfig } from "@langchain/core/runnables";
import { GroupCommit, type GroupCommitOptions } from "./group-commit.js";

/** The package's tables, in the schema it uses by default (the server never sets another). */
const BLOBS = `"public".checkpoint_blobs`;
const CHECKPOINTS = `"public".checkpoints`;
const WRITES = `"public".checkpoint_writes`;

/** `($a, $b, ...)` rows of `width` parameters each, numbered from `from`. */
function rows(count: number, width: number, from: number, fixed: Record<number, string> = {}): string {
  const out: string[] = [];
  let n = from;
  for (let r = 0; r < count; r++) {
    const cells: string[] = [];
    for (let c = 0; c < width; c++) cells.push(fixed[c] ?? `$${n++}`);
    out.push(`(${cells.join(", ")})`);
  }
  return out.join(", ");
}

/** A read of a thread's newest checkpoint. */
interface Latest {
  readonly thread_id: string;
  readonly checkpoint_ns: string;
}

/** One key per (thread, namespace); a namespace of "" makes the prefix of every key of the thread. */
function threadKey(threadId: string, ns: string): string {
  return `${threadId}\u0000${ns}`;
}

/** How many threads' newest checkpoints this process keeps (least recently written first out). */
const KEPT_NEWEST = 4096;

/** A checkpoint this process wrote, as a read would give it back. */
interface Kept {
  readonly id: string;
  /** A tuple of its own per read (LangGraph's loop changes the versions of the checkpoint it reads, in place). */
  read(): Promise<CheckpointTuple>;
}

/** A row of the grouped read (the package's columns, blobs as JSON). */
interface LatestRow {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  parent_checkpoint_id: string | null;
  checkpoint: Omit<Checkpoint, "channel_values"> & { v: number };
  metadata: Record<string, unknown>;
  /** [channel, type, base64 blob] per channel. */
  channel_values: (string | null)[][] | null;
  /** [task id, channel, type, base64 blob] per pending write, in order. */
  pending_writes: (string | null)[][] | null;
  /** The newest checkpoint is the one this process keeps (see `newest`) and has no pending writes: only its id was sent. */
  same: boolean;
}

/** One checkpoint save, as `put` takes it. */
interface Save {
  readonly config: RunnableConfig;
  readonly checkpoint: Checkpoint;
  readonly metadata: CheckpointMetadata;
  readonly newVersions: ChannelVersions;
}

export class OneStatementPostgresSaver extends PostgresSaver {
  private readonly db: pg.Pool;
  /** Saves of many threads that wait while one statement is on its way go together in the next (group-commit.ts). */
  readonly saves: GroupCommit<Save, RunnableConfig>;
  /** Reads of threads' newest checkpoints, grouped the same way. */
  readonly reads: GroupCommit<Latest, CheckpointTuple | undefined>;
  /**
   * The newest checkpoint this process wrote, per thread, when every channel value it holds is a string (the
   * served session's records: immutable, see session-log.ts). A read names it, and the database answers with
   * its id alone while it is still the thread's newest (another replica may have written since: then the row
   * comes whole), so a run reads back what it wrote without the blob travelling, decoded and parsed again.
   */
  private readonly newest = new Map<string, Kept>();
  /** Reads answered from {@link newest} (for tests and the bench). */
  keptReads = 0;

  constructor(pool: pg.Pool, groupCommit: GroupCommitOptions = { concurrency: 1, maxBatch: 64 }) {
    super(pool);
    this.db = pool;
    this.saves = new GroupCommit((batch) => this.putMany(batch), groupCommit);
    this.reads = new GroupCommit((batch) => this.getLatestMany(batch), groupCommit);
  }

  /** A read of a thread's newest checkpoint joins the others waiting (one statement); any other read is the package's. */
  override getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const c = config.configurable ?? {};
    if (c["checkpoint_id"] || typeof c["thread_id"] !== "string") return super.getTuple(config);
    return this.reads.submit({ thread_id: c["thread_id"], checkpoint_ns: (c["checkpoint_ns"] as string | undefined) ?? "" });
  }

  /**
   * The newest checkpoint of each thread, in one statement: the package's query, once per thread (LATERAL),
   * with the channel blobs and pending writes as JSON (base64 blobs) rather than arrays of bytea, which the
   * driver parses character by character.
   */
  private async getLatestMany(batch: Latest[]): Promise<(CheckpointTuple | undefined)[]> {
    // A named statement: each connection parses and plans this query once, not on every batch.
    const r = await this.db.query<LatestRow>({
      name: "farsight-checkpoints-latest-many",
      text: `SELECT x.* FROM unnest($1::text[], $2::text[], $3::text[]) AS l(t, ns, kept)
       CROSS JOIN LATERAL (
         SELECT y.thread_id, y.checkpoint_ns, y.checkpoint_id, y.same,
           CASE WHEN y.same THEN NULL ELSE cp.checkpoint END AS checkpoint,
           CASE WHEN y.same THEN NULL ELSE cp.parent_checkpoint_id END AS parent_checkpoint_id,
           CASE WHEN y.same THEN NULL ELSE cp.metadata END AS metadata,
           CASE WHEN y.same THEN NULL ELSE (SELECT jsonb_agg(jsonb_build_array(bl.channel, bl.type, encode(bl.blob, 'base64')))
              FROM jsonb_each_text(cp.checkpoint -> 'channel_versions')
              INNER JOIN ${BLOBS} bl ON bl.thread_id = cp.thread_id AND bl.checkpoint_ns = cp.checkpoint_ns
                AND bl.channel = jsonb_each_text.key AND bl.version = jsonb_each_text.value) END AS channel_values,
           CASE WHEN y.same THEN NULL ELSE (SELECT jsonb_agg(jsonb_build_array(cw.task_id, cw.channel, cw.type, encode(cw.blob, 'base64')) ORDER BY cw.task_id, cw.idx)
              FROM ${WRITES} cw
              WHERE cw.thread_id = cp.thread_id AND cw.checkpoint_ns = cp.checkpoint_ns AND cw.checkpoint_id = cp.checkpoint_id) END AS pending_writes
         FROM ${CHECKPOINTS} cp
         CROSS JOIN LATERAL (
           SELECT cp.thread_id, cp.checkpoint_ns, cp.checkpoint_id,
             cp.checkpoint_id IS NOT DISTINCT FROM l.kept AND NOT EXISTS (SELECT 1 FROM ${WRITES} w
               WHERE w.thread_id = cp.thread_id AND w.checkpoint_ns = cp.checkpoint_ns AND w.checkpoint_id = cp.checkpoint_id) AS same) y
         WHERE cp.thread_id = l.t AND cp.checkpoint_ns = l.ns ORDER BY cp.checkpoint_id DESC LIMIT 1) x`,
      values: [batch.map((b) => b.thread_id), batch.map((b) => b.checkpoint_ns), batch.map((b) => this.keptIdOf(b.thread_id, b.checkpoint_ns) ?? null)],
    });
    const byThread = new Map(r.rows.map((row) => [threadKey(row.thread_id, row.checkpoint_ns), row]));
    // As the driver gives the package's arrays: text fields as bytes, the blob (last, base64 here) decoded.
    const bytes = (parts: (string | null)[]) => parts.map((p, i) => (p === null ? undefined : i === parts.length - 1 ? Buffer.from(p, "base64") : Buffer.from(p))) as Uint8Array[];
    return Promise.all(
      batch.map(async ({ thread_id, checkpoint_ns }) => {
        const key = threadKey(thread_id, checkpoint_ns);
        const row = byThread.get(key);
        if (row === undefined) return undefined;
        const kept = this.newest.get(key);
        if (row.same && kept?.id === row.checkpoint_id) {
          this.keptReads++;
          return kept.read();
        }
        // A checkpoint of an older format needs the package's migration of its pending sends.
        if (row.checkpoint.v < 4 && row.parent_checkpoint_id != null) return super.getTuple({ configurable: { thread_id, checkpoint_ns } });
        const parentConfig = row.parent_checkpoint_id ? { configurable: { thread_id, checkpoint_ns, checkpoint_id: row.parent_checkpoint_id } } : undefined;
        const channels = (row.channel_values ?? []).map((c) => bytes(c) as [Uint8Array, Uint8Array, Uint8Array]);
        const writes = (row.pending_writes ?? []).map((w) => bytes(w) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array]);
        return {
          config: { configurable: { thread_id, checkpoint_ns, checkpoint_id: row.checkpoint_id } },
          checkpoint: await this._loadCheckpoint(row.checkpoint, channels),
          metadata: await this._loadMetadata(row.metadata),
          ...(parentConfig ? { parentConfig } : {}),
          pendingWrites: await this._loadWrites(writes),
        };
      }),
    );
  }

  /**
   * The package revives a row's metadata (plain JSON from a jsonb column) by serialising it and reading it back:
   * on this server the serialisation passes the write boundary's redaction, needless on a read. Read back the
   * same JSON text without it.
   */
  protected override async _loadMetadata(metadata: Record<string, unknown>): Promise<CheckpointMetadata> {
    return (await this.serde.loadsTyped("json", JSON.stringify(metadata))) as CheckpointMetadata;
  }

  override put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<RunnableConfig> {
    if (config.configurable === undefined) return Promise.reject(new Error(`Missing "configurable" field in "config" param`));
    return this.saves.submit({ config, checkpoint, metadata, newVersions });
  }

  /** Saves of many threads in one statement (a batch of the group commit). */
  private async putMany(saves: Save[]): Promise<RunnableConfig[]> {
    const keyOf = (s: Save) => JSON.stringify([s.config.configurable!["thread_id"], s.config.configurable!["checkpoint_ns"] ?? "", s.checkpoint.id]);
    // One statement may not write a row twice: the same checkpoint saved twice in a batch goes one by one.
    if (new Set(saves.map(keyOf)).size < saves.length) {
      const out: RunnableConfig[] = [];
      for (const s of saves) out.push(...(await this.putMany([s])));
      return out;
    }
    const params: unknown[] = [];
    const at = (v: unknown) => `$${params.push(v)}`;
    const checkpointRows: string[] = [];
    const blobRows: string[] = [];
    const out: RunnableConfig[] = [];
    const kept: (Kept | undefined)[] = [];
    for (const s of saves) {
      const { thread_id, checkpoint_ns = "", checkpoint_id } = s.config.configurable as { thread_id: string; checkpoint_ns?: string; checkpoint_id?: string };
      const [blobs, meta] = await Promise.all([this._dumpBlobs(thread_id, checkpoint_ns, s.checkpoint.channel_values, s.newVersions), this._dumpMetadata(s.metadata)]);
      const thread = at(thread_id);
      const ns = at(checkpoint_ns);
      // The checkpoint's JSON column as text (what the driver would write of the object), also kept below.
      const stored = JSON.stringify(this._dumpCheckpoint(s.checkpoint));
      checkpointRows.push(`(${thread}, ${ns}, ${at(s.checkpoint.id)}, ${at(checkpoint_id)}, ${at(stored)}, ${at(meta)})`);
      for (const [, , channel, version, type, blob] of blobs) blobRows.push(`(${thread}, ${ns}, ${at(channel)}, ${at(version)}, ${at(type)}, ${at(blob)})`);
      out.push({ configurable: { thread_id, checkpoint_ns, checkpoint_id: s.checkpoint.id } });
      kept.push(this.keptOf(s, stored, blobs, thread_id, checkpoint_ns, checkpoint_id, meta));
    }
    const insertBlobs = blobRows.length
      ? `WITH blobs AS (INSERT INTO ${BLOBS} (thread_id, checkpoint_ns, channel, version, type, blob)
           VALUES ${blobRows.join(", ")}
           ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING) `
      : "";
    await this.db.query(
      `${insertBlobs}INSERT INTO ${CHECKPOINTS} (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
       VALUES ${checkpointRows.join(", ")}
       ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata`,
      params,
    );
    // Only once committed: what is kept is what the database holds.
    saves.forEach((s, i) => this.keep(out[i]!, kept[i]));
    return out;
  }

  /**
   * What a read of `s` would give back, when it can be kept: every channel of the checkpoint written by this
   * save (none read from an older blob) and every value a string (nothing a reader could change). Its values
   * are read back from the blobs as written (`blobs`: past the write boundary's redaction), as the database
   * would give them, when a read first needs them.
   */
  private keptOf(s: Save, stored: string, blobs: Awaited<ReturnType<PostgresSaver["_dumpBlobs"]>>, thread_id: string, checkpoint_ns: string, parentId: string | undefined, metadata: unknown): Kept | undefined {
    const values = s.checkpoint.channel_values;
    const channels = Object.keys(s.checkpoint.channel_versions);
    if (channels.length !== Object.keys(values).length || !channels.every((c) => c in s.newVersions && typeof values[c] === "string")) return undefined;
    // Built from what the database holds (its JSON column, then the blobs): no object shared with the writer or a reader.
    let stringValues: Promise<Record<string, string>> | undefined;
    return {
      id: s.checkpoint.id,
      read: async () => ({
        config: { configurable: { thread_id, checkpoint_ns, checkpoint_id: s.checkpoint.id } },
        checkpoint: {
          ...(JSON.parse(stored) as Omit<Checkpoint, "channel_values">),
          // Strings: one object of them serves every read.
          channel_values: { ...(await (stringValues ??= this.valuesOf(blobs))) },
        },
        // As a read gives it: the metadata as stored (the write boundary's dump, plain JSON).
        metadata: { ...(metadata as CheckpointMetadata) },
        ...(parentId ? { parentConfig: { configurable: { thread_id, checkpoint_ns, checkpoint_id: parentId } } } : {}),
        pendingWrites: [],
      }),
    };
  }

  /** The string values of a save's blobs, read back as a read of the database would. */
  private async valuesOf(blobs: Awaited<ReturnType<PostgresSaver["_dumpBlobs"]>>): Promise<Record<string, string>> {
    return Object.fromEntries(await Promise.all(blobs.map(async ([, , channel, , type, blob]) => [channel, (await this.serde.loadsTyped(type, blob!)) as string])));
  }

  /** After a save committed (`saved` names it): keep its tuple, or forget the one it replaces as the thread's newest. */
  private keep(saved: RunnableConfig, kept: Kept | undefined): void {
    const { thread_id, checkpoint_ns, checkpoint_id } = saved.configurable as { thread_id: string; checkpoint_ns: string; checkpoint_id: string };
    const key = threadKey(thread_id, checkpoint_ns);
    const before = this.keptIdOf(thread_id, checkpoint_ns);
    // Ids sort by time: a save of an older checkpoint does not make it the newest.
    if (before !== undefined && before > checkpoint_id) return;
    this.newest.delete(key);
    // A checkpoint saved again keeps its first blobs (ON CONFLICT DO NOTHING): read it back from the database.
    if (kept === undefined || before === checkpoint_id) return;
    this.newest.set(key, kept);
    if (this.newest.size > KEPT_NEWEST) this.newest.delete(this.newest.keys().next().value!);
  }

  private keptIdOf(thread: string, ns: string): string | undefined {
    return this.newest.get(threadKey(thread, ns))?.id;
  }

  override async deleteThread(threadId: string): Promise<void> {
    for (const key of [...this.newest.keys()]) if (key.startsWith(threadKey(threadId, ""))) this.newest.delete(key);
    await super.deleteThread(threadId);
  }

  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    const { thread_id, checkpoint_ns = "", checkpoint_id } = (config.configurable ?? {}) as { thread_id: string; checkpoint_ns?: string; checkpoint_id: string };
    // A checkpoint with pending writes reads back with them: it is no longer kept as written.
    this.newest.delete(threadKey(thread_id, checkpoint_ns));
    // As the package: writes to the special channels (errors, interrupts...) replace an earlier one of the same
    // index; any other batch is inserted once (a retried task's writes are kept as first written).
    const replace = writes.every((w) => w[0] in WRITES_IDX_MAP);
    const dumped = await this._dumpWrites(thread_id, checkpoint_ns, checkpoint_id, taskId, writes);
    // One row per (task, index): the package wrote them one after the other, so the last won with `replace` and
    // the first without; one statement may not touch a row twice.
    const byIdx = new Map<number, (typeof dumped)[number]>();
    for (const w of dumped) if (replace || !byIdx.has(w[4])) byIdx.set(w[4], w);
    if (byIdx.size === 0) return;
    const params: unknown[] = [thread_id, checkpoint_ns, checkpoint_id, taskId];
    for (const [, , , , idx, channel, type, blob] of byIdx.values()) params.push(idx, channel, type, blob);
    await this.db.query(
      `INSERT INTO ${WRITES} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
       VALUES ${rows(byIdx.size, 8, 5, { 0: "$1", 1: "$2", 2: "$3", 3: "$4" })}
       ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) DO ${replace ? "UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob" : "NOTHING"}`,
      params,
    );
  }
}
