import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Client } from "@langchain/langgraph-sdk";
import { generateSynthetic, SyntheticWorld } from "@farsight/env";
import { SaturationAwarePlanner } from "@farsight/planner";
import { TemplateReflector } from "@farsight/reflector";
import { openStorage, sessionAssistant, startServer, type RunningServer } from "./index.js";

const data = generateSynthetic({ numCategories: 5, numItems: 40, numUsers: 10, embeddingDim: 4, seed: 1 });
const world = new SyntheticWorld(data);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function serve(spec: string): Promise<RunningServer> {
  const storage = await openStorage(spec);
  const session = await sessionAssistant(
    { catalog: data.catalog, numUsers: 10, planner: new SaturationAwarePlanner(), scorer: world.scorer, reflector: new TemplateReflector(), slateSize: 2, maxSteps: 4 },
    { checkpointer: storage.checkpointer, store: storage.store, replicaId: "r1" },
  );
  return startServer({ graphs: [session], storage });
}

interface Prompt {
  step: number;
  slate: number[];
  titles: string[];
  plan: number[];
}
const promptOf = (values: Record<string, unknown>) => (values["__interrupt__"] as { value: Prompt }[] | undefined)?.[0]?.value;

describe("the thin server, driven by @langchain/langgraph-sdk's Client", () => {
  for (const kind of ["memory", "sqlite"] as const) {
    it(`plays a session over threads and runs (${kind})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "farsight-server-"));
      dirs.push(dir);
      const spec = kind === "memory" ? "memory" : `sqlite:${join(dir, "server.sqlite")}`;
      const server = await serve(spec);
      try {
        expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const client = new Client({ apiUrl: server.url });
        const [assistant, ...others] = await client.assistants.search({ graphId: "session" });
        expect(others).toHaveLength(0);
        expect(assistant!.graph_id).toBe("session");
        // The id LangGraph's own API server (langgraph dev) gives the session graph: clients can keep it.
        expect(assistant!.assistant_id).toBe("9b914f92-092e-55f1-8e3a-01306015a956");
        const thread = await client.threads.create({ metadata: { person: "ada" } });
        expect(thread.status).toBe("idle");

        let out = (await client.runs.wait(thread.thread_id, assistant!.assistant_id, { input: { userId: 3, sessionId: "ada-1" } })) as Record<string, unknown>;
        const first = promptOf(out)!;
        expect(first.step).toBe(0);
        expect(first.slate).toHaveLength(2);
        expect(first.titles).toHaveLength(2);
        const state = await client.threads.getState(thread.thread_id);
        expect(state.next).toEqual(["feedback"]);
        expect(state.tasks[0]!.interrupts[0]!.value).toEqual(first);
        expect((await client.threads.get(thread.thread_id)).status).toBe("interrupted");

        out = (await client.runs.wait(thread.thread_id, "session", { command: { resume: { feedback: [1, 0] } } })) as Record<string, unknown>;
        const second = promptOf(out)!;
        expect(second.step).toBe(1);
        expect(second.slate.some((i) => first.slate.includes(i)), `no item is shown twice`).toBe(false);

        // Streamed as LangGraph's server streams: metadata, then per step the update and the values, and the pause.
        const events: { event: string; data: unknown }[] = [];
        for await (const part of client.runs.stream(thread.thread_id, assistant!.assistant_id, { command: { resume: { feedback: [0, 1] } }, streamMode: ["updates", "values"] })) events.push(part);
        expect(events[0]!.event).toBe("metadata");
        expect(events.filter((e) => e.event === "updates").map((e) => Object.keys(e.data as object)[0])).toEqual(["feedback", "plan", "__interrupt__"]);
        const third = promptOf(events.at(-1)!.data as Record<string, unknown>)!;
        expect(events.at(-1)!.event).toBe("values");
        expect((events.filter((e) => e.event === "values").at(-2)!.data as { steps: unknown[] }).steps).toHaveLength(2);
        expect(third.step).toBe(2);

        const done = (await client.runs.wait(thread.thread_id, assistant!.assistant_id, { command: { resume: { quit: true } } })) as Record<string, unknown>;
        expect(done["__interrupt__"]).toBeUndefined();
        expect(done["done"]).toBe(true);
        expect(done["steps"]).toHaveLength(2);
        expect(done["returnSoFar"]).toBeCloseTo(1);
        expect(String(done["reflection"])).not.toBe("");
        const finished = await client.threads.get(thread.thread_id);
        expect(finished.status).toBe("idle");
        expect(finished.metadata).toMatchObject({ person: "ada", graph_id: "session" });
        expect((await client.threads.search({ metadata: { person: "ada" } })).map((t) => t.thread_id)).toEqual([thread.thread_id]);

        // History: one state per saved node, newest first, paged back from a checkpoint.
        const history = await client.threads.getHistory(thread.thread_id, { limit: 4 });
        expect(history).toHaveLength(4);
        expect(history[0]!.values).toMatchObject({ done: true });
        expect(history[0]!.checkpoint.checkpoint_id).toBe((await client.threads.getState(thread.thread_id)).checkpoint.checkpoint_id);
        for (let k = 1; k < history.length; k++) expect(history[k]!.checkpoint.checkpoint_id).toBe(history[k - 1]!.parent_checkpoint!.checkpoint_id);
        const older = await client.threads.getHistory(thread.thread_id, { limit: 2, before: { configurable: { checkpoint_id: history[3]!.checkpoint.checkpoint_id } } });
        expect(older.map((h) => h.checkpoint.checkpoint_id)).toEqual([history[3]!.parent_checkpoint!.checkpoint_id, expect.any(String)]);
        const all = await client.threads.getHistory(thread.thread_id, { limit: 1000 });
        expect(all.at(-1)!.parent_checkpoint).toBeNull();
        expect(all.filter((h) => h.tasks.some((t) => t.interrupts.length > 0)).map((h) => (h.tasks[0]!.interrupts[0]!.value as Prompt).step)).toEqual([2, 1, 0]);

        // Delete: the record and every checkpoint go; the id is free again.
        await client.threads.delete(thread.thread_id);
        await expect(client.threads.get(thread.thread_id)).rejects.toThrow(/404|no thread/);
        await expect(client.threads.getHistory(thread.thread_id)).rejects.toThrow(/404|no thread/);
        expect(await client.threads.search({ metadata: { person: "ada" } })).toEqual([]);
        const again = await client.threads.create({ threadId: thread.thread_id });
        expect((await client.threads.getState(again.thread_id)).values).toEqual({});
      } finally {
        await server.close();
      }
    });
  }

  it("continues a thread after a restart on the same SQLite file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "farsight-server-"));
    dirs.push(dir);
    const spec = `sqlite:${join(dir, "server.sqlite")}`;
    let server = await serve(spec);
    let client = new Client({ apiUrl: server.url });
    const t = await client.threads.create();
    await client.runs.wait(t.thread_id, "session", { input: { userId: 2 } });
    const shown = promptOf((await client.runs.wait(t.thread_id, "session", { command: { resume: { feedback: [1, 1] } } })) as Record<string, unknown>)!;
    await server.close();
    server = await serve(spec);
    try {
      client = new Client({ apiUrl: server.url });
      expect((await client.threads.get(t.thread_id)).status).toBe("interrupted");
      expect((await client.threads.getState(t.thread_id)).tasks[0]!.interrupts[0]!.value).toEqual(shown);
      const next = promptOf((await client.runs.wait(t.thread_id, "session", { command: { resume: { feedback: [0, 0] } } })) as Record<string, unknown>)!;
      expect(next.step).toBe(2);
    } finally {
      await server.close();
    }
  });

  it("answers a wrong request with a status and a message that says what to send", async () => {
    const server = await serve("memory");
    try {
      const client = new Client({ apiUrl: server.url, defaultHeaders: {}, callerOptions: { maxRetries: 0 } });
      const post = async (path: string, body: unknown) => {
        const res = await fetch(server.url + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
        return { status: res.status, body: (await res.json()) as { detail: string; error: string } };
      };
      const t = await client.threads.create();
      const run = (body: unknown) => post(`/threads/${t.thread_id}/runs/wait`, body);
      expect(await run({ assistant_id: "session", input: { userId: 99 } })).toMatchObject({ status: 422, body: { detail: expect.stringMatching(/userId.*\[0, 10\)/) } });
      expect(await run({ assistant_id: "nope", input: { userId: 1 } })).toMatchObject({ status: 404, body: { detail: expect.stringMatching(/serves session/) } });
      expect(await run({ assistant_id: "session", command: { resume: { feedback: [1] } } })).toMatchObject({ status: 409, body: { error: "server/no-interrupt" } });
      expect((await run({ assistant_id: "session", input: { userId: 1 } })).status).toBe(200);
      expect(await run({ assistant_id: "session", input: { userId: 1 } })).toMatchObject({ status: 409, body: { error: "server/thread-started" } });
      expect(await run({ assistant_id: "session", command: { resume: { feedback: ["yes"] } } })).toMatchObject({ status: 422, body: { detail: expect.stringMatching(/feedback: number\[\]/) } });
      expect((await post(`/threads/missing/runs/wait`, { assistant_id: "session", input: { userId: 1 } })).status).toBe(404);
      // Options this server does not implement are refused, not ignored, on wait and stream alike.
      expect(await run({ assistant_id: "session", command: { resume: { feedback: [1, 0] } }, interrupt_before: ["act"] })).toMatchObject({ status: 422, body: { detail: expect.stringMatching(/interrupt_before is not supported by this server's runs/) } });
      expect(await post(`/threads/${t.thread_id}/runs/stream`, { assistant_id: "session", command: { resume: { feedback: [1, 0] } }, multitask_strategy: "enqueue" })).toMatchObject({ status: 422, body: { detail: expect.stringMatching(/multitask_strategy "enqueue" is not supported/) } });
      expect((await fetch(server.url + "/nowhere")).status).toBe(404);
      const bad = await fetch(server.url + "/threads", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{not json" });
      expect(bad.status).toBe(400);
    } finally {
      await server.close();
    }
  });
});
