/**
 * Small string helpers for grounding free text to catalogue titles. Kept dependency-free: the catalogues
 * here are thousands of titles, where a length-pruned Levenshtein over every title is fast enough and
 * easier to trust than an approximate index.
 */

/** Lower case, accents removed, punctuation turned into spaces, whitespace collapsed. */
export function normaliseTitle(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/&/g, " and ")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** Tokens of a normalised title (empty strings dropped). */
export function titleTokens(normalised: string): string[] {
  return normalised.split(" ").filter((t) => t.length > 0);
}

/** Sørensen-Dice coefficient of two token multisets, 0..1. */
export function tokenDice(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const t of a) counts.set(t, (counts.get(t) ?? 0) + 1);
  let shared = 0;
  for (const t of b) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      shared++;
      counts.set(t, c - 1);
    }
  }
  return (2 * shared) / (a.length + b.length);
}

let rowA = new Int32Array(64);
let rowB = new Int32Array(64);

/**
 * Levenshtein distance, or `maxDistance + 1` as soon as the distance is known to exceed `maxDistance`
 * (that early exit is what makes a scan over a whole catalogue cheap). Reuses two module-level rows, so a
 * catalogue scan allocates nothing.
 */
export function boundedLevenshtein(a: string, b: string, maxDistance = Infinity): number {
  if (Math.abs(a.length - b.length) > maxDistance) return maxDistance + 1;
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  if (rowA.length <= b.length) {
    rowA = new Int32Array(b.length * 2 + 1);
    rowB = new Int32Array(b.length * 2 + 1);
  }
  let prev = rowA;
  let cur = rowB;
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      let v = prev[j]! + 1;
      const ins = cur[j - 1]! + 1;
      if (ins < v) v = ins;
      const sub = prev[j - 1]! + cost;
      if (sub < v) v = sub;
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > maxDistance) return maxDistance + 1;
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[b.length]!;
}

/** 1 - distance / longer length, 0..1; 0 when the distance exceeds what `minSimilarity` allows. */
export function editSimilarity(a: string, b: string, minSimilarity = 0): number {
  const longer = Math.max(a.length, b.length);
  if (longer === 0) return 1;
  const maxDistance = Math.floor((1 - minSimilarity) * longer);
  const d = boundedLevenshtein(a, b, maxDistance);
  return d > maxDistance ? 0 : 1 - d / longer;
}

/** Cosine similarity of two vectors; 0 when either is all zeros. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
