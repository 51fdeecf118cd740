import { FarsightError, Rng, softmax, type Reflection, type RngState, type TextEmbeddings } from "@farsight/core";
import { bagOfWords, cosineBags, cosineVectors } from "./similarity.js";

/**
 * What the pool asks of a store: the three methods of LangGraph's `BaseStore` it calls, so any LangGraph store
 * (InMemoryStore, a SQLite or PostgreSQL store) fits, and the pool's types do not name LangGraph (a user of the
 * pool without a store installs neither LangGraph nor LangChain).
 */
export interface ReflectionStore {
  put(namespace: string[], key: string, value: Record<string, unknown>, index?: false | string[]): Promise<void>;
  search(namespacePrefix: string[], options?: { limit?: number; offset?: number }): Promise<{ value: Record<string, unknown> }[]>;
  delete(namespace: string[], key: string): Promise<void>;
}

export interface ReflectionPoolOptions {
  /** Bound on the pool; the oldest reflections leave first (LERL: a deque of 200). Default 200. */
  readonly maxSize?: number;
  /** Seed of the pool's own sampling stream, used when `sampleByReturn` gets no Rng. Default 0. */
  readonly seed?: number;
  /** A LangGraph store (InMemoryStore, a SQLite/Postgres store, ...) that persists the pool and shares it. */
  readonly store?: ReflectionStore;
  /** Store namespace of this pool. Default ["farsight", "reflections", "default"]. */
  readonly namespace?: readonly string[];
  /** Names this writer in store keys, so pools sharing a namespace never overwrite each other. Default "pool". */
  readonly writer?: string;
  /** Embeddings for `retrieveSimilar`; bag-of-words cosine when absent. */
  readonly embeddings?: TextEmbeddings;
}

/** One stored reflection with its logical time (a Lamport clock shared through the store). */
export interface PoolEntry {
  readonly order: number;
  readonly writer: string;
  readonly reflection: Reflection;
}

/** The pool as plain JSON, for graph checkpoints. */
export interface ReflectionPoolSnapshot {
  readonly version: 1;
  readonly maxSize: number;
  readonly clock: number;
  readonly entries: readonly PoolEntry[];
  readonly rng: RngState;
}

export const DEFAULT_POOL_NAMESPACE: readonly string[] = ["farsight", "reflections", "default"];

const keyOf = (e: Pick<PoolEntry, "order" | "writer">) => `${String(e.order).padStart(12, "0")}:${e.writer}`;
const byAge = (a: PoolEntry, b: PoolEntry) => a.order - b.order || (a.writer < b.writer ? -1 : a.writer > b.writer ? 1 : 0);

/** Checks a value read back from a store or a snapshot; a hand-edited or foreign entry must not poison sampling. */
export function isReflection(x: unknown): x is Reflection {
  const r = x as Reflection | null;
  return (
    typeof r === "object" && r !== null && typeof r.text === "string" && Number.isFinite(r.return) &&
    Number.isFinite(r.length) && Array.isArray(r.categories) && typeof r.source === "object" && r.source !== null
  );
}

/**
 * The reflection pool: bounded, sampled by softmax over return (LERL), searched by similarity (BiLLP), and
 * persisted through a LangGraph store (`ReflectionStore`: any `BaseStore`) so that it outlives a run and can be
 * shared across threads.
 */
export class ReflectionPool {
  readonly maxSize: number;
  readonly namespace: readonly string[];
  /** Entries read from the store that were not valid reflections and were skipped. */
  skippedOnLoad = 0;
  private entries: PoolEntry[] = [];
  private clock = 0;
  private readonly rng: Rng;
  private readonly store: ReflectionStore | undefined;
  private readonly writer: string;
  private readonly embeddings: TextEmbeddings | undefined;
  private readonly vectors = new Map<string, number[]>();

  constructor(options: ReflectionPoolOptions = {}) {
    const maxSize = options.maxSize ?? 200;
    if (!Number.isInteger(maxSize) || maxSize < 1) {
      throw new FarsightError("reflector/bad-pool-size", `ReflectionPool: maxSize must be an integer >= 1, got ${maxSize}`, { maxSize });
    }
    this.maxSize = maxSize;
    this.namespace = options.namespace ?? DEFAULT_POOL_NAMESPACE;
    this.rng = new Rng(options.seed ?? 0, "reflection-pool");
    this.store = options.store;
    this.writer = options.writer ?? "pool";
    this.embeddings = options.embeddings;
  }

  /** A pool loaded from its store (empty when the namespace holds nothing yet). */
  static async open(options: ReflectionPoolOptions & { store: ReflectionStore }): Promise<ReflectionPool> {
    const pool = new ReflectionPool(options);
    await pool.reload();
    return pool;
  }

  /** A pool restored from a checkpoint snapshot; nothing is written to the store. */
  static fromSnapshot(snapshot: ReflectionPoolSnapshot, options: ReflectionPoolOptions = {}): ReflectionPool {
    if (snapshot?.version !== 1 || !Array.isArray(snapshot.entries)) {
      throw new FarsightError("reflector/bad-snapshot", "ReflectionPool.fromSnapshot: not a version-1 pool snapshot", { version: snapshot?.version });
    }
    const pool = new ReflectionPool({ maxSize: snapshot.maxSize, ...options });
    pool.merge(snapshot.entries.filter((e) => isReflection(e.reflection)));
    pool.clock = Math.max(pool.clock, snapshot.clock);
    pool.rng.setState(snapshot.rng);
    return pool;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Every reflection, oldest first. */
  all(): Reflection[] {
    return this.entries.map((e) => e.reflection);
  }

  /** Adds a reflection (evicting the oldest beyond `maxSize`) and writes it to the store. */
  async add(reflection: Reflection): Promise<void> {
    if (!isReflection(reflection)) {
      throw new FarsightError("reflector/bad-reflection", "ReflectionPool.add: needs text, a finite return and length, categories and source", {
        reflection,
      });
    }
    const entry: PoolEntry = { order: this.clock++, writer: this.writer, reflection };
    this.entries.push(entry);
    await this.store?.put([...this.namespace], keyOf(entry), { ...entry }, false);
    await this.trim();
  }

  /**
   * LERL's sampling: `n` reflections drawn without replacement with P(j) proportional to exp(return_j / tau)
   * (n = 3, tau = 10 in LERL). Uses `rng` when given, else the pool's seeded stream. Fewer when the pool is small.
   */
  sampleByReturn(n = 3, tau = 10, rng?: Rng): Reflection[] {
    if (!(tau > 0)) throw new FarsightError("reflector/bad-tau", `sampleByReturn: tau must be > 0, got ${tau}`, { tau });
    const k = Math.min(Math.max(0, Math.floor(n)), this.entries.length);
    if (k === 0) return [];
    const weights = softmax(this.entries.map((e) => e.reflection.return), tau);
    return (rng ?? this.rng).sampleWeighted(weights, k).map((i) => this.entries[i]!.reflection);
  }

  /** BiLLP's retrieval: the `k` reflections most similar to `query` (embeddings cosine, else bag-of-words cosine). */
  async retrieveSimilar(query: string, k = 2): Promise<Reflection[]> {
    return (await this.retrieveSimilarScored(query, k)).map((x) => x.reflection);
  }

  /** As {@link retrieveSimilar}, with the similarity of each; ties go to the newer reflection. */
  async retrieveSimilarScored(query: string, k = 2): Promise<{ reflection: Reflection; score: number }[]> {
    const scores = this.embeddings ? await this.embeddingScores(query) : this.bagScores(query);
    return this.entries
      .map((e, i) => ({ reflection: e.reflection, score: scores[i]!, i }))
      .sort((a, b) => b.score - a.score || b.i - a.i)
      .slice(0, Math.max(0, k))
      .map(({ reflection, score }) => ({ reflection, score }));
  }

  /** Pulls what other writers added to the shared namespace (and drops what they evicted beyond the bound). */
  async reload(): Promise<void> {
    if (!this.store) return;
    const found: PoolEntry[] = [];
    for (let offset = 0; ; offset += 200) {
      const page = await this.store.search([...this.namespace], { limit: 200, offset });
      for (const item of page) {
        const v = item.value as Partial<PoolEntry>;
        if (Number.isInteger(v.order) && typeof v.writer === "string" && isReflection(v.reflection)) found.push(v as PoolEntry);
        else this.skippedOnLoad++;
      }
      if (page.length < 200) break;
    }
    this.merge(found);
    await this.trim();
  }

  /** Plain JSON for checkpoints (restore with {@link ReflectionPool.fromSnapshot}). */
  snapshot(): ReflectionPoolSnapshot {
    return {
      version: 1,
      maxSize: this.maxSize,
      clock: this.clock,
      entries: this.entries.map((e) => ({ ...e })),
      rng: this.rng.getState(),
    };
  }

  /** Writes every entry to the store (after `fromSnapshot`, to seed a store from a checkpoint). */
  async persistAll(): Promise<void> {
    if (!this.store) return;
    for (const e of this.entries) await this.store.put([...this.namespace], keyOf(e), { ...e }, false);
  }

  private merge(incoming: readonly PoolEntry[]): void {
    const byKey = new Map(this.entries.map((e) => [keyOf(e), e]));
    for (const e of incoming) byKey.set(keyOf(e), e);
    this.entries = [...byKey.values()].sort(byAge);
    for (const e of this.entries) this.clock = Math.max(this.clock, e.order + 1);
  }

  private async trim(): Promise<void> {
    while (this.entries.length > this.maxSize) {
      const old = this.entries.shift()!;
      this.vectors.delete(keyOf(old));
      await this.store?.delete([...this.namespace], keyOf(old));
    }
  }

  private bagScores(query: string): number[] {
    const q = bagOfWords(query);
    return this.entries.map((e) => cosineBags(q, bagOfWords(e.reflection.text)));
  }

  private async embeddingScores(query: string): Promise<number[]> {
    const missing = this.entries.filter((e) => !this.vectors.has(keyOf(e)));
    if (missing.length) {
      const vecs = await this.embeddings!.embedDocuments(missing.map((e) => e.reflection.text));
      missing.forEach((e, i) => this.vectors.set(keyOf(e), vecs[i]!));
    }
    const q = await this.embeddings!.embedQuery(query);
    return this.entries.map((e) => cosineVectors(q, this.vectors.get(keyOf(e))!));
  }
}
