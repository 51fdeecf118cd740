/**
 * The served session's fast path: the `session` graph's steps (feedback -> plan -> pause, reflect at the end)
 * run as plain code by the server, without LangGraph's scheduler, its channels and its serialiser walking a
 * state that grows with the session. It answers as the compiled graph does (`invoke`, `stream` in `values` /
 * `updates` mode, `getState`, `getStateHistory`: same values, `next`, tasks and interrupts, tested side by side
 * in fast-session.test.ts), so the routes, the SDK and the durability guarantees are unchanged:
 *
 * - each run saves what LangGraph's graph saves before and after the node that may take long: the answer (or
 *   the new session) is saved before planning starts (a process that dies while planning loses nothing it
 *   acknowledged, and the thread shows `next: ["plan"]`), then the pause. The answer's save is written while
 *   the plan is computed; the run answers only once both are written;
 * - a cancel (the run's signal) stops the run at once; the plan in progress is dropped, nothing after it is saved;
 * - each save is one small record (session-log.ts): two per slate instead of LangGraph's three, without `steps`.
 *
 * A thread whose newest checkpoint the LangGraph graph wrote (a session started before this path existed)
 * is run by that graph, so no session in progress is stranded.
 */
import { Command } from "@langchain/langgraph";
import type { SessionFeedback, SessionStateValue, SessionSteps } from "@farsight/graph";
import { HttpError, type GraphLike, type SnapshotLike } from "./served-graph.js";
import { interruptIdOf, SessionLog, type SavedRecord, type Saving, type SessionRecord, type SessionValues } from "./session-log.js";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";

type Emit = (mode: string, data: unknown) => void;

/** The values a session starts from (the graph's channel defaults). */
const START_VALUES: SessionValues = { sessionId: "session", userId: 0, step: 0, history: [], planCategories: [], planSource: "", slate: [], returnSoFar: 0, done: false, reflection: "" };

export interface FastSessionOptions {
  readonly steps: SessionSteps;
  readonly checkpointer: BaseCheckpointSaver;
  /** The compiled LangGraph session graph, for threads it started (see above). */
  readonly graph: GraphLike;
}

export class FastSessionGraph implements GraphLike {
  readonly log: SessionLog;
  private readonly steps: SessionSteps;
  private readonly graph: GraphLike;

  constructor(o: FastSessionOptions) {
    this.steps = o.steps;
    this.graph = o.graph;
    this.log = new SessionLog(o.checkpointer);
  }

  async invoke(input: unknown, config: Record<string, unknown>): Promise<unknown> {
    const thread = threadOf(config);
    const { own, head } = await this.log.read(thread);
    if (!own) return this.graph.invoke(input, config);
    return this.run(thread, head, input, signalOf(config), () => {});
  }

  async stream(input: unknown, config: Record<string, unknown>): Promise<AsyncIterable<unknown>> {
    const thread = threadOf(config);
    const { own, head } = await this.log.read(thread);
    if (!own) return this.graph.stream(input, config);
    const modes = new Set(([] as string[]).concat((config["streamMode"] as string | string[] | undefined) ?? "values"));
    const chunks = new ChunkQueue();
    const emit: Emit = (mode, data) => {
      if (modes.has(mode)) chunks.push([mode, data]);
    };
    this.run(thread, head, input, signalOf(config), emit).then(
      () => chunks.end(),
      (err: unknown) => chunks.end(err),
    );
    return chunks;
  }

  async getState(config: { configurable: { thread_id: string } }): Promise<SnapshotLike> {
    const thread = config.configurable.thread_id;
    const { own, head } = await this.log.read(thread);
    if (head) return snapshotOf(thread, head);
    return own ? emptySnapshot() : this.graph.getState(config);
  }

  async *getStateHistory(config: { configurable: Record<string, unknown> }, options?: { limit?: number; before?: { configurable: Record<string, unknown> } }): AsyncIterable<SnapshotLike> {
    const thread = String(config.configurable["thread_id"]);
    if (!(await this.log.read(thread)).own) {
      if (this.graph.getStateHistory) yield* this.graph.getStateHistory(config, options);
      return;
    }
    let records = await this.log.history(thread);
    const before = options?.before?.configurable?.["checkpoint_id"];
    if (typeof before === "string") records = records.filter((r) => r.id < before);
    for (const r of records.slice(0, options?.limit ?? records.length)) yield snapshotOf(thread, r);
  }

  /** One run: start a session, answer its pause, or continue a run that stopped mid-way. */
  private async run(thread: string, head: SavedRecord | undefined, input: unknown, signal: AbortSignal | undefined, emit: Emit): Promise<Record<string, unknown>> {
    let at: Saving;
    if (input instanceof Command) {
      if (!head?.record.prompt) throw new HttpError(409, "server/no-interrupt", `thread ${thread} is not waiting for an answer`);
      emit("values", valuesOf(head));
      const update = this.steps.applyAnswer(stateOf(head), input.resume as SessionFeedback);
      const added = update.steps?.at(-1);
      const { steps: _all, ...changed } = update;
      const values = { ...head.record.values, ...changed };
      emit("updates", { feedback: update });
      at = this.log.append(thread, head, { values, next: [values.done ? "reflect" : "plan"], ...(added ? { added } : {}), stepCount: head.steps.length + (added ? 1 : 0) }, "loop");
      emit("values", valuesOf(at.record));
    } else if (input === null || input === undefined) {
      if (!head || head.record.next.length === 0 || head.record.prompt) throw new HttpError(409, "server/nothing-to-continue", `thread ${thread} has no run that stopped mid-way`);
      at = { record: head, written: Promise.resolve() };
    } else {
      if (head) throw new HttpError(409, "server/thread-started", `thread ${thread} already holds a session`);
      const values: SessionValues = { ...START_VALUES, ...(input as Partial<SessionValues>) };
      at = this.log.append(thread, undefined, { values, next: ["plan"], stepCount: 0 }, "input");
      emit("values", valuesOf(at.record));
    }
    // Each node reads the state its predecessor saved, while that save is being written.
    for (;;) {
      const now = at.record;
      const node = now.record.next[0];
      if (node === undefined) {
        await at.written;
        return valuesOf(now);
      }
      if (node === "plan") {
        const update = await untilAborted(this.steps.planAndAct(stateOf(now)), signal, at.written);
        await at.written;
        const values = { ...now.record.values, ...update } as SessionValues;
        emit("updates", { plan: update });
        if (values.done) {
          at = this.log.append(thread, now, { values, next: ["reflect"], stepCount: now.steps.length }, "loop");
          emit("values", valuesOf(at.record));
          continue;
        }
        const prompt = this.steps.prompt({ ...values, steps: [...now.steps] });
        at = this.log.append(thread, now, { values, next: ["feedback"], prompt, stepCount: now.steps.length }, "loop");
        await at.written;
        const interrupt = [{ id: interruptIdOf(at.record.id), value: prompt }];
        emit("values", valuesOf(at.record));
        emit("updates", { __interrupt__: interrupt });
        emit("values", { __interrupt__: interrupt });
        return { ...valuesOf(at.record), __interrupt__: interrupt };
      }
      if (node === "reflect") {
        const update = await untilAborted(this.steps.reflect(stateOf(now)), signal, at.written);
        await at.written;
        emit("updates", { reflect: update });
        at = this.log.append(thread, now, { values: { ...now.record.values, ...update }, next: [], stepCount: now.steps.length }, "loop");
        emit("values", valuesOf(at.record));
        continue;
      }
      throw new Error(`the session fast path has no node ${node}`);
    }
  }
}

/**
 * Waits for `work`, or throws at once when `signal` aborts (LangGraph's behaviour: the node in progress is
 * dropped). A save in progress is let finish first: what it writes is a completed node.
 */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, saving: Promise<unknown>): Promise<T> {
  if (!signal) return work;
  // Whichever loses the race settles later with nobody waiting: neither may become an unhandled rejection.
  work.catch(() => {});
  let stop!: () => void;
  const aborted = new Promise<never>((_, reject) => (stop = () => reject(signal.reason instanceof Error ? signal.reason : new Error("Aborted"))));
  aborted.catch(() => {});
  if (signal.aborted) stop();
  else signal.addEventListener("abort", stop, { once: true });
  try {
    return await Promise.race([work, aborted]);
  } catch (err) {
    if (signal.aborted) await saving.catch(() => {});
    throw err;
  } finally {
    signal.removeEventListener("abort", stop);
  }
}

function stateOf(r: SavedRecord): SessionStateValue {
  return { ...r.record.values, steps: [...r.steps] };
}

/** The values as the graph shows them (LangGraph's channel order). */
function valuesOf(r: SavedRecord): Record<string, unknown> {
  const v = r.record.values;
  return { sessionId: v.sessionId, userId: v.userId, step: v.step, history: v.history, steps: r.steps, planCategories: v.planCategories, planSource: v.planSource, slate: v.slate, returnSoFar: v.returnSoFar, done: v.done, reflection: v.reflection };
}

function snapshotOf(thread: string, r: SavedRecord): SnapshotLike {
  const rec: SessionRecord = r.record;
  return {
    values: valuesOf(r),
    next: [...rec.next],
    config: { configurable: { thread_id: thread, checkpoint_ns: "", checkpoint_id: r.id } },
    parentConfig: r.parentId ? { configurable: { thread_id: thread, checkpoint_ns: "", checkpoint_id: r.parentId } } : undefined,
    metadata: { ...r.metadata, thread_id: thread },
    createdAt: r.createdAt,
    tasks: rec.next.map((name) => ({
      id: `${interruptIdOf(r.id).slice(0, 24)}${name.padEnd(8, "0").slice(0, 8)}`,
      name,
      interrupts: name === "feedback" && rec.prompt ? [{ id: interruptIdOf(r.id), value: rec.prompt }] : [],
    })),
  };
}

/** A thread without a session yet, as LangGraph shows it (no checkpoint id: the server reads it as no session). */
function emptySnapshot(): SnapshotLike {
  return { values: {}, next: [], config: {}, tasks: [] };
}

function threadOf(config: Record<string, unknown>): string {
  const id = (config["configurable"] as Record<string, unknown> | undefined)?.["thread_id"];
  if (typeof id !== "string") throw new Error("a session run needs configurable.thread_id");
  return id;
}

const signalOf = (config: Record<string, unknown>) => config["signal"] as AbortSignal | undefined;

/** The chunks of a streamed run, as an async iterable that ends (or throws) with the run. */
class ChunkQueue implements AsyncIterable<unknown> {
  private readonly items: unknown[] = [];
  private done = false;
  private error: unknown;
  private wake: (() => void) | undefined;

  push(item: unknown): void {
    this.items.push(item);
    this.wake?.();
  }

  end(error?: unknown): void {
    this.done = true;
    this.error = error;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<unknown> {
    for (;;) {
      while (this.items.length) yield this.items.shift();
      if (this.done) {
        if (this.error !== undefined) throw this.error;
        return;
      }
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}
