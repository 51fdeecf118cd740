/**
 * PostgreSQL outages with two replicas: the database stopped and restarted while they are idle and three times
 * while runs are in progress, and the connection that holds a run's thread lock killed (`pg_terminate_backend`).
 * No replica exits; every run ends (`success`, `error` or `interrupted`: none is left `running`); every answer
 * a replica acknowledged is in the thread's state; `/ok` stays up while `/ready` says 503 until the database is
 * back; both replicas serve again afterwards. The database is a cluster of this file's own (see test-cluster.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POSTGRES_SKIP_REASON, POSTGRES_URL, REQUIRE_POSTGRES } from "@farsight/testing/postgres";
import { startTestCluster, type TestCluster } from "./test-cluster.js";

if (!POSTGRES_URL) console.log(`[outages] PostgreSQL outage tests skipped: ${POSTGRES_SKIP_REASON}`);

describe("PostgreSQL when CI requires it", () => {
  it.runIf(REQUIRE_POSTGRES && !POSTGRES_URL)("FARSIGHT_REQUIRE_POSTGRES=1 needs FARSIGHT_TEST_POSTGRES_URL", () => {
    expect.fail(`FARSIGHT_REQUIRE_POSTGRES=1 but ${POSTGRES_SKIP_REASON}`);
  });
});

const fixture = fileURLToPath(new URL("./test-replica.mjs", import.meta.url));
/** Plans of this user never finish in the replicas below: a run on such a session stays in progress. */
const STALLED_USER = 9;

interface Replica {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  stderr: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(r: Replica, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    const res = await fetch(`${r.url}${path}`, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  } catch (err) {
    // The replica did not answer at all (it died): a status no server sends.
    return { status: 0, body: { detail: String(err) } };
  }
}

describe.skipIf(!POSTGRES_URL)("two replicas through PostgreSQL outages", () => {
  let cluster: TestCluster;
  const children: ChildProcess[] = [];
  /** Exits the test did not ask for. */
  const exits: string[] = [];
  let stopping = false;

  function startReplica(name: string, dbUrl: string): Promise<Replica> {
    const child = spawn(process.execPath, [fixture, dbUrl, "--stall-user", String(STALLED_USER)], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    const r = { name, url: "", child, stderr: "" };
    child.stderr!.on("data", (d) => (r.stderr += String(d)));
    child.once("exit", (code, signal) => {
      if (!stopping) exits.push(`${name} exited (${code ?? signal}): ${r.stderr.slice(-2000)}`);
    });
    return new Promise((resolve, reject) => {
      createInterface({ input: child.stdout! }).on("line", (line) => {
        const m = /^listening (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
        if (m) resolve({ ...r, url: m[1]!, get stderr() { return r.stderr; } } as Replica);
      });
      child.once("exit", (code) => reject(new Error(`replica ${name} exited (${code}) before listening: ${r.stderr}`)));
    });
  }

  beforeAll(() => {
    cluster = startTestCluster();
  });
  afterAll(async () => {
    stopping = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    cluster?.destroy();
  });

  it("no replica exits, every run ends, no acknowledged answer is lost, and both serve again", async () => {
    const [a, b] = await Promise.all([startReplica("A", cluster.url), startReplica("B", cluster.url)]);
    const replicas = [a, b];
    /** Answers a replica acknowledged (200), per thread, in order. */
    const acknowledged = new Map<string, number[][]>();
    /** Every background run created: [thread, run]. */
    const runs: [string, string][] = [];

    const untilReady = async (r: Replica) => {
      for (let tries = 0; (await call(r, "GET", "/ready")).status !== 200; tries++) {
        expect(tries, `${r.name} not ready again 30 s after the database came back`).toBeLessThan(300);
        await sleep(100);
      }
    };
    const newThread = async (r: Replica) => {
      const t = await call(r, "POST", "/threads", {});
      expect(t.status).toBe(200);
      return String(t.body["thread_id"]);
    };
    /** A session that waits for its first answer. */
    const newSession = async (r: Replica, userId: number) => {
      const id = await newThread(r);
      const first = await call(r, "POST", `/threads/${id}/runs/wait`, { assistant_id: "session", input: { userId } });
      expect(first).toMatchObject({ status: 200 });
      acknowledged.set(id, []);
      return id;
    };
    const answer = async (r: Replica, id: string, feedback: number[]) => {
      const out = await call(r, "POST", `/threads/${id}/runs/wait`, { assistant_id: "session", command: { resume: { feedback } } });
      if (out.status === 200) acknowledged.get(id)!.push(feedback);
      return out;
    };
    /** A background run on a session whose plan never finishes: in progress until something stops it. */
    const stalledRun = async (r: Replica) => {
      const id = await newThread(r);
      const run = await call(r, "POST", `/threads/${id}/runs`, { assistant_id: "session", input: { userId: STALLED_USER } });
      expect(run).toMatchObject({ status: 200 });
      const runId = String(run.body["run_id"]);
      runs.push([id, runId]);
      while ((await call(r, "GET", `/threads/${id}/runs/${runId}`)).body["status"] !== "running") await sleep(20);
      return [id, runId] as const;
    };
    const untilEnded = async (r: Replica, id: string, runId: string) => {
      for (let tries = 0; ; tries++) {
        const got = await call(r, "GET", `/threads/${id}/runs/${runId}`);
        if (got.status === 200 && got.body["status"] !== "running" && got.body["status"] !== "pending") return got.body;
        expect(tries, `run ${runId} still ${String(got.body["status"] ?? got.status)} 30 s after the database came back`).toBeLessThan(300);
        await sleep(100);
      }
    };

    const sessions = [await newSession(a, 1), await newSession(b, 2)];
    for (const [i, id] of sessions.entries()) expect((await answer(replicas[i]!, id, [1, 0])).status).toBe(200);

    // Idle: every pooled connection is terminated under the replicas.
    cluster.stop("fast");
    for (const r of replicas) {
      expect((await call(r, "GET", "/ok")).status, `${r.name} is alive while the database is down`).toBe(200);
      expect((await call(r, "GET", "/ready")).status, `${r.name} is not ready while the database is down`).toBe(503);
      const read = await call(r, "GET", `/threads/${sessions[0]}`);
      expect(read.status).toBe(503);
      expect(read.body["error"]).toBe("server/database-unavailable");
    }
    cluster.start();
    for (const r of replicas) await untilReady(r);
    for (const [i, id] of sessions.entries()) expect((await answer(replicas[1 - i]!, id, [0, 1])).status).toBe(200);

    // Three outages with runs in progress: a background run and a waited run on each replica.
    for (let outage = 0; outage < 3; outage++) {
      const stalled = [await stalledRun(a), await stalledRun(b)];
      const waited = await Promise.all(replicas.map((r) => newThread(r)));
      const inFlight = replicas.map((r, i) => call(r, "POST", `/threads/${waited[i]}/runs/wait`, { assistant_id: "session", input: { userId: STALLED_USER } }));
      // Both waited runs hold their thread (busy) before the database goes.
      for (const [i, r] of replicas.entries()) while ((await call(r, "GET", `/threads/${waited[i]}`)).body["status"] !== "busy") await sleep(20);
      cluster.stop(outage === 1 ? "immediate" : "fast");
      // Answers sent while it is down are refused, never acknowledged and lost.
      for (const [i, id] of sessions.entries()) expect((await answer(replicas[i]!, id, [1, 1])).status).toBe(503);
      cluster.start();
      for (const r of replicas) await untilReady(r);
      for (const w of await Promise.all(inFlight)) {
        expect(w).toMatchObject({ status: 503 });
        expect(w.body["error"]).toBe("server/database-unavailable");
      }
      for (const [i, [id, runId]] of stalled.entries()) {
        const ended = await untilEnded(replicas[1 - i]!, id, runId);
        expect(ended["status"]).toBe("error");
        expect((ended["error"] as { error: string }).error).toMatch(/^server\/(database-unavailable|run-lost)$/);
      }
      for (const [i, id] of sessions.entries()) expect((await answer(replicas[(i + outage) % 2]!, id, [outage % 2, 1])).status).toBe(200);
    }

    // The connection that holds a run's thread lock is killed: the run ends, and the thread is free for B.
    const [id, runId] = await stalledRun(a);
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    try {
      const held = await admin.query<{ pid: number }>("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 724012 AND granted");
      expect(held.rows).toHaveLength(1);
      await admin.query("SELECT pg_terminate_backend($1)", [held.rows[0]!.pid]);
    } finally {
      await admin.end();
    }
    const ended = await untilEnded(a, id, runId);
    expect(ended).toMatchObject({ status: "error", error: { error: "server/database-unavailable" } });
    const next = await call(b, "POST", `/threads/${id}/runs`, { assistant_id: "session" });
    expect(next).toMatchObject({ status: 200 });
    runs.push([id, String(next.body["run_id"])]);
    expect((await call(b, "POST", `/threads/${id}/runs/${String(next.body["run_id"])}/cancel?wait=1`)).status).toBe(204);

    // Every run has ended; every acknowledged answer is in its thread; both replicas play a session again.
    for (const [thread, run] of runs) expect(["success", "error", "interrupted"]).toContain((await untilEnded(b, thread, run))["status"]);
    for (const [i, thread] of sessions.entries()) {
      const state = await call(replicas[i]!, "GET", `/threads/${thread}/state`);
      const steps = (state.body["values"] as { steps: { feedback: number[] }[] }).steps;
      expect(steps.map((s) => s.feedback)).toEqual(acknowledged.get(thread));
    }
    for (const r of replicas) {
      const id = await newSession(r, 3);
      expect((await answer(r, id, [1, 1])).status).toBe(200);
    }
    expect(exits).toEqual([]);
  });
});
