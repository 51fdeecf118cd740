// The BiLLP and LERL graphs served by the thin server, driven by the SDK Client as LangGraph's server would be.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@langchain/langgraph-sdk";
import { loadPreset, type EnvSetup } from "@farsight/env";
import { billpAssistant, lerlAssistant, openStorage, startServer, type RunningServer } from "./index.js";

let setup: EnvSetup;
let server: RunningServer;
beforeAll(async () => {
  setup = await loadPreset("synthetic");
  const storage = await openStorage("memory");
  const s = { checkpointer: storage.checkpointer, store: storage.store, replicaId: "r" };
  const billp = await billpAssistant(setup, (await setup.predicted()).world.scorer, s);
  server = await startServer({ graphs: [billp, lerlAssistant(setup, storage.checkpointer)], storage });
});
afterAll(async () => server?.close());

describe("billp and lerl on the thin server", () => {
  it("billp plays one simulated session per thread, and two threads at once queue on the one simulator", async () => {
    const client = new Client({ apiUrl: server.url });
    const [a, b] = [await client.threads.create(), await client.threads.create()];
    const [ra, rb] = (await Promise.all([
      client.runs.wait(a.thread_id, "billp", { input: { user: 3 } }),
      client.runs.wait(b.thread_id, "billp", { input: { user: 4 } }),
    ])) as { trajectory: { episode: { userId: number; length: number; steps: { slate: number[] }[] } } }[];
    expect(ra!.trajectory.episode.userId).toBe(3);
    expect(rb!.trajectory.episode.userId).toBe(4);
    for (const r of [ra!, rb!]) expect(r.trajectory.episode.steps).toHaveLength(r.trajectory.episode.length);
    await expect(client.runs.wait(a.thread_id, "billp", { input: { user: 1 } })).rejects.toThrow(/already holds a session/);
    await expect(client.runs.wait(a.thread_id, "billp", { command: { resume: 1 } })).rejects.toThrow(/not waiting for an answer/);
    const c = await client.threads.create();
    await expect(client.runs.wait(c.thread_id, "billp", { input: { user: setup.numUsers } })).rejects.toThrow(/integer in \[0, 300\)/);
  });

  it("lerl trains for the steps asked and streams its progress", async () => {
    const client = new Client({ apiUrl: server.url });
    const t = await client.threads.create();
    const events: { event: string; data: unknown }[] = [];
    for await (const e of client.runs.stream(t.thread_id, "lerl", { input: { steps: 320, seed: 2 }, streamMode: ["custom", "values"] })) events.push(e);
    expect(events.filter((e) => e.event === "custom").length).toBeGreaterThan(1);
    const end = events.filter((e) => e.event === "values").at(-1)!.data as { result: { envSteps: number } };
    expect(end.result.envSteps).toBe(320);
    const bad = await fetch(`${server.url}/threads/${(await client.threads.create()).thread_id}/runs/wait`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ assistant_id: "lerl", input: { steps: 10_000_000 } }),
    });
    expect(bad.status).toBe(422);
  });
});
