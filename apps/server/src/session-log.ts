/**
 * What the served session's fast path (fast-session.ts) saves: one small record per saved point of a session,
 * written through the storage's LangGraph checkpointer (memory, SQLite or PostgreSQL; the write boundary's
 * redaction, thread deletion and the held-tuple reuse all apply unchanged), one `put` per record.
 *
 * A record holds what a resume needs and no more: the session's values without `steps`, the node to run next,
 * the pending interrupt (at a pause), and the one step it appended (after an answer). The whole `steps` list
 * is the chain of appended steps, rebuilt from the thread's records when needed and kept in memory per thread
 * (keyed by the checkpoint it belongs to), so a save no longer rewrites a list that grows with the session.
 */
import type { BaseCheckpointSaver, Checkpoint, CheckpointMetadata, CheckpointTuple } from "@langchain/langgraph-checkpoint";
import { randomBytes } from "node:crypto";
import type { EpisodeStep } from "@farsight/core";
import type { SessionPrompt, SessionStateValue } from "@farsight/graph";
import { appendWithText, jsonText, jsonTextOf, withJsonText } from "./json-text.js";

/** The one channel a fast-path checkpoint holds; a checkpoint without it was written by the LangGraph graph. */
export const SESSION_CHANNEL = "farsight_session";

export type SessionValues = Omit<SessionStateValue, "steps">;

/** One saved point of a session. */
export interface SessionRecord {
  readonly values: SessionValues;
  /** The node that runs next: `plan`, `feedback` (the pause), `reflect`; none once the session has ended. */
  readonly next: readonly string[];
  /** At a pause: what the person is shown (the interrupt's id is the checkpoint's, see `interruptIdOf`). */
  readonly prompt?: SessionPrompt;
  /** The step this save appended to the session's `steps` (after an answer). */
  readonly added?: EpisodeStep;
  /** How many steps the session holds at this point. */
  readonly stepCount: number;
}

/** A record as read back, with where it sits in the thread and the session's steps at that point. */
export interface SavedRecord {
  readonly id: string;
  readonly parentId: string | undefined;
  readonly createdAt: string;
  readonly metadata: Record<string, unknown>;
  readonly version: string | number;
  readonly record: SessionRecord;
  readonly steps: readonly EpisodeStep[];
}

/** A save: the record as it reads back once written, and the write. */
export interface Saving {
  readonly record: SavedRecord;
  readonly written: Promise<void>;
}

/** The id an answer may name for the pause saved as checkpoint `checkpointId` (hex, as LangGraph's interrupt ids). */
export const interruptIdOf = (checkpointId: string) => checkpointId.replace(/-/g, "");

/** Whether a checkpoint tuple is one of the fast path's (or the LangGraph graph's). */
export function isSessionRecord(tuple: CheckpointTuple | undefined): boolean {
  return tuple !== undefined && SESSION_CHANNEL in tuple.checkpoint.channel_values;
}

/** How many threads' steps are kept in memory (least recently used dropped first). */
const CACHED_THREADS = 4096;

export class SessionLog {
  /** The newest record this process read or wrote, per thread (its id and steps with it), and its text as written or read. */
  private readonly stepsAt = new Map<string, { head: SavedRecord; text: string }>();

  constructor(private readonly saver: BaseCheckpointSaver) {}

  /**
   * The thread's newest record (none before its first save). `own` is false when its newest checkpoint is the
   * LangGraph graph's (a session that graph started): then there is no record.
   */
  async read(threadId: string): Promise<{ own: boolean; head?: SavedRecord }> {
    const tuple = await this.saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } });
    if (!tuple) return { own: true };
    if (!isSessionRecord(tuple)) return { own: false };
    const id = tuple.config.configurable!["checkpoint_id"] as string;
    const known = this.stepsAt.get(threadId);
    // Still the record this process wrote or read last, stored as it was written (nothing redacted on the way).
    if (known?.head.id === id && tuple.checkpoint.channel_values[SESSION_CHANNEL] === known.text) return { own: true, head: known.head };
    const record = recordOf(tuple);
    const parentId = tuple.parentConfig?.configurable?.["checkpoint_id"] as string | undefined;
    let steps: readonly EpisodeStep[] | undefined;
    if (known && known.head.id === parentId) steps = record.added ? appendWithText(known.head.steps, record.added) : known.head.steps;
    if (steps === undefined || steps.length !== record.stepCount) {
      // Another replica wrote since this one last looked (or this process never did): rebuild from the records.
      steps = (await this.history(threadId)).find((r) => r.id === id)?.steps ?? [];
    }
    const head = savedOf(tuple, record, steps);
    this.remember(threadId, head, tuple.checkpoint.channel_values[SESSION_CHANNEL] as string);
    return { own: true, head };
  }

  /** Every record of the thread, newest first, each with the steps at that point. */
  async history(threadId: string): Promise<SavedRecord[]> {
    const tuples: CheckpointTuple[] = [];
    for await (const t of this.saver.list({ configurable: { thread_id: threadId, checkpoint_ns: "" } })) if (isSessionRecord(t)) tuples.push(t);
    const byId = new Map(tuples.map((t) => [t.config.configurable!["checkpoint_id"] as string, t]));
    const memo = new Map<string, readonly EpisodeStep[]>();
    const stepsOf = (id: string): readonly EpisodeStep[] => {
      // Iterative walk to the root (a long session must not recurse deeply).
      const chain: CheckpointTuple[] = [];
      let at: string | undefined = id;
      while (at !== undefined && !memo.has(at) && byId.has(at)) {
        const t: CheckpointTuple = byId.get(at)!;
        chain.push(t);
        at = t.parentConfig?.configurable?.["checkpoint_id"] as string | undefined;
      }
      let steps = at !== undefined && memo.has(at) ? memo.get(at)! : [];
      for (const t of chain.reverse()) {
        const added = recordOf(t).added;
        if (added) steps = appendWithText(steps, added);
        memo.set(t.config.configurable!["checkpoint_id"] as string, steps);
      }
      return memo.get(id) ?? [];
    };
    return tuples.map((t) => savedOf(t, recordOf(t), stepsOf(t.config.configurable!["checkpoint_id"] as string)));
  }

  /**
   * Saves `record` after `parent` (the thread's newest record, or none for a session's first save): the record
   * as it will read back at once, and its write in progress. `source` is LangGraph's metadata word: `input` for
   * a session's first save, `loop` after. Saves of one thread must be made one after the other (each after the
   * previous one's write), as LangGraph makes them.
   */
  append(threadId: string, parent: SavedRecord | undefined, record: SessionRecord, source: "input" | "loop"): Saving {
    const version = this.saver.getNextVersion(parent?.version as never) as string | number;
    const text = recordText(record);
    const checkpoint: Checkpoint = {
      v: 4,
      id: nextCheckpointId(),
      ts: new Date().toISOString(),
      channel_values: { [SESSION_CHANNEL]: text },
      channel_versions: { [SESSION_CHANNEL]: version },
      versions_seen: {},
    };
    const step = parent ? Number(parent.metadata["step"] ?? 0) + 1 : 0;
    const metadata = { source, step, parents: {} } as CheckpointMetadata;
    const config = { configurable: { thread_id: threadId, checkpoint_ns: "", ...(parent ? { checkpoint_id: parent.id } : {}) } };
    const steps = record.added ? appendWithText(parent?.steps ?? [], record.added) : (parent?.steps ?? []);
    const saved: SavedRecord = { id: checkpoint.id, parentId: parent?.id, createdAt: checkpoint.ts, metadata: { ...metadata, thread_id: threadId }, version, record, steps };
    const written = this.saver.put(config, checkpoint, metadata, { [SESSION_CHANNEL]: version }).then(() => this.remember(threadId, saved, text));
    // Awaited by the run, but maybe only after another failure ended it: never an unhandled rejection.
    written.catch(() => {});
    return { record: saved, written };
  }

  /** Forgets what is kept of a thread (it was deleted). */
  forget(threadId: string): void {
    this.stepsAt.delete(threadId);
  }

  private remember(threadId: string, head: SavedRecord, text: string): void {
    this.stepsAt.delete(threadId);
    this.stepsAt.set(threadId, { head, text });
    if (this.stepsAt.size > CACHED_THREADS) this.stepsAt.delete(this.stepsAt.keys().next().value!);
  }
}

/**
 * `JSON.stringify(record)`, without writing the session's `history` again when an earlier record (or answer)
 * wrote that same list: the answer's record and the pause's share it (planning does not change it), and so
 * does the answer sent to the client. The lists and values written here are never changed afterwards.
 */
function recordText(record: SessionRecord): string {
  const history = record.values.history;
  if (jsonTextOf(history) === undefined) withJsonText(history, JSON.stringify(history));
  withJsonText(record.values, jsonText(record.values));
  return jsonText(record);
}

/**
 * A record is kept as its JSON text: one string for the checkpointer's serialiser (which walks every value of
 * a tree, on the way out for cycles and on the way in with a reviver) and for the write boundary's redaction.
 */
function recordOf(tuple: CheckpointTuple): SessionRecord {
  // A run reads its thread's tuple twice (the server's check, then the run), the second time the same object.
  let record = parsed.get(tuple);
  if (!record) parsed.set(tuple, (record = JSON.parse(tuple.checkpoint.channel_values[SESSION_CHANNEL] as string) as SessionRecord));
  return record;
}
const parsed = new WeakMap<CheckpointTuple, SessionRecord>();

/**
 * Checkpoint ids that sort by time, as LangGraph's (uuid6) do, made without a random draw per id: the
 * milliseconds, a counter within the millisecond, and a random suffix drawn once per process (two replicas
 * never make the same id).
 */
function nextCheckpointId(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  } else sequence++;
  const time = lastMs.toString(16).padStart(12, "0");
  const seq = sequence.toString(16).padStart(8, "0");
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-${seq.slice(0, 4)}-${seq.slice(4, 8)}-${PROCESS_SUFFIX}`;
}
let lastMs = 0;
let sequence = 0;
const PROCESS_SUFFIX = randomBytes(6).toString("hex");

function savedOf(tuple: CheckpointTuple, record: SessionRecord, steps: readonly EpisodeStep[]): SavedRecord {
  return {
    id: tuple.config.configurable!["checkpoint_id"] as string,
    parentId: tuple.parentConfig?.configurable?.["checkpoint_id"] as string | undefined,
    createdAt: tuple.checkpoint.ts,
    metadata: { ...(tuple.metadata ?? {}) } as Record<string, unknown>,
    version: tuple.checkpoint.channel_versions[SESSION_CHANNEL]!,
    record,
    steps,
  };
}
