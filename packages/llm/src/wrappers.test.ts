import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createChatModel,
  LlmStats,
  MemoryResponseCache,
  parseModelSpec,
  ScriptedChatModel,
  Semaphore,
  SqliteResponseCache,
  statsOf,
  structured,
  wrapChatModel,
  type StructuredResult,
} from "./index.js";

const pick = z.object({ category: z.string() });
const tmp = () => mkdtempSync(join(tmpdir(), "farsight-llm-"));

describe("parseModelSpec", () => {
  it("parses every accepted form", () => {
    expect(parseModelSpec("none")).toEqual({ provider: "none" });
    expect(parseModelSpec("openai:gpt-4o-mini")).toEqual({ provider: "openai", model: "gpt-4o-mini" });
    expect(parseModelSpec("openai-compatible:http://h:8000/v1#Qwen/Qwen2.5-7B")).toEqual({
      provider: "openai-compatible",
      baseURL: "http://h:8000/v1",
      model: "Qwen/Qwen2.5-7B",
    });
    expect(parseModelSpec("ollama:qwen2.5:7b")).toEqual({ provider: "ollama", model: "qwen2.5:7b" });
    expect(parseModelSpec("ollama:llama3@gpu:11434")).toEqual({ provider: "ollama", model: "llama3", host: "http://gpu:11434" });
    expect(parseModelSpec("llama-cpp:/m/x.gguf")).toEqual({ provider: "llama-cpp", path: "/m/x.gguf" });
    expect(parseModelSpec("scripted:a.jsonl")).toEqual({ provider: "scripted", file: "a.jsonl" });
  });

  it("rejects bad specs with the accepted forms", () => {
    expect(() => parseModelSpec("gpt4")).toThrow(/bad model spec "gpt4": no provider prefix.*Accepted forms:[\s\S]*ollama:<model>/s);
    expect(() => parseModelSpec("anthropic:claude")).toThrow(/unknown provider "anthropic"/);
    expect(() => parseModelSpec("openai-compatible:localhost:8000#m")).toThrow(/not an http\(s\) URL/);
    expect(() => parseModelSpec("openai-compatible:http://h/v1")).toThrow(/<baseURL>#<model>/);
  });

  it("createChatModel: none is null; openai without a key says which variable to set", async () => {
    expect(await createChatModel("none")).toBeNull();
    await expect(createChatModel("openai:gpt-4o-mini", { env: {} })).rejects.toThrow(/OPENAI_API_KEY/);
  });
});

describe("wrappers on a scripted model", () => {
  it("retries a 429 with backoff and counts each attempt", async () => {
    const inner = new ScriptedChatModel({
      responses: (_p, i) => {
        if (i < 2) throw Object.assign(new Error("rate limited"), { status: 429 });
        return '{"category": "x"}';
      },
    });
    const stats = new LlmStats();
    const model = wrapChatModel(inner, { stats, retries: 3, retryBaseDelayMs: 1 });
    expect(await structured(model, pick, "go", { stats })).toMatchObject({ ok: true });
    expect(stats.snapshot()).toMatchObject({ calls: 3, failures: 2, retries: 2 });
  });

  it("gives up after the retry budget and reports the error", async () => {
    const inner = new ScriptedChatModel({ responses: () => { throw Object.assign(new Error("bad gateway"), { status: 502 }); } });
    const stats = new LlmStats();
    const r = await structured(wrapChatModel(inner, { stats, retries: 1, retryBaseDelayMs: 1 }), pick, "go", { stats });
    expect(r).toMatchObject({ ok: false, reason: "error", error: "bad gateway" });
    expect(stats.calls).toBe(2);
  });

  it("persists answers in a SQLite cache across model instances", async () => {
    const file = join(tmp(), "cache.sqlite");
    const first = new ScriptedChatModel({ responses: ['{"category": "saved"}'] });
    const stats = new LlmStats();
    const cache1 = new SqliteResponseCache(file);
    await structured(wrapChatModel(first, { stats, cache: cache1, modelId: "m" }), pick, "q", { stats });
    cache1.close();
    const second = new ScriptedChatModel({ responses: [] });
    const cache2 = new SqliteResponseCache(file);
    const r = await structured(wrapChatModel(second, { stats, cache: cache2, modelId: "m" }), pick, "q", { stats });
    expect(r).toMatchObject({ ok: true, value: { category: "saved" } });
    expect(second.prompts).toHaveLength(0);
    expect(cache2.size).toBe(1);
    expect(stats.snapshot()).toMatchObject({ calls: 1, cacheHits: 1 });
    cache2.close();
  });

  it("cache keys include the model id: one shared cache, two models, no cross-talk", async () => {
    const cache = new MemoryResponseCache();
    const a = wrapChatModel(new ScriptedChatModel({ responses: ["from a"] }), { cache, modelId: "a" });
    const b = wrapChatModel(new ScriptedChatModel({ responses: ["from b"] }), { cache, modelId: "b" });
    expect([(await a.invoke("same")).content, (await b.invoke("same")).content, (await a.invoke("same")).content]).toEqual([
      "from a",
      "from b",
      "from a",
    ]);
    expect(cache.size).toBe(2);
  });

  it("the memory cache evicts the least recently used answer", () => {
    const cache = new MemoryResponseCache(2);
    cache.set("a", "1");
    cache.set("b", "2");
    cache.get("a");
    cache.set("c", "3");
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual(["1", undefined, "3"]);
  });

  it("a semaphore never lets more than its limit through", async () => {
    const sem = new Semaphore(3);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const release = await sem.acquire();
        peak = Math.max(peak, ++active);
        await new Promise((r) => setTimeout(r, 2));
        active--;
        release();
      }),
    );
    expect(peak).toBe(3);
  });
});

describe("recorder and scripted: replay", () => {
  it("a recorded run replays offline with the same answers and no model", async () => {
    const dir = tmp();
    const file = join(dir, "run.jsonl");
    const live = new ScriptedChatModel({ responses: (p) => JSON.stringify({ category: p.includes("rock") ? "rock" : "jazz" }) });
    const recorded = wrapChatModel(live, { recordTo: file, modelId: "live" });
    const prompts = ["I like rock", "I like calm music", "I like rock"];
    const liveAnswers: StructuredResult<{ category: string }>[] = [];
    for (const p of prompts) liveAnswers.push(await structured(recorded, pick, p));
    const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { prompt: string; answer: string });
    expect(lines).toHaveLength(2); // the repeated prompt was a cache hit
    expect(lines[0]!.prompt).toMatch(/^human: I like rock/);

    const replay = await createChatModel(`scripted:${file}`);
    const replayed = [];
    for (const p of [...prompts].reverse()) replayed.push(await structured(replay!, pick, p));
    // Same answers; which of them the cache served differs with the order of the replay.
    const values = (rs: StructuredResult<{ category: string }>[]) => rs.map((r) => (r.ok ? r.value : r.error));
    expect(values(replayed.reverse())).toEqual(values(liveAnswers));
  });

  it("hand-written answer files are served in order; a miss names the file", async () => {
    const file = join(tmp(), "answers.jsonl");
    writeFileSync(file, '{"answer": "one"}\n\n{"response": "two"}\n');
    const model = await createChatModel(`scripted:${file}`, { cache: false });
    expect((await model!.invoke("a")).content).toBe("one");
    expect((await model!.invoke("b")).content).toBe("two");
    await expect(model!.invoke("c")).rejects.toThrow(/answers.jsonl" has no answer for this prompt/);
    writeFileSync(file, '{"answer": 1}\n');
    await expect(createChatModel(`scripted:${file}`)).rejects.toThrow(/answers.jsonl:1: needs a string "answer"/);
  });
});

describe("accounting is not doubled", () => {
  it("structured() with the model's own stats counts each call once; statsOf finds them", async () => {
    const model = await createChatModel("scripted:/dev/null", { cache: false });
    const stats = statsOf(model!)!;
    expect(stats).toBeInstanceOf(LlmStats);
    const inner = new ScriptedChatModel({ responses: ['{"category": "a"}'] });
    const wrapped = wrapChatModel(inner, { stats });
    await structured(wrapped, pick, "go", { stats });
    expect(stats.calls).toBe(1);
    const other = new LlmStats();
    await structured(wrapChatModel(new ScriptedChatModel({ responses: ['{"category": "a"}'] }), { stats }), pick, "go", { stats: other });
    expect([stats.calls, other.calls]).toEqual([2, 1]);
  });
});
