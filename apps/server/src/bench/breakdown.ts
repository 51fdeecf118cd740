/**
 * `farsight bench serve --breakdown`: one session answered step after step over HTTP against a server started
 * in this process, with every part of a step timed (see profiler.ts). The load is a child process, so the CPU
 * this process spends is the server's alone. Parts:
 *
 * - graph scheduling: LangGraph's own work in `invoke` and `getState` (channels, tasks, writes), what is left of
 *   them once the parts below are taken out;
 * - checkpoint read / write: the checkpointer's `getTuple`/`list` and `put`/`putWrites`, without serialisation;
 * - state serialisation: the checkpointer's serialiser both ways (with the write boundary's redaction);
 * - plan, act: the planner's `plan`, the policy's `act` (or the scorer's `scoreAll`);
 * - feedback validation: the assistant's check of the answer;
 * - thread records: the server's store reads and writes (thread and idempotency records), and the thread lock;
 * - JSON: parsing the request and writing the answer (timed by the client on the same bodies);
 * - HTTP and routing: the rest of the round trip (node:http, the route, the load's socket).
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { openStorage } from "../storage.js";
import { startServer } from "../server.js";
import { sessionAssistant, type SessionComponents } from "../session-assistant.js";
import { Profiler } from "./profiler.js";
import type { MicroBatchStats } from "@farsight/graph";

export interface BreakdownOptions {
  readonly session: SessionComponents;
  /** `sqlite:<file>` or a postgres:// URL (the server's storage). */
  readonly storage: string;
  /**
   * Steps timed, after `warmup` untimed ones, then as many again with the profiler off (all in one session:
   * the session must be longer). Default 200.
   */
  readonly steps?: number;
  readonly warmup?: number;
}

export interface BreakdownPart {
  readonly part: string;
  /** Per step (one recommendation). */
  readonly wallMs: number;
  readonly cpuMs: number;
}

export interface Breakdown {
  readonly storage: string;
  readonly steps: number;
  readonly parts: BreakdownPart[];
  /** The client's round trip per step. */
  readonly roundTripMs: number;
  /** This process's (the server's) CPU per step, the profiler's own cost included. */
  readonly serverCpuMs: number;
  /**
   * The server's CPU per step over `steps` more steps of the same session with the profiler off: what a step
   * costs without the timing (each mark reads the process's CPU time, which is not free).
   */
  readonly plainCpuMs: number;
  /** The session's micro-batching over the timed steps (one session: batches of one; the window is wall time). */
  readonly batching?: Record<string, MicroBatchStats>;
}

/**
 * The profiler's sections, most specific first (see profiler.ts). The planner, the policy and the validation
 * come first: with `durability: "async"` a checkpoint's save (and its serialisation's promise) is still open
 * while the next node plans and acts.
 */
const SECTIONS = ["plan", "act", "checkResume", "serde", "checkpoint.read", "checkpoint.write", "store", "lock", "graph.invoke", "graph.getState"];

/** Parts, in the order they are reported; several profiler sections may fold into one part. */
const PARTS: [string, string[]][] = [
  ["graph scheduling", ["graph.invoke", "graph.getState"]],
  ["checkpoint read", ["checkpoint.read"]],
  ["checkpoint write", ["checkpoint.write"]],
  ["state serialisation", ["serde"]],
  ["plan", ["plan"]],
  ["act", ["act"]],
  ["feedback validation", ["checkResume"]],
  ["thread records and lock", ["store", "lock"]],
];

export async function serveBreakdown(o: BreakdownOptions): Promise<Breakdown> {
  const steps = o.steps ?? 200;
  const warmup = o.warmup ?? 20;
  // No item is shown twice in a session: one session must hold every step.
  const K = o.session.slateSize ?? o.session.policy?.context.slateSize ?? 1;
  const most = Math.floor(o.session.catalog.numItems / K) - warmup - 1;
  if (2 * steps > most) throw new RangeError(`bench serve --breakdown: ${steps} steps twice after ${warmup} untimed need more than ${o.session.catalog.numItems} items in slates of ${K}; use --steps ${Math.floor(most / 2)} or fewer`);
  const prof = new Profiler(SECTIONS);
  const storage = await openStorage(o.storage);
  const cp = storage.checkpointer;
  const serde = cp.serde;
  cp.serde = { dumpsTyped: (d) => prof.time("serde", () => serde.dumpsTyped(d)), loadsTyped: (t, d) => prof.time("serde", () => serde.loadsTyped(t, d)) };
  prof.wrap(cp, "getTuple", "checkpoint.read");
  prof.wrap(cp, "list", "checkpoint.read");
  prof.wrap(cp, "put", "checkpoint.write");
  prof.wrap(cp, "putWrites", "checkpoint.write");
  prof.wrap(storage.store, "batch", "store");
  if (storage.lockThread) prof.wrap(storage as { lockThread: NonNullable<typeof storage.lockThread> }, "lockThread", "lock");
  const c = o.session;
  prof.wrap(c.planner, "plan", "plan");
  if (c.policy) prof.wrap(c.policy, "act", "act");
  if (c.scorer) prof.wrap(c.scorer, "scoreAll", "act");
  const served = await sessionAssistant({ ...c, maxSteps: Math.max(c.maxSteps ?? 0, warmup + 2 * steps + 1) }, { checkpointer: cp, store: storage.store, replicaId: `bench-${process.pid}` });
  prof.wrap(served.graph, "invoke", "graph.invoke");
  prof.wrap(served.graph, "getState", "graph.getState");
  prof.wrap(served, "checkResume", "checkResume");
  const server = await startServer({ graphs: [served], storage });
  let plainCpuMs = NaN;
  try {
    const client = spawn(process.execPath, ["--input-type=module", "-e", CLIENT, server.url, String(warmup), String(steps)], { stdio: ["pipe", "pipe", "inherit"] });
    const lines = createInterface({ input: client.stdout! });
    const cpuNow = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    let cpu0 = 0;
    let serverCpuMs = NaN;
    let totals: ReturnType<Profiler["totals"]> | undefined;
    const results: { roundTripMs: number; jsonMs: number }[] = [];
    for await (const line of lines) {
      if (line === "ready") {
        // First the timed steps; then, with the profiler off, the plain ones.
        if (results.length === 0) prof.reset();
        cpu0 = cpuNow();
        client.stdin!.write("go\n");
      } else if (line.startsWith("{")) {
        const cpu = (cpuNow() - cpu0) / steps;
        if (results.length === 0) {
          serverCpuMs = cpu;
          totals = prof.totals();
          prof.enabled = false;
        }
        results.push(JSON.parse(line) as { roundTripMs: number; jsonMs: number });
        if (results.length === 2) plainCpuMs = cpu;
      }
    }
    const result = results[0];
    if (!result || !totals || results.length < 2) throw new Error("the breakdown's client ended without its figures");
    const parts: BreakdownPart[] = PARTS.map(([part, names]) => {
      const ts = names.map((n) => totals.get(n)!);
      return { part, wallMs: ts.reduce((a, t) => a + t.wallMs, 0) / steps, cpuMs: ts.reduce((a, t) => a + t.cpuMs, 0) / steps };
    });
    parts.push({ part: "JSON", wallMs: result.jsonMs, cpuMs: result.jsonMs });
    const attributedWall = parts.reduce((a, p) => a + p.wallMs, 0);
    const attributedCpu = parts.reduce((a, p) => a + p.cpuMs, 0);
    parts.push({ part: "HTTP, routing and the rest", wallMs: result.roundTripMs - attributedWall, cpuMs: serverCpuMs - attributedCpu });
    const batching = served.batching?.();
    return { storage: storage.kind, steps, parts, roundTripMs: result.roundTripMs, serverCpuMs, plainCpuMs, ...(batching && Object.keys(batching).length ? { batching } : {}) };
  } finally {
    await server.close();
  }
}

/**
 * The load: starts one session, answers `warmup` slates, then twice: says "ready", waits for "go", answers
 * `steps` slates and prints the mean round trip and the mean JSON cost (parsing the request, writing the
 * answer) per step.
 */
const CLIENT = `
import { createInterface } from "node:readline";
const [url, warmup, steps] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const post = async (path, body) => {
  const res = await fetch(url + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error("POST " + path + ": " + res.status + " " + text);
  return text;
};
const thread = JSON.parse(await post("/threads", {})).thread_id;
await post("/threads/" + thread + "/runs/wait", { assistant_id: "session", input: { userId: 0 } });
const answer = { assistant_id: "session", command: { resume: { feedback: [1] } } };
for (let i = 0; i < warmup; i++) await post("/threads/" + thread + "/runs/wait", answer);
const input = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
for (let pass = 0; pass < 2; pass++) {
  console.log("ready");
  while ((await input.next()).value !== "go");
  let trip = 0, json = 0;
  for (let i = 0; i < steps; i++) {
    const body = JSON.stringify(answer);
    const t0 = performance.now();
    const text = await post("/threads/" + thread + "/runs/wait", answer);
    trip += performance.now() - t0;
    const j0 = performance.now();
    JSON.stringify(JSON.parse(text));
    JSON.parse(body);
    json += performance.now() - j0;
  }
  console.log(JSON.stringify({ roundTripMs: trip / steps, jsonMs: json / steps }));
}
process.exit(0);
`;
