import { describe, expect, it } from "vitest";
import { Embeddings } from "@langchain/core/embeddings";
import { InMemoryStore } from "@langchain/langgraph-checkpoint";
import { Rng, softmax, type Reflection } from "@farsight/core";
import { ReflectionPool } from "./index.js";

function reflection(text: string, ret: number): Reflection {
  return { text, return: ret, length: 10, categories: [0], source: { kind: "heuristic", by: "test" } };
}

describe("ReflectionPool", () => {
  it("is bounded: the oldest reflections leave first, in memory and in the store", async () => {
    const store = new InMemoryStore();
    const pool = new ReflectionPool({ maxSize: 200, store });
    for (let i = 0; i < 205; i++) await pool.add(reflection(`r${i}`, i));
    expect(pool.size).toBe(200);
    expect(pool.all()[0]!.text).toBe("r5");
    expect(pool.all()[199]!.text).toBe("r204");
    const stored = await store.search(["farsight", "reflections", "default"], { limit: 1000 });
    expect(stored).toHaveLength(200);
  });

  it("samples by softmax over return / tau, without replacement", async () => {
    const pool = new ReflectionPool();
    for (const [t, r] of [["low", 0], ["mid", 10], ["high", 20]] as const) await pool.add(reflection(t, r));
    const expected = softmax([0, 10, 20], 10);
    const rng = new Rng(1, "sampling-test");
    const counts = { low: 0, mid: 0, high: 0 };
    const draws = 20_000;
    for (let i = 0; i < draws; i++) counts[pool.sampleByReturn(1, 10, rng)[0]!.text as keyof typeof counts]++;
    expect(counts.low / draws).toBeCloseTo(expected[0]!, 1);
    expect(counts.mid / draws).toBeCloseTo(expected[1]!, 1);
    expect(Math.abs(counts.high / draws - expected[2]!)).toBeLessThan(0.02);

    const three = pool.sampleByReturn(3, 10, rng).map((r) => r.text);
    expect(new Set(three).size).toBe(3);
    expect(pool.sampleByReturn(5, 10, rng)).toHaveLength(3);
    expect(new ReflectionPool().sampleByReturn(3)).toEqual([]);
    // A high tau flattens the distribution: "low" is drawn far more often than at tau = 10.
    let lowFlat = 0;
    for (let i = 0; i < 5000; i++) if (pool.sampleByReturn(1, 1000, rng)[0]!.text === "low") lowFlat++;
    expect(lowFlat / 5000).toBeGreaterThan(0.25);
  });

  it("is deterministic under its seed", async () => {
    const make = async (seed: number) => {
      const pool = new ReflectionPool({ seed });
      for (let i = 0; i < 20; i++) await pool.add(reflection(`r${i}`, i % 7));
      return [0, 1, 2].map(() => pool.sampleByReturn(3).map((r) => r.text));
    };
    expect(await make(3)).toEqual(await make(3));
    expect(await make(3)).not.toEqual(await make(4));
  });

  it("persists through a LangGraph store and is shared between writers", async () => {
    const store = new InMemoryStore();
    const namespace = ["farsight", "reflections", "shared"];
    const a = await ReflectionPool.open({ store, namespace, writer: "a" });
    await a.add(reflection("from a 1", 1));
    await a.add(reflection("from a 2", 2));
    const b = await ReflectionPool.open({ store, namespace, writer: "b" });
    expect(b.all().map((r) => r.text)).toEqual(["from a 1", "from a 2"]);
    await b.add(reflection("from b", 3));
    await a.reload();
    expect(a.all().map((r) => r.text)).toEqual(["from a 1", "from a 2", "from b"]);
    await a.add(reflection("from a 3", 4)); // ordered after b's, by the shared clock
    const c = await ReflectionPool.open({ store, namespace });
    expect(c.all().map((r) => r.text)).toEqual(["from a 1", "from a 2", "from b", "from a 3"]);
    const other = await ReflectionPool.open({ store, namespace: ["farsight", "reflections", "other"] });
    expect(other.size).toBe(0);
  });

  it("skips and counts store entries that are not reflections", async () => {
    const store = new InMemoryStore();
    const namespace = ["pool"];
    await store.put(namespace, "junk", { order: 0, writer: "x", reflection: { text: 3 } });
    await store.put(namespace, "nan", { order: 1, writer: "x", reflection: { ...reflection("nan", 0), return: Number.NaN } });
    const pool = await ReflectionPool.open({ store, namespace });
    expect(pool.size).toBe(0);
    expect(pool.skippedOnLoad).toBe(2);
    await expect(pool.add({ text: "x" } as unknown as Reflection)).rejects.toThrow(/finite return/);
  });

  it("round-trips through a JSON snapshot, sampling stream included", async () => {
    const pool = new ReflectionPool({ maxSize: 5, seed: 9 });
    for (let i = 0; i < 7; i++) await pool.add(reflection(`r${i}`, i));
    pool.sampleByReturn(2);
    const restored = ReflectionPool.fromSnapshot(JSON.parse(JSON.stringify(pool.snapshot())));
    expect(restored.all()).toEqual(pool.all());
    expect(restored.maxSize).toBe(5);
    expect(restored.sampleByReturn(3)).toEqual(pool.sampleByReturn(3));
    expect(() => ReflectionPool.fromSnapshot({ version: 2 } as never)).toThrow(/version-1/);
  });

  it("retrieves similar reflections by bag-of-words cosine, or by embeddings when given", async () => {
    const texts = ["Drama repeated and the user left", "Comedy earned clicks early", "Racing streaks bored the user"];
    const pool = new ReflectionPool();
    for (const t of texts) await pool.add(reflection(t, 1));
    expect((await pool.retrieveSimilar("too much drama repeated", 1))[0]!.text).toBe(texts[0]);
    const scored = await pool.retrieveSimilarScored("comedy clicks", 3);
    expect(scored[0]!.reflection.text).toBe(texts[1]);
    expect(scored[0]!.score).toBeGreaterThan(scored[1]!.score);

    const embedded = new ReflectionPool({ embeddings: new KeywordEmbeddings() });
    for (const t of texts) await embedded.add(reflection(t, 1));
    expect((await embedded.retrieveSimilar("cars going fast", 1))[0]!.text).toBe(texts[2]);
  });
});

/** A two-dimensional toy embedding: [mentions of racing-ish words, mentions of anything else]. */
class KeywordEmbeddings extends Embeddings {
  constructor() {
    super({});
  }
  private vec(text: string): number[] {
    const racing = (text.toLowerCase().match(/racing|cars|fast/g) ?? []).length;
    return [racing, 1];
  }
  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.vec(t));
  }
  async embedQuery(text: string): Promise<number[]> {
    return this.vec(text);
  }
}
