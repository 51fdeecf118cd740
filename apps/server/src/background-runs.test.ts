/**
 * Background runs (`POST /threads/:id/runs`, get, list, join, cancel) driven by @langchain/langgraph-sdk's Client
 * against a memory server. The planner waits on a gate the test opens, so a run is in progress exactly as long
 * as the test needs (no timing).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Client } from "@langchain/langgraph-sdk";
import { generateSynthetic, SyntheticWorld } from "@farsight/env";
import { SaturationAwarePlanner, type Planner } from "@farsight/planner";
import { TemplateReflector } from "@farsight/reflector";
import { openStorage, sessionAssistant, startServer, type RunningServer } from "./index.js";

const data = generateSynthetic({ numCategories: 5, numItems: 40, numUsers: 10, embeddingDim: 4, seed: 1 });
const world = new SyntheticWorld(data);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Holds the planner: `hold()` makes the next plans wait until `release()`; `fail` makes them throw. */
class Gate {
  private open: Promise<void> = Promise.resolve();
  private doRelease?: () => void;
  fail = false;
  /** Resolves when a plan has entered the planner (since the last `hold`). */
  entered: Promise<void> = Promise.resolve();
  private doEnter?: () => void;
  /** Resolves when a held plan has returned (or thrown). */
  returned: Promise<void> = Promise.resolve();
  private doReturn?: () => void;
  hold(): void {
    this.open = new Promise((r) => (this.doRelease = r));
    this.entered = new Promise((r) => (this.doEnter = r));
    this.returned = new Promise((r) => (this.doReturn = r));
  }
  release(): void {
    this.doRelease?.();
  }
  async pass<T>(plan: () => Promise<T>): Promise<T> {
    this.doEnter?.();
    await this.open;
    try {
      if (this.fail) throw new Error("the planner is down");
      return await plan();
    } finally {
      this.doReturn?.();
    }
  }
}

async function serve(gate: Gate, kind: "memory" | "sqlite" = "memory"): Promise<RunningServer> {
  let spec = "memory";
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "farsight-runs-"));
    dirs.push(dir);
    spec = `sqlite:${join(dir, "server.sqlite")}`;
  }
  const storage = await openStorage(spec);
  const inner = new SaturationAwarePlanner();
  const planner: Planner = {
    name: inner.name,
    usesLlm: false,
    plan: (requests) => gate.pass(() => inner.plan(requests)),
  };
  const session = await sessionAssistant(
    { catalog: data.catalog, numUsers: 10, planner, scorer: world.scorer, reflector: new TemplateReflector(), slateSize: 2, maxSteps: 4 },
    { checkpointer: storage.checkpointer, store: storage.store, replicaId: "r1" },
  );
  return startServer({ graphs: [session], storage });
}

interface Prompt {
  step: number;
  slate: number[];
}
const promptOf = (values: unknown) => (values as { __interrupt__?: { value: Prompt }[] }).__interrupt__?.[0]?.value;

describe("background runs, driven by @langchain/langgraph-sdk's Client", () => {
  for (const kind of ["memory", "sqlite"] as const) it(`create answers at once; get, list, join; a second run while one is in progress is refused (409) (${kind})`, async () => {
    const gate = new Gate();
    const server = await serve(gate, kind);
    try {
      const client = new Client({ apiUrl: server.url, callerOptions: { maxRetries: 0 } });
      const thread = await client.threads.create();
      gate.hold();
      const run = await client.runs.create(thread.thread_id, "session", { input: { userId: 3 }, metadata: { who: "ada" } });
      // Answered while the planner is still held: the run executes in the background.
      expect(run).toMatchObject({ thread_id: thread.thread_id, assistant_id: "9b914f92-092e-55f1-8e3a-01306015a956", status: "pending", metadata: { who: "ada" }, multitask_strategy: "reject" });
      expect(run.run_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(run.created_at).toBe(run.updated_at);
      await gate.entered;
      expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("running");
      expect((await client.threads.get(thread.thread_id)).status).toBe("busy");
      await expect(client.runs.create(thread.thread_id, "session", { input: { userId: 3 } })).rejects.toThrow(/409.*server\/thread-busy/);
      await expect(client.runs.wait(thread.thread_id, "session", { input: { userId: 3 } })).rejects.toThrow(/409.*server\/thread-busy/);
      expect((await client.runs.list(thread.thread_id)).map((r) => r.run_id)).toEqual([run.run_id]);

      const joined = client.runs.join(thread.thread_id, run.run_id);
      gate.release();
      const values = (await joined) as Record<string, unknown>;
      expect(promptOf(values)!.step).toBe(0);
      expect(values).toMatchObject({ userId: 3, step: 0, done: false });
      expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("success");
      expect((await client.threads.get(thread.thread_id)).status).toBe("interrupted");
      // Joining a finished run answers at once, with the same values.
      expect(await client.runs.join(thread.thread_id, run.run_id)).toEqual(values);

      // The answer as a background run too; list: newest first, filtered by status, paged.
      const second = await client.runs.create(thread.thread_id, "session", { command: { resume: { feedback: [1, 0] } } });
      expect(promptOf(await client.runs.join(thread.thread_id, second.run_id))!.step).toBe(1);
      expect((await client.runs.list(thread.thread_id)).map((r) => [r.run_id, r.status])).toEqual([[second.run_id, "success"], [run.run_id, "success"]]);
      expect((await client.runs.list(thread.thread_id, { limit: 1, offset: 1 })).map((r) => r.run_id)).toEqual([run.run_id]);
      expect(await client.runs.list(thread.thread_id, { status: "error" })).toEqual([]);
      // A background run and a waited one on the same thread see the same session.
      expect(promptOf(await client.runs.wait(thread.thread_id, "session", { command: { resume: { feedback: [0, 0] } } }))!.step).toBe(2);

      await expect(client.runs.get(thread.thread_id, "00000000-0000-0000-0000-000000000000")).rejects.toThrow(/404.*server\/no-run/);
      await expect(client.runs.list("no-such-thread")).rejects.toThrow(/404.*server\/no-thread/);
      // Deleting the thread deletes its runs.
      await client.threads.delete(thread.thread_id);
      await client.threads.create({ threadId: thread.thread_id });
      expect(await client.runs.list(thread.thread_id)).toEqual([]);
    } finally {
      gate.release();
      await server.close();
    }
  });

  it("a request the graph refuses is answered 422 and recorded nowhere; a run that fails is recorded as error", async () => {
    const gate = new Gate();
    const server = await serve(gate);
    try {
      const client = new Client({ apiUrl: server.url, callerOptions: { maxRetries: 0 } });
      const thread = await client.threads.create();
      await expect(client.runs.create(thread.thread_id, "session", { input: { userId: 99 } })).rejects.toThrow(/422.*userId.*\[0, 10\)/);
      await expect(client.runs.create(thread.thread_id, "session", { input: { userId: 1 }, multitaskStrategy: "enqueue" })).rejects.toThrow(/422.*multitask_strategy/);
      await expect(client.runs.create(thread.thread_id, "session", { command: { resume: { feedback: [1] } } })).rejects.toThrow(/409.*server\/no-interrupt/);
      expect(await client.runs.list(thread.thread_id)).toEqual([]);
      expect((await client.threads.get(thread.thread_id)).status).toBe("idle");

      gate.fail = true;
      const run = await client.runs.create(thread.thread_id, "session", { input: { userId: 1 } });
      const out = (await client.runs.join(thread.thread_id, run.run_id)) as Record<string, unknown>;
      expect(out["__error__"]).toEqual({ error: "server/internal", message: "the planner is down" });
      expect(await client.runs.get(thread.thread_id, run.run_id)).toMatchObject({ status: "error", error: { error: "server/internal", message: "the planner is down" } });
      expect((await client.threads.get(thread.thread_id)).status).toBe("error");
    } finally {
      await server.close();
    }
  });

  it("cancel stops the run at once; the node in progress is dropped and a run without input continues the thread", async () => {
    const gate = new Gate();
    const server = await serve(gate);
    try {
      const client = new Client({ apiUrl: server.url, callerOptions: { maxRetries: 0 } });
      const thread = await client.threads.create();
      gate.hold();
      const run = await client.runs.create(thread.thread_id, "session", { input: { userId: 4 } });
      await gate.entered;
      await expect(client.runs.cancel(thread.thread_id, run.run_id, false, "rollback")).rejects.toThrow(/422.*only interrupt/);
      // Answered (202) while the planner is still held; join answers once the run has stopped.
      await client.runs.cancel(thread.thread_id, run.run_id);
      const out = (await client.runs.join(thread.thread_id, run.run_id)) as Record<string, unknown>;
      expect(out).toMatchObject({ userId: 4 });
      expect(out["__interrupt__"]).toBeUndefined();
      expect(await client.runs.get(thread.thread_id, run.run_id)).toMatchObject({ status: "interrupted", cancel_reason: "cancelled" });
      const stopped = await client.threads.getState(thread.thread_id);
      expect(stopped.next).toEqual(["plan"]);
      expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
      await expect(client.runs.cancel(thread.thread_id, run.run_id)).rejects.toThrow(/409.*has ended.*server\/run-not-cancellable/);

      // The held plan returns after the cancel: its result is dropped, nothing is saved.
      gate.release();
      await gate.returned;
      expect((await client.threads.getState(thread.thread_id)).checkpoint.checkpoint_id).toBe(stopped.checkpoint.checkpoint_id);
      await expect(client.runs.create(thread.thread_id, "session", { command: { resume: { feedback: [1, 1] } } })).rejects.toThrow(/409.*stopped mid-way/);
      const next = await client.runs.create(thread.thread_id, "session", {});
      expect(promptOf(await client.runs.join(thread.thread_id, next.run_id))!.step).toBe(0);

      // wait=true: answered (204) once the run's status is written, the planner still held.
      gate.hold();
      const answer = await client.runs.create(thread.thread_id, "session", { command: { resume: { feedback: [0, 1] } } });
      await gate.entered;
      await client.runs.cancel(thread.thread_id, answer.run_id, true);
      expect((await client.runs.get(thread.thread_id, answer.run_id)).status).toBe("interrupted");
      expect((await client.threads.getState(thread.thread_id)).next).toEqual(["plan"]);
      expect((await client.runs.list(thread.thread_id)).map((r) => r.status)).toEqual(["interrupted", "success", "interrupted"]);
    } finally {
      gate.release();
      await server.close();
    }
  });
});
