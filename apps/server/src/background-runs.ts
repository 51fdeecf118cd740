/**
 * Background runs (`POST /threads/:id/runs` and the routes under `/threads/:id/runs/:run_id`): recorded in the
 * store, executed in the process that accepted them (background-execution.ts), read, listed, joined and cancelled
 * from any replica, and found lost when the process that executed one is gone. `Runs` owns the threads they run
 * on and answers the routes through this class.
 */
import { randomUUID } from "node:crypto";
import { FarsightError } from "@farsight/core";
import { HttpError, type ServedGraph, type SnapshotLike } from "./served-graph.js";
import type { ThreadRecord, ThreadRecords } from "./threads.js";
import { isActive, runView, type RunRecord, type RunRecords, type RunStatus } from "./run-records.js";
import type { ThreadLock } from "./storage.js";
import { fingerprintOf, type IdempotencyRecords } from "./idempotency.js";
import { checkRunOptions, interruptsOf, queryInt, type Body } from "./run-requests.js";
import type { ThreadExclusivity } from "./thread-exclusivity.js";
import { executeBackgroundRun, type ActiveRun } from "./background-execution.js";

const RUN_STATUSES: readonly RunStatus[] = ["pending", "running", "success", "error", "interrupted"];
/** How often a join polls the record of a run that another process executes. */
const JOIN_POLL_MS = 200;

/** A run's thread record, checked, and what the graph is handed (see `Runs.prepare`). */
export interface PreparedRun {
  readonly arg: unknown;
  readonly record: ThreadRecord;
  readonly config: Record<string, unknown>;
}

/** What background runs use of the threads they run on (the `Runs` that owns them). */
export interface RunHost {
  readonly threads: ThreadRecords;
  readonly exclusivity: ThreadExclusivity;
  readonly lockThread: ((threadId: string) => Promise<ThreadLock | undefined>) | undefined;
  readonly runRecords: RunRecords | undefined;
  readonly idempotency: IdempotencyRecords | undefined;
  /** The kept answer of an earlier request with `key` (see idempotency.ts), if any. */
  kept(id: string, key: string | undefined, fingerprint: string): Promise<Record<string, unknown> | undefined>;
  prepare(id: string, g: ServedGraph, b: Body): Promise<PreparedRun>;
  /** The thread's record; 404 without one. */
  record(id: string): Promise<ThreadRecord>;
  /** The thread's saved state, or undefined before its first checkpoint. */
  snapshot(r: ThreadRecord): Promise<SnapshotLike | undefined>;
}

export class BackgroundRuns {
  /** Background runs this process executes, by run id. */
  private readonly active = new Map<string, ActiveRun>();
  /** Names this process as the owner of the runs it executes (a new one at every start). */
  private readonly replicaId = randomUUID();

  constructor(private readonly host: RunHost) {}

  /**
   * Starts a background run (`POST /threads/:id/runs`): the same checks as `Runs.wait`, under the same
   * per-thread exclusivity, then the run is recorded (`pending`) and answered at once; it executes in this
   * process. A request the graph refuses (422), a busy thread (409)... is answered with the error and recorded
   * nowhere.
   */
  async createRun(id: string, g: ServedGraph, assistantId: string, b: Body, key?: string): Promise<Record<string, unknown>> {
    const records = this.requireRunRecords();
    checkRunOptions(b, "background runs");
    const metadata = b["metadata"] ?? {};
    if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) throw new HttpError(422, "server/bad-request", "metadata must be an object");
    // Only a request with an Idempotency-Key is kept and compared.
    const fingerprint = key ? fingerprintOf(`runs ${id} ${g.graphId}`, b) : "";
    const before = await this.host.kept(id, key, fingerprint);
    if (before) return before;
    return new Promise((resolve, reject) => {
      let answered = false;
      this.host.exclusivity.run(id, async (lost) => {
        // Again under the thread's lock: a duplicate may have run meanwhile, on any replica.
        const kept = await this.host.kept(id, key, fingerprint);
        if (kept) {
          answered = true;
          resolve(kept);
          return;
        }
        const { arg, record, config } = await this.host.prepare(id, g, b);
        const now = new Date().toISOString();
        const run: RunRecord = {
          run_id: randomUUID(),
          thread_id: id,
          assistant_id: assistantId,
          status: "pending",
          created_at: now,
          updated_at: now,
          metadata: metadata as Record<string, unknown>,
          multitask_strategy: "reject",
          owner: this.replicaId,
        };
        let finished!: () => void;
        const entry: ActiveRun = { controller: new AbortController(), done: new Promise<void>((r) => (finished = r)) };
        // Known as this process's before it is recorded: `alive` never takes it for a lost run.
        this.active.set(run.run_id, entry);
        try {
          await records.put(run);
          // graph_id now (not only after a success), so a run stopped mid-way shows and continues as this graph's.
          const thread = await this.host.threads.touch(record, { graph_id: g.graphId, active_run: run.run_id });
          if (key) await this.host.idempotency?.keep(id, key, fingerprint, runView(run));
          answered = true;
          resolve(runView(run));
          await executeBackgroundRun({ records, threads: this.host.threads, shared: this.host.lockThread !== undefined }, run, thread, entry, lost, () => g.graph.invoke(arg, { ...config, signal: AbortSignal.any([entry.controller.signal, lost]) }));
        } finally {
          this.active.delete(run.run_id);
          finished();
        }
      }).catch((err) => {
        if (!answered) reject(err);
      });
    });
  }

  /** A run of a thread (`GET /threads/:id/runs/:run_id`); a run whose process is gone is reported (and recorded) as lost. */
  async getRun(id: string, runId: string): Promise<Record<string, unknown>> {
    await this.host.record(id);
    return runView(await this.runRecord(id, runId));
  }

  /** A thread's runs, newest first (`GET /threads/:id/runs?limit&offset&status`). */
  async listRuns(id: string, q: URLSearchParams): Promise<Record<string, unknown>[]> {
    await this.host.record(id);
    const limit = queryInt(q, "limit", 10, 1000);
    const offset = queryInt(q, "offset", 0, 1_000_000);
    const status = q.get("status");
    if (status !== null && !(RUN_STATUSES as readonly string[]).includes(status)) throw new HttpError(422, "server/bad-request", `status must be one of ${RUN_STATUSES.join(", ")}, got ${JSON.stringify(status)}`);
    if (q.has("select")) throw new HttpError(422, "server/bad-request", "select is not supported: leave it out (runs come whole)");
    const all: RunRecord[] = [];
    // One by one: two lock probes on one thread at once would see each other as the run's owner.
    for (const r of await this.requireRunRecords().list(id)) all.push(await this.alive(r));
    return all.filter((r) => status === null || r.status === status).slice(offset, offset + limit).map(runView);
  }

  /**
   * Waits for a run to finish (`GET /threads/:id/runs/:run_id/join`), then answers as `/runs/wait` does: the
   * thread's values, with `__interrupt__` when the graph paused; a failed run adds `__error__: { error,
   * message }`. A run of this process is awaited; one of another replica is polled in the store.
   */
  async join(id: string, runId: string, q: URLSearchParams, gone: AbortSignal): Promise<Record<string, unknown> | undefined> {
    await this.host.record(id);
    if (q.get("cancel_on_disconnect") === "1" || q.get("cancel_on_disconnect") === "true") {
      throw new HttpError(422, "server/bad-request", "cancel_on_disconnect is not supported: join without it, and cancel with POST /threads/:id/runs/:run_id/cancel");
    }
    const run = await this.untilEnded(id, runId, gone);
    if (!run) return undefined;
    const record = await this.host.record(id);
    const snap = await this.host.snapshot(record);
    const pending = snap ? interruptsOf(snap) : [];
    return {
      ...((snap?.values as Record<string, unknown> | undefined) ?? {}),
      ...(pending.length ? { __interrupt__: pending } : {}),
      ...(run.status === "error" && run.error ? { __error__: run.error } : {}),
    };
  }

  /** The run's record once it has ended (a run of this process is awaited, another polled); undefined when `gone` aborts first. */
  private async untilEnded(id: string, runId: string, gone?: AbortSignal): Promise<RunRecord | undefined> {
    let run = await this.runRecord(id, runId);
    while (isActive(run)) {
      const local = this.active.get(runId);
      if (local) await Promise.race([local.done, new Promise((r) => gone?.addEventListener("abort", r, { once: true }))]);
      else await new Promise((r) => setTimeout(r, JOIN_POLL_MS));
      if (gone?.aborted) return undefined;
      run = await this.runRecord(id, runId);
    }
    return run;
  }

  /**
   * Cancels a run (`POST /threads/:id/runs/:run_id/cancel`, action `interrupt`): aborts LangGraph's invoke
   * through its AbortSignal, at once in the process that executes the run, or, asked on another replica, through
   * a request that process reads every `CANCEL_POLL_MS` ms (background-execution.ts). LangGraph stops at once
   * and discards the node in progress (its writes are not saved); the thread stays at its last saved node, and a
   * run without input or command continues it. A node that does not read the signal keeps computing in the
   * background until it returns (its result is dropped). `wait` answers once the run's final status is written.
   * Answers whether it waited.
   */
  async cancelRun(id: string, runId: string, q: URLSearchParams): Promise<boolean> {
    await this.host.record(id);
    const action = q.get("action") ?? "interrupt";
    if (action !== "interrupt") throw new HttpError(422, "server/bad-request", `action ${JSON.stringify(action)} is not supported: only interrupt (stop the run, keep the thread at its last saved node); delete the thread to drop it`);
    const wait = q.get("wait") === "1" || q.get("wait") === "true";
    const ended = (r: RunRecord) => new HttpError(409, "server/run-not-cancellable", `run ${runId} has ended (${r.status}); there is nothing to cancel`, { status: r.status });
    const run = await this.runRecord(id, runId);
    if (!isActive(run)) throw ended(run);
    const local = this.active.get(runId);
    if (local) {
      local.cancelReason ??= "cancelled";
      local.controller.abort();
      if (wait) await local.done;
      return wait;
    }
    // Another process executes it (`alive` has checked that it still does).
    const records = this.requireRunRecords();
    await records.requestCancel(id, runId, "cancelled through another replica");
    const now = await this.runRecord(id, runId);
    if (!isActive(now)) {
      await records.clearCancel(id, runId);
      throw ended(now);
    }
    if (wait) await this.untilEnded(id, runId);
    return wait;
  }

  private requireRunRecords(): RunRecords {
    if (!this.host.runRecords) throw new HttpError(404, "server/no-route", "this server keeps no run records: background runs are not served");
    return this.host.runRecords;
  }

  private async runRecord(id: string, runId: string): Promise<RunRecord> {
    const r = await this.requireRunRecords().get(id, runId);
    if (!r) throw new HttpError(404, "server/no-run", `no run ${runId} on thread ${id} (runs of /runs/wait and /runs/stream are not recorded; list the thread's background runs with GET /threads/${id}/runs)`);
    return this.alive(r);
  }

  /**
   * The truth about a run recorded as pending/running: still so when this process executes it or another
   * process holds the thread's lock; otherwise the process that executed it is gone (the owner takes the lock
   * before recording the run and lets go only after its final status is written), and the run is recorded as
   * `error` (`server/run-lost`). Without a shared lock (memory, SQLite: one process) a run of another process
   * is lost by definition.
   */
  async alive(r: RunRecord): Promise<RunRecord>;
  async alive(r: RunRecord | undefined): Promise<RunRecord | undefined>;
  async alive(r: RunRecord | undefined): Promise<RunRecord | undefined> {
    if (!r || !isActive(r) || this.active.has(r.run_id) || !this.host.runRecords) return r;
    let probe: ThreadLock | undefined;
    if (this.host.lockThread && !this.host.exclusivity.holds(r.thread_id)) {
      // A probe: taking the lock fails while the owner (or any run on the thread) holds it. While the probe holds
      // it (a few milliseconds), a run started on the thread is refused as busy.
      probe = await this.host.lockThread(r.thread_id);
      if (!probe) return r;
    }
    try {
      const now = await this.host.runRecords.get(r.thread_id, r.run_id);
      if (!now || !isActive(now) || this.active.has(now.run_id)) return now;
      const lost = new FarsightError("server/run-lost", `run ${r.run_id} was ${r.status} in a server process that stopped before it finished; the thread is at its last saved node (a run without input or command continues it)`);
      const out = await this.host.runRecords.update(now, { status: "error", error: { error: lost.code, message: lost.message } });
      const thread = await this.host.threads.get(r.thread_id);
      if (thread?.active_run === r.run_id) await this.host.threads.touch(thread, { active_run: undefined });
      return out;
    } finally {
      await probe?.release();
    }
  }
}
