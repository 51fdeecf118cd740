/**
 * Joining a background run's stream (`GET /threads/:id/runs/:run_id/stream`, the SDK's `runs.joinStream`):
 * server-sent events of the thread's values while the run goes on, until it ends.
 *
 * The run may execute in another replica, so what is streamed is read where every replica can read it: the
 * thread's saved state (a checkpoint after every node) and the run's record, looked at every
 * {@link JOIN_STREAM_POLL_MS} ms. Events: `metadata` `{ run_id, attempt }`; a `values` event with the thread's
 * values now (when it has any) and again whenever a new checkpoint has been saved (two nodes that end within
 * one look show as one event); at the end, as `/runs/stream` ends, a last `values` `{ __interrupt__ }` when the
 * graph paused, or `error` `{ error, message }` when the run failed. A run that has ended answers at once
 * with its final values.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { errorBody, HttpError } from "./served-graph.js";
import type { Runs } from "./runs.js";

/** How often the thread's state and the run's record are read while the run goes on. */
export const JOIN_STREAM_POLL_MS = 100;

const ACTIVE = new Set(["pending", "running"]);

/** Refuses what this join cannot honour rather than ignoring it (422). */
function checkJoin(req: IncomingMessage, q: URLSearchParams): void {
  const bad = (message: string) => new HttpError(422, "server/bad-request", message);
  const cancel = q.get("cancel_on_disconnect");
  if (cancel === "1" || cancel === "true") throw bad("cancel_on_disconnect is not supported: join without it, and cancel with POST /threads/:id/runs/:run_id/cancel");
  const modes = q.getAll("stream_mode");
  if (modes.some((m) => m !== "values")) throw bad(`stream_mode must be values (the saved states any replica can read; updates and custom chunks stay in the process that runs the run), got ${JSON.stringify(modes)}`);
  if (q.get("checkpoint_id")) throw bad("checkpoint_id is not supported: a join streams from the thread's state now");
  if (q.getAll("namespace").length) throw bad("namespace is not supported: the served graphs have no subgraphs to stream");
  if (req.headers["last-event-id"] !== undefined) throw bad("Last-Event-ID is not supported: this server's events carry no ids; join again to stream from the thread's state now");
}

export async function joinStream(runs: Runs, id: string, runId: string, req: IncomingMessage, res: ServerResponse, q: URLSearchParams): Promise<void> {
  checkJoin(req, q);
  // 404 for an unknown thread or run, before the stream starts.
  let run = await runs.getRun(id, runId);
  const gone = new AbortController();
  res.once("close", () => gone.abort());
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send("metadata", { run_id: runId, attempt: 1 });
  try {
    let shown: unknown = null;
    let state: Record<string, unknown>;
    for (;;) {
      // The record first: once it says the run has ended, the state read after it is the final one.
      const ended = !ACTIVE.has(String(run["status"]));
      state = await runs.state(id);
      const checkpoint = (state["checkpoint"] as { checkpoint_id?: unknown } | null)?.checkpoint_id ?? null;
      if (checkpoint !== null && checkpoint !== shown) {
        send("values", state["values"]);
        shown = checkpoint;
      }
      if (ended || gone.signal.aborted) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, JOIN_STREAM_POLL_MS);
        gone.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
      });
      if (gone.signal.aborted) break;
      run = await runs.getRun(id, runId);
    }
    const tasks = (state["tasks"] as { interrupts: unknown[] }[] | undefined) ?? [];
    const pending = tasks.flatMap((t) => t.interrupts);
    if (pending.length) send("values", { __interrupt__: pending });
    const failure = run["error"] as { error?: unknown; message?: unknown } | undefined;
    if (run["status"] === "error" && failure) send("error", { error: failure.error, message: failure.message });
  } catch (err) {
    // The thread was deleted, the database went away...: said on the stream, which has started.
    const { body } = errorBody(err);
    send("error", { error: body["error"], message: body["detail"] });
  }
  res.end();
}
