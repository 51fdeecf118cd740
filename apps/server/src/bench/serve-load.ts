/**
 * The load of `farsight bench serve`: `sessions` people answering a served `session` assistant at once over
 * HTTP (Node's `http` client, keep-alive), against one server process whose CPU time is read from /proc. The
 * client shares the machine's cores with the server and the database, so it is kept lean (`fetch` had cost
 * about three quarters of the server's own CPU per recommendation) and its CPU is reported beside the server's. The same
 * function drives the current build and an older one (see baseline-build.ts), so their figures are comparable.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { Agent, request } from "node:http";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";
import { quantile, Rng } from "@farsight/core";

/** One load level against one server. */
export interface LoadRow {
  readonly sessions: number;
  readonly recommendations: number;
  readonly recsPerSec: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  /** User + system CPU of the server process per recommendation (NaN without /proc). */
  readonly serverCpuMsPerRec: number;
  /** User + system CPU of the load's own process (the client) per recommendation, when measured. */
  readonly clientCpuMsPerRec?: number;
  /**
   * The server's cross-session micro-batching over the level (from `/info`): mean requests per call and the
   * window, per batched call (`act`, `plan`); absent for a build without it.
   */
  readonly batching?: Record<string, { readonly meanBatch: number; readonly windowMs: number; readonly batches: number }>;
}

/** The session graph's micro-batching counters as `/info` shows them now (undefined for a build without). */
export async function batchingOf(url: string): Promise<Record<string, { meanBatch: number; windowMs: number; batches: number; requests: number }> | undefined> {
  try {
    const info = (await (await fetch(`${url}/info`)).json()) as { batching?: { session?: Record<string, { meanBatch: number; windowMs: number; batches: number; requests: number }> } };
    return info.batching?.session;
  } catch {
    return undefined; // an older build's answer without it
  }
}

/** What the micro-batchers did between two readings of {@link batchingOf}. */
export function batchingBetween(
  before: Awaited<ReturnType<typeof batchingOf>>,
  after: Awaited<ReturnType<typeof batchingOf>>,
): LoadRow["batching"] {
  if (!after) return undefined;
  return Object.fromEntries(
    Object.entries(after).map(([call, a]) => {
      const b = before?.[call] ?? { batches: 0, requests: 0 };
      const batches = a.batches - b.batches;
      return [call, { batches, meanBatch: batches ? (a.requests - b.requests) / batches : 0, windowMs: a.windowMs }];
    }),
  );
}

/** User + system CPU milliseconds of a process, from /proc (Linux; USER_HZ is 100). NaN elsewhere. */
export function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** A `farsight serve` child process of `bin` (any build's `apps/cli/dist/bin.js`), once it listens. */
export function startServeProcess(bin: string, args: readonly string[]): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  // Node flags for the server only, to profile it under the bench's load (e.g. `--cpu-prof`, `--perf-basic-prof`).
  const nodeArgs = (process.env["FARSIGHT_BENCH_SERVER_NODE_ARGS"] ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, bin, "serve", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += String(d)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => (child.once("exit", r), child.kill("SIGTERM")));
  };
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = /^listening (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (m) resolve({ url: m[1]!, child, stop });
    });
    child.once("exit", (code) => reject(new Error(`farsight serve (${bin}) exited (${code}) before listening: ${err}`)));
  });
}

/**
 * `sessions` people answering at once until `requests` recommendations were made. Sessions are started before
 * the clock starts (a session start is not a recommendation answered); one that ends is replaced, timed.
 * `warmup` recommendations are answered the same way before the clock starts, untimed and without their CPU:
 * a fresh server pays its start-up once (V8 compiling the hot code, connections, first statements), which a
 * short timed level would otherwise spread over its few recommendations.
 */
export async function httpLoad(url: string, sessions: number, requests: number, numUsers: number, serverCpuMs: () => number, warmup = 0): Promise<LoadRow> {
  const agent = new Agent({ keepAlive: true });
  try {
    return await load(url, agent, sessions, requests, numUsers, serverCpuMs, warmup);
  } finally {
    agent.destroy();
  }
}

/** POSTs `body` as JSON on a kept-alive connection of `agent`; the answer's JSON (an error for a status >= 400). */
function postJson(url: URL, agent: Agent, path: string, body: unknown): Promise<Record<string, unknown>> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: "POST", agent, headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        try {
          const value = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
          if ((res.statusCode ?? 0) >= 400) reject(new Error(`POST ${path}: ${res.statusCode} ${String(value["detail"])}`));
          else resolve(value);
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

async function load(url: string, agent: Agent, sessions: number, requests: number, numUsers: number, serverCpuMs: () => number, warmup: number): Promise<LoadRow> {
  const target = new URL(url);
  const post = (path: string, body: unknown) => postJson(target, agent, path, body);
  const start = async (rng: Rng) => {
    const thread = (await post("/threads", {}))["thread_id"] as string;
    return { thread, out: await post(`/threads/${thread}/runs/wait`, { assistant_id: "session", input: { userId: rng.int(numUsers) } }) };
  };
  // Started a few at a time: 256 session starts at once would time the start-up, not the answers.
  const people: { rng: Rng; thread: string; out: Record<string, unknown> }[] = [];
  for (let k = 0; k < sessions; k += 16) {
    const batch = await Promise.all(Array.from({ length: Math.min(16, sessions - k) }, async (_, j) => {
      const rng = new Rng(k + j, "bench-serve-person");
      return { rng, ...(await start(rng)) };
    }));
    people.push(...batch);
  }
  let lat: number[] = [];
  let left = warmup;
  const answer = async (p: (typeof people)[number]) => {
    while (left > 0) {
      if (!p.out["__interrupt__"]) Object.assign(p, await start(p.rng));
      left--;
      const t0 = performance.now();
      p.out = await post(`/threads/${p.thread}/runs/wait`, { assistant_id: "session", command: { resume: { feedback: [p.rng.int(2)] } } });
      lat.push(performance.now() - t0);
    }
  };
  if (warmup > 0) await Promise.all(people.map(answer));
  lat = [];
  left = requests;
  const batch0 = await batchingOf(url);
  const cpu0 = serverCpuMs();
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(people.map(answer));
  const wall = (performance.now() - t0) / 1000;
  const cpu = serverCpuMs() - cpu0;
  const client = process.cpuUsage(client0);
  const batching = batchingBetween(batch0, await batchingOf(url));
  return { ...summariseLoad(sessions, lat, wall, cpu), clientCpuMsPerRec: (client.user + client.system) / 1000 / lat.length, ...(batching ? { batching } : {}) };
}

/** The figures of one level from its latencies (ms), its wall time (s) and the server's CPU time (ms). */
export function summariseLoad(sessions: number, latenciesMs: readonly number[], wallSeconds: number, serverCpuMs: number): LoadRow {
  const n = latenciesMs.length;
  return {
    sessions,
    recommendations: n,
    recsPerSec: n / wallSeconds,
    p50Ms: quantile([...latenciesMs], 0.5),
    p95Ms: quantile([...latenciesMs], 0.95),
    p99Ms: quantile([...latenciesMs], 0.99),
    serverCpuMsPerRec: serverCpuMs / n,
  };
}
