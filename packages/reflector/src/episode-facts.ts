import type { CategoryId, Episode } from "@farsight/core";

/** Counts and feedback of one category within an episode. */
export interface CategoryTally {
  readonly id: CategoryId;
  /** Items of the category shown in the whole session. */
  readonly shown: number;
  /** Items of the category shown in the last `tailSteps` steps. */
  readonly shownInTail: number;
  readonly meanFeedback: number;
}

/** The numbers every reflector starts from, computed once from a finished episode. */
export interface EpisodeFacts {
  /** Categories in order of first appearance (what `Reflection.categories` holds). */
  readonly categoriesSeen: CategoryId[];
  readonly tallies: CategoryTally[];
  /** Slate positions whose category equals the previous slate's at the same position (LERL's temper penalty). */
  readonly positionRepeats: number;
  readonly tailSteps: number;
  /** Items shown in the tail window. */
  readonly tailItems: number;
}

/** Tallies an episode; `tailSteps` is the window "before the user left". */
export function episodeFacts(episode: Episode, tailSteps = 3): EpisodeFacts {
  const order: CategoryId[] = [];
  const acc = new Map<CategoryId, { shown: number; tail: number; sum: number; n: number }>();
  const firstTail = Math.max(0, episode.steps.length - tailSteps);
  let positionRepeats = 0;
  let tailItems = 0;
  episode.steps.forEach((step, t) => {
    if (t >= firstTail) tailItems += step.categories.length;
    const prev = t > 0 ? episode.steps[t - 1]!.categories : undefined;
    step.categories.forEach((c, k) => {
      let a = acc.get(c);
      if (!a) { a = { shown: 0, tail: 0, sum: 0, n: 0 }; acc.set(c, a); order.push(c); }
      a.shown++;
      if (t >= firstTail) a.tail++;
      const f = step.feedback[k];
      if (f !== undefined && Number.isFinite(f)) { a.sum += f; a.n++; }
      if (prev && prev[k] === c) positionRepeats++;
    });
  });
  const tallies = order.map((id) => {
    const a = acc.get(id)!;
    return { id, shown: a.shown, shownInTail: a.tail, meanFeedback: a.n ? a.sum / a.n : 0 };
  });
  return { categoriesSeen: order, tallies, positionRepeats, tailSteps: Math.min(tailSteps, episode.steps.length), tailItems };
}

/** A category's name, or "category <id>". */
export function categoryName(id: CategoryId, names?: readonly string[]): string {
  const n = names?.[id];
  return n !== undefined && n !== "" ? n : `category ${id}`;
}

/** Compact number: integers as is, others with at most 2 decimals. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Number.isInteger(x) ? String(x) : String(Math.round(x * 100) / 100);
}

/** Whitespace-normalised text cut to `maxWords` words; `cut` says whether anything was dropped. */
export function capWords(text: string, maxWords: number): { text: string; cut: boolean } {
  const words = text.replace(/\s+/g, " ").trim().split(" ").filter(Boolean);
  return { text: words.slice(0, maxWords).join(" "), cut: words.length > maxWords };
}
