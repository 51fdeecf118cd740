import { clamp, FarsightError, type ItemId, type Observation } from "@farsight/core";
import { itemJaccard, recentItems } from "./history-key.js";

/** Options of {@link CriticMemory}. */
export interface CriticMemoryOptions {
  /** Recent items forming the key. Default 10 (BiLLP). */
  window?: number;
  /**
   * Minimum Jaccard similarity of item sets for a stored value to be retrieved. Default 1: BiLLP only shows a
   * remembered value when the FAISS L2 distance is below 0.01, i.e. for (nearly) the same history.
   */
  minSimilarity?: number;
}

/** One stored value. */
export interface CriticMemoryEntry {
  readonly key: readonly ItemId[];
  readonly value: number;
}

/**
 * BiLLP's critic memory: history -> the latest TD target r_t + gamma V(s_{t+1}) observed there (a later write
 * overwrites, as BiLLP's dictionary does). The LLM critic shows the retrieved value in its prompt.
 */
export class CriticMemory {
  readonly options: Required<CriticMemoryOptions>;
  private readonly entries = new Map<string, { key: ItemId[]; value: number }>();

  constructor(options: CriticMemoryOptions = {}) {
    this.options = { window: 10, minSimilarity: 1, ...options };
    if (!Number.isInteger(this.options.window) || this.options.window < 1 || !(this.options.minSimilarity >= 0 && this.options.minSimilarity <= 1)) {
      throw new FarsightError("critic/memory-bad-option", "CriticMemory needs window >= 1 and minSimilarity in [0, 1]", { ...this.options });
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Stores a target for the observation's history; non-finite targets are ignored (no evidence). */
  record(observation: Observation, target: number): void {
    if (!Number.isFinite(target)) return;
    const key = recentItems(observation, this.options.window);
    this.entries.set(key.join(","), { key, value: target });
  }

  /** The value of the most similar stored history, or null when none is similar enough. */
  retrieve(observation: Observation): { value: number; similarity: number } | null {
    const key = recentItems(observation, this.options.window);
    const exact = this.entries.get(key.join(","));
    if (exact) return { value: exact.value, similarity: 1 };
    let best: { value: number; similarity: number } | null = null;
    for (const e of this.entries.values()) {
      const similarity = itemJaccard(key, e.key);
      if (similarity >= this.options.minSimilarity && (!best || similarity > best.similarity)) best = { value: e.value, similarity };
    }
    return best;
  }

  /** A retrieved value clamped into a critic's range (BiLLP's memory can hold -1000 after a quit). */
  retrieveClamped(observation: Observation, range: readonly [number, number]): { value: number; similarity: number } | null {
    const hit = this.retrieve(observation);
    return hit ? { value: clamp(hit.value, range[0], range[1]), similarity: hit.similarity } : null;
  }

  toJSON(): CriticMemoryEntry[] {
    return [...this.entries.values()].map((e) => ({ key: [...e.key], value: e.value }));
  }

  static fromJSON(entries: unknown, options: CriticMemoryOptions = {}): CriticMemory {
    const memory = new CriticMemory(options);
    if (!Array.isArray(entries)) throw new FarsightError("critic/memory-bad-json", "critic memory JSON must be an array of entries", {});
    entries.forEach((raw, index) => {
      const e = raw as Partial<CriticMemoryEntry>;
      if (!Array.isArray(e.key) || !e.key.every(Number.isInteger) || typeof e.value !== "number" || !Number.isFinite(e.value)) {
        throw new FarsightError("critic/memory-bad-json", `critic memory entry ${index} is malformed: expected {key: int[], value: finite number}`, { index });
      }
      memory.entries.set(e.key.join(","), { key: [...e.key], value: e.value });
    });
    return memory;
  }
}
