import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseModelSpec, specMethods } from "./index.js";

const a = "openai-compatible:http://127.0.0.1:8001/v1#m";
const b = "openai-compatible:http://127.0.0.1:8002/v1#m";
const dir = mkdtempSync(join(tmpdir(), "farsight-pool-spec-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

describe("pool: specs", () => {
  it("lists endpoints inline, with per-endpoint concurrency and one trailing structured method for the pool", () => {
    expect(parseModelSpec(`pool:${a},${b}`)).toEqual({ provider: "pool", endpoints: [{ spec: a, provider: "openai-compatible" }, { spec: b, provider: "openai-compatible" }] });
    expect(parseModelSpec(`pool:${a}?concurrency=8, ollama:qwen2.5:7b@gpu:11434?concurrency=2?structured=prompt`)).toEqual({
      provider: "pool",
      endpoints: [
        { spec: a, provider: "openai-compatible", maxConcurrency: 8 },
        { spec: "ollama:qwen2.5:7b@gpu:11434", provider: "ollama", maxConcurrency: 2 },
      ],
      structured: "prompt",
    });
    expect(parseModelSpec(`pool:${a}`)).toMatchObject({ endpoints: [{ spec: a }] }); // a pool of one: probes and accounting
  });

  it("uses the methods every endpoint has: OpenAI-compatible ones keep theirs, a mix with Ollama only prompts", () => {
    expect(specMethods(parseModelSpec(`pool:${a},${b}`))).toEqual(["json-schema", "tools", "json-mode", "prompt"]);
    expect(specMethods(parseModelSpec(`pool:${a},ollama:m`))).toEqual(["prompt"]);
    expect(parseModelSpec(`pool:${a},${b}?structured=tools`)).toMatchObject({ structured: "tools" });
    expect(() => parseModelSpec(`pool:${a},ollama:m?structured=tools`)).toThrow(/structured=tools is not available for this pool \(the methods all its endpoints have\); use one of prompt/);
  });

  it.each([
    ["pool:", /pool needs at least one endpoint/],
    [`pool:${a},,${b}`, /endpoint 2 is empty/],
    [`pool:${a},`, /endpoint 2 is empty/],
    [`pool:${a}?structured=tools,${b}`, /endpoint 1 .* has its own \?structured=.*put \?structured=<method> once at the end/],
    [`pool:${a},llama-cpp:/m.gguf`, /endpoint 2 \("llama-cpp:\/m.gguf"\) is not an HTTP endpoint: a pool holds openai, openai-compatible, ollama specs/],
    [`pool:${a},scripted:x.jsonl`, /is not an HTTP endpoint/],
    [`pool:pool:${a}`, /endpoint 1 is a pool itself/],
    [`pool:${a}?concurrency=0`, /concurrency must be a whole number >= 1, got "0"/],
    [`pool:${a}?concurrency=many`, /concurrency must be a whole number >= 1, got "many"/],
    [`pool:${a},${a}`, /is listed twice \(raise its \?concurrency= instead\)/],
    ["pool:openai-compatible:ftp://h/v1#m", /endpoint "openai-compatible:ftp:\/\/h\/v1#m": "ftp:\/\/h\/v1" is not an http\(s\) URL/],
    ["pool:openai-compatible:http://h/v1", /endpoint "openai-compatible:http:\/\/h\/v1": openai-compatible needs <baseURL>#<model>/],
  ])("rejects %s with a message that says what to fix", (spec, message) => {
    expect(() => parseModelSpec(spec)).toThrow(message);
  });

  it("redacts credentials of endpoints in errors", () => {
    expect(() => parseModelSpec("pool:openai-compatible:http://user:secret@h/v1#m?concurrency=x")).toThrow(/concurrency/);
    expect(() => parseModelSpec("pool:openai-compatible:http://user:secret@h/v1#m?concurrency=x")).not.toThrow(/secret/);
  });

  it("reads a pool file: endpoints as specs or {spec, concurrency}, probe timing, a structured method", () => {
    const path = file("pool.json", { endpoints: [a, { spec: b, concurrency: 6 }], probeIntervalMs: 250, structured: "tools" });
    expect(parseModelSpec(`pool:${path}`)).toEqual({
      provider: "pool",
      file: path,
      endpoints: [
        { spec: a, provider: "openai-compatible" },
        { spec: b, provider: "openai-compatible", maxConcurrency: 6 },
      ],
      probeIntervalMs: 250,
      structured: "tools",
    });
  });

  it.each([
    ["missing.json", undefined, /pool file .*missing.json: cannot be read \(ENOENT\)/],
    ["broken.json", "{ endpoints: ", /pool file .*broken.json: is not valid JSON/],
    ["list.json", [a], /must hold a JSON object/],
    ["empty.json", { endpoints: [] }, /"endpoints" must be a non-empty array/],
    ["typo.json", { endpoints: [a], probeInterval: 5 }, /unknown field "probeInterval"; known: endpoints, structured, probeIntervalMs/],
    ["member.json", { endpoints: [{ spec: a, concurency: 2 }] }, /endpoints\[0\]: unknown field "concurency"; known: spec, concurrency/],
    ["number.json", { endpoints: [42] }, /endpoints\[0\] must be a spec string or \{"spec": "...", "concurrency": N\}/],
    ["limit.json", { endpoints: [{ spec: a, concurrency: 1.5 }] }, /endpoints\[0\]: concurrency must be a whole number >= 1, got "1.5"/],
    ["timing.json", { endpoints: [a], probeTimeoutMs: -1 }, /"probeTimeoutMs" must be a positive number of milliseconds/],
    ["method.json", { endpoints: [a], structured: "magic" }, /unknown structured output method "magic"/],
    ["local.json", { endpoints: ["llama-cpp:"] }, /endpoints\[0\] \("llama-cpp:"\) is not an HTTP endpoint/],
  ])("a bad pool file (%s) names the file and the problem", (name, content, message) => {
    const path = content === undefined ? join(dir, name) : file(name, content);
    expect(() => parseModelSpec(`pool:${path}`)).toThrow(message);
  });
});
