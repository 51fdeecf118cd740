/**
 * What the server needs of a graph: the compiled LangGraph graph (built with the server's checkpointer), how
 * to check a run's input and resume value, and a hook before each run. Every graph the server serves is one
 * "assistant" in LangGraph Platform terms.
 */
import type { MicroBatchStats } from "@farsight/graph";
import { FarsightError, type FarsightErrorCode } from "@farsight/core";
import { isConnectionError } from "./db-health.js";

/** A LangGraph state snapshot, reduced to the fields the server reads. */
export interface SnapshotLike {
  readonly values: unknown;
  readonly next: readonly string[];
  readonly config: { configurable?: Record<string, unknown> };
  readonly parentConfig?: { configurable?: Record<string, unknown> } | undefined;
  readonly metadata?: Record<string, unknown> | undefined;
  readonly createdAt?: string | undefined;
  readonly tasks: readonly { id: string; name: string; error?: unknown; interrupts: readonly { id?: string; value?: unknown }[] }[];
}

/** The compiled graph's methods the server calls. */
export interface GraphLike {
  invoke(input: unknown, config: Record<string, unknown>): Promise<unknown>;
  stream(input: unknown, config: Record<string, unknown>): Promise<AsyncIterable<unknown>>;
  getState(config: { configurable: { thread_id: string } }): Promise<SnapshotLike>;
  /** The thread's saved states, newest first (LangGraph's compiled graphs have it; `/threads/:id/history`). */
  getStateHistory?(config: { configurable: Record<string, unknown> }, options?: { limit?: number; before?: { configurable: Record<string, unknown> } }): AsyncIterable<SnapshotLike>;
}

/** One graph served over HTTP. */
export interface ServedGraph {
  /** The graph id (`session`, `billp`...), also accepted wherever an assistant id is. */
  readonly graphId: string;
  readonly description: string;
  readonly graph: GraphLike;
  /** Checks and normalises a run's `input` (a new session); throws {@link badRequest} when it is wrong. */
  checkInput(input: unknown): unknown;
  /**
   * Checks and normalises `command.resume` against `pending`, the value of the interrupt it answers (e.g. the
   * slate its feedback must match); throws {@link badRequest} when it is wrong.
   */
  checkResume(resume: unknown, pending?: unknown): unknown;
  /** Runs before every run: e.g. pull reflections other replicas added to the shared pool. */
  beforeRun?(kind: "input" | "resume"): Promise<void>;
  /** LangGraph's recursion limit for one run. Default 25. */
  readonly recursionLimit?: number;
  /** Free-form facts shown as the assistant's metadata (preset, recommender, planner...). */
  readonly metadata?: Record<string, unknown>;
  /** What its cross-session micro-batchers did so far, by what they batch (`act`, `plan`); shown by `/info`. */
  batching?(): Record<string, MicroBatchStats>;
}

/** An error the server answers with HTTP `status` and a message that says what to send instead. */
export class HttpError extends FarsightError {
  readonly status: number;
  constructor(status: number, code: FarsightErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(code, message, context);
    this.status = status;
  }
}

/** A 422 for a body the graph cannot take: `what` names the field, the message says what is expected. */
export function badRequest(what: string, message: string, got?: unknown): HttpError {
  return new HttpError(422, "server/bad-request", `${what}: ${message}`, got === undefined ? {} : { got });
}

/** Errors as LangGraph Platform sends them (`detail`), with Farsight's code and context for the person fixing it. */
export function errorBody(err: unknown): { status: number; body: Record<string, unknown> } {
  if (err instanceof HttpError) return { status: err.status, body: { detail: err.message, error: err.code, context: err.context } };
  if (isConnectionError(err)) {
    const detail = `the database cannot be reached: ${err instanceof Error ? err.message : String(err)}; retry once GET /ready answers 200`;
    return { status: 503, body: { detail, error: "server/database-unavailable", context: {} } };
  }
  if (err instanceof FarsightError) return { status: 500, body: { detail: err.message, error: err.code, context: err.context } };
  return { status: 500, body: { detail: err instanceof Error ? err.message : String(err), error: "server/internal" } };
}

/** The 503 a request gets while the database cannot be reached. */
export function databaseUnavailable(why: string, cause?: unknown): HttpError {
  const reason = cause instanceof Error ? `: ${cause.message}` : "";
  const err = new HttpError(503, "server/database-unavailable", `${why}${reason}; retry once GET /ready answers 200`);
  if (cause !== undefined) Object.defineProperty(err, "cause", { value: cause });
  return err;
}
