/**
 * Several sequences of one llama.cpp context: calls decode together up to the sequence count, the rest wait in
 * arrival order; each answer reaches its own caller; a failure or an abort stays with its call. Fakes only
 * (the real model is in llama-cpp.test.ts); no clocks: every fake prompt resolves when the test says so.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createChatModel, LlamaCppChatModel, LlmStats, SequenceQueue, structured, type LlamaBackend, type LlamaSessionLike } from "./index.js";

/** A fake context of `n` sequences whose prompts stay pending until `finish` (or `fail`) is called for them. */
function fakeContext(n: number) {
  const pending: { seq: number; prompt: string; system: string; resolve: (a: string) => void; reject: (e: Error) => void }[] = [];
  let active = 0;
  let maxActive = 0;
  const busy = new Set<number>();
  const sessions: LlamaSessionLike[] = Array.from({ length: n }, (_, seq) => {
    let system = "";
    return {
      setChatHistory: (h) => void (system = h.map((x) => ("text" in x ? x.text : "")).join("|")),
      prompt: (prompt, options) => {
        // One call per sequence at a time, or the sequences' KV caches would mix.
        if (busy.has(seq)) throw new Error(`sequence ${seq} got a second call while busy`);
        busy.add(seq);
        active++;
        maxActive = Math.max(maxActive, active);
        return new Promise<string>((resolve, reject) => {
          const done = () => {
            busy.delete(seq);
            active--;
          };
          options.signal?.addEventListener("abort", () => (done(), reject(options.signal!.reason)), { once: true });
          pending.push({ seq, prompt, system, resolve: (a) => (done(), resolve(a)), reject: (e) => (done(), reject(e)) });
        });
      },
    };
  });
  const backend: LlamaBackend = { session: sessions[0]!, sessions, grammarForJsonSchema: async (s) => s, countTokens: (t) => t.length };
  /** Lets queued microtasks run (the adapter awaits grammar building and the queue before prompting). */
  const settle = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return { backend, pending, maxActive: () => maxActive, active: () => active, settle };
}

const answerSchema = z.object({ echo: z.string() });

describe("LlamaCppChatModel with several sequences", () => {
  it("runs at most N calls at once, queues the rest in arrival order, and gives every caller its own answer", async () => {
    const ctx = fakeContext(3);
    const model = new LlamaCppChatModel({ modelPath: "m.gguf", backend: ctx.backend });
    const calls = Array.from({ length: 7 }, (_, i) => model.invoke([["system", `sys${i}`], ["human", `q${i}`]]));
    await ctx.settle();
    expect(ctx.pending.map((p) => p.prompt)).toEqual(["q0", "q1", "q2"]); // the bound: 3 sequences, 4 callers wait
    // Answer out of order: each caller still gets the answer to its own prompt, with its own system message.
    const answered = new Set<number>();
    while (answered.size < 7) {
      const open = ctx.pending.filter((_, i) => !answered.has(i));
      const last = open[open.length - 1]!;
      const i = ctx.pending.indexOf(last);
      expect(last.system).toBe(`sys${last.prompt.slice(1)}`);
      last.resolve(`a-${last.prompt}`);
      answered.add(i);
      await ctx.settle();
      expect(ctx.active()).toBeLessThanOrEqual(3);
    }
    // Waiting callers started in arrival order.
    expect(ctx.pending.map((p) => p.prompt)).toEqual(["q0", "q1", "q2", "q3", "q4", "q5", "q6"]);
    const answers = await Promise.all(calls);
    expect(answers.map((a) => a.content)).toEqual(Array.from({ length: 7 }, (_, i) => `a-q${i}`));
    expect(ctx.maxActive()).toBe(3);
  });

  it("a failing call does not poison its sequence or the others; an abort while queued leaves the queue", async () => {
    const ctx = fakeContext(2);
    const model = new LlamaCppChatModel({ modelPath: "m.gguf", backend: ctx.backend });
    const a = model.invoke("qa");
    const b = model.invoke("qb");
    const abort = new AbortController();
    const c = model.invoke("qc", { signal: abort.signal });
    const d = model.invoke("qd");
    await ctx.settle();
    abort.abort(new Error("caller gave up"));
    await expect(c).rejects.toThrow("caller gave up");
    ctx.pending[0]!.reject(new Error("decode failed on this sequence"));
    await expect(a).rejects.toThrow("decode failed on this sequence");
    await ctx.settle();
    // The failed call's sequence serves the next caller (qd; qc left the queue without a prompt).
    expect(ctx.pending.map((p) => p.prompt)).toEqual(["qa", "qb", "qd"]);
    expect(ctx.pending[2]!.seq).toBe(ctx.pending[0]!.seq);
    ctx.pending[1]!.resolve("b ok");
    ctx.pending[2]!.resolve("d ok");
    expect((await b).content).toBe("b ok");
    expect((await d).content).toBe("d ok");
  });

  it("the answers do not depend on the order in which sequences finish (structured, through createChatModel)", async () => {
    const run = async (finishOrder: (n: number) => number[]) => {
      const ctx = fakeContext(4);
      const stats = new LlmStats();
      const model = (await createChatModel("llama-cpp:/x/m.gguf", { stats, cache: false, llamaCpp: { backend: ctx.backend, sequences: 4 } }))!;
      const results = Array.from({ length: 4 }, (_, i) => structured(model, answerSchema, `say ${i}`, { stats, maxRepairs: 0 }));
      await ctx.settle();
      expect(ctx.pending).toHaveLength(4); // the concurrency layer lets all four through: its limit follows `sequences`
      for (const i of finishOrder(4)) ctx.pending[i]!.resolve(JSON.stringify({ echo: ctx.pending[i]!.prompt.split("\n")[0] }));
      return (await Promise.all(results)).map((r) => (r.ok ? r.value.echo : r.error));
    };
    const inOrder = await run((n) => [...Array(n).keys()]);
    expect(inOrder.map((e) => e.startsWith("say "))).toEqual([true, true, true, true]);
    expect(inOrder.map((e) => e.slice(0, 5))).toEqual(["say 0", "say 1", "say 2", "say 3"]);
    expect(await run((n) => [...Array(n).keys()].reverse())).toEqual(inOrder);
    expect(await run(() => [2, 0, 3, 1])).toEqual(inOrder);
  });

  it("SequenceQueue needs a sequence; one sequence keeps the old one-at-a-time behaviour", async () => {
    expect(() => new SequenceQueue([])).toThrow(/at least one sequence/);
    const ctx = fakeContext(1);
    const model = new LlamaCppChatModel({ modelPath: "m.gguf", backend: { ...ctx.backend, sessions: undefined } });
    const both = [model.invoke("x"), model.invoke("y")];
    await ctx.settle();
    expect(ctx.pending).toHaveLength(1);
    ctx.pending[0]!.resolve("1");
    await ctx.settle();
    ctx.pending[1]!.resolve("2");
    expect((await Promise.all(both)).map((m) => m.content)).toEqual(["1", "2"]);
    expect(ctx.maxActive()).toBe(1);
  });
});
