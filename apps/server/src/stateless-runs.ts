/**
 * Stateless runs (`POST /runs/wait`, `POST /runs/stream`: the SDK's `runs.wait(null, ...)` and
 * `runs.stream(null, ...)`): a run on a thread of its own, made for it and deleted once the run has ended
 * (before the answer or the end of the stream), unless `on_completion: "keep"`, in which case the thread
 * stays and `Content-Location` names it (`/threads/<id>/runs/<run id>`; the SDK's `onRunCreated` reports it).
 *
 * `Idempotency-Key` on `/runs/wait` applies a retried request once, as on a thread's routes: the thread's id is
 * derived from the key, so a duplicate sent while the first runs meets the same thread (409
 * `server/thread-busy`, on any replica), and one sent after gets the kept answer (kept even though the thread
 * is deleted). The key's scope is the whole server: the same key on another request is 409
 * `server/idempotency-conflict`.
 */
import { randomUUID } from "node:crypto";
import { uuid5 } from "@langchain/langgraph-checkpoint";
import { HttpError } from "./served-graph.js";
import type { Body } from "./run-requests.js";

/** Names the threads of stateless runs that carry an `Idempotency-Key` (any fixed UUID: the same on every replica). */
const STATELESS_NAMESPACE = "5f0c54d2-2f4e-4c55-9d4a-8f2d3b7a9e61";

/** What a stateless run becomes on the thread routes' code. */
export interface StatelessRun {
  /** The thread the run uses (new, or derived from the idempotency key). */
  readonly threadId: string;
  /** The request as a threaded run: the thread is created by it. */
  readonly body: Body;
  /** Whether the thread is deleted once the run has ended (`on_completion` other than `keep`). */
  readonly temporary: boolean;
  /** `Content-Location` of the run with id `runId`: under its thread only when the thread stays. */
  location(runId: string): string;
}

/** Checks a stateless run's own fields and gives its thread; `key` is the request's `Idempotency-Key`. */
export function statelessRun(b: Body, key?: string): StatelessRun {
  const onCompletion = b["on_completion"] ?? "delete";
  if (onCompletion !== "delete" && onCompletion !== "keep") {
    throw new HttpError(422, "server/bad-request", `on_completion must be "delete" (the default: the run's thread is deleted once it ends) or "keep", got ${JSON.stringify(onCompletion)}`, { got: onCompletion });
  }
  for (const field of ["if_not_exists", "thread_id"]) {
    if (b[field] !== undefined && b[field] !== null) throw new HttpError(422, "server/bad-request", `${field} has no meaning for a stateless run (it gets a thread of its own); run on a thread with POST /threads/:id/runs/wait instead`);
  }
  const threadId = key === undefined ? randomUUID() : uuid5(key, STATELESS_NAMESPACE);
  const temporary = onCompletion === "delete";
  return {
    threadId,
    body: { ...b, if_not_exists: "create" },
    temporary,
    location: (runId) => (temporary ? `/runs/${runId}` : `/threads/${encodeURIComponent(threadId)}/runs/${runId}`),
  };
}
