import { FarsightError, type Catalog, type ItemId, type TextEmbeddings } from "@farsight/core";
import { cosine, editSimilarity, normaliseTitle, titleTokens } from "./text.js";
import type { GroundingResult } from "@farsight/core";

/** Options of {@link TitleGrounder}. */
export interface GroundingOptions {
  /**
   * Minimum similarity (max of token Dice and edit similarity, 0..1) for a fuzzy match. Default 0.6: "Witcher 3"
   * finds "The Witcher 3: Wild Hunt" only through the embedding stage, "The Witcher 3 Wild Hunt!" matches here.
   */
  fuzzyThreshold?: number;
  /** Any LangChain embeddings: enables the nearest-neighbour stage (BiLLP grounds with LLaMA-2 embeddings). */
  embeddings?: TextEmbeddings;
  /** Minimum cosine similarity for an embedding match. Default -1: always take the nearest (as BiLLP does). */
  embeddingThreshold?: number;
}

const DEFAULTS = { fuzzyThreshold: 0.6, embeddingThreshold: -1 } as const;

/** Where to look and what to skip. */
export interface GroundingScope {
  /** Items that may not be chosen (already recommended). */
  readonly exclude?: ReadonlySet<ItemId>;
  /** If set, only these items may be chosen (e.g. the plan's categories). */
  readonly allowed?: ReadonlySet<ItemId>;
}

/** Counters of a grounder's work, for run logs (BiLLP's logs: 48-71% of actions were replaced). */
export interface GroundingCounts {
  total: number;
  exact: number;
  normalised: number;
  fuzzy: number;
  embedding: number;
  none: number;
  replaced: number;
  embeddingErrors: number;
}

/** Titles of a catalogue; catalogues without titles get "item <id>" so grounding still works. */
export function catalogTitles(catalog: Catalog): readonly string[] {
  return catalog.itemTitles ?? Array.from({ length: catalog.numItems }, (_, i) => `item ${i}`);
}

/** Options of {@link TitleGrounder}: the catalogue and the tuning options. */
export interface TitleGrounderOptions extends GroundingOptions {
  /** The catalogue whose titles text is grounded to. Required. */
  catalog: Catalog;
}

/**
 * Grounds free text to catalogue items in stages: exact title, normalised title, fuzzy (token Dice / edit
 * distance), then embedding nearest neighbour. Excluded items are skipped at every stage, so naming an item
 * that was already recommended yields the closest other item, reported as a replacement.
 */
export class TitleGrounder {
  readonly options: Required<Omit<GroundingOptions, "embeddings">> & { embeddings?: TextEmbeddings };
  readonly counts: GroundingCounts = { total: 0, exact: 0, normalised: 0, fuzzy: 0, embedding: 0, none: 0, replaced: 0, embeddingErrors: 0 };
  private readonly titles: readonly string[];
  private readonly normalised: string[];
  private readonly tokens: string[][];
  private readonly byTitle = new Map<string, ItemId[]>();
  private readonly byNormalised = new Map<string, ItemId[]>();
  /** Per-title character histograms (32 hashed buckets): a cheap lower bound on edit distance. */
  private readonly charHistograms: Uint8Array;
  private titleVectors?: Promise<number[][]>;

  /** `new TitleGrounder({ catalog, ...options })`. */
  constructor(options: TitleGrounderOptions);
  /** @deprecated Pass one options object: `new TitleGrounder({ catalog, ...options })`. This form goes in the next minor release. */
  constructor(catalog: Catalog, options?: GroundingOptions);
  constructor(first: TitleGrounderOptions | Catalog, rest: GroundingOptions = {}) {
    // A Catalog has numItems; the options object holds one under `catalog`.
    const { catalog, ...options } = "catalog" in first ? first : { ...rest, catalog: first };
    this.options = { ...DEFAULTS, ...options };
    if (!(this.options.fuzzyThreshold > 0 && this.options.fuzzyThreshold <= 1)) {
      throw new FarsightError("llm-actor/grounding-bad-option", `fuzzyThreshold must be in (0, 1], got ${this.options.fuzzyThreshold}`, { fuzzyThreshold: this.options.fuzzyThreshold });
    }
    this.titles = catalogTitles(catalog);
    this.normalised = this.titles.map(normaliseTitle);
    this.tokens = this.normalised.map(titleTokens);
    this.charHistograms = new Uint8Array(this.normalised.length * HIST_BUCKETS);
    this.normalised.forEach((t, i) => charHistogram(t, this.charHistograms.subarray(i * HIST_BUCKETS, (i + 1) * HIST_BUCKETS)));
    this.titles.forEach((t, i) => push(this.byTitle, t.trim(), i));
    this.normalised.forEach((t, i) => push(this.byNormalised, t, i));
  }

  /** Title of an item, as shown to models. */
  title(item: ItemId): string {
    return this.titles[item] ?? `item ${item}`;
  }

  /** Grounds one piece of text; `item` is null when no stage found an allowed item. */
  async ground(text: string, scope: GroundingScope = {}): Promise<GroundingResult> {
    const result = await this.groundUncounted(text.trim(), scope);
    this.counts.total++;
    const method = result.method as "exact" | "normalised" | "fuzzy" | "embedding" | "none"; // what groundUncounted returns
    this.counts[method]++;
    if (result.replaced) this.counts.replaced++;
    return result;
  }

  private usable(item: ItemId, scope: GroundingScope): boolean {
    return !scope.exclude?.has(item) && (scope.allowed === undefined || scope.allowed.has(item));
  }

  private whyNot(ids: readonly ItemId[], scope: GroundingScope): string {
    return ids.some((i) => scope.exclude?.has(i)) ? "already recommended" : "outside the plan";
  }

  private async groundUncounted(text: string, scope: GroundingScope): Promise<GroundingResult> {
    if (text.length === 0) return { text, item: null, method: "none", score: 0, replaced: false, reason: "empty answer" };
    let reason = "unknown title";
    const exact = this.byTitle.get(text);
    if (exact) {
      const hit = exact.find((i) => this.usable(i, scope));
      if (hit !== undefined) return { text, item: hit, method: "exact", score: 1, replaced: false };
      reason = this.whyNot(exact, scope);
    }
    const norm = normaliseTitle(text);
    const same = this.byNormalised.get(norm);
    if (same) {
      const hit = same.find((i) => this.usable(i, scope));
      if (hit !== undefined) return { text, item: hit, method: "normalised", score: 1, replaced: false };
      reason = this.whyNot(same, scope);
    }
    const fuzzy = this.bestFuzzy(norm, scope);
    if (fuzzy) return { text, item: fuzzy.item, method: "fuzzy", score: fuzzy.score, replaced: true, reason };
    if (this.options.embeddings) {
      const near = await this.nearestByEmbedding(text, scope);
      if (near) return { text, item: near.item, method: "embedding", score: near.score, replaced: true, reason };
    }
    return { text, item: null, method: "none", score: 0, replaced: false, reason };
  }

  private bestFuzzy(norm: string, scope: GroundingScope): { item: ItemId; score: number } | null {
    const threshold = this.options.fuzzyThreshold;
    const queryTokens = titleTokens(norm);
    const queryCounts = new Map<string, number>();
    for (const t of queryTokens) queryCounts.set(t, (queryCounts.get(t) ?? 0) + 1);
    const queryHist = charHistogram(norm, new Uint8Array(HIST_BUCKETS));
    const hists = this.charHistograms;
    let best: ItemId = -1;
    let bestScore = -1;
    for (let i = 0; i < this.normalised.length; i++) {
      if (!this.usable(i, scope)) continue;
      const dice = sharedTokenDice(queryCounts, queryTokens.length, this.tokens[i]!);
      let score = dice;
      const title = this.normalised[i]!;
      const floor = Math.max(threshold, bestScore, dice);
      // Edit distance >= longer length - shared characters (as multisets; hashing buckets only overestimates
      // the overlap), so most titles are ruled out without the O(n m) dynamic programme.
      const longer = Math.max(norm.length, title.length);
      let overlap = 0;
      for (let c = 0, o = i * HIST_BUCKETS; c < HIST_BUCKETS; c++) overlap += Math.min(queryHist[c]!, hists[o + c]!);
      if (longer > 0 && 1 - (longer - overlap) / longer >= floor) {
        score = Math.max(dice, editSimilarity(norm, title, floor));
      }
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    return best >= 0 && bestScore >= threshold ? { item: best, score: bestScore } : null;
  }

  private async nearestByEmbedding(text: string, scope: GroundingScope): Promise<{ item: ItemId; score: number } | null> {
    const embeddings = this.options.embeddings!;
    let vectors: number[][];
    let query: number[];
    try {
      this.titleVectors ??= embeddings.embedDocuments([...this.titles]);
      [vectors, query] = await Promise.all([this.titleVectors, embeddings.embedQuery(text)]);
    } catch {
      // A failing embedding service must not end a long run: grounding reports "none" and the caller falls back.
      this.titleVectors = undefined;
      this.counts.embeddingErrors++;
      return null;
    }
    let best: ItemId = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < vectors.length; i++) {
      if (!this.usable(i, scope)) continue;
      const s = cosine(query, vectors[i]!);
      if (s > bestScore) {
        bestScore = s;
        best = i;
      }
    }
    return best >= 0 && bestScore >= this.options.embeddingThreshold ? { item: best, score: bestScore } : null;
  }
}

const HIST_BUCKETS = 32;

/** Character counts of a string in 32 hashed buckets (saturating at 255), written into `out`. */
function charHistogram(text: string, out: Uint8Array): Uint8Array {
  for (let k = 0; k < text.length; k++) {
    const b = text.charCodeAt(k) & (HIST_BUCKETS - 1);
    if (out[b]! < 255) out[b]!++;
  }
  return out;
}

/** Token Dice against precounted query tokens, without allocating (titles have a handful of tokens). */
function sharedTokenDice(queryCounts: Map<string, number>, queryLength: number, tokens: readonly string[]): number {
  if (queryLength === 0 || tokens.length === 0) return 0;
  let shared = 0;
  for (let j = 0; j < tokens.length; j++) {
    const t = tokens[j]!;
    const available = queryCounts.get(t);
    if (available === undefined) continue;
    let usedBefore = 0;
    for (let p = 0; p < j; p++) if (tokens[p] === t) usedBefore++;
    if (usedBefore < available) shared++;
  }
  return (2 * shared) / (queryLength + tokens.length);
}

function push(map: Map<string, ItemId[]>, key: string, item: ItemId): void {
  const list = map.get(key);
  if (list) list.push(item);
  else map.set(key, [item]);
}
