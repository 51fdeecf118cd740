/**
 * What a thread or run request may say, checked (422 with what to send instead), and how a thread's state is
 * shown on the wire (LangGraph Platform's shapes): the parts of `runs.ts` that hold no state.
 */
import { HttpError, type SnapshotLike } from "./served-graph.js";

export type Body = Record<string, unknown>;
const STREAM_MODES = ["values", "updates", "custom"] as const;

export function queryInt(q: URLSearchParams, name: string, fallback: number, max: number): number {
  const v = q.get(name);
  if (v === null || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new HttpError(422, "server/bad-request", `${name} must be an integer in [0, ${max}], got ${JSON.stringify(v)}`);
  return n;
}

/**
 * Refuses the LangGraph Platform run options this server does not implement, rather than ignoring them: a
 * client that asks for `interrupt_before` or another multitask strategy must not get a run that silently
 * behaves otherwise.
 */
export function checkRunOptions(b: Body, what: string): void {
  const strategy = b["multitask_strategy"];
  if (strategy !== undefined && strategy !== null && strategy !== "reject") {
    throw new HttpError(422, "server/bad-request", `multitask_strategy ${JSON.stringify(strategy)} is not supported: this server rejects a second run while one is in progress ("reject")`);
  }
  // With a command, a checkpoint names the state the answer is for (see checkpointNamed); starting elsewhere is not served.
  const answering = b["command"] !== undefined && b["command"] !== null;
  for (const field of ["after_seconds", "webhook", "interrupt_before", "interrupt_after", ...(answering ? [] : ["checkpoint", "checkpoint_id"])]) {
    if (b[field] !== undefined && b[field] !== null) throw new HttpError(422, "server/bad-request", `${field} is not supported by this server's ${what}${field.startsWith("checkpoint") ? " without a command (with command: {resume} it names the state the answer is for)" : ""}; leave it out`);
  }
}

/** The checkpoint an answer says it is for (`checkpoint_id`, or `checkpoint: { checkpoint_id }` as the SDK sends it). */
export function checkpointNamed(b: Body): string | undefined {
  const given = b["checkpoint_id"] ?? (b["checkpoint"] as { checkpoint_id?: unknown } | null | undefined)?.checkpoint_id;
  if (given === undefined || given === null) return undefined;
  if (typeof given !== "string" || given.length === 0) throw new HttpError(422, "server/bad-request", `checkpoint_id must be the id of a state of the thread (GET /threads/:id/state's checkpoint.checkpoint_id), got ${JSON.stringify(given)}`);
  return given;
}

/**
 * LangGraph's resume naming the interrupt it answers, `{ "<interrupt id>": value }`: the id and the value;
 * undefined for a plain resume value.
 */
export function interruptNamed(resume: unknown): [string, unknown] | undefined {
  if (typeof resume !== "object" || resume === null || Array.isArray(resume)) return undefined;
  const entries = Object.entries(resume);
  if (entries.length !== 1 || !/^[0-9a-f]{16,64}$/i.test(entries[0]![0])) return undefined;
  return entries[0]!;
}

export function threadIdOf(v: unknown): string {
  if (typeof v !== "string" || !/^[A-Za-z0-9._:-]{1,200}$/.test(v)) throw new HttpError(422, "server/bad-request", `thread_id must be 1-200 characters of letters, digits and ._:-, got ${JSON.stringify(v)}`);
  return v;
}

export function streamModesOf(v: unknown): (typeof STREAM_MODES)[number][] {
  const list = v === undefined || v === null ? ["values"] : Array.isArray(v) ? v : [v];
  for (const m of list) {
    if (!(STREAM_MODES as readonly unknown[]).includes(m)) throw new HttpError(422, "server/bad-request", `stream_mode must be among ${STREAM_MODES.join(", ")}, got ${JSON.stringify(m)}`);
  }
  return list as (typeof STREAM_MODES)[number][];
}

export const plainInterrupt = (i: { id?: string; value?: unknown }) => ({ id: i.id, value: i.value });

export function interruptsOf(snap: SnapshotLike) {
  return snap.tasks.flatMap((t) => t.interrupts.map(plainInterrupt));
}

export function stateOf(id: string, snap: SnapshotLike): Record<string, unknown> {
  const checkpoint = (c: { configurable?: Record<string, unknown> } | undefined) =>
    c?.configurable ? { thread_id: id, checkpoint_ns: c.configurable["checkpoint_ns"] ?? "", checkpoint_id: c.configurable["checkpoint_id"] ?? null, checkpoint_map: null } : null;
  return {
    values: snap.values,
    next: [...snap.next],
    checkpoint: checkpoint(snap.config),
    parent_checkpoint: checkpoint(snap.parentConfig),
    metadata: snap.metadata ?? {},
    created_at: snap.createdAt ?? null,
    tasks: snap.tasks.map((t) => ({ id: t.id, name: t.name, error: t.error ? String(t.error) : null, interrupts: t.interrupts.map(plainInterrupt), checkpoint: null, state: null })),
  };
}

/**
 * A history request's page (`POST /threads/:id/history`): `limit` 1..1000 (default 10), and the checkpoint it
 * pages back from, named by `before: { configurable: { checkpoint_id } }` (as the SDK sends it) or `{ checkpoint_id }`.
 */
export function historyPageOf(b: Body): { limit: number; before?: { checkpoint_id: string } } {
  const limit = b["limit"] === undefined || b["limit"] === null ? 10 : b["limit"];
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(422, "server/bad-request", `limit must be an integer in 1..1000, got ${JSON.stringify(limit)}`);
  const given = b["before"] as { checkpoint_id?: unknown; configurable?: { checkpoint_id?: unknown } } | undefined | null;
  const before = given ? { checkpoint_id: given.configurable?.checkpoint_id ?? given.checkpoint_id } : undefined;
  if (before && typeof before.checkpoint_id !== "string") throw new HttpError(422, "server/bad-request", `before must be { configurable: { checkpoint_id } } (or { checkpoint_id }) of a state of this thread, got ${JSON.stringify(given)}`);
  return { limit, ...(before ? { before: before as { checkpoint_id: string } } : {}) };
}
