// Native structured output against fake servers that return JSON only when the request carries a
// constraint they honour (as vLLM, llama.cpp's server, OpenAI and Ollama do), prose otherwise.
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  constrainedReply,
  startFakeOllamaServer,
  startFakeOpenAiServer,
  type ConstrainedServerOptions,
  type FakeLlmServer,
} from "../../testing/src/fake-llm-server.js";
import { createChatModel, LlmStats, parseModelSpec, structured, type ManagedChatModel } from "./index.js";

const pick = z.object({ category: z.string(), score: z.number().min(0).max(1) });
const answer = { category: "jazz", score: 0.8 };

let servers: FakeLlmServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function openAi(options: ConstrainedServerOptions, spec = (s: FakeLlmServer) => `openai-compatible:${s.url}#m`) {
  const server = await startFakeOpenAiServer((req) => constrainedReply(req, answer, options));
  servers.push(server);
  const stats = new LlmStats();
  const model = (await createChatModel(spec(server), { stats, cache: false })) as ManagedChatModel;
  return { server, stats, model };
}

const kinds = (server: FakeLlmServer) =>
  server.requests.map((r) => (r.body.tools ? "tools" : ((r.body.response_format as { type?: string } | undefined)?.type ?? (r.body.format ? "format" : "none"))));

describe("native structured output, OpenAI-compatible", () => {
  it("a json_schema server answers every request through response_format (strict where the schema allows)", async () => {
    const { server, stats, model } = await openAi({ supports: ["json_schema"] });
    for (let i = 0; i < 2; i++) {
      const r = await structured(model, pick, `Pick one (${i}).`, { stats, name: "pick" });
      expect(r).toMatchObject({ ok: true, value: answer, repairs: 0, method: "json-schema" });
    }
    expect(kinds(server)).toEqual(["json_schema", "json_schema"]);
    const rf = server.requests[0]!.body.response_format as { json_schema: { name: string; strict: boolean; schema: { properties: object } } };
    expect(rf.json_schema).toMatchObject({ name: "pick", strict: true });
    expect(Object.keys(rf.json_schema.schema.properties)).toEqual(["category", "score"]);
    expect(stats.snapshot()).toMatchObject({ requests: 2, calls: 2, methods: { "json-schema": 2 }, downgrades: 0, repairs: 0 });
  });

  it("a tools-only server that rejects response_format: one 400, then tools for every later request", async () => {
    const { server, stats, model } = await openAi({ supports: ["tools"], unsupported: "reject" });
    const first = await structured(model, pick, "Pick one.", { stats });
    const second = await structured(model, pick, "Pick another.", { stats });
    expect(first).toMatchObject({ ok: true, value: answer, method: "tools", repairs: 0 });
    expect(second).toMatchObject({ ok: true, value: answer, method: "tools" });
    expect(kinds(server)).toEqual(["json_schema", "tools", "tools"]);
    expect(server.requests[1]!.body.tool_choice).toEqual({ type: "function", function: { name: "answer" } });
    expect(stats.snapshot()).toMatchObject({ requests: 2, downgrades: 1, methods: { "json-schema": 1, tools: 2 }, retries: 0 });
  });

  it("a tools-only server that ignores response_format (prose back): downgrades to tools and stays there", async () => {
    const { server, stats, model } = await openAi({ supports: ["tools"], unsupported: "ignore" });
    expect(await structured(model, pick, "Pick one.", { stats })).toMatchObject({ ok: true, value: answer, method: "tools" });
    expect(await structured(model, pick, "Pick again.", { stats })).toMatchObject({ ok: true, method: "tools" });
    expect(kinds(server)).toEqual(["json_schema", "tools", "tools"]);
  });

  it("a server without any constraint ends at the prompt method, and its prose is an invalid answer, not a crash", async () => {
    const { server, stats, model } = await openAi({ supports: [], unsupported: "reject" });
    const r = await structured(model, pick, "Pick one.", { stats, maxRepairs: 1 });
    expect(r).toMatchObject({ ok: false, reason: "invalid-json", method: "prompt" });
    expect(kinds(server)).toEqual(["json_schema", "tools", "json_object", "none", "none"]);
    expect(stats.downgrades).toBe(3);
  });

  it("the spec override starts the chain where it says", async () => {
    expect(parseModelSpec("openai-compatible:http://h/v1#m?structured=tools")).toMatchObject({ model: "m", structured: "tools" });
    expect(() => parseModelSpec("ollama:m?structured=tools")).toThrow(/structured=tools is not available for ollama; use one of format, prompt/);
    expect(() => parseModelSpec("openai:m?structured=magic")).toThrow(/unknown structured output method "magic"/);
    const { server, model } = await openAi({ supports: ["json_schema", "tools"] }, (s) => `openai-compatible:${s.url}#m?structured=tools`);
    expect(await structured(model, pick, "Pick.")).toMatchObject({ ok: true, method: "tools" });
    expect(kinds(server)).toEqual(["tools"]);
    expect(server.requests[0]!.model).toBe("m");
  });

  it("withStructuredOutput (LangChain's API) and bindTools go through the managed model's layers", async () => {
    const { server, stats, model } = await openAi({ supports: ["json_schema", "tools"] });
    expect(await model.withStructuredOutput(pick).invoke("Pick.")).toEqual(answer);
    expect(await model.withStructuredOutput(pick, { method: "functionCalling", includeRaw: true }).invoke("Pick.")).toMatchObject({ parsed: answer });
    const tool = { type: "function" as const, function: { name: "pick", description: "pick one", parameters: z.toJSONSchema(pick) } };
    const message = await model.bindTools([tool], { tool_choice: "required" }).invoke("Pick.");
    expect(message.tool_calls?.[0]).toMatchObject({ name: "pick", args: answer });
    expect(kinds(server)).toEqual(["json_schema", "tools", "tools"]);
    expect(stats.calls).toBe(3);
  });

  it("stream() passes the provider's chunks through, accounted once", async () => {
    const server = await startFakeOpenAiServer(["one two three four"]);
    servers.push(server);
    const stats = new LlmStats();
    const model = (await createChatModel(`openai-compatible:${server.url}#m`, { stats }))!;
    const chunks: string[] = [];
    for await (const c of await model.stream("Say four words.")) chunks.push(String(c.content));
    expect(chunks.filter((c) => c.length > 0).length).toBeGreaterThanOrEqual(4);
    expect(chunks.join("")).toBe("one two three four");
    expect(stats.calls).toBe(1);
    // The cache holds the whole answer: a repeat is one chunk and no request.
    const again: string[] = [];
    for await (const c of await model.stream("Say four words.")) again.push(String(c.content));
    expect(again).toEqual(["one two three four"]);
    expect(server.requests).toHaveLength(1);
  });
});

describe("native structured output, Ollama", () => {
  it("sends the JSON schema as format and gets every answer", async () => {
    const server = await startFakeOllamaServer((req) => constrainedReply(req, answer, { supports: ["format"] }));
    servers.push(server);
    const stats = new LlmStats();
    const model = (await createChatModel(`ollama:m@${server.url}`, { stats }))!;
    expect(await structured(model, pick, "Pick one.", { stats })).toMatchObject({ ok: true, value: answer, method: "format", repairs: 0 });
    expect((server.requests[0]!.body.format as { properties: object }).properties).toHaveProperty("score");
    expect(stats.snapshot().methods).toEqual({ format: 1 });
  });
});
