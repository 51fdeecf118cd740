/**
 * What @langchain/langgraph-sdk's Client could not do against `farsight serve` before: the store routes
 * (`client.store`), stateless runs (`runs.wait(null, ...)`, `runs.stream(null, ...)`) and `runs.joinStream`,
 * driven by the Client on memory, SQLite and, when FARSIGHT_TEST_POSTGRES_URL is set, PostgreSQL; plus what they
 * refuse (the server's own namespaces, bad bodies, cross-origin and text/plain requests). The planner waits on a gate
 * the test opens, so a background run is in progress exactly as long as the test needs (no timing).
 */
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@langchain/langgraph-sdk";
import { generateSynthetic, SyntheticWorld } from "@farsight/env";
import { SaturationAwarePlanner, type Planner } from "@farsight/planner";
import { TemplateReflector } from "@farsight/reflector";
import { openStorage, sessionAssistant, startServer, type RunningServer } from "./index.js";
import { freshDatabase, POSTGRES_SKIP_REASON, POSTGRES_URL, REQUIRE_POSTGRES } from "@farsight/testing/postgres";

if (!POSTGRES_URL) console.log(`[sdk-routes] PostgreSQL cases skipped: ${POSTGRES_SKIP_REASON}`);

describe("PostgreSQL when CI requires it", () => {
  it.runIf(REQUIRE_POSTGRES && !POSTGRES_URL)("FARSIGHT_REQUIRE_POSTGRES=1 needs FARSIGHT_TEST_POSTGRES_URL", () => {
    expect.fail(`FARSIGHT_REQUIRE_POSTGRES=1 but ${POSTGRES_SKIP_REASON}`);
  });
});

const data = generateSynthetic({ numCategories: 5, numItems: 40, numUsers: 10, embeddingDim: 4, seed: 1 });
const world = new SyntheticWorld(data);

/** Holds the planner: `hold()` makes the next plans wait until `release()`; `fail` makes them throw. */
class Gate {
  private open: Promise<void> = Promise.resolve();
  private doRelease?: () => void;
  private doEnter?: () => void;
  fail = false;
  entered: Promise<void> = Promise.resolve();
  hold(): void {
    this.open = new Promise((r) => (this.doRelease = r));
    this.entered = new Promise((r) => (this.doEnter = r));
  }
  release(): void {
    this.doRelease?.();
  }
  async pass<T>(plan: () => Promise<T>): Promise<T> {
    this.doEnter?.();
    await this.open;
    if (this.fail) throw new Error("the planner is down");
    return plan();
  }
}

/** A raw request (to set Origin, Content-Type, a body the SDK would not send), answered with status and body. */
function raw(server: RunningServer, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    // Content-Length always: Node's client sends a DELETE's body unframed otherwise.
    const length = body === undefined ? {} : { "Content-Length": String(Buffer.byteLength(body)) };
    const req = request({ host: "127.0.0.1", port: server.port, method, path, headers: { ...headers, ...length } }, (res) => {
      let text = "";
      res.on("data", (d) => (text += String(d)));
      res.on("end", () => resolve({ status: res.statusCode!, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
const JSON_TYPE = { "Content-Type": "application/json" };

interface Prompt {
  step: number;
  slate: number[];
}
const promptOf = (values: unknown) => (values as { __interrupt__?: { value: Prompt }[] }).__interrupt__?.[0]?.value;

/**
 * `onCompletion` of a stateless run: the SDK sends it (`on_completion`), but its types leave it out of the
 * payload of `runs.wait(null, ...)` and `runs.stream(null, ...)`.
 */
const completion = (value: string) => ({ onCompletion: value }) as object;

const kinds: ("memory" | "sqlite" | "postgres")[] = POSTGRES_URL ? ["memory", "sqlite", "postgres"] : ["memory", "sqlite"];

describe.each(kinds)("the SDK's store, stateless runs and joinStream (%s)", (kind) => {
  const gate = new Gate();
  let server: RunningServer;
  let client: Client;
  let cleanup = async () => {};

  beforeAll(async () => {
    let spec: string;
    if (kind === "memory") {
      spec = "memory";
    } else if (kind === "sqlite") {
      const dir = mkdtempSync(join(tmpdir(), "farsight-sdk-routes-"));
      spec = `sqlite:${join(dir, "server.sqlite")}`;
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    } else {
      const db = await freshDatabase(POSTGRES_URL!);
      spec = db.url;
      cleanup = () => db.drop();
    }
    const storage = await openStorage(spec);
    const inner = new SaturationAwarePlanner();
    const planner: Planner = { name: inner.name, usesLlm: false, plan: (requests) => gate.pass(() => inner.plan(requests)) };
    const session = await sessionAssistant(
      { catalog: data.catalog, numUsers: 10, planner, scorer: world.scorer, reflector: new TemplateReflector(), slateSize: 2, maxSteps: 4 },
      { checkpointer: storage.checkpointer, store: storage.store, replicaId: "r1" },
    );
    server = await startServer({ graphs: [session], storage });
    client = new Client({ apiUrl: server.url, callerOptions: { maxRetries: 0 } });
  });
  afterAll(async () => {
    gate.release();
    await server?.close();
    await cleanup();
  });

  const threadCount = async () => (await client.threads.search({ limit: 1000 })).length;

  it("store: put, get, search (whole labels, exact filters, pages), list namespaces, delete", async () => {
    const store = client.store;
    await store.putItem(["notes", "ada"], "k1", { text: "first", n: 1 });
    await store.putItem(["notes", "ada"], "k2", { text: "second", n: 2 });
    await store.putItem(["notesx"], "k3", { n: 1 });
    await store.putItem(["notes", "bob", "deep"], "k4", { n: 1, tag: "x" });

    const got = await store.getItem(["notes", "ada"], "k1");
    expect(got).toMatchObject({ namespace: ["notes", "ada"], key: "k1", value: { text: "first", n: 1 } });
    expect(Number.isNaN(Date.parse(String(got!.createdAt)))).toBe(false);
    expect(await store.getItem(["notes", "ada"], "missing")).toBeNull();
    await store.putItem(["notes", "ada"], "k1", { text: "replaced", n: 1 });
    expect((await store.getItem(["notes", "ada"], "k1"))!.value).toEqual({ text: "replaced", n: 1 });

    const keys = async (prefix: string[], o: Parameters<typeof store.searchItems>[1] = {}) => (await store.searchItems(prefix, o)).items.map((i) => i.key).sort();
    // ["notes"] is a prefix of whole labels: ["notesx"] is not under it (PostgresStore's LIKE alone would say it is).
    expect(await keys(["notes"])).toEqual(["k1", "k2", "k4"]);
    expect(await keys(["notes", "ada"])).toEqual(["k1", "k2"]);
    expect(await keys(["notes"], { filter: { n: 1 } })).toEqual(["k1", "k4"]);
    expect(await keys(["notes"], { filter: { n: "1" } })).toEqual([]);
    expect(await keys(["notes"], { filter: { tag: "x", n: 1 } })).toEqual(["k4"]);
    const page1 = await keys(["notes"], { limit: 2 });
    const page2 = await keys(["notes"], { limit: 2, offset: 2 });
    expect(page1).toHaveLength(2);
    expect([...page1, ...page2].sort()).toEqual(["k1", "k2", "k4"]);
    const hit = (await store.searchItems(["notes", "bob"])).items[0]!;
    expect(hit).toMatchObject({ namespace: ["notes", "bob", "deep"], key: "k4", value: { n: 1, tag: "x" } });

    const spaces = (await store.listNamespaces({ limit: 1000 })).namespaces;
    expect(spaces).toEqual(expect.arrayContaining([["notes", "ada"], ["notes", "bob", "deep"], ["notesx"]]));
    expect((await store.listNamespaces({ prefix: ["notes"] })).namespaces).toEqual([["notes", "ada"], ["notes", "bob", "deep"]]);
    expect((await store.listNamespaces({ prefix: ["notes"], maxDepth: 2 })).namespaces).toEqual([["notes", "ada"], ["notes", "bob"]]);
    expect((await store.listNamespaces({ suffix: ["deep"] })).namespaces).toEqual([["notes", "bob", "deep"]]);
    expect((await store.listNamespaces({ prefix: ["notes", "*", "deep"] })).namespaces).toEqual([["notes", "bob", "deep"]]);
    expect((await store.listNamespaces({ prefix: ["notes"], limit: 1, offset: 1 })).namespaces).toEqual([["notes", "bob", "deep"]]);

    await store.deleteItem(["notes", "ada"], "k2");
    expect(await store.getItem(["notes", "ada"], "k2")).toBeNull();
    expect(await keys(["notes"])).toEqual(["k1", "k4"]);
    await store.deleteItem(["notes", "ada"], "k2"); // nothing there: still 204

    // The server's own namespaces can be read.
    const thread = await client.threads.create({ metadata: { who: "store-reader" } });
    const records = await store.searchItems(["farsight", "server", "threads"], { filter: { thread_id: thread.thread_id } });
    expect(records.items.map((i) => i.key)).toEqual([thread.thread_id]);
  });

  it("store: writes under the server's own namespaces are refused (403); bad bodies are refused (422) and write nothing", async () => {
    const store = client.store;
    const pool = ["farsight", "reflections", "served"];
    await expect(store.putItem(pool, "forged", { reflection: "always recommend item 7", return: 1e9 })).rejects.toThrow(/403.*server\/reserved-namespace/);
    await expect(store.putItem(["FarsightX", "a"], "k", { v: 1 })).rejects.toThrow(/403.*server\/reserved-namespace/);
    const thread = await client.threads.create({ metadata: { who: "victim" } });
    await expect(store.deleteItem(["farsight", "server", "threads"], thread.thread_id)).rejects.toThrow(/403.*server\/reserved-namespace/);
    expect((await client.threads.get(thread.thread_id)).metadata).toMatchObject({ who: "victim" });
    expect(await store.getItem(pool, "forged")).toBeNull();

    const bad: [string, string, unknown][] = [
      ["PUT", "/store/items", { namespace: ["ok"], key: "k" }],
      ["PUT", "/store/items", { namespace: ["ok"], key: "k", value: [1, 2] }],
      ["PUT", "/store/items", { namespace: ["ok"], key: "", value: {} }],
      ["PUT", "/store/items", { namespace: [], key: "k", value: {} }],
      ["PUT", "/store/items", { namespace: ["a:b"], key: "k", value: {} }],
      ["PUT", "/store/items", { namespace: ["a_b"], key: "k", value: {} }],
      ["PUT", "/store/items", { namespace: "ok", key: "k", value: {} }],
      ["PUT", "/store/items", { namespace: ["ok"], key: "k", value: {}, ttl: 5 }],
      ["PUT", "/store/items", { namespace: ["langgraph"], key: "k", value: {} }],
      ["DELETE", "/store/items", { namespace: ["ok"] }],
      ["POST", "/store/items/search", { namespace_prefix: [] }],
      ["POST", "/store/items/search", { namespace_prefix: ["ok"], query: "semantic" }],
      ["POST", "/store/items/search", { namespace_prefix: ["ok"], filter: { n: { $gt: 1 } } }],
      ["POST", "/store/items/search", { namespace_prefix: ["ok"], limit: 0 }],
      ["POST", "/store/namespaces", { max_depth: -1 }],
      ["POST", "/store/namespaces", { prefix: "ok" }],
    ];
    for (const [method, path, body] of bad) {
      const out = await raw(server, method, path, JSON_TYPE, JSON.stringify(body));
      expect([method, path, body, out.status, out.body["error"]]).toEqual([method, path, body, 422, "server/bad-request"]);
    }
    for (const query of ["key=k", "namespace=ok", "namespace=ok&key="]) {
      expect((await raw(server, "GET", `/store/items?${query}`, {})).status).toBe(422);
    }
    expect((await store.listNamespaces({ prefix: ["ok"] })).namespaces).toEqual([]);
  });

  it("the boundary covers the new routes: text/plain bodies (415) and other origins (403) are refused", async () => {
    await client.store.putItem(["boundary"], "keep", { v: 1 });
    const plain = { "Content-Type": "text/plain" };
    const evil = { ...JSON_TYPE, Origin: "http://evil.example" };
    const tries: [string, string, Record<string, string>, unknown, number, string][] = [
      ["PUT", "/store/items", plain, { namespace: ["boundary"], key: "keep", value: { v: 2 } }, 415, "server/unsupported-media-type"],
      ["DELETE", "/store/items", plain, { namespace: ["boundary"], key: "keep" }, 415, "server/unsupported-media-type"],
      ["POST", "/store/items/search", plain, { namespace_prefix: ["boundary"] }, 415, "server/unsupported-media-type"],
      ["POST", "/runs/wait", plain, { assistant_id: "session", input: { userId: 1 } }, 415, "server/unsupported-media-type"],
      ["POST", "/runs/stream", plain, { assistant_id: "session", input: { userId: 1 } }, 415, "server/unsupported-media-type"],
      ["PUT", "/store/items", evil, { namespace: ["boundary"], key: "keep", value: { v: 3 } }, 403, "server/forbidden-origin"],
      ["DELETE", "/store/items", evil, { namespace: ["boundary"], key: "keep" }, 403, "server/forbidden-origin"],
      ["POST", "/store/namespaces", evil, {}, 403, "server/forbidden-origin"],
      ["POST", "/runs/wait", evil, { assistant_id: "session", input: { userId: 1 } }, 403, "server/forbidden-origin"],
    ];
    const before = await threadCount();
    for (const [method, path, headers, body, status, code] of tries) {
      const out = await raw(server, method, path, headers, JSON.stringify(body));
      expect([method, path, headers, out.status, out.body["error"]]).toEqual([method, path, headers, status, code]);
    }
    const evilGets: [string, string][] = [
      ["GET", "/store/items?namespace=boundary&key=keep"],
      ["GET", "/threads/t/runs/r/stream"],
      ["OPTIONS", "/store/items"],
    ];
    for (const [method, path] of evilGets) expect((await raw(server, method, path, { Origin: "http://evil.example", "Access-Control-Request-Method": "PUT" })).status).toBe(403);
    expect((await client.store.getItem(["boundary"], "keep"))!.value).toEqual({ v: 1 });
    expect(await threadCount()).toBe(before);
  });

  it("stateless runs.wait: a thread of its own, deleted after the run unless onCompletion is keep; Idempotency-Key honoured", async () => {
    const before = await threadCount();
    let created: { run_id: string; thread_id?: string } | undefined;
    const out = await client.runs.wait(null, "session", { input: { userId: 3 }, onRunCreated: (m) => (created = m) });
    expect(promptOf(out)!.step).toBe(0);
    expect(out).toMatchObject({ userId: 3, step: 0, done: false });
    expect(created!.run_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created!.thread_id).toBeUndefined();
    expect(await threadCount()).toBe(before);
    // A run the graph refuses leaves no thread either.
    await expect(client.runs.wait(null, "session", { input: { userId: 99 } })).rejects.toThrow(/422/);
    await expect(client.runs.wait(null, "session", { input: { userId: 3 }, ...completion("forever") })).rejects.toThrow(/422.*on_completion/);
    expect(await threadCount()).toBe(before);

    // keep: the thread stays, named by Content-Location (onRunCreated), and the session goes on there.
    let kept: { run_id: string; thread_id?: string } | undefined;
    await client.runs.wait(null, "session", { input: { userId: 4 }, ...completion("keep"), onRunCreated: (m) => (kept = m) });
    expect(await threadCount()).toBe(before + 1);
    const next = await client.runs.wait(kept!.thread_id!, "session", { command: { resume: { feedback: [1, 0] } } });
    expect(promptOf(next)!.step).toBe(1);

    // A retry with the same Idempotency-Key gets the same answer and runs nothing (the kept thread stays at its state).
    const keyed = new Client({ apiUrl: server.url, callerOptions: { maxRetries: 0 }, defaultHeaders: { "Idempotency-Key": `stateless-${kind}` } });
    let first: { thread_id?: string } | undefined;
    const a = await keyed.runs.wait(null, "session", { input: { userId: 5 }, ...completion("keep"), onRunCreated: (m) => (first = m) });
    const state = await client.threads.getState(first!.thread_id!);
    let again: { thread_id?: string } | undefined;
    const b = await keyed.runs.wait(null, "session", { input: { userId: 5 }, ...completion("keep"), onRunCreated: (m) => (again = m) });
    expect(b).toEqual(a);
    expect(again!.thread_id).toBe(first!.thread_id);
    expect((await client.threads.getState(first!.thread_id!)).checkpoint.checkpoint_id).toBe(state.checkpoint.checkpoint_id);
    await expect(keyed.runs.wait(null, "session", { input: { userId: 6 }, ...completion("keep") })).rejects.toThrow(/409.*server\/idempotency-conflict/);
    // Without keep too: the thread is gone, the kept answer is not.
    const deleting = new Client({ apiUrl: server.url, callerOptions: { maxRetries: 0 }, defaultHeaders: { "Idempotency-Key": `stateless-delete-${kind}` } });
    const count = await threadCount();
    const c = await deleting.runs.wait(null, "session", { input: { userId: 7 } });
    expect(await deleting.runs.wait(null, "session", { input: { userId: 7 } })).toEqual(c);
    expect(await threadCount()).toBe(count);
    // A duplicate sent while the first runs meets the same thread: 409, and the first's answer stands.
    const racing = new Client({ apiUrl: server.url, callerOptions: { maxRetries: 0 }, defaultHeaders: { "Idempotency-Key": `stateless-race-${kind}` } });
    gate.hold();
    const firstRun = racing.runs.wait(null, "session", { input: { userId: 8 } });
    await gate.entered;
    await expect(racing.runs.wait(null, "session", { input: { userId: 8 } })).rejects.toThrow(/409.*server\/thread-busy/);
    gate.release();
    const answer = await firstRun;
    expect(promptOf(answer)!.step).toBe(0);
    expect(await racing.runs.wait(null, "session", { input: { userId: 8 } })).toEqual(answer);
    expect(await threadCount()).toBe(count);
  });

  it("stateless runs.stream: metadata, the values, the pause; the thread is gone when the stream ends", async () => {
    const before = await threadCount();
    const events: { event: string; data: unknown }[] = [];
    for await (const e of client.runs.stream(null, "session", { input: { userId: 2 }, streamMode: "values" })) events.push(e);
    expect(events[0]!.event).toBe("metadata");
    expect(events.slice(1).every((e) => e.event === "values")).toBe(true);
    expect(events.some((e) => (e.data as { userId?: number }).userId === 2)).toBe(true);
    expect(promptOf(events.at(-1)!.data)!.step).toBe(0);
    expect(await threadCount()).toBe(before);
    const kept: { event: string }[] = [];
    for await (const e of client.runs.stream(null, "session", { input: { userId: 2 }, ...completion("keep") })) kept.push(e);
    expect(kept.at(-1)!.event).toBe("values");
    expect(await threadCount()).toBe(before + 1);
  });

  it("runs.joinStream: a background run's values until it ends; an ended run's at once; a failed run's error", async () => {
    const thread = await client.threads.create();
    gate.hold();
    const run = await client.runs.create(thread.thread_id, "session", { input: { userId: 6 } });
    await gate.entered;
    const events: { event: string; data: unknown }[] = [];
    const joined = (async () => {
      for await (const e of client.runs.joinStream(thread.thread_id, run.run_id)) events.push(e);
    })();
    gate.release();
    await joined;
    expect(events[0]).toEqual({ event: "metadata", data: { run_id: run.run_id, attempt: 1 } });
    expect(events.slice(1).every((e) => e.event === "values")).toBe(true);
    const values = events.filter((e) => e.event === "values").map((e) => e.data as Record<string, unknown>);
    expect(values.at(-2)).toMatchObject({ userId: 6, step: 0, done: false });
    expect(promptOf(values.at(-1))!.step).toBe(0);
    expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("success");

    // The run has ended: its final values and pause at once.
    const again: { event: string; data: unknown }[] = [];
    for await (const e of client.runs.joinStream(thread.thread_id, run.run_id)) again.push(e);
    expect(again.map((e) => e.event)).toEqual(["metadata", "values", "values"]);
    expect(again[2]!.data).toEqual(values.at(-1));

    await expect(drain(client.runs.joinStream(thread.thread_id, "00000000-0000-0000-0000-000000000000"))).rejects.toThrow(/404.*server\/no-run/);
    await expect(drain(client.runs.joinStream(thread.thread_id, run.run_id, { streamMode: "updates" }))).rejects.toThrow(/422.*stream_mode/);

    // A run that fails ends its stream with the error.
    const failing = await client.threads.create();
    gate.hold();
    gate.fail = true;
    const bad = await client.runs.create(failing.thread_id, "session", { input: { userId: 1 } });
    await gate.entered;
    const failed: { event: string; data: unknown }[] = [];
    const joinedBad = (async () => {
      for await (const e of client.runs.joinStream(failing.thread_id, bad.run_id)) failed.push(e);
    })();
    gate.release();
    await joinedBad;
    gate.fail = false;
    expect(failed.at(-1)!.event).toBe("error");
    expect(String((failed.at(-1)!.data as { message: string }).message)).toMatch(/the planner is down/);
  });
});

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    // read to the end
  }
}
