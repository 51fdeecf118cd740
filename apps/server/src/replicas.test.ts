/**
 * Scale-out on one machine: server processes on different ports share one PostgreSQL database. A session
 * started on one continues on the other (same thread id), and a replica killed with SIGKILL in the middle of a
 * run loses nothing: the session continues on the other from the last completed step.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@langchain/langgraph-sdk";
import { PostgresStore } from "@langchain/langgraph-checkpoint-postgres/store";
import { SERVED_POOL_NAMESPACE } from "./index.js";
import { freshDatabase, POSTGRES_SKIP_REASON, POSTGRES_URL, REQUIRE_POSTGRES } from "@farsight/testing/postgres";

if (!POSTGRES_URL) console.log(`[replicas] PostgreSQL tests skipped: ${POSTGRES_SKIP_REASON}`);

describe("PostgreSQL when CI requires it", () => {
  it.runIf(REQUIRE_POSTGRES && !POSTGRES_URL)("FARSIGHT_REQUIRE_POSTGRES=1 needs FARSIGHT_TEST_POSTGRES_URL", () => {
    expect.fail(`FARSIGHT_REQUIRE_POSTGRES=1 but ${POSTGRES_SKIP_REASON}`);
  });
});

interface Replica {
  readonly url: string;
  readonly child: ChildProcess;
}

const fixture = fileURLToPath(new URL("./test-replica.mjs", import.meta.url));
const children: ChildProcess[] = [];

/** Starts a replica process and resolves with its URL once it listens. */
function startReplica(dbUrl: string, ...flags: string[]): Promise<Replica> {
  const child = spawn(process.execPath, [fixture, dbUrl, ...flags], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const m = /^listening (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (m) resolve({ url: m[1]!, child });
    });
    child.once("exit", (code) => reject(new Error(`replica exited (${code}) before listening: ${stderr}`)));
  });
}

function kill(r: Replica, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (r.child.exitCode !== null || r.child.signalCode !== null) return resolve();
    r.child.once("exit", () => resolve());
    r.child.kill(signal);
  });
}

interface Prompt {
  step: number;
  slate: number[];
}
const promptOf = (v: unknown) => (v as { __interrupt__?: { value: Prompt }[] }).__interrupt__?.[0]?.value;
const wait = (c: Client, thread: string, payload: Record<string, unknown>) => c.runs.wait(thread, "session", payload) as Promise<Record<string, unknown>>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!POSTGRES_URL)("two server replicas on one PostgreSQL", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    db = await freshDatabase(POSTGRES_URL!);
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => kill({ url: "", child: c }, "SIGKILL")));
    await db?.drop();
  });

  it("a session started on one replica continues on the other, thread records and reflections shared", async () => {
    const [a, b] = await Promise.all([startReplica(db.url), startReplica(db.url)]);
    expect(a.url).not.toBe(b.url);
    const ca = new Client({ apiUrl: a.url });
    const cb = new Client({ apiUrl: b.url });
    const thread = await ca.threads.create({ metadata: { person: "grace" } });
    expect((await cb.threads.get(thread.thread_id)).metadata).toMatchObject({ person: "grace" });

    const shown: number[] = [];
    let prompt = promptOf(await wait(ca, thread.thread_id, { input: { userId: 5, sessionId: "grace-1" } }))!;
    // Alternate replicas at every step: each sees what the other saved.
    for (let t = 0; t < 4; t++) {
      expect(prompt.step).toBe(t);
      shown.push(...prompt.slate);
      const [here, there] = t % 2 === 0 ? [cb, ca] : [ca, cb];
      expect((await there.threads.getState(thread.thread_id)).tasks[0]!.interrupts[0]!.value).toEqual(prompt);
      prompt = promptOf(await wait(here, thread.thread_id, { command: { resume: { feedback: [1, t % 2] } } }))!;
    }
    expect(new Set(shown).size, `no item is shown twice across replicas`).toBe(shown.length);
    const done = await wait(ca, thread.thread_id, { command: { resume: { quit: true } } });
    expect(done["steps"]).toHaveLength(4);
    expect(done["returnSoFar"]).toBeCloseTo(3);
    expect((await cb.threads.get(thread.thread_id)).values).toMatchObject({ done: true, reflection: done["reflection"] });

    // The reflection is in the shared store, written by replica A.
    const store = PostgresStore.fromConnString(db.url, { ensureTables: false });
    try {
      const items = await store.search([...SERVED_POOL_NAMESPACE], { limit: 10 });
      expect(items.map((i) => (i.value as { reflection: { text: string } }).reflection.text)).toEqual([done["reflection"]]);
      expect((items[0]!.value as { writer: string }).writer).toBe(`replica-${a.child.pid}`);
    } finally {
      await store.stop();
    }
    // History reads A's checkpoints from B; a thread deleted on B is gone on A, checkpoints included.
    expect((await cb.threads.getHistory(thread.thread_id, { limit: 3 }))[0]!.values).toMatchObject({ done: true });
    await cb.threads.delete(thread.thread_id);
    await expect(ca.threads.get(thread.thread_id)).rejects.toThrow(/404|no thread/);
    await ca.threads.create({ threadId: thread.thread_id });
    expect((await ca.threads.getState(thread.thread_id)).values).toEqual({});
    await Promise.all([kill(a, "SIGTERM"), kill(b, "SIGTERM")]);
  });

  it("a replica killed (SIGKILL) in the middle of a run loses nothing: the other continues from the last completed step", async () => {
    // A's third plan never finishes: the run that answers the second slate is in progress when A dies.
    const [a, b] = await Promise.all([startReplica(db.url, "--stall-at-plan", "3"), startReplica(db.url)]);
    const ca = new Client({ apiUrl: a.url, callerOptions: { maxRetries: 0 } });
    const cb = new Client({ apiUrl: b.url });
    const thread = await ca.threads.create();
    const first = promptOf(await wait(ca, thread.thread_id, { input: { userId: 2 } }))!;
    const second = promptOf(await wait(ca, thread.thread_id, { command: { resume: { feedback: [1, 0] } } }))!;
    const lost = wait(ca, thread.thread_id, { command: { resume: { feedback: [0, 1] } } }).then(
      () => "answered",
      () => "failed",
    );
    // Wait until A has saved the feedback node of that run (B reads the same database), then kill A inside `plan`.
    for (;;) {
      const state = await cb.threads.getState(thread.thread_id);
      if (state.next[0] === "plan") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    // A holds the thread: B refuses to run it alongside (it would plan the same step twice).
    await expect(wait(cb, thread.thread_id, {})).rejects.toThrow(/in progress on another replica/);
    await kill(a, "SIGKILL");
    expect(await lost).toBe("failed");
    // The database drops A's lock with its connection; until it has noticed, B still says busy.
    for (let tries = 0; ; tries++) {
      const err = await wait(cb, thread.thread_id, { command: { resume: { feedback: [1, 1] } } }).then(() => undefined, (e: Error) => e);
      expect(err, "a resume must be refused: nothing waits for one").toBeDefined();
      if (!/another replica/.test(err!.message)) break;
      expect(tries, "A's lock outlived its process by more than 5 s").toBeLessThan(250);
      await new Promise((r) => setTimeout(r, 20));
    }

    const state = await cb.threads.getState(thread.thread_id);
    const values = state.values as { steps: { slate: number[]; feedback: number[] }[]; step: number };
    expect(state.next).toEqual(["plan"]);
    expect(values.step).toBe(2);
    expect(values.steps.map((s) => s.slate)).toEqual([first.slate, second.slate]);
    expect(values.steps.map((s) => s.feedback)).toEqual([[1, 0], [0, 1]]);
    // An answer is refused (nothing is waiting for one); a run without input or command finishes the lost run.
    await expect(wait(cb, thread.thread_id, { command: { resume: { feedback: [1, 1] } } })).rejects.toThrow(/stopped mid-way/);
    const third = promptOf(await wait(cb, thread.thread_id, {}))!;
    expect(third.step).toBe(2);
    expect([...first.slate, ...second.slate].some((i) => third.slate.includes(i))).toBe(false);
    const fourth = promptOf(await wait(cb, thread.thread_id, { command: { resume: { feedback: [1, 1] } } }))!;
    expect(fourth.step).toBe(3);
    expect(((await cb.threads.getState(thread.thread_id)).values as { returnSoFar: number }).returnSoFar).toBeCloseTo(0.5 + 0.5 + 1);
    await kill(b, "SIGTERM");
  });

  it("a background run created on one replica is seen (get, list, join, joinStream) and cancelled on the other; killed with its replica, it is reported lost", async () => {
    // A's second and third plans never finish: those runs stay in progress until cancelled, or A is killed.
    const [a, b] = await Promise.all([startReplica(db.url, "--stall-at-plan", "2,3"), startReplica(db.url)]);
    const ca = new Client({ apiUrl: a.url, callerOptions: { maxRetries: 0 } });
    const cb = new Client({ apiUrl: b.url, callerOptions: { maxRetries: 0 } });
    const thread = await ca.threads.create();
    const run = await ca.runs.create(thread.thread_id, "session", { input: { userId: 4 } });
    expect((await cb.runs.get(thread.thread_id, run.run_id)).run_id).toBe(run.run_id);
    // B polls the record A writes, then reads A's checkpoints.
    expect(promptOf(await cb.runs.join(thread.thread_id, run.run_id))!.step).toBe(0);
    expect((await cb.runs.get(thread.thread_id, run.run_id)).status).toBe("success");

    const stuck = await ca.runs.create(thread.thread_id, "session", { command: { resume: { feedback: [1, 0] } } });
    while ((await cb.runs.get(thread.thread_id, stuck.run_id)).status !== "running") await sleep(20);
    expect((await cb.threads.get(thread.thread_id)).status).toBe("busy");
    expect((await cb.runs.list(thread.thread_id)).map((r) => r.run_id)).toEqual([stuck.run_id, run.run_id]);
    await expect(cb.runs.create(thread.thread_id, "session", {})).rejects.toThrow(/in progress on another replica/);
    // B streams the values of A's run (joinStream) until it ends.
    const streamed: { event: string; data: unknown }[] = [];
    const joining = (async () => {
      for await (const e of cb.runs.joinStream(thread.thread_id, stuck.run_id)) streamed.push(e);
    })();
    // B leaves a cancel request; A reads it and aborts the run; B answers once A has recorded it.
    await cb.runs.cancel(thread.thread_id, stuck.run_id, true);
    expect(await cb.runs.get(thread.thread_id, stuck.run_id)).toMatchObject({ status: "interrupted", cancel_reason: "cancelled through another replica" });
    await joining;
    expect(streamed[0]).toEqual({ event: "metadata", data: { run_id: stuck.run_id, attempt: 1 } });
    expect(streamed.length).toBeGreaterThan(1);
    expect(streamed.slice(1).every((e) => e.event === "values")).toBe(true);
    // The answer A saved before its plan stalled; no pause (the run was cancelled inside plan).
    expect((streamed.at(-1)!.data as { steps: { feedback: number[] }[] }).steps.map((x) => x.feedback)).toEqual([[1, 0]]);
    expect((await cb.threads.getState(thread.thread_id)).next).toEqual(["plan"]);

    const lost = await ca.runs.create(thread.thread_id, "session", {});
    while ((await cb.runs.get(thread.thread_id, lost.run_id)).status !== "running") await sleep(20);
    await kill(a, "SIGKILL");
    // Once the database has dropped A's lock (with its connection), B records the run as lost.
    for (let tries = 0; (await cb.runs.get(thread.thread_id, lost.run_id)).status === "running"; tries++) {
      expect(tries, "A's lock outlived its process by more than 5 s").toBeLessThan(250);
      await sleep(20);
    }
    expect(await cb.runs.get(thread.thread_id, lost.run_id)).toMatchObject({ status: "error", error: { error: "server/run-lost" } });
    expect((await cb.threads.get(thread.thread_id)).status).toBe("idle");
    const next = await cb.runs.create(thread.thread_id, "session", {});
    expect(promptOf(await cb.runs.join(thread.thread_id, next.run_id))!.step).toBe(1);
    expect((await cb.runs.list(thread.thread_id)).map((r) => r.status)).toEqual(["success", "error", "interrupted", "success"]);
    await kill(b, "SIGTERM");
  });
});
