/**
 * Quality guards: an answer that parses can still say nothing. Per component, the model's answers are sampled (never
 * the fallbacks'): how many are distinct, how often the most common one recurs across sessions, the entropy of the
 * categories planned, how many texts repeat an earlier one (word-trigram overlap), the spread of scores. A role that
 * gives different sessions the same answer has collapsed, however valid its JSON ({@link isCollapsed}).
 */

/** What a component tells about one of the model's answers. */
export interface QualitySample {
  /** The answer's identity for "distinct" (e.g. the sorted category ids, the score, the text). */
  readonly key: string;
  /** The session it answered, so that "the same answer for different sessions" can be told from one session's repeats. */
  readonly session?: string;
  /** Categories planned (planners): feeds the entropy of planned categories. */
  readonly categories?: readonly number[];
  /** Free text (reflections, thoughts): checked for repetition by word-trigram overlap. */
  readonly text?: string;
  /** A score (critics): feeds the spread. */
  readonly score?: number;
}

/** The guard's figures for one component (plain JSON, in results.json). */
export interface QualitySummary {
  /** Model answers seen. */
  answers: number;
  /** Distinct sessions they answered (0 when the component does not say). */
  sessions: number;
  /** Distinct answers / answers. */
  distinctShare: number;
  /** Share of the most common answer, and that answer. */
  topShare: number;
  topAnswer: string;
  /** Entropy in bits of the categories named over all plans (0 = one category always); NaN without categories. */
  categoryEntropyBits: number;
  /** Categories ever named. */
  categoriesNamed: number;
  /** Share of texts whose word trigrams overlap an earlier text's by >= {@link REPEAT_OVERLAP} (Jaccard); NaN without texts. */
  repeatedTextShare: number;
  /** Standard deviation, minimum and maximum of the scores; NaN without scores. */
  scoreStd: number;
  scoreMin: number;
  scoreMax: number;
}

/** Trigram Jaccard at which a text counts as a repeat of an earlier one. */
export const REPEAT_OVERLAP = 0.8;
/** Earlier texts a new text is compared with (the most recent ones). */
const TEXT_WINDOW = 64;
/** Distinct answers counted exactly; beyond, every new answer counts as distinct (a collapse is never that varied). */
const MAX_KEYS = 10_000;

/** Word trigrams of a text (lower-cased words; texts under 3 words give their words as one gram). */
export function trigrams(text: string): Set<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  if (words.length < 3) return new Set(words.length ? [words.join(" ")] : []);
  const out = new Set<string>();
  for (let i = 0; i + 2 < words.length; i++) out.add(`${words[i]} ${words[i + 1]} ${words[i + 2]}`);
  return out;
}

/** Jaccard overlap of two gram sets (0 when both are empty). */
export function overlap(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let shared = 0;
  for (const g of a) if (b.has(g)) shared++;
  return shared / (a.size + b.size - shared);
}

/** The running samples of one component. */
export class AnswerSamples {
  private answers = 0;
  private extraDistinct = 0;
  private readonly keys = new Map<string, number>();
  private readonly sessions = new Set<string>();
  private readonly categories = new Map<number, number>();
  private readonly recentTexts: Set<string>[] = [];
  private texts = 0;
  private repeatedTexts = 0;
  private scores = 0;
  private scoreSum = 0;
  private scoreSq = 0;
  private scoreMin = Infinity;
  private scoreMax = -Infinity;

  add(s: QualitySample): void {
    this.answers++;
    if (this.keys.has(s.key) || this.keys.size < MAX_KEYS) this.keys.set(s.key, (this.keys.get(s.key) ?? 0) + 1);
    else this.extraDistinct++;
    if (s.session !== undefined && this.sessions.size < MAX_KEYS) this.sessions.add(s.session);
    for (const c of s.categories ?? []) this.categories.set(c, (this.categories.get(c) ?? 0) + 1);
    if (s.text !== undefined) {
      const grams = trigrams(s.text);
      this.texts++;
      if (this.recentTexts.some((g) => overlap(g, grams) >= REPEAT_OVERLAP)) this.repeatedTexts++;
      this.recentTexts.push(grams);
      if (this.recentTexts.length > TEXT_WINDOW) this.recentTexts.shift();
    }
    if (s.score !== undefined && Number.isFinite(s.score)) {
      this.scores++;
      this.scoreSum += s.score;
      this.scoreSq += s.score * s.score;
      this.scoreMin = Math.min(this.scoreMin, s.score);
      this.scoreMax = Math.max(this.scoreMax, s.score);
    }
  }

  summary(): QualitySummary {
    const n = Math.max(1, this.answers);
    let top = "";
    let topCount = 0;
    for (const [k, c] of this.keys) if (c > topCount) [top, topCount] = [k, c];
    const named = [...this.categories.values()];
    const total = named.reduce((a, b) => a + b, 0);
    const entropy = total ? -named.reduce((h, c) => h + (c / total) * Math.log2(c / total), 0) : NaN;
    const mean = this.scores ? this.scoreSum / this.scores : NaN;
    return {
      answers: this.answers,
      sessions: this.sessions.size,
      distinctShare: this.answers ? (this.keys.size + this.extraDistinct) / n : NaN,
      topShare: this.answers ? topCount / n : NaN,
      topAnswer: top.slice(0, 120),
      categoryEntropyBits: entropy === 0 ? 0 : entropy,
      categoriesNamed: this.categories.size,
      repeatedTextShare: this.texts ? this.repeatedTexts / this.texts : NaN,
      scoreStd: this.scores ? Math.sqrt(Math.max(0, this.scoreSq / this.scores - mean * mean)) : NaN,
      scoreMin: this.scores ? this.scoreMin : NaN,
      scoreMax: this.scores ? this.scoreMax : NaN,
    };
  }
}

/** When a role counts as collapsed. */
export interface CollapseRule {
  /** The most common answer's share at or above which the role collapsed. Default 0.9. */
  readonly maxTopShare?: number;
  /** Repeated-text share at or above which a text role collapsed. Default 0.9. */
  readonly maxRepeatedTextShare?: number;
  /** Fewer model answers than this are too few to judge. Default 10. */
  readonly minAnswers?: number;
}

/**
 * Why a component's answers count as collapsed, or undefined: at least `minAnswers` answers (for at least two
 * sessions where the component names them) and the most common answer at >= `maxTopShare`, or texts repeating
 * earlier ones at >= `maxRepeatedTextShare`.
 */
export function isCollapsed(q: QualitySummary, rule: CollapseRule = {}): string | undefined {
  const minAnswers = rule.minAnswers ?? 10;
  if (q.answers < minAnswers) return undefined;
  if (q.sessions === 1) return undefined; // one session's repeats are consistency, not collapse
  const pct = (x: number) => `${Math.round(100 * x)}%`;
  const across = q.sessions ? ` across ${q.sessions} sessions` : "";
  if (q.topShare >= (rule.maxTopShare ?? 0.9)) return `${pct(q.topShare)} of its ${q.answers} answers${across} were the same (${JSON.stringify(q.topAnswer)})`;
  if (q.repeatedTextShare >= (rule.maxRepeatedTextShare ?? 0.9)) return `${pct(q.repeatedTextShare)} of its ${q.answers} texts repeat an earlier one (word-trigram overlap >= ${REPEAT_OVERLAP})`;
  return undefined;
}

/** "distinct 35%, top 60%, entropy 1.9 bits" for a table or a summary line. */
export function formatQuality(q: QualitySummary): string {
  const pct = (x: number) => `${Math.round(100 * x)}%`;
  const parts = [`distinct ${pct(q.distinctShare)}`, `same answer ${pct(q.topShare)}`];
  if (Number.isFinite(q.categoryEntropyBits)) parts.push(`category entropy ${q.categoryEntropyBits.toFixed(2)} bits over ${q.categoriesNamed}`);
  if (Number.isFinite(q.repeatedTextShare)) parts.push(`repeated texts ${pct(q.repeatedTextShare)}`);
  if (Number.isFinite(q.scoreStd)) parts.push(`scores ${q.scoreMin}..${q.scoreMax} (std ${q.scoreStd.toFixed(2)})`);
  return parts.join(", ");
}
