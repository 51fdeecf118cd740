// `--llm pool:...` through the CLI, against fake model servers this test starts on 127.0.0.1.
import { afterEach, describe, expect, it } from "vitest";
import { constrainedReply, startFakeOpenAiServer, type FakeLlmRequest, type FakeLlmServer } from "@farsight/testing";
import { captureIO } from "../capture-io.js";
import { main } from "../main.js";
import { llmCommand } from "./llm.js";
import { planCommand } from "./plan.js";

let servers: FakeLlmServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

function goodValue(req: FakeLlmRequest): unknown {
  return req.promptText.includes("Which one content category") ? { category: "jazz", confidence: 0.9 } : { categories: [0, 1] };
}

async function endpoint(): Promise<string> {
  const server = await startFakeOpenAiServer((req) => constrainedReply(req, goodValue(req), { supports: ["json_schema"] }));
  servers.push(server);
  return `openai-compatible:${server.url}#fake-model`;
}

describe("farsight with --llm pool:...", () => {
  it("llm --llm pool:... (a check) probes every endpoint, answers through a live one and prints a line per endpoint", async () => {
    const live = await endpoint();
    const dead = await endpoint();
    await servers[1]!.close();
    const io = captureIO();
    expect(await main(["llm", "--llm", `pool:${dead},${live}`], io, [llmCommand])).toBe(0);
    expect(io.out).toContain('answer:   {"category":"jazz","confidence":0.9}');
    expect(io.out).toContain("method:   json-schema");
    expect(io.out).toMatch(new RegExp(`endpoint ${escape(live)}: up, 1 request, 1 ok, 0 failed`));
    // The probe found the dead endpoint down before the request, so the request never went there.
    expect(io.out).toMatch(new RegExp(`endpoint ${escape(dead)}: down \\(health probe GET http://127\\.0\\.0\\.1:\\d+/v1/models: .*\\), 0 requests`));
  });

  it("llm check of a pool whose endpoints are all down fails with each endpoint's last error", async () => {
    const a = await endpoint();
    const b = await endpoint();
    await Promise.all(servers.map((s) => s.close()));
    const io = captureIO();
    expect(await main(["llm", "check", `pool:${a},${b}`, "--timeout", "2000"], io, [llmCommand])).toBe(1);
    expect(io.out).toContain("failed:   error: no endpoint of pool:");
    for (const e of [a, b]) expect(io.out).toMatch(new RegExp(`${escape(e)}: down \\(last error: health probe GET`));
  });

  it("plan --planner llm-category spreads its requests over the pool and prints the endpoints after the answer shares", async () => {
    const a = await endpoint();
    const b = await endpoint();
    const io = captureIO();
    expect(await main(["plan", "--planner", "llm-category", "--llm", `pool:${a},${b}`, "--sessions", "4"], io, [planCommand])).toBe(0);
    expect(io.out).toMatch(/planner\/llm-category: 4 answers, 100% model/);
    const lines = io.out.split("\n").filter((l) => l.trim().startsWith("endpoint "));
    expect(lines).toHaveLength(2);
    // Five requests (the preflight and four plans), one at a time: they alternate between the two endpoints.
    const counts = lines.map((l) => Number(/: up, (\d+) requests, (\d+) ok/.exec(l)?.[1]));
    expect(counts.sort()).toEqual([2, 3]);
    expect(servers[0]!.requests.length + servers[1]!.requests.length).toBe(5);
  });
});

function escape(s: string): string {
  return s.replace(/[.?*+^$()[\]{}|\\]/g, "\\$&");
}
