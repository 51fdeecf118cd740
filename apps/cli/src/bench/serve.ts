/**
 * `farsight bench serve`: what serving costs. Three figures, each per recommendation (one slate shown):
 *
 * 1. in process, the policy's `act` at batch 1 with the session graph's masks (when `--policy` is given);
 * 2. in process, one step of the session graph (answer the pause -> plan -> act -> next pause) on the same
 *    storage as the server, without HTTP;
 * 3. over HTTP against one `farsight serve` process (a child of this one): recommendations per second and
 *    p50/p95 latency of `POST /threads/:id/runs/wait` with 1, 16 and 64 sessions answering concurrently.
 *
 * The server's own overhead per recommendation is (3) at one session minus (2): routing, JSON, thread records
 * and the state read after the run. The load generator shares the machine's cores with the server; on a shared
 * machine wall-clock figures include waiting for a core, so CPU time per recommendation is reported too.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { randomUUID } from "node:crypto";
import { Command as ResumeCommand } from "@langchain/langgraph";
import { quantile, Rng } from "@farsight/core";
import { emptyHistory, planMaskFromCategories } from "@farsight/rl-policy";
import { openStorage, presetSession, redactUrl, sessionAssistant } from "@farsight/server";
import { intFlag, UsageError, type CliIO } from "../command.js";
import { ENV_FLAG, JSON_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import type { BenchTarget } from "./registry.js";

const table = defineCommand({
  command: "bench serve",
  description: [
    "What serving costs, per recommendation: the policy's act at batch 1 (with --policy), one step of the session graph in process, " +
      "and recommendations per second with p50/p95 latency over HTTP against one `farsight serve` child process.",
  ],
  flags: {
    postgres: { kind: "string", placeholder: "URL", defaultHelp: "a SQLite file in a temp dir", help: "a postgres:// URL; the benchmark writes its threads into that database." },
    policy: { kind: "path", placeholder: "DIR", defaultHelp: "none: the preset's predicted world model recommends", help: "a policy checkpoint to serve (also times its act)." },
    ...ENV_FLAG,
    sessions: { kind: "list", default: ["1", "16", "64"], placeholder: "N,...", help: "concurrent sessions of each HTTP level (1 to 1024 each)." },
    requests: { kind: "int", min: 10, default: 640, help: "recommendations per level." },
    calls: { kind: "int", min: 10, default: 300, help: "in-process act and graph-step samples." },
    ...JSON_FLAG,
  },
});

interface HttpRow {
  sessions: number;
  recommendations: number;
  recs_per_sec: number;
  p50_ms: number;
  p95_ms: number;
  /** CPU time the server process spent per recommendation (user + system; NaN without /proc). */
  server_cpu_ms_per_rec: number;
}

/** User + system CPU milliseconds of a process, from /proc (Linux; USER_HZ is 100). NaN elsewhere. */
function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

const ms = (t0: number) => performance.now() - t0;

export const serveBench: BenchTarget = {
  name: "serve",
  summary: "serving: policy act latency, session-graph step in process, HTTP recs/s and p50/p95 at 1/16/64 sessions",
  table,
  async run(argv: string[], io: CliIO, json: boolean) {
    const { values } = parseCommand(table, argv);
    const preset = values.env;
    const levels = values.sessions.map((v) => intFlag("sessions", v, 1, 1, 1024));
    const { requests, calls } = values;
    if (values.postgres !== undefined && !/^postgres(ql)?:\/\//.test(values.postgres)) throw new UsageError(`--postgres must be a postgres:// URL, got "${redactUrl(values.postgres)}"`);
    const tmp = mkdtempSync(join(tmpdir(), "farsight-bench-serve-"));
    const spec = values.postgres ?? `sqlite:${join(tmp, "server.sqlite")}`;
    const say = (line: string) => json || io.stdout(line + "\n");
    // Sessions long enough that the load is recommendations, not session starts.
    const maxSteps = 200;
    const session = await presetSession({ preset, maxSteps, ...(values.policy ? { policyDir: values.policy } : {}) });
    let child: ChildProcess | undefined;
    try {
      say(`bench serve: ${preset}, recommender ${String(session.describe?.["recommender"])}, storage ${spec.startsWith("sqlite:") ? "sqlite (temp file)" : `postgres ${redactUrl(spec)}`}`);
      const act = session.policy ? actLatency(session, calls) : undefined;
      if (act) say(`  policy act, batch 1, in process: p50 ${act.p50_ms.toFixed(3)} ms  p95 ${act.p95_ms.toFixed(3)} ms  (${calls} calls)`);
      const step = await graphStepLatency(session, spec, calls);
      say(`  session graph step, in process (${step.storage}): p50 ${step.p50_ms.toFixed(2)} ms  p95 ${step.p95_ms.toFixed(2)} ms  CPU ${step.cpu_ms_per_step.toFixed(2)} ms/step  (${calls} steps)`);

      // From dist/bench/ and from src/bench/ (under vitest) alike: the built binary.
      const bin = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));
      const storageFlags = values.postgres ? ["--postgres", values.postgres] : ["--state-dir", join(tmp, "serve")];
      const started = await startServe(bin, ["--env", preset, "--max-steps", String(maxSteps), ...storageFlags, ...(values.policy ? ["--policy", values.policy] : [])]);
      child = started.child;
      const http: HttpRow[] = [];
      for (const n of levels) {
        const row = await httpLoad(started.url, n, requests, session.numUsers, () => cpuMsOf(child!.pid!));
        http.push(row);
        say(`  HTTP, ${String(n).padStart(3)} sessions: ${row.recs_per_sec.toFixed(0).padStart(5)} recs/s  p50 ${row.p50_ms.toFixed(2)} ms  p95 ${row.p95_ms.toFixed(2)} ms  server CPU ${row.server_cpu_ms_per_rec.toFixed(2)} ms/rec  (${row.recommendations} recommendations)`);
      }
      const one = http.find((r) => r.sessions === 1);
      const overhead = one ? one.p50_ms - step.p50_ms : NaN;
      const overheadCpu = one ? one.server_cpu_ms_per_rec - step.cpu_ms_per_step : NaN;
      if (one) say(`  server overhead per recommendation (1 session, HTTP minus the in-process graph step): ${overhead.toFixed(2)} ms wall (p50), ${overheadCpu.toFixed(2)} ms CPU`);
      return { preset, recommender: session.describe?.["recommender"], storage: spec.startsWith("sqlite:") ? "sqlite" : "postgres", act, graphStep: step, http, overheadMs: overhead, overheadCpuMs: overheadCpu };
    } finally {
      if (child && child.exitCode === null) await new Promise((r) => (child!.once("exit", r), child!.kill("SIGTERM")));
      session.dispose();
      rmSync(tmp, { recursive: true, force: true });
    }
  },
};

/** `policy.act` as the session graph calls it: one mid-session history, the unseen-items mask, a plan mask. */
function actLatency(session: Awaited<ReturnType<typeof presetSession>>, calls: number) {
  const p = session.policy!;
  const N = session.catalog.numItems;
  const L = p.options.historyLength;
  const rng = new Rng(1, "bench-serve");
  const h = emptyHistory(1, L, N);
  for (let j = 0; j < L; j++) {
    h.items[j] = rng.int(N);
    h.feedback[j] = rng.int(2);
    h.valid[j] = 1;
  }
  const itemMask = new Uint8Array(N).fill(1);
  for (let j = 0; j < L; j++) itemMask[h.items[j]!] = 0;
  const planMask = planMaskFromCategories([[0, 1, 2]], session.catalog.numCategories);
  const once = () => p.act({ history: h, itemMask, planMask, deterministic: true });
  for (let i = 0; i < 20; i++) once();
  const lat = Array.from({ length: calls }, () => {
    const t0 = performance.now();
    once();
    return ms(t0);
  });
  return { p50_ms: quantile(lat, 0.5), p95_ms: quantile(lat, 0.95), calls };
}

/** One resume -> next pause of the session graph, in process, on the same kind of storage as the server. */
async function graphStepLatency(session: Awaited<ReturnType<typeof presetSession>>, spec: string, calls: number) {
  const storage = await openStorage(spec.startsWith("sqlite:") ? spec.replace(/server\.sqlite$/, "in-process.sqlite") : spec);
  try {
    const a = await sessionAssistant(session, { checkpointer: storage.checkpointer, store: storage.store, replicaId: `bench-${process.pid}` });
    const lat: number[] = [];
    const rng = new Rng(2, "bench-serve-graph");
    let cpu = 0;
    while (lat.length < calls) {
      const cfg = { configurable: { thread_id: randomUUID() }, durability: "sync" };
      let out = (await a.graph.invoke({ userId: rng.int(session.numUsers) }, cfg)) as Record<string, unknown>;
      while (out["__interrupt__"] && lat.length < calls) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        out = (await a.graph.invoke(new ResumeCommand({ resume: { feedback: [rng.int(2)] } }), cfg)) as Record<string, unknown>;
        lat.push(ms(t0));
        const c = process.cpuUsage(c0);
        cpu += (c.user + c.system) / 1000;
      }
    }
    return { storage: storage.kind, p50_ms: quantile(lat, 0.5), p95_ms: quantile(lat, 0.95), cpu_ms_per_step: cpu / lat.length };
  } finally {
    await storage.close();
  }
}

function startServe(bin: string, args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [bin, "serve", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += String(d)));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = /^listening (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (m) resolve({ url: m[1]!, child });
    });
    child.once("exit", (code) => reject(new Error(`farsight serve exited (${code}) before listening: ${err}`)));
  });
}

/**
 * `sessions` people answering at once until `requests` recommendations were made. Sessions are started before
 * the clock starts (a session start is not a recommendation answered); one that ends is replaced, timed.
 */
async function httpLoad(url: string, sessions: number, requests: number, numUsers: number, serverCpuMs: () => number): Promise<HttpRow> {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(url + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const value = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${String(value["detail"])}`);
    return value;
  };
  const start = async (rng: Rng) => {
    const thread = (await post("/threads", {}))["thread_id"] as string;
    return { thread, out: await post(`/threads/${thread}/runs/wait`, { assistant_id: "session", input: { userId: rng.int(numUsers) } }) };
  };
  const people = await Promise.all(Array.from({ length: sessions }, async (_, k) => {
    const rng = new Rng(k, "bench-serve-person");
    return { rng, ...(await start(rng)) };
  }));
  const lat: number[] = [];
  let left = requests;
  const answer = async (p: (typeof people)[number]) => {
    while (left > 0) {
      if (!p.out["__interrupt__"]) Object.assign(p, await start(p.rng));
      left--;
      const t0 = performance.now();
      p.out = await post(`/threads/${p.thread}/runs/wait`, { assistant_id: "session", command: { resume: { feedback: [p.rng.int(2)] } } });
      lat.push(ms(t0));
    }
  };
  const cpu0 = serverCpuMs();
  const t0 = performance.now();
  await Promise.all(people.map(answer));
  const wall = ms(t0) / 1000;
  const cpu = (serverCpuMs() - cpu0) / lat.length;
  return { sessions, recommendations: lat.length, recs_per_sec: lat.length / wall, p50_ms: quantile(lat, 0.5), p95_ms: quantile(lat, 0.95), server_cpu_ms_per_rec: cpu };
}
