/**
 * Answers are bounded: feedback is finite, inside the served preset's value range and one number per slate
 * item. `[1e300]` would write a return-1e300 reflection into the shared pool that steers every later session;
 * `[1e308]` twice overflows the return to Infinity and wedged the thread. Refused with 422 and a message, the
 * thread still waits for an answer.
 */
import { describe, expect, it } from "vitest";
import { generateSynthetic, SyntheticWorld } from "@farsight/env";
import { SaturationAwarePlanner } from "@farsight/planner";
import { TemplateReflector } from "@farsight/reflector";
import { openStorage, sessionAssistant, startServer } from "./index.js";

const data = generateSynthetic({ numCategories: 5, numItems: 40, numUsers: 10, embeddingDim: 4, seed: 1 });

async function serve(feedbackRange?: readonly [number, number]) {
  const storage = await openStorage("memory");
  const session = await sessionAssistant(
    { catalog: data.catalog, numUsers: 10, planner: new SaturationAwarePlanner(), scorer: new SyntheticWorld(data).scorer, reflector: new TemplateReflector(), slateSize: 2, maxSteps: 4, ...(feedbackRange ? { feedbackRange } : {}) },
    { checkpointer: storage.checkpointer, store: storage.store, replicaId: "r1" },
  );
  return { server: await startServer({ graphs: [session], storage }), pool: session.pool };
}

describe("bounded answers", () => {
  it("refuses feedback that is out of range, of the wrong length or not a number (422), and the thread still takes a good answer", async () => {
    const { server, pool } = await serve();
    try {
      const post = async (path: string, body: unknown) => {
        const res = await fetch(server.url + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const t = (await post("/threads", {})).body["thread_id"] as string;
      expect((await post(`/threads/${t}/runs/wait`, { assistant_id: "session", input: { userId: 1 } })).status).toBe(200);
      const answer = (feedback: unknown) => post(`/threads/${t}/runs/wait`, { assistant_id: "session", command: { resume: { feedback } } });
      for (const [feedback, says] of [
        [[1e300, 0], /in \[0, 1\]/],
        [[1e308, 1e308], /in \[0, 1\]/],
        [[-1, 0], /in \[0, 1\]/],
        [[1], /one number per slate item: 2/],
        [[1, 0, 1], /one number per slate item: 2/],
        [["1", 0], /finite number/],
      ] as const) {
        const out = await answer(feedback);
        expect(out.status).toBe(422);
        expect(out.body["error"]).toBe("server/bad-request");
        expect(String(out.body["detail"])).toMatch(says);
      }
      const state = await fetch(`${server.url}/threads/${t}`).then((r) => r.json() as Promise<{ status: string }>);
      expect(state.status).toBe("interrupted");
      expect((await answer([1, 0])).status).toBe(200);
      const done = await post(`/threads/${t}/runs/wait`, { assistant_id: "session", command: { resume: { quit: true } } });
      expect(done.status).toBe(200);
      expect(pool.all().map((r) => r.return)).toEqual([0.5]);
    } finally {
      await server.close();
    }
  });

  it("takes ratings up to the preset's scale when the range says so", async () => {
    const { server } = await serve([0, 5]);
    try {
      const post = (path: string, body: unknown) => fetch(server.url + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      const t = ((await (await post("/threads", {})).json()) as { thread_id: string }).thread_id;
      await post(`/threads/${t}/runs/wait`, { assistant_id: "session", input: { userId: 1 } });
      expect((await post(`/threads/${t}/runs/wait`, { assistant_id: "session", command: { resume: { feedback: [6, 0] } } })).status).toBe(422);
      expect((await post(`/threads/${t}/runs/wait`, { assistant_id: "session", command: { resume: { feedback: [5, 3] } } })).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
