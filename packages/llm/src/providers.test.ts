// The real @langchain/openai and @langchain/ollama clients, built by createChatModel, against fake servers
// this test starts on 127.0.0.1. (Imported by path: @farsight/testing depends on @farsight/llm, not back.)
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { startFakeOllamaServer, startFakeOpenAiServer, type FakeLlmServer } from "../../testing/src/fake-llm-server.js";
import { createChatModel, LlmStats, structured, type ChatModelOptions } from "./index.js";

const pick = z.object({ category: z.string(), score: z.number().min(0).max(1) });
const good = (category: string, score = 0.5) => JSON.stringify({ category, score });

let servers: FakeLlmServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const flavours = [
  {
    name: "openai-compatible (ChatOpenAI)",
    start: startFakeOpenAiServer,
    spec: (s: FakeLlmServer) => `openai-compatible:${s.url}#fake-model?structured=prompt`,
  },
  { name: "ollama (ChatOllama)", start: startFakeOllamaServer, spec: (s: FakeLlmServer) => `ollama:fake-model@${s.url}?structured=prompt` },
] as const;

// These servers answer whatever they were scripted to, constraint or not: the tests pin the prompt method
// (repairs, retries, timeouts, accounting); native.test.ts covers the native methods and their downgrades.
describe.each(flavours)("$name against a fake server", ({ start, spec }) => {
  async function setup(script: Parameters<typeof start>[0], options: ChatModelOptions = {}) {
    const server = await start(script);
    servers.push(server);
    const stats = new LlmStats();
    const model = await createChatModel(spec(server), { stats, retryBaseDelayMs: 5, ...options });
    if (!model) throw new Error("expected a model");
    return { server, stats, model };
  }

  it("happy path: parses the answer, sends the schema, counts tokens from the usage field", async () => {
    const { server, stats, model } = await setup(["Here you go:\n```json\n" + good("jazz", 0.9) + "\n```"]);
    const r = await structured(model, pick, [["system", "You recommend."], ["human", "Pick one."]], { stats, name: "pick" });
    expect(r).toMatchObject({ ok: true, value: { category: "jazz", score: 0.9 }, repairs: 0 });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.model).toBe("fake-model");
    expect(server.requests[0]!.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(server.requests[0]!.messages[1]!.content).toContain('"score"');
    expect(stats.snapshot()).toMatchObject({
      calls: 1,
      failures: 0,
      promptTokens: server.promptTokensSent,
      completionTokens: server.completionTokensSent,
    });
    expect(server.promptTokensSent).toBeGreaterThan(10);
  });

  it("malformed JSON: one repair request quoting the parse error, then success", async () => {
    const { server, stats, model } = await setup(['{"category": "jazz", "score": ', good("rock")]);
    const r = await structured(model, pick, "Pick one.", { stats });
    expect(r).toMatchObject({ ok: true, value: { category: "rock" }, repairs: 1 });
    expect(server.requests).toHaveLength(2);
    const repair = server.requests[1]!.messages;
    expect(repair.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(repair[2]!.content).toMatch(/not valid JSON/);
    expect(stats.snapshot()).toMatchObject({ calls: 2, repairs: 1, invalidAnswers: 1 });
  });

  it("schema-invalid JSON: bounded repairs, then ok:false with the zod error", async () => {
    const { server, stats, model } = await setup(() => JSON.stringify({ category: "jazz", score: 7 }));
    const r = await structured(model, pick, "Pick one.", { stats, maxRepairs: 2 });
    expect(r).toMatchObject({ ok: false, reason: "schema", repairs: 2, error: expect.stringMatching(/score: /) });
    expect(server.requests).toHaveLength(3);
    expect(server.requests[2]!.messages.at(-1)!.content).toMatch(/score/);
    expect(stats.snapshot()).toMatchObject({ calls: 3, repairs: 2, invalidAnswers: 3, failures: 0 });
  });

  it("500 then success: our retry layer retries once, the client does not retry on its own", async () => {
    const { server, stats, model } = await setup([{ status: 500 }, good("pop")]);
    const r = await structured(model, pick, "Pick one.", { stats });
    expect(r).toMatchObject({ ok: true, value: { category: "pop" } });
    expect(server.requests).toHaveLength(2);
    expect(stats.snapshot()).toMatchObject({ calls: 2, failures: 1, retries: 1, completionTokens: server.completionTokensSent });
  });

  it("a dropped connection and a 429 with Retry-After are retried", async () => {
    const { server, stats, model } = await setup([{ drop: true }, { status: 429, headers: { "retry-after": "0" } }, good("pop")]);
    const r = await structured(model, pick, "Pick one.", { stats });
    expect(r).toMatchObject({ ok: true, value: { category: "pop" } });
    expect(server.requests).toHaveLength(3);
    expect(stats.snapshot()).toMatchObject({ calls: 3, failures: 2, retries: 2 });
  });

  it("a 400 is not retried and becomes ok:false reason error", async () => {
    const { server, stats, model } = await setup([{ status: 400 }, good("pop")]);
    const r = await structured(model, pick, "Pick one.", { stats });
    expect(r).toMatchObject({ ok: false, reason: "error" });
    expect(server.requests).toHaveLength(1);
    expect(stats.failures).toBe(1);
  });

  it("a timeout: the hanging request is abandoned and reported as reason timeout", async () => {
    const { server, stats, model } = await setup([{ hang: true }], { timeoutMs: 1_000 }); // generous: a cold client needs time to send at all
    const r = await structured(model, pick, "Pick one.", { stats });
    expect(r).toMatchObject({ ok: false, reason: "timeout" });
    expect(server.requests).toHaveLength(1);
    expect(stats.snapshot()).toMatchObject({ calls: 1, failures: 1, timeouts: 1, inFlight: 0 });
    // The client really closed the request (the server is not left working for nobody).
    for (let i = 0; i < 100 && server.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.inFlight).toBe(0);
  });

  it("slow answers under a concurrency limit of 2: the server never sees more than 2 in flight", async () => {
    const { server, stats, model } = await setup((req) => ({ content: good(req.promptText.match(/user (\d+)/)![1]!), delayMs: 100 }), {
      maxConcurrency: 2,
    });
    const results = await Promise.all(Array.from({ length: 7 }, (_, i) => structured(model, pick, `For user ${i}.`, { stats })));
    expect(results.map((r) => r.ok && r.value.category)).toEqual(["0", "1", "2", "3", "4", "5", "6"]);
    expect(server.requests).toHaveLength(7);
    expect(server.maxInFlight).toBe(2);
    expect(stats.maxInFlight).toBe(2);
  });

  it("cache hits send no request and spend no tokens; accounting matches the server", async () => {
    const { server, stats, model } = await setup((req) => good(req.promptText.includes("alpha") ? "a" : "b"));
    const first = await structured(model, pick, "Prompt alpha", { stats });
    const again = await structured(model, pick, "Prompt alpha", { stats });
    const other = await structured(model, pick, "Prompt beta", { stats });
    expect([first, again, other].map((r) => r.ok && r.value.category)).toEqual(["a", "a", "b"]);
    expect(server.requests).toHaveLength(2);
    expect(stats.snapshot()).toMatchObject({
      calls: server.requests.length,
      cacheHits: 1,
      promptTokens: server.promptTokensSent,
      completionTokens: server.completionTokensSent,
    });
  });
});

describe("createChatModel with ChatOpenAI details", () => {
  it("a cold temperature change is a different cache key", async () => {
    const server = await startFakeOpenAiServer(() => good("x"));
    servers.push(server);
    const stats = new LlmStats();
    const cold = await createChatModel(`openai-compatible:${server.url}#m`, { stats, temperature: 0 });
    const warm = await createChatModel(`openai-compatible:${server.url}#m`, { stats, temperature: 0.7 });
    await structured(cold!, pick, "same", { stats });
    await structured(warm!, pick, "same", { stats });
    expect(server.requests.map((r) => r.body.temperature)).toEqual([0, 0.7]);
    expect(stats.cacheHits).toBe(0);
  });
});
