/**
 * Retries apply once. A client that sends an answer again (its first attempt timed out, the network dropped
 * the response) must not consume a second slate: an `Idempotency-Key` returns the first attempt's result, and
 * an answer that names the interrupt (or checkpoint) it answers is refused once the thread has moved on.
 */
import { describe, expect, it } from "vitest";
import { generateSynthetic, SyntheticWorld } from "@farsight/env";
import { SaturationAwarePlanner } from "@farsight/planner";
import { TemplateReflector } from "@farsight/reflector";
import { openStorage, sessionAssistant, startServer } from "./index.js";

const data = generateSynthetic({ numCategories: 5, numItems: 40, numUsers: 10, embeddingDim: 4, seed: 1 });

async function serve() {
  const storage = await openStorage("memory");
  const session = await sessionAssistant(
    { catalog: data.catalog, numUsers: 10, planner: new SaturationAwarePlanner(), scorer: new SyntheticWorld(data).scorer, reflector: new TemplateReflector(), slateSize: 2, maxSteps: 30 },
    { checkpointer: storage.checkpointer, store: storage.store, replicaId: "r1" },
  );
  const server = await startServer({ graphs: [session], storage });
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(server.url + path, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const get = async (path: string) => (await fetch(server.url + path)).json() as Promise<Record<string, unknown>>;
  return { server, post, get };
}

const stepsOf = (state: Record<string, unknown>) => (state["values"] as { steps: unknown[] }).steps.length;

describe("idempotent answers", () => {
  it("an Idempotency-Key makes a retried answer apply once and return the same result; concurrent duplicates get 409 or that result", async () => {
    const { server, post, get } = await serve();
    try {
      const t = (await post("/threads", {})).body["thread_id"] as string;
      await post(`/threads/${t}/runs/wait`, { assistant_id: "session", input: { userId: 1 } });
      const answer = { assistant_id: "session", command: { resume: { feedback: [1, 0] } } };
      const first = await post(`/threads/${t}/runs/wait`, answer, { "Idempotency-Key": "answer-1" });
      expect(first.status).toBe(200);
      const again = await post(`/threads/${t}/runs/wait`, answer, { "Idempotency-Key": "answer-1" });
      expect(again).toEqual(first);
      expect(stepsOf(await get(`/threads/${t}/state`))).toBe(1);
      // The same key on another request is a client bug: refused, nothing applied.
      const other = await post(`/threads/${t}/runs/wait`, { ...answer, command: { resume: { feedback: [0, 0] } } }, { "Idempotency-Key": "answer-1" });
      expect(other.status).toBe(409);
      expect(other.body["error"]).toBe("server/idempotency-conflict");
      expect(stepsOf(await get(`/threads/${t}/state`))).toBe(1);

      const ten = await Promise.all(Array.from({ length: 10 }, () => post(`/threads/${t}/runs/wait`, answer, { "Idempotency-Key": "answer-2" })));
      const ok = ten.filter((r) => r.status === 200);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      expect(ten.every((r) => r.status === 200 || r.status === 409)).toBe(true);
      for (const r of ok) expect(r.body).toEqual(ok[0]!.body);
      expect(stepsOf(await get(`/threads/${t}/state`))).toBe(2);

      // A background run's retry answers the same run.
      const created = await post(`/threads/${t}/runs`, answer, { "Idempotency-Key": "answer-3" });
      expect(created.status).toBe(200);
      await fetch(`${server.url}/threads/${t}/runs/${String(created.body["run_id"])}/join`);
      const retried = await post(`/threads/${t}/runs`, answer, { "Idempotency-Key": "answer-3" });
      expect(retried.body["run_id"]).toBe(created.body["run_id"]);
      expect(stepsOf(await get(`/threads/${t}/state`))).toBe(3);
    } finally {
      await server.close();
    }
  });

  it("an answer that names the interrupt or the checkpoint it answers is refused once the thread has moved on (409)", async () => {
    const { server, post, get } = await serve();
    try {
      const t = (await post("/threads", {})).body["thread_id"] as string;
      const start = await post(`/threads/${t}/runs/wait`, { assistant_id: "session", input: { userId: 1 } });
      const interruptId = (start.body["__interrupt__"] as { id: string }[])[0]!.id;
      const checkpointId = ((await get(`/threads/${t}/state`))["checkpoint"] as { checkpoint_id: string }).checkpoint_id;
      const byInterrupt = { assistant_id: "session", command: { resume: { [interruptId]: { feedback: [1, 0] } } } };
      expect((await post(`/threads/${t}/runs/wait`, byInterrupt)).status).toBe(200);
      const late = await post(`/threads/${t}/runs/wait`, byInterrupt);
      expect(late.status).toBe(409);
      expect(late.body["error"]).toBe("server/stale-answer");
      expect(stepsOf(await get(`/threads/${t}/state`))).toBe(1);

      const byCheckpoint = { assistant_id: "session", command: { resume: { feedback: [0, 1] } }, checkpoint_id: checkpointId };
      const stale = await post(`/threads/${t}/runs/wait`, byCheckpoint);
      expect(stale.status).toBe(409);
      expect(stale.body["error"]).toBe("server/stale-answer");
      const now = ((await get(`/threads/${t}/state`))["checkpoint"] as { checkpoint_id: string }).checkpoint_id;
      expect((await post(`/threads/${t}/runs/wait`, { ...byCheckpoint, checkpoint_id: now })).status).toBe(200);
      expect(stepsOf(await get(`/threads/${t}/state`))).toBe(2);
    } finally {
      await server.close();
    }
  });
});
