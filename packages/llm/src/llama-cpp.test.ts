import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createChatModel, GRAMMAR_MAX_ITEMS, GRAMMAR_MAX_STRING, grammarSchema, LlamaCppChatModel, loadNodeLlamaCppBackend, LlmStats, structured, type LlamaBackend, type LlamaChatHistoryItem } from "./index.js";

/** A fake node-llama-cpp backend: records what the adapter hands the session and answers from a script. */
function fakeBackend(answers: string[]) {
  const seen: { history: LlamaChatHistoryItem[]; prompt: string; grammar: unknown; maxTokens?: number }[] = [];
  const grammarsBuilt: Record<string, unknown>[] = [];
  let history: LlamaChatHistoryItem[] = [];
  let active = 0;
  let maxActive = 0;
  const backend: LlamaBackend = {
    session: {
      setChatHistory: (h) => void (history = h),
      prompt: async (prompt, options) => {
        active++;
        maxActive = Math.max(maxActive, active);
        seen.push({ history, prompt, grammar: options.grammar, maxTokens: options.maxTokens });
        await new Promise((r) => setTimeout(r, 5));
        active--;
        return answers[seen.length - 1] ?? "";
      },
    },
    grammarForJsonSchema: async (schema) => {
      grammarsBuilt.push(schema);
      return { grammarFor: schema };
    },
    countTokens: (text) => text.length,
  };
  return { backend, seen, grammarsBuilt, maxActive: () => maxActive };
}

const verdict = z.object({ score: z.number().int().min(-5).max(5) });

describe("LlamaCppChatModel at its node-llama-cpp boundary", () => {
  it("turns messages into chat history + prompt and enforces the JSON schema through a grammar", async () => {
    const fake = fakeBackend(['{"score": 3}']);
    const model = new LlamaCppChatModel({ modelPath: "/models/x.gguf", backend: fake.backend, maxTokens: 64 });
    const stats = new LlmStats();
    const r = await structured(model, verdict, [["system", "You judge."], ["human", "Earlier"], ["ai", "Ok"], ["human", "Judge it."]], { stats });
    expect(r).toMatchObject({ ok: true, value: { score: 3 } });
    const call = fake.seen[0]!;
    expect(call.history).toEqual([
      { type: "system", text: "You judge." },
      { type: "user", text: "Earlier" },
      { type: "model", response: ["Ok"] },
    ]);
    expect(call.prompt).toMatch(/^Judge it\./);
    // A schema call's budget is the schema's longest answer, not maxTokens: {"score": <integer>} is at most
    // 2 braces + 7 ("score" quoted) + 2 + 4 whitespace + 24 digits = 39 characters, + 32 tokens of slack.
    expect(call.maxTokens).toBe(71);
    expect(fake.grammarsBuilt[0]).toMatchObject({ type: "object", properties: { score: { type: "integer" } } });
    expect(call.grammar).toEqual({ grammarFor: fake.grammarsBuilt[0] });
    expect(stats.completionTokens).toBe('{"score": 3}'.length);
  });

  it("reports an answer cut at the schema's budget as truncation and repairs it under the same grammar", async () => {
    // countTokens is the length here, so a 71-character answer used the whole budget of {"score": <integer>} (71).
    const cut = '{"score": ' + "1".repeat(61);
    const fake = fakeBackend([cut, '{"score": 2}', cut]);
    const model = new LlamaCppChatModel({ modelPath: "m.gguf", backend: fake.backend });
    const stats = new LlmStats();
    const r = await structured(model, verdict, "judge", { stats, maxRepairs: 1 });
    expect(r).toMatchObject({ ok: true, value: { score: 2 }, repairs: 1, method: "grammar" });
    expect(fake.seen[1]!.grammar).toEqual(fake.seen[0]!.grammar); // the repair keeps the grammar (no move to prompt-only)
    expect(stats.snapshot()).toMatchObject({ truncations: 1, downgrades: 0, methods: { grammar: 2 } });
    const failed = await structured(model, verdict, "judge again", { stats, maxRepairs: 0 });
    expect(failed).toMatchObject({ ok: false, reason: "truncated" });
    expect(!failed.ok && failed.error).toMatch(/^the answer was cut at its token limit \(71 tokens\) before its JSON ended/);
  });

  it("plain completions get no grammar; a schema's grammar is built once; calls run one at a time", async () => {
    const fake = fakeBackend(["hello", '{"score": 1}', '{"score": 2}']);
    const model = new LlamaCppChatModel({ modelPath: "m.gguf", backend: fake.backend });
    expect((await model.invoke("hi")).content).toBe("hello");
    expect(fake.seen[0]!.grammar).toBeUndefined();
    expect(fake.seen[0]!.maxTokens).toBe(256); // no schema: the plain budget
    const both = await Promise.all([structured(model, verdict, "a"), structured(model, verdict, "b")]);
    expect(both.every((r) => r.ok)).toBe(true);
    expect(fake.grammarsBuilt).toHaveLength(1);
    expect(fake.maxActive()).toBe(1);
  });

  it("the grammar gets oneOf for zod's anyOf (node-llama-cpp's anyOf allowed null) and bounded free text", async () => {
    const fake = fakeBackend(['{"ids": [2]}']);
    const model = new LlamaCppChatModel({ modelPath: "m.gguf", backend: fake.backend });
    const union = z.union([z.array(z.number()), z.object({ ids: z.array(z.number()), why: z.string().optional(), tag: z.enum(["a", "b"]) })]);
    expect(await structured(model, union, "pick")).toMatchObject({ ok: false }); // zod still checks the whole schema: tag is missing
    const built = fake.grammarsBuilt[0]!;
    expect(built).not.toHaveProperty("anyOf");
    expect(built.oneOf).toHaveLength(2);
    const object = (built.oneOf as Record<string, Record<string, Record<string, unknown>>>[])[1]!;
    expect(object.properties!.why).toEqual({ type: "string", maxLength: GRAMMAR_MAX_STRING });
    expect(object.properties!.tag).toEqual({ type: "string", enum: ["a", "b"] });
    expect(grammarSchema({ type: "string", maxLength: 5 })).toEqual({ type: "string", maxLength: 5 });
    expect(object.properties!.ids).toEqual({ type: "array", items: { type: "number" }, maxItems: GRAMMAR_MAX_ITEMS });
    const plans = grammarSchema({ type: "array", items: { type: "object", properties: {} } });
    expect(plans).not.toHaveProperty("maxItems");
  });

  it("createChatModel('llama-cpp:...') wraps the adapter; a missing file is a clear error", async () => {
    const fake = fakeBackend(['{"score": -2}']);
    const model = await createChatModel("llama-cpp:/nowhere/model.gguf", { llamaCpp: { backend: fake.backend } });
    expect(await structured(model!, verdict, "judge")).toMatchObject({ ok: true, value: { score: -2 } });
    await expect(createChatModel("llama-cpp:/nowhere/model.gguf")).rejects.toThrow(/no GGUF model file at "\/nowhere\/model.gguf"/);
    const empty = mkdtempSync(join(tmpdir(), "farsight-models-"));
    await expect(createChatModel("llama-cpp:", { env: { FARSIGHT_MODELS_DIR: empty } })).rejects.toThrow(/farsight models fetch smollm2/);
    await expect(createChatModel("llama-cpp:smollm2", { env: { FARSIGHT_MODELS_DIR: empty } })).rejects.toThrow(new RegExp(`not in ${empty}`));
    await expect(createChatModel("llama-cpp:qwen9", { env: { FARSIGHT_MODELS_DIR: empty } })).rejects.toThrow(/unknown model "qwen9"; known: smollm2/);
  });
});

describe("loadNodeLlamaCppBackend with the installed node-llama-cpp", () => {
  it("a file that is not a GGUF model fails at load with the path in the message", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "farsight-gguf-")), "broken.gguf");
    writeFileSync(file, "not a model");
    const err = await loadNodeLlamaCppBackend(file).catch((e: unknown) => e as { code?: string; message: string });
    // Without the optional package the loader must say how to install it instead.
    expect(["llm/llama-cpp-load", "llm/llama-cpp-missing"]).toContain((err as { code?: string }).code);
    expect((err as Error).message).toContain(file);
  }, 60_000);
});

// Opt-in: FARSIGHT_GGUF=/path/to/small-instruct.gguf npx vitest run packages/llm/src/llama-cpp.test.ts
const gguf = process.env.FARSIGHT_GGUF;
const haveModel = gguf !== undefined && existsSync(gguf);
if (!haveModel) console.log("[llm] real node-llama-cpp test skipped: set FARSIGHT_GGUF to a .gguf file to run it");

describe.skipIf(!haveModel)("a real GGUF model through node-llama-cpp (FARSIGHT_GGUF)", () => {
  it("answers a structured request that validates, thanks to the JSON-schema grammar", async () => {
    const stats = new LlmStats();
    const model = await createChatModel(`llama-cpp:${gguf}`, { stats, maxTokens: 64 });
    const r = await structured(model!, verdict, "Rate the movie 'Up' from -5 to 5.", { stats, maxRepairs: 0 });
    expect(r.ok).toBe(true);
    expect(stats.completionTokens).toBeGreaterThan(0);
    await (model as unknown as { inner: LlamaCppChatModel }).inner.dispose();
  }, 600_000);
});
