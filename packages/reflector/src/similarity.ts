/**
 * Bag-of-words cosine similarity: the default retrieval of the reflection pool. No model, no download, and good
 * enough for short reflections that name categories; pass LangChain `Embeddings` to the pool for semantic search.
 */

const STOPWORDS = new Set(
  "a an and are as at be by for from has have in is it its of on or that the this to was were will with the user users session sessions".split(" "),
);

/** Lower-case word counts without stopwords; digits count as words (category ids). */
export function bagOfWords(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (STOPWORDS.has(w)) continue;
    counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return counts;
}

/** Cosine of two bags of words; 0 when either is empty. */
export function cosineBags(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  let dot = 0, na = 0, nb = 0;
  for (const [w, x] of a) { na += x * x; const y = b.get(w); if (y) dot += x * y; }
  for (const y of b.values()) nb += y * y;
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** Cosine of two dense vectors; 0 when either is all zero. */
export function cosineVectors(a: readonly number[], b: readonly number[]): number {
  let dot = 0, na = 0, nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) { dot += a[i]! * b[i]!; na += a[i]! * a[i]!; nb += b[i]! * b[i]!; }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
