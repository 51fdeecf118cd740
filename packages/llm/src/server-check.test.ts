// An OpenAI-compatible server that answers 200 with an HTML page or an empty `choices` array: the error names
// the server and what it returned (it used to be "Cannot read properties of undefined (reading 'message')").
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatModel } from "./index.js";
import { chatAnswerProblem, checkedChatFetch } from "./server-check.js";

let server: Server;
let base = "";
let answer: { type: string; body: string } = { type: "text/html", body: "" };
let hits = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": answer.type });
      res.end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

async function ask(): Promise<unknown> {
  const model = await createChatModel(`openai-compatible:${base}#m`, { retries: 0, cache: false });
  return model!.invoke("hi");
}

describe("bad answers from an OpenAI-compatible server", () => {
  it("an HTML page names the server, says HTML and points at the base URL", async () => {
    answer = { type: "text/html; charset=utf-8", body: "<!doctype html><html><title>Sign in</title></html>" };
    await expect(ask()).rejects.toThrow(new RegExp(`the OpenAI-compatible server ${base.replace(/\./g, "\\.")} answered HTTP 200 with an HTML page instead of a chat completion: "<!doctype html><html><title>Sign in.*Check the base URL`));
  });

  it("an empty choices array says so, with the body", async () => {
    answer = { type: "application/json", body: JSON.stringify({ id: "x", object: "chat.completion", choices: [] }) };
    const before = hits;
    await expect(ask()).rejects.toThrow(/answered HTTP 200 with an empty "choices" array \(no answer\): \{"id":"x"/);
    expect(hits - before).toBe(1);
  });

  it("a good answer passes through unchanged", async () => {
    answer = { type: "application/json", body: JSON.stringify({ id: "x", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "hello" }, finish_reason: "stop" }] }) };
    const r = (await ask()) as { content: string };
    expect(r.content).toBe("hello");
  });

  it("classifies bodies and redacts credentials in the server it names", async () => {
    expect(chatAnswerProblem("not json", "text/plain")).toMatch(/^a body that is not JSON \(text\/plain\)/);
    expect(chatAnswerProblem('{"error":"x"}', "application/json")).toMatch(/^JSON without a "choices" array/);
    expect(chatAnswerProblem('{"choices":[{}]}', "application/json")).toMatch(/^a first choice without a message/);
    const fake = (async () => new Response("<html></html>", { status: 200, headers: { "content-type": "text/html" } })) as unknown as typeof fetch;
    const res = await checkedChatFetch("http://user:pw@h/v1?api_key=k", fake)("http://h/v1/chat/completions");
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(text).toContain("server http://***@h/v1?api_key=*** answered");
    expect(text).not.toContain("pw");
  });
});
