/**
 * Background run records (LangGraph Platform's `Run` objects) in the server's LangGraph store, beside the thread
 * records, so every replica that shares the store can `get` and `list` a run. The run itself executes in the
 * process that accepted it; `owner` names that process (an id drawn when the server starts, never reused).
 */
import type { BaseStore } from "@langchain/langgraph-checkpoint";

// One namespace for every thread's runs (thread ids may hold a `.`, which a namespace label may not): a thread's
// runs are found with an exact-match filter on `thread_id`, which every store here supports.
const NAMESPACE = ["farsight", "server", "runs"];
/** Cancel requests a replica leaves for the replica that executes the run (a key of their own: no write race). */
const CANCELS = ["farsight", "server", "run-cancels"];

export type RunStatus = "pending" | "running" | "success" | "error" | "interrupted";

export interface RunRecord {
  readonly run_id: string;
  readonly thread_id: string;
  readonly assistant_id: string;
  readonly status: RunStatus;
  readonly created_at: string;
  readonly updated_at: string;
  readonly metadata: Record<string, unknown>;
  /** LangGraph Platform's default, the only one served: a second run while one is in progress is refused. */
  readonly multitask_strategy: "reject";
  /** The process that executes the run (see the module comment). */
  readonly owner: string;
  /** Why the run failed (status `error`): a Farsight error code and the message. */
  readonly error?: { readonly error: string; readonly message: string };
  /** Why the run was stopped (status `interrupted`). */
  readonly cancel_reason?: string;
}

export const isActive = (r: RunRecord) => r.status === "pending" || r.status === "running";

/** A record as the API shows it (`owner` is the server's own bookkeeping). */
export function runView(r: RunRecord): Record<string, unknown> {
  const { owner: _owner, ...view } = r;
  return view;
}

export class RunRecords {
  constructor(private readonly store: BaseStore) {}

  async get(threadId: string, runId: string): Promise<RunRecord | undefined> {
    const item = await this.store.get(NAMESPACE, keyOf(threadId, runId));
    return item ? (item.value as unknown as RunRecord) : undefined;
  }

  async put(r: RunRecord): Promise<void> {
    await this.store.put(NAMESPACE, keyOf(r.thread_id, r.run_id), { ...r }, false);
  }

  /** Writes `patch` over `r` with `updated_at` now; returns the new record. */
  async update(r: RunRecord, patch: Partial<RunRecord>): Promise<RunRecord> {
    const next = { ...r, ...patch, updated_at: new Date().toISOString() };
    await this.put(next);
    return next;
  }

  /** Every run of a thread, newest first. */
  async list(threadId: string): Promise<RunRecord[]> {
    const all: RunRecord[] = [];
    for (let at = 0; ; at += 500) {
      const page = await this.store.search(NAMESPACE, { filter: { thread_id: threadId }, limit: 500, offset: at });
      all.push(...page.map((i) => i.value as unknown as RunRecord));
      if (page.length < 500) break;
    }
    return all.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.run_id < b.run_id ? 1 : -1));
  }

  async deleteThread(threadId: string): Promise<void> {
    for (const r of await this.list(threadId)) await this.store.delete(NAMESPACE, keyOf(threadId, r.run_id));
    for (;;) {
      const page = await this.store.search(CANCELS, { filter: { thread_id: threadId }, limit: 500 });
      for (const i of page) await this.store.delete(CANCELS, i.key);
      if (page.length < 500) break;
    }
  }

  /** Asks the replica that executes a run to cancel it (it reads {@link cancelRequest} while the run is in progress). */
  async requestCancel(threadId: string, runId: string, reason: string): Promise<void> {
    await this.store.put(CANCELS, keyOf(threadId, runId), { thread_id: threadId, run_id: runId, reason, requested_at: new Date().toISOString() }, false);
  }

  /** The reason of a pending cancel request, if any. */
  async cancelRequest(threadId: string, runId: string): Promise<string | undefined> {
    const item = await this.store.get(CANCELS, keyOf(threadId, runId));
    return item ? String(item.value["reason"]) : undefined;
  }

  async clearCancel(threadId: string, runId: string): Promise<void> {
    await this.store.delete(CANCELS, keyOf(threadId, runId));
  }
}

const keyOf = (threadId: string, runId: string) => `${threadId}/${runId}`;
