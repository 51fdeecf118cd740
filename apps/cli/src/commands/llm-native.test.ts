// The must-shows of issue 14 (native structured output, no silent degradation), against fake model servers
// this test starts on 127.0.0.1: servers that return JSON only when a request carries a constraint they honour.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  constrainedReply,
  startFakeOllamaServer,
  startFakeOpenAiServer,
  type ConstrainedServerOptions,
  type FakeLlmReply,
  type FakeLlmRequest,
  type FakeLlmServer,
} from "@farsight/testing";
import { captureIO } from "../capture-io.js";
import { main } from "../main.js";
import { llmCommand } from "./llm.js";
import { planCommand } from "./plan.js";
import { runCommand } from "./run.js";

let servers: FakeLlmServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
const dir = mkdtempSync(join(tmpdir(), "farsight-llm-native-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What a good model answers: the check question, a reflection, or a category plan of the first candidates. */
function goodValue(req: FakeLlmRequest): unknown {
  if (req.promptText.includes("Which one content category")) return { category: "jazz", confidence: 0.9 };
  if (req.promptText.includes("Long-term satisfaction")) return { reflection: "Vary categories before the user tires." };
  return { categories: [0, 1] };
}

async function start(flavour: "openai" | "ollama", options: ConstrainedServerOptions): Promise<string> {
  const server = await (flavour === "openai" ? startFakeOpenAiServer : startFakeOllamaServer)((req) => constrainedReply(req, goodValue(req), options));
  servers.push(server);
  return flavour === "openai" ? `openai-compatible:${server.url}#fake-model` : `ollama:fake-model@${server.url}`;
}

const constrainedServers = [
  { name: "OpenAI-compatible, json_schema", flavour: "openai" as const, options: { supports: ["json_schema"] } as ConstrainedServerOptions, method: "json-schema" },
  { name: "OpenAI-compatible, tools only (rejects response_format)", flavour: "openai" as const, options: { supports: ["tools"] } as ConstrainedServerOptions, method: "tools" },
  { name: "OpenAI-compatible, tools only (ignores response_format)", flavour: "openai" as const, options: { supports: ["tools"], unsupported: "ignore" } as ConstrainedServerOptions, method: "tools" },
  { name: "Ollama, format", flavour: "ollama" as const, options: { supports: ["format"] } as ConstrainedServerOptions, method: "format" },
];

describe.each(constrainedServers)("every answer from the model: $name", ({ flavour, options, method }) => {
  it("farsight llm check answers through the native method", async () => {
    const spec = await start(flavour, options);
    const io = captureIO();
    expect(await main(["llm", "check", spec], io, [llmCommand])).toBe(0);
    expect(io.out).toContain('answer:   {"category":"jazz","confidence":0.9}');
    expect(io.out).toContain(`method:   ${method}`);
  });

  it("farsight plan --planner llm-category gets every plan from the model", async () => {
    const spec = await start(flavour, options);
    const io = captureIO();
    expect(await main(["plan", "--planner", "llm-category", "--llm", spec, "--sessions", "3", "--json"], io, [planCommand])).toBe(0);
    const out = JSON.parse(io.out) as { sessions: { plan: { source: { kind: string } } }[]; counters: { fromModel: number; fallbacks: number }; llmAnswers: { components: Record<string, { answers: number; fallback: number }> } };
    expect(out.sessions.map((s) => s.plan.source.kind)).toEqual(["llm", "llm", "llm"]);
    expect(out.counters).toMatchObject({ fromModel: 3, fallbacks: 0 });
    expect(out.llmAnswers.components["planner/llm-category"]).toMatchObject({ answers: 3, fallback: 0 });
  });
});

/** A port nothing listens on: bound, read and closed again. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const broken: { name: string; reply?: FakeLlmReply }[] = [
  { name: "dead port" },
  { name: "HTTP 500", reply: { status: 500 } },
  { name: "HTTP 429", reply: { status: 429 } },
  { name: "empty choices", reply: { raw: { body: JSON.stringify({ id: "x", object: "chat.completion", created: 0, model: "fake-model", choices: [] }) } } },
  { name: "garbage answers", reply: { content: "I think the user would enjoy something nice today!" } },
];

async function brokenSpec(reply: FakeLlmReply | undefined): Promise<string> {
  if (!reply) return `openai-compatible:http://127.0.0.1:${await deadPort()}/v1#fake-model`;
  const server = await startFakeOpenAiServer(() => reply);
  servers.push(server);
  return `openai-compatible:${server.url}#fake-model`;
}

const lerl = (spec: string, out: string, ...extra: string[]) =>
  ["run", "lerl", "--planner", "llm", "--llm", spec, "--steps", "16", "--batch", "4", "--episodes", "2", "--retries", "0", "--out", out, ...extra];

describe.each(broken)("run lerl --planner llm against a model that cannot answer: $name", ({ name, reply }) => {
  it("exits non-zero naming the model and the fallback share; with --max-fallback-rate 1 it finishes and the table says what ran", async () => {
    const spec = await brokenSpec(reply);
    const stopped = captureIO();
    expect(await main(lerl(spec, join(dir, `${name}-a`)), stopped, [runCommand])).toBe(1);
    expect(stopped.err).toContain(`model ${spec} cannot answer`);
    expect(stopped.err).toContain("100%");

    const finished = captureIO();
    expect(await main(lerl(spec, join(dir, `${name}-b`), "--max-fallback-rate", "1"), finished, [runCommand])).toBe(0);
    expect(finished.err).toContain(`warning: model ${spec} did not answer the preflight request`);
    expect(finished.out).toMatch(/LERL \(llm-category, 100% fallback\)/);
    expect(finished.out).toMatch(/planner\/llm-category: \d+ answers, 0% model, 0% repaired, 0% cache, 100% fallback/);
    const results = JSON.parse(readFileSync(join(dir, `${name}-b`, "results.json"), "utf8")) as { rows: { agent: string; llm_fallback_share: number }[]; llm: { model: string } };
    expect(results.rows.find((r) => r.agent.startsWith("LERL (llm-category"))).toMatchObject({ agent: "LERL (llm-category, 100% fallback)", llm_fallback_share: 1 });
    expect(results.llm.model).toBe(spec);
  }, 120_000);
});

describe("run lerl --planner llm: a model that answers the preflight, then stops making sense", () => {
  it("exits 1 above --max-fallback-rate, after printing and writing the table", async () => {
    const server = await startFakeOpenAiServer((req, i) => (i === 0 ? { content: JSON.stringify(goodValue(req)) } : { content: "no idea" }));
    servers.push(server);
    const spec = `openai-compatible:${server.url}#fake-model`;
    const io = captureIO();
    const out = join(dir, "late");
    expect(await main(lerl(spec, out), io, [runCommand])).toBe(1);
    expect(io.out).toMatch(/LERL \(llm-category, 100% fallback\)/);
    expect(io.err).toMatch(new RegExp(`planner/llm-category fell back on 100% of its \\d+ answers with model ${spec.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(--max-fallback-rate 0.2\\)`));
    expect(JSON.parse(readFileSync(join(out, "results.json"), "utf8")).note).toMatch(/LLM answers: .*100% fallback/);
  }, 120_000);
});

describe("run ilrec --teacher llm against a model that only writes prose", () => {
  it("stops at the preflight naming the model; with --max-fallback-rate 1 the teacher row says 100% fallback", async () => {
    const spec = await brokenSpec({ content: "What a lovely day for recommendations." });
    const args = ["run", "ilrec", "--teacher", "llm", "--llm", spec, "--demos", "1", "--steps", "64", "--episodes", "1", "--batch", "4", "--bc-steps", "20", "--serve", "sampled", "--retries", "0"];
    const stopped = captureIO();
    expect(await main([...args, "--out", join(dir, "ilrec-a")], stopped, [runCommand])).toBe(1);
    expect(stopped.err).toContain(`model ${spec} cannot answer`);
    const finished = captureIO();
    expect(await main([...args, "--out", join(dir, "ilrec-b"), "--max-fallback-rate", "1"], finished, [runCommand])).toBe(0);
    expect(finished.out).toMatch(/teacher \(billp-llm, 100% fallback\)/);
    const results = JSON.parse(readFileSync(join(dir, "ilrec-b", "results.json"), "utf8")) as { rows: { agent: string }[]; llmAnswers: { components: Record<string, { fallback: number; answers: number }> } };
    // The teacher's sessions in episodes.jsonl carry its row's name, fallback share included.
    const agents = readFileSync(join(dir, "ilrec-b", "episodes.jsonl"), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { agent: string }).agent);
    expect([...new Set(agents)]).toEqual(results.rows.map((r) => r.agent));
    expect(agents).toContain("teacher (billp-llm, 100% fallback)");
    const components = Object.values(results.llmAnswers.components);
    expect(components.length).toBeGreaterThan(0);
    expect(components.every((c) => c.answers > 0 && c.fallback === c.answers)).toBe(true);
  }, 120_000);
});

describe("FARSIGHT_LLM", () => {
  it("is the spec of a run without --llm; --llm wins; a bad --max-fallback-rate is a usage error", async () => {
    const { llmRunOptions } = await import("../llm-run.js");
    expect(llmRunOptions({}, { FARSIGHT_LLM: "ollama:qwen2.5:7b" }).spec).toBe("ollama:qwen2.5:7b");
    expect(llmRunOptions({ llm: "none" }, { FARSIGHT_LLM: "ollama:qwen2.5:7b" }).spec).toBe("none");
    expect(llmRunOptions({}, {})).toEqual({ spec: "none", maxFallbackRate: 0.2 });
    expect(() => llmRunOptions({ "max-fallback-rate": "2" }, {})).toThrow(/--max-fallback-rate must be in \[0, 1\]/);
  });
});

describe("progress while model calls are slow", () => {
  it("prints a line per finished call once calls are slow, at most every 5 s, and nothing while they are fast", async () => {
    const { watchSlowCalls } = await import("../llm-run.js");
    const { labIO } = await import("../lab-io.js");
    const { LlmStats } = await import("@farsight/llm");
    let t = 0;
    const stats = new LlmStats();
    const io = captureIO();
    const stop = watchSlowCalls(stats, "ollama:big", labIO(io), { now: () => t });
    const call = (ms: number, ok = true) => {
      stats.recordCallStart();
      t += ms;
      if (ok) stats.recordCallEnd(ms);
      else stats.recordCallFailure(false);
    };
    for (let i = 0; i < 20; i++) call(50);
    expect(io.err).toBe("");
    call(6_000, false);
    expect(io.err).toBe("llm ollama:big: a call failed; 21 calls (1 failed, 0.1s avg), 0 fallbacks\n");
    call(6_000);
    call(1_000); // slow again but within 5 s of the last line
    expect(io.err.split("\n").filter(Boolean)).toHaveLength(2);
    expect(io.err).toContain("a call answered; 22 calls (1 failed, 0.3s avg)");
    stop();
  });
});

describe("run lerl --timeout", () => {
  it("bounds each model call: a model that never answers stops the run at the preflight, naming the deadline", async () => {
    const spec = await brokenSpec({ hang: true });
    const io = captureIO();
    expect(await main(lerl(spec, join(dir, "hang"), "--timeout", "300"), io, [runCommand])).toBe(1);
    expect(io.err).toContain(`model ${spec} cannot answer (preflight request: timeout: model ${spec} did not answer within 300 ms)`);
  }, 60_000);
});
