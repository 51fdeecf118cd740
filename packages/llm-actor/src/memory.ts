import { FarsightError, jaccard, recentItems, type ItemId, type Observation } from "@farsight/core";

/** Options of {@link ActorMemory}. */
export interface ActorMemoryOptions {
  /** How many recent history items form the key. Default 10 (BiLLP: "The user viewing history is [last 10 items]"). */
  window?: number;
  /**
   * Minimum Jaccard similarity between the query's and a stored key's item sets for the stored marks to be
   * retrieved. Default 0.5. BiLLP retrieves the top-1 key by OpenAI-embedding L2 distance with score cut-offs;
   * comparing item sets needs no embedding call and is exact for identical histories.
   */
  minSimilarity?: number;
  /** How many most-similar keys to merge. Default 1 (BiLLP takes the top-1). */
  topKeys?: number;
}

/** A stored entry: the key's items and the +1 / -1 mark of each item tried there. */
export interface ActorMemoryEntry {
  readonly key: readonly ItemId[];
  readonly marks: ReadonlyArray<readonly [ItemId, 1 | -1]>;
}

/** What retrieval found for a history. */
export interface ActorMemoryHint {
  readonly encourage: readonly ItemId[];
  readonly discourage: readonly ItemId[];
  /** Similarity of the best matching key, 0..1. */
  readonly similarity: number;
}

/** The history key of an observation: its last `window` items, oldest first. */
export function historyKey(observation: Observation, window: number): ItemId[] {
  return recentItems(observation, window);
}

/**
 * BiLLP's actor memory: for a history, the items recommended there, marked +1 when the advantage was >= 0
 * and -1 otherwise (a later mark overwrites an earlier one, as BiLLP's dictionary assignment does). Retrieval
 * returns the marks of the most similar stored histories, which the LLM actor shows as hints.
 */
export class ActorMemory {
  readonly options: Required<ActorMemoryOptions>;
  private readonly entries = new Map<string, { key: ItemId[]; marks: Map<ItemId, 1 | -1> }>();

  constructor(options: ActorMemoryOptions = {}) {
    this.options = { window: 10, minSimilarity: 0.5, topKeys: 1, ...options };
    const { window, minSimilarity, topKeys } = this.options;
    if (!Number.isInteger(window) || window < 1 || !(minSimilarity >= 0 && minSimilarity <= 1) || !Number.isInteger(topKeys) || topKeys < 1) {
      throw new FarsightError("llm-actor/memory-bad-option", "ActorMemory needs window >= 1, minSimilarity in [0, 1], topKeys >= 1", { ...this.options });
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Marks `item` for the observation's history by the sign of the advantage (NaN is ignored: no evidence). */
  record(observation: Observation, item: ItemId, advantage: number): void {
    if (Number.isNaN(advantage)) return;
    const key = historyKey(observation, this.options.window);
    const id = key.join(",");
    let entry = this.entries.get(id);
    if (!entry) {
      entry = { key, marks: new Map() };
      this.entries.set(id, entry);
    }
    entry.marks.set(item, advantage >= 0 ? 1 : -1);
  }

  /** Marks of the most similar stored histories, or null when none is similar enough. */
  retrieve(observation: Observation): ActorMemoryHint | null {
    const key = historyKey(observation, this.options.window);
    const scored: { sim: number; marks: Map<ItemId, 1 | -1> }[] = [];
    for (const entry of this.entries.values()) {
      const sim = jaccard(key, entry.key);
      if (sim >= this.options.minSimilarity) scored.push({ sim, marks: entry.marks });
    }
    if (scored.length === 0) return null;
    // Stable order: most similar first; insertion order breaks ties, so retrieval is deterministic.
    scored.sort((a, b) => b.sim - a.sim);
    const merged = new Map<ItemId, 1 | -1>();
    for (const { marks } of scored.slice(0, this.options.topKeys)) {
      for (const [item, mark] of marks) if (!merged.has(item)) merged.set(item, mark);
    }
    const encourage: ItemId[] = [];
    const discourage: ItemId[] = [];
    for (const [item, mark] of merged) (mark > 0 ? encourage : discourage).push(item);
    return { encourage, discourage, similarity: scored[0]!.sim };
  }

  /** Plain JSON for persistence between runs (BiLLP's test runs load the training runs' memories). */
  toJSON(): ActorMemoryEntry[] {
    return [...this.entries.values()].map((e) => ({ key: [...e.key], marks: [...e.marks] }));
  }

  /** Restores entries written by {@link toJSON}; rejects malformed input with the offending entry's index. */
  static fromJSON(entries: unknown, options: ActorMemoryOptions = {}): ActorMemory {
    const memory = new ActorMemory(options);
    if (!Array.isArray(entries)) throw new FarsightError("llm-actor/memory-bad-json", "actor memory JSON must be an array of entries", {});
    entries.forEach((raw, index) => {
      const e = raw as Partial<ActorMemoryEntry>;
      const ok = Array.isArray(e.key) && e.key.every(Number.isInteger) && Array.isArray(e.marks) &&
        e.marks.every((m) => Array.isArray(m) && Number.isInteger(m[0]) && (m[1] === 1 || m[1] === -1));
      if (!ok) throw new FarsightError("llm-actor/memory-bad-json", `actor memory entry ${index} is malformed: expected {key: int[], marks: [int, 1|-1][]}`, { index });
      memory.entries.set(e.key!.join(","), { key: [...e.key!], marks: new Map(e.marks!) });
    });
    return memory;
  }
}
