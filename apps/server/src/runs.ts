/**
 * Threads and runs: what the routes do, apart from HTTP. A thread holds one session of one graph; a run is one
 * invocation on it (`input` starts the session, `command.resume` answers the pending interrupt), waited for,
 * streamed, or in the background (recorded in the store; see background-runs.ts). The
 * checkpointer saves after every node, so a replica that dies mid-run leaves the thread at a completed node,
 * and any replica on the same database continues from there. The saves are `durability: "async"`: each is
 * written while the next node runs (in order, each after the one before), and a run is answered only once all
 * of its saves are written, so nothing answered is ever lost; a replica killed mid-run may lose the save of the
 * node it had just finished, never an earlier one.
 */
import type { ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { errorBody, HttpError, type ServedGraph, type SnapshotLike } from "./served-graph.js";
import type { ThreadRecord, ThreadRecords } from "./threads.js";
import type { HeldTuples } from "./held-tuples.js";
import { isActive, type RunRecords } from "./run-records.js";
import type { ThreadLock } from "./storage.js";
import { jsonText } from "./json-text.js";
import { fingerprintOf, type IdempotencyRecords } from "./idempotency.js";
import { checkRunOptions, historyPageOf, plainInterrupt, stateOf, streamModesOf, threadIdOf, type Body } from "./run-requests.js";
import { signalOf, ThreadExclusivity } from "./thread-exclusivity.js";
import { BackgroundRuns, type PreparedRun } from "./background-runs.js";
import { runArgument } from "./run-argument.js";

export class Runs {
  /** One run per thread (LangGraph Platform's default multitask strategy: reject). */
  private readonly exclusivity: ThreadExclusivity;
  /** Background runs: recorded, executed, joined, cancelled, found lost (see background-runs.ts). */
  private readonly background: BackgroundRuns;

  /**
   * `lockThread` (the storage's, when processes share it) extends the refusal to runs in other replicas; without
   * it only this process's runs are seen.
   */
  constructor(
    private readonly graphs: readonly ServedGraph[],
    private readonly threads: ThreadRecords,
    private readonly lockThread?: (threadId: string) => Promise<ThreadLock | undefined>,
    /** Drops a thread's checkpoints (the storage's checkpointer), for `DELETE /threads/:id`. */
    private readonly deleteCheckpoints?: (threadId: string) => Promise<void>,
    /** Background run records (in the same store as the thread records). */
    private readonly runRecords?: RunRecords,
    /** Answers kept for `Idempotency-Key` retries (in the same store). */
    private readonly idempotency?: IdempotencyRecords,
    /** Hands the checkpoint read before a run to the run's own first read (see held-tuples.ts). */
    private readonly heldTuples?: HeldTuples,
  ) {
    this.exclusivity = new ThreadExclusivity(lockThread, heldTuples);
    this.background = new BackgroundRuns({
      threads,
      exclusivity: this.exclusivity,
      lockThread,
      runRecords,
      idempotency,
      kept: (id, key, fingerprint) => this.kept(id, key, fingerprint),
      prepare: (id, g, b) => this.prepare(id, g, b),
      record: (id) => this.record(id),
      snapshot: (r) => this.snapshot(r),
    });
  }

  /** The kept answer of an earlier request with `key` (see idempotency.ts), if any. */
  private async kept(id: string, key: string | undefined, fingerprint: string): Promise<Record<string, unknown> | undefined> {
    return key && this.idempotency ? this.idempotency.answer(id, key, fingerprint) : undefined;
  }

  /** Starts a background run (`POST /threads/:id/runs`), answered once recorded: see {@link BackgroundRuns.createRun}. */
  createRun(id: string, g: ServedGraph, assistantId: string, b: Body, key?: string): Promise<Record<string, unknown>> {
    return this.background.createRun(id, g, assistantId, b, key);
  }

  /** A run of a thread (`GET /threads/:id/runs/:run_id`): see {@link BackgroundRuns.getRun}. */
  getRun(id: string, runId: string): Promise<Record<string, unknown>> {
    return this.background.getRun(id, runId);
  }

  /** A thread's runs, newest first (`GET /threads/:id/runs`): see {@link BackgroundRuns.listRuns}. */
  listRuns(id: string, q: URLSearchParams): Promise<Record<string, unknown>[]> {
    return this.background.listRuns(id, q);
  }

  /** Waits for a run to finish (`GET /threads/:id/runs/:run_id/join`): see {@link BackgroundRuns.join}. */
  join(id: string, runId: string, q: URLSearchParams, gone: AbortSignal): Promise<Record<string, unknown> | undefined> {
    return this.background.join(id, runId, q, gone);
  }

  /** Cancels a run (`POST /threads/:id/runs/:run_id/cancel`): see {@link BackgroundRuns.cancelRun}. */
  cancelRun(id: string, runId: string, q: URLSearchParams): Promise<boolean> {
    return this.background.cancelRun(id, runId, q);
  }

  /**
   * The thread's saved states, newest first: one per checkpoint (after every node), as `/state` shows them.
   * `before: { configurable: { checkpoint_id } }` pages back from a checkpoint; `limit` 1..1000 (default 10).
   */
  async history(id: string, b: Body): Promise<Record<string, unknown>[]> {
    const record = await this.record(id);
    const { limit, before } = historyPageOf(b);
    const g = this.graphs.find((x) => x.graphId === record.graph_id);
    if (!g) return [];
    if (!g.graph.getStateHistory) throw new HttpError(422, "server/bad-request", `the ${g.graphId} graph keeps no state history`);
    const out: Record<string, unknown>[] = [];
    const options = { limit, ...(before ? { before: { configurable: { thread_id: id, checkpoint_ns: "", checkpoint_id: before.checkpoint_id } } } : {}) };
    for await (const snap of g.graph.getStateHistory({ configurable: { thread_id: id } }, options)) out.push(stateOf(id, snap));
    return out;
  }

  /** Deletes a thread: its record and every checkpoint. Refused (409) while a run is in progress on it. */
  async deleteThread(id: string): Promise<void> {
    await this.record(id);
    await this.exclusive(id, () => this.dropThread(id, { keepAnswers: false }));
  }

  async createThread(b: Body): Promise<Record<string, unknown>> {
    const id = b["thread_id"] === undefined ? randomUUID() : threadIdOf(b["thread_id"]);
    const existing = await this.threads.get(id);
    if (existing) {
      if (b["if_exists"] === "do_nothing") return this.thread(id);
      throw new HttpError(409, "server/thread-exists", `thread ${id} exists; pass if_exists: "do_nothing" to get it`);
    }
    const now = new Date().toISOString();
    const metadata = b["metadata"] ?? {};
    if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) throw new HttpError(422, "server/bad-request", "metadata must be an object");
    await this.threads.put({ thread_id: id, created_at: now, updated_at: now, metadata: metadata as Record<string, unknown> });
    return this.thread(id);
  }

  async searchThreads(metadata: Record<string, unknown>, limit: number, offset: number): Promise<Record<string, unknown>[]> {
    const found = await this.threads.search(metadata, limit, offset);
    return Promise.all(found.map((r) => this.threadOf(r)));
  }

  async thread(id: string): Promise<Record<string, unknown>> {
    return this.threadOf(await this.record(id));
  }

  async state(id: string): Promise<Record<string, unknown>> {
    const record = await this.record(id);
    const snap = await this.snapshot(record);
    if (!snap) return { values: {}, next: [], tasks: [], metadata: {}, created_at: null, checkpoint: { thread_id: id, checkpoint_ns: "", checkpoint_id: null, checkpoint_map: null }, parent_checkpoint: null };
    return stateOf(id, snap);
  }

  /**
   * Runs to the end or the next interrupt; returns the values, with `__interrupt__` when the graph paused.
   * `temporary` (a stateless run's thread): the thread is dropped once the run has ended, still under its
   * lock, whatever the outcome; the kept answer of its `Idempotency-Key` stays, for retries.
   */
  async wait(id: string, g: ServedGraph, b: Body, key?: string, temporary = false): Promise<Record<string, unknown>> {
    checkRunOptions(b, "runs");
    const fingerprint = key ? fingerprintOf(`wait ${id} ${g.graphId}`, b) : "";
    const before = await this.kept(id, key, fingerprint);
    if (before) return before;
    return this.exclusive(id, (lost) => this.dropAfter(temporary, id, () => this.waitHeld(id, g, b, key, fingerprint, lost)));
  }

  private async waitHeld(id: string, g: ServedGraph, b: Body, key: string | undefined, fingerprint: string, lost: AbortSignal): Promise<Record<string, unknown>> {
    // Again under the thread's lock: a duplicate may have run meanwhile, on any replica.
    const kept = await this.kept(id, key, fingerprint);
    if (kept) return kept;
    const { arg, record, config } = await this.prepare(id, g, b);
    let out: unknown;
    try {
      // LangGraph returns the values, with `__interrupt__` when the graph paused.
      out = await g.graph.invoke(arg, { ...config, ...signalOf(lost) });
    } catch (err) {
      const cause = lost.aborted ? lost.reason : err;
      // Best effort: when the database is gone, the error is what the client must hear.
      await this.threads.touch(record, { error: cause instanceof Error ? cause.message : String(cause) }).catch(() => {});
      throw cause;
    }
    await this.threads.touch(record, { graph_id: g.graphId, error: undefined });
    if (key) await this.idempotency?.keep(id, key, fingerprint, out as Record<string, unknown>);
    return out as Record<string, unknown>;
  }

  /** Runs `fn` (under the thread's lock), then drops the thread when it is `temporary`, whatever `fn` did. */
  private async dropAfter<T>(temporary: boolean, id: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      if (temporary) {
        // A thread left behind is a leak, not a wrong answer: the run's own outcome is what the client hears.
        await this.dropThread(id, { keepAnswers: true }).catch((err) => console.error(`farsight server: the temporary thread ${id} of a stateless run was not deleted: ${err instanceof Error ? err.message : String(err)}`));
      }
    }
  }

  /** Deletes a thread's checkpoints, run records and record (and its kept answers unless `keepAnswers`); the caller holds it. */
  private async dropThread(id: string, o: { keepAnswers: boolean }): Promise<void> {
    await this.deleteCheckpoints?.(id);
    await this.runRecords?.deleteThread(id);
    if (!o.keepAnswers) await this.idempotency?.deleteThread(id);
    await this.threads.delete(id);
  }

  /**
   * As {@link wait}, streamed as server-sent events: `metadata`, then one event per chunk of each stream mode.
   * A `temporary` thread is dropped before the stream ends.
   */
  async stream(id: string, g: ServedGraph, b: Body, res: ServerResponse, temporary = false): Promise<void> {
    checkRunOptions(b, "runs");
    const modes = streamModesOf(b["stream_mode"]);
    await this.exclusive(id, async (lost) => {
      await this.dropAfter(temporary, id, () => this.streamHeld(id, g, b, res, modes, temporary, lost));
      res.end();
    });
  }

  private async streamHeld(id: string, g: ServedGraph, b: Body, res: ServerResponse, modes: readonly string[], temporary: boolean, lost: AbortSignal): Promise<void> {
    const { arg, record, config } = await this.prepare(id, g, b);
    const runId = randomUUID();
    // A temporary thread is gone once the stream ends: the run is named without it.
    const location = temporary ? `/runs/${runId}` : `/threads/${encodeURIComponent(id)}/runs/${runId}`;
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive", "Content-Location": location });
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${jsonText(data)}\n\n`);
    send("metadata", { run_id: runId, attempt: 1 });
    try {
      const chunks = await g.graph.stream(arg, { ...config, streamMode: [...modes], ...signalOf(lost) });
      // Chunks as LangGraph streams them (as its own API server does): in `values` mode the state after each
      // step, and the pause as a last `{__interrupt__}` chunk.
      for await (const chunk of chunks) {
        const [mode, data] = chunk as [string, unknown];
        send(mode, data);
      }
      await this.threads.touch(record, { graph_id: g.graphId, error: undefined });
    } catch (caught) {
      const err: unknown = lost.aborted ? lost.reason : caught;
      await this.threads.touch(record, { error: err instanceof Error ? err.message : String(err) }).catch(() => {});
      const { body } = errorBody(err);
      send("error", { error: body["error"], message: body["detail"] });
    }
  }

  /** Resolves when every run in progress has finished. */
  async drain(): Promise<void> {
    await this.exclusivity.drain();
  }

  /** Runs `fn` as the only run on the thread (see thread-exclusivity.ts). */
  private async exclusive<T>(id: string, fn: (lost: AbortSignal) => Promise<T>): Promise<T> {
    return this.exclusivity.run(id, fn);
  }

  /** The thread's record (created when the request asks so) and the graph's argument and config for a run on it. */
  private async prepare(id: string, g: ServedGraph, b: Body): Promise<PreparedRun> {
    let record = await this.threads.get(id);
    if (!record) {
      if (b["if_not_exists"] !== "create") throw new HttpError(404, "server/no-thread", `no thread ${id}; create it with POST /threads or pass if_not_exists: "create"`);
      await this.createThread({ thread_id: id });
      record = (await this.threads.get(id))!;
    }
    if (record.active_run) {
      // The thread is ours now (exclusive): a background run still marked as in progress lost its process.
      await this.background.alive(await this.runRecords?.get(id, record.active_run));
      record = (await this.threads.get(id))!;
    }
    if (record.graph_id && record.graph_id !== g.graphId) {
      throw new HttpError(409, "server/wrong-assistant", `thread ${id} runs the ${record.graph_id} graph; run ${record.graph_id} on it, or use a new thread for ${g.graphId}`);
    }
    // The thread is ours (exclusive): the run's own first read gets this checkpoint without reading it again.
    this.heldTuples?.hold(id);
    const snap = await this.snapshot({ ...record, graph_id: g.graphId });
    const arg = await runArgument(id, g, b, snap);
    const config = { configurable: { thread_id: id }, recursionLimit: g.recursionLimit ?? 25, durability: "async" };
    return { arg, record, config };
  }

  private async record(id: string): Promise<ThreadRecord> {
    const r = await this.threads.get(id);
    if (!r) throw new HttpError(404, "server/no-thread", `no thread ${id}`);
    return r;
  }

  private async snapshot(r: ThreadRecord): Promise<SnapshotLike | undefined> {
    const g = this.graphs.find((x) => x.graphId === r.graph_id);
    if (!g) return undefined;
    const snap = await g.graph.getState({ configurable: { thread_id: r.thread_id } });
    return snap.config?.configurable?.["checkpoint_id"] ? snap : undefined;
  }

  private async threadOf(r: ThreadRecord): Promise<Record<string, unknown>> {
    const snap = await this.snapshot(r);
    const interrupts = snap ? Object.fromEntries(snap.tasks.filter((t) => t.interrupts.length).map((t) => [t.id, t.interrupts.map(plainInterrupt)])) : {};
    const busy = this.exclusivity.isBusy(r.thread_id);
    const background = !busy && r.active_run ? await this.background.alive(await this.runRecords?.get(r.thread_id, r.active_run)) : undefined;
    const status = busy || (background && isActive(background)) ? "busy" : r.error ? "error" : Object.keys(interrupts).length ? "interrupted" : "idle";
    return {
      thread_id: r.thread_id,
      created_at: r.created_at,
      updated_at: r.updated_at,
      state_updated_at: (snap?.createdAt as string | undefined) ?? r.updated_at,
      metadata: { ...r.metadata, ...(r.graph_id ? { graph_id: r.graph_id } : {}) },
      status,
      values: snap?.values ?? {},
      interrupts,
      ...(r.error ? { error: r.error } : {}),
    };
  }
}
