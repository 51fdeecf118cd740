/**
 * Served sessions batch their planner's calls across sessions, and `/info` says how: the counters `farsight
 * bench serve` reads. Sessions that answer at once share calls; `batch: false` turns it off.
 */
import { describe, expect, it } from "vitest";
import { generateSynthetic, SyntheticWorld } from "@farsight/env";
import { SaturationAwarePlanner } from "@farsight/planner";
import { openStorage, sessionAssistant, startServer } from "./index.js";

const data = generateSynthetic({ numCategories: 5, numItems: 40, numUsers: 10, embeddingDim: 4, seed: 1 });

async function infoAfterSessions(batch: { windowMs: number; maxBatch: number } | false) {
  const storage = await openStorage("memory");
  const session = await sessionAssistant(
    { catalog: data.catalog, numUsers: 10, planner: new SaturationAwarePlanner(), scorer: new SyntheticWorld(data).scorer, slateSize: 2, maxSteps: 30, batch },
    { checkpointer: storage.checkpointer, store: storage.store, replicaId: "r1" },
  );
  const server = await startServer({ graphs: [session], storage });
  try {
    const post = async (path: string, body: unknown) =>
      (await (await fetch(server.url + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })).json()) as Record<string, unknown>;
    // Four people start at once: with a window no start takes, each batch is sent when full (four plans).
    await Promise.all([0, 1, 2, 3].map(async (u) => {
      const t = (await post("/threads", {}))["thread_id"] as string;
      await post(`/threads/${t}/runs/wait`, { assistant_id: "session", input: { userId: u } });
    }));
    return (await (await fetch(server.url + "/info")).json()) as { batching?: { session?: Record<string, Record<string, number>> } };
  } finally {
    await server.close();
  }
}

describe("micro-batching in /info", () => {
  it("reports the planner's shared calls (a scorer recommends: no act batcher); none when turned off", async () => {
    const on = await infoAfterSessions({ windowMs: 60_000, maxBatch: 4 });
    expect(on.batching?.session).toEqual({ plan: { windowMs: 60_000, maxBatch: 4, batches: 1, requests: 4, meanBatch: 4, largestBatch: 4 } });
    const off = await infoAfterSessions(false);
    expect(off.batching).toBeUndefined();
  });
});
