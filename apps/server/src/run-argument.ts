/**
 * What a run hands to the graph, from its request and the thread's saved state: `input` starts a session,
 * `command.resume` answers the pending interrupt, and neither continues a run that stopped mid-way. A request
 * that does not fit the thread's state is refused (409, or 422 for one that is malformed) with what to send instead.
 */
import { Command } from "@langchain/langgraph";
import { HttpError, type ServedGraph, type SnapshotLike } from "./served-graph.js";
import { checkpointNamed, interruptNamed, interruptsOf, type Body } from "./run-requests.js";

/** The graph's argument for a run on thread `id` whose saved state is `snap` (undefined: no session yet). */
export async function runArgument(id: string, g: ServedGraph, b: Body, snap: SnapshotLike | undefined): Promise<unknown> {
  const pending = snap ? interruptsOf(snap) : [];
  const command = b["command"] as Body | undefined | null;
  const hasCommand = command !== undefined && command !== null;
  const hasInput = b["input"] !== undefined && b["input"] !== null;
  if (hasInput && hasCommand) throw new HttpError(422, "server/bad-request", "a run takes input (a new session) or command: {resume} (an answer to the pending interrupt), not both");
  let arg: unknown = null;
  if (hasInput) {
    if (snap) throw new HttpError(409, "server/thread-started", `thread ${id} already holds a session; answer it with command: {resume}, or start a new session on a new thread`);
    arg = g.checkInput(b["input"]);
    await g.beforeRun?.("input");
  } else if (hasCommand) {
    if (typeof command !== "object" || Object.keys(command).some((k) => k !== "resume")) throw new HttpError(422, "server/bad-request", "only command: {resume} is supported (no goto or update)");
    // An answer may say what it answers: once the thread has moved on, a retry of it must not answer the next slate.
    const stale = (what: string) => new HttpError(409, "server/stale-answer", `this answer is for ${what}, which thread ${id} has moved past (it was answered already); read GET /threads/${id}/state for what it waits for now`);
    const named = checkpointNamed(b);
    const current = snap?.config.configurable?.["checkpoint_id"];
    if (named !== undefined && named !== current) throw stale(`checkpoint ${named}`);
    const byId = interruptNamed(command["resume"]);
    if (byId && !pending.some((p) => p.id === byId[0])) throw stale(`interrupt ${byId[0]}`);
    const resume = byId ? byId[1] : command["resume"];
    if (pending.length === 0) throw new HttpError(409, "server/no-interrupt", `thread ${id} is not waiting for an answer (${!snap ? "no session yet: start one with input" : snap.next.length ? "a run stopped mid-way: continue it with a run without input or command" : "its session has ended"})`);
    arg = new Command({ resume: g.checkResume(resume, pending[0]?.value) });
    await g.beforeRun?.("resume");
  } else if (!snap || snap.next.length === 0 || pending.length > 0) {
    // A run without input or command continues a run that stopped mid-way (its replica died); nothing else.
    throw new HttpError(409, "server/nothing-to-continue", `thread ${id} has ${!snap ? "no session: start one with input" : pending.length ? "a pending interrupt: answer it with command: {resume}" : "ended"}`);
  }
  return arg;
}
