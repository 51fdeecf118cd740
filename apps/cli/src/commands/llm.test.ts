import { startFakeOpenAiServer, type FakeLlmServer } from "@farsight/testing";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../main.js";
import { llmCommand } from "./llm.js";
import { captureIO } from "../capture-io.js";


let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("farsight llm check", () => {
  it("sends one structured request to an openai-compatible server and prints answer, latency, tokens", async () => {
    server = await startFakeOpenAiServer(['Sure: {"category": "jazz", "confidence": 0.8}']);
    const io = captureIO();
    // The prompt method: JSON found in prose (a server that honours no constraint; see llm-native.test.ts).
    const code = await main(["llm", "check", `openai-compatible:${server.url}#m?structured=prompt`], io, [llmCommand]);
    expect(io.err).toBe("");
    expect(code).toBe(0);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.model).toBe("m");
    expect(io.out).toContain('answer:   {"category":"jazz","confidence":0.8}');
    expect(io.out).toMatch(/latency:  \d+ ms \(1 call, 0 repairs, 0 retries\)/);
    expect(io.out).toContain("method:   prompt\n");
    expect(io.out).toContain(`tokens:   ${server.promptTokensSent} prompt + ${server.completionTokensSent} completion`);
  });

  it("--json reports a schema failure with exit code 1", async () => {
    server = await startFakeOpenAiServer(() => '{"category": "jazz", "confidence": 3}');
    const io = captureIO();
    const code = await main(["llm", "check", `openai-compatible:${server.url}#m`, "--json"], io, [llmCommand]);
    expect(code).toBe(1);
    const out = JSON.parse(io.out) as { ok: boolean; result: { reason: string }; stats: { calls: number; repairs: number } };
    expect(out).toMatchObject({ ok: false, result: { reason: "schema" }, stats: { calls: 2, repairs: 1 } });
    expect(server.requests).toHaveLength(2);
  });

  it("a bad spec lists the accepted forms (exit 1), a missing spec is a usage error (exit 2)", async () => {
    const io = captureIO();
    expect(await main(["llm", "check", "gpt4"], io, [llmCommand])).toBe(1);
    expect(io.err).toMatch(/Accepted forms:[\s\S]*openai-compatible:<baseURL>#<model>/);
    const io2 = captureIO();
    expect(await main(["llm", "check"], io2, [llmCommand])).toBe(2);
    expect(io2.err).toMatch(/farsight llm check <spec>/);
  });
});

describe("farsight llm grade", () => {
  it("grades the four roles through a server and exits 1 when the planner gives every session one plan", async () => {
    server = await startFakeOpenAiServer((req) => {
      const text = req.promptText;
      // Actor and critic answer JSON (the grade's default form) when the instructions ask for it.
      if (text.includes('"critic_value"')) return JSON.stringify({ value: text.length % 5 });
      if (text.includes('"recommendations"')) return JSON.stringify({ recommendations: [/Candidates:\n1\. (.*) \(/.exec(text)?.[1] ?? ""] });
      if (text.includes("You are the critic of a recommender agent")) return `Value: ${text.length % 5}`;
      if (text.includes("You are the actor of a recommender agent")) return `recommend[${/Candidates:\n1\. (.*) \(/.exec(text)?.[1] ?? ""}]`;
      if (text.includes('"category_plan"')) return JSON.stringify({ categories: [0, 1], rationale: "always" });
      return JSON.stringify({ reflection: `Session of ${text.length % 89} steps: vary ${text.length % 7} categories.` });
    });
    const io = captureIO();
    expect(await main(["llm", "grade", `openai-compatible:${server.url}#m`, "--calls", "3"], io, [llmCommand])).toBe(1);
    expect(io.out).toMatch(/^llm grade openai-compatible:.* on synthetic .*: \d+ model calls, [\d.]+ s \(CPU [\d.]+ s\)\n/);
    expect(io.out).toMatch(/planner\s+3 answers, valid 100%, distinct 33%, plan entropy 1\.00 bits, plan quality \d\.\d{3} .*= q \d\.\d\d.*FLAGGED: collapsed/);
    expect(io.out).toMatch(/actor\s+3 answers, valid 100%/);
    const json = captureIO();
    expect(await main(["llm", "grade", `openai-compatible:${server.url}#m`, "--calls", "3", "--json"], json, [llmCommand])).toBe(1);
    const g = JSON.parse(json.out) as { roles: { role: string; flag?: string }[] };
    expect(g.roles.filter((r) => r.flag).map((r) => r.role)).toEqual(["planner"]);
  }, 60_000);
});
