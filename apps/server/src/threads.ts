/**
 * Thread records (id, creation time, metadata, the graph the thread runs, the last run's error) in the server's
 * LangGraph store, so every replica that shares the store sees the same threads. The graph state of a thread is
 * the checkpointer's; this is only what LangGraph Platform's thread objects add to it.
 */
import type { BaseStore } from "@langchain/langgraph-checkpoint";

const NAMESPACE = ["farsight", "server", "threads"];

export interface ThreadRecord {
  readonly thread_id: string;
  readonly created_at: string;
  readonly updated_at: string;
  readonly metadata: Record<string, unknown>;
  /** The graph the thread's first run used; later runs must use the same one. */
  readonly graph_id?: string;
  /** The last run's error, cleared by the next run that succeeds. */
  readonly error?: string;
  /** The background run in progress on the thread (set while it runs; any replica reads it for `busy`). */
  readonly active_run?: string;
}

export class ThreadRecords {
  constructor(private readonly store: BaseStore) {}

  async get(threadId: string): Promise<ThreadRecord | undefined> {
    const item = await this.store.get(NAMESPACE, threadId);
    return item ? (item.value as unknown as ThreadRecord) : undefined;
  }

  async put(record: ThreadRecord): Promise<void> {
    await this.store.put(NAMESPACE, record.thread_id, { ...record }, false);
  }

  async delete(threadId: string): Promise<void> {
    await this.store.delete(NAMESPACE, threadId);
  }

  /** Updates a record: `updated_at` is now, `patch` overwrites fields (`error: undefined` clears it, and so on). */
  async touch(record: ThreadRecord, patch: Partial<ThreadRecord>): Promise<ThreadRecord> {
    const next: Record<string, unknown> = { ...record, ...patch, updated_at: new Date().toISOString() };
    for (const [k, v] of Object.entries(next)) if (v === undefined) delete next[k];
    await this.put(next as unknown as ThreadRecord);
    return next as unknown as ThreadRecord;
  }

  /** Threads whose metadata holds every key/value of `metadata`, most recently updated first. */
  async search(metadata: Record<string, unknown>, limit: number, offset: number): Promise<ThreadRecord[]> {
    // Stores filter on top-level fields only; metadata is nested, so the filter runs here.
    const all: ThreadRecord[] = [];
    for (let at = 0; ; at += 500) {
      const page = await this.store.search(NAMESPACE, { limit: 500, offset: at });
      all.push(...page.map((i) => i.value as unknown as ThreadRecord));
      if (page.length < 500) break;
    }
    const match = (r: ThreadRecord) => Object.entries(metadata).every(([k, v]) => JSON.stringify(r.metadata?.[k]) === JSON.stringify(v));
    return all
      .filter(match)
      .sort((a, b) => (a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : 0))
      .slice(offset, offset + limit);
  }
}
