/**
 * A LERL training run started through the server trains in a child process: the server answers while it
 * trains (a request is served while the run is still `running`), and a cancel stops the training process at
 * once (it is killed when the abort reaches the node, not when training would next look at a signal).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPreset } from "@farsight/env";
import { lerlAssistant, openStorage, startServer, type RunningServer } from "./index.js";

let server: RunningServer;
let lerl: ReturnType<typeof lerlAssistant>;
beforeAll(async () => {
  const setup = await loadPreset("synthetic");
  const storage = await openStorage("memory");
  lerl = lerlAssistant(setup, storage.checkpointer);
  server = await startServer({ graphs: [lerl], storage });
});
afterAll(async () => server?.close());

const post = async (path: string, body: unknown) => {
  const res = await fetch(server.url + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: res.status === 204 || res.status === 202 ? {} : ((await res.json()) as Record<string, unknown>) };
};
const runStatus = async (t: string, run: string) => ((await (await fetch(`${server.url}/threads/${t}/runs/${run}`)).json()) as { status: string }).status;

describe("lerl training off the event loop", () => {
  it("trains in a child process: the server answers meanwhile, and a cancel kills the training at once", async () => {
    const t = String((await post("/threads", {})).body["thread_id"]);
    const run = await post(`/threads/${t}/runs`, { assistant_id: "lerl", input: { steps: 100_000, seed: 1 } });
    expect(run.status).toBe(200);
    const runId = String(run.body["run_id"]);
    // The training process exists while the run is in progress, and it is training (it reports progress).
    const before = lerl.trainingProgress();
    while (lerl.trainingProgress() === before) await new Promise((r) => setTimeout(r, 20));
    expect(lerl.trainingProcesses()).toBe(1);
    for (let i = 0; i < 20; i++) expect((await fetch(`${server.url}/ok`)).status).toBe(200);
    expect(await runStatus(t, runId)).toBe("running");
    expect(lerl.trainingProcesses()).toBe(1);

    expect((await post(`/threads/${t}/runs/${runId}/cancel?wait=1`, {})).status).toBe(204);
    expect(await runStatus(t, runId)).toBe("interrupted");
    expect(lerl.trainingProcesses(), "the cancel reached the training process").toBe(0);
  });

  it("a short run trains to the end in its process and answers the LERL counters", async () => {
    const t = String((await post("/threads", {})).body["thread_id"]);
    const out = await post(`/threads/${t}/runs/wait`, { assistant_id: "lerl", input: { steps: 320, seed: 2 } });
    expect(out.status).toBe(200);
    expect((out.body["result"] as { envSteps: number }).envSteps).toBe(320);
    expect(lerl.trainingProcesses()).toBe(0);
  });
});
