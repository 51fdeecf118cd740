import type { Catalog, Observation } from "@farsight/core";

/** One few-shot example: a recent list rendered as text, and the value a good critic gives it. */
export interface CriticExample {
  readonly list: string;
  readonly value: number;
}

/**
 * Default few-shot examples, written for Farsight (BiLLP ships three for Steam / Amazon titles). They teach the
 * scale: monotonous lists with falling feedback are negative, varied well-rated lists are positive.
 */
export const DEFAULT_CRITIC_EXAMPLES: readonly CriticExample[] = [
  {
    list: "- Galactic Empires (Strategy): feedback 5\n- Star Dominion (Strategy): feedback 4\n- Empire of Suns (Strategy): feedback 3\n- Stellar Conquest (Strategy): feedback 2",
    value: -3,
  },
  {
    list: "- Mountain Rally (Racing): feedback 4\n- Quiet Forest (Puzzle): feedback 5\n- Harbor Heist (Action): feedback 4\n- Word Garden (Puzzle): feedback 5",
    value: 4,
  },
  {
    list: "- Night Runner (Action): feedback 3\n- Night Runner II (Action): feedback 4\n- Pixel Chef (Simulation): feedback 3",
    value: 1,
  },
];

/** Parts of one critic prompt. */
export interface CriticPromptParts {
  readonly catalog: Catalog;
  readonly observation: Observation;
  readonly window: number;
  readonly range: readonly [number, number];
  readonly examples: readonly CriticExample[];
  /** A value remembered for this history (critic memory), already clamped. */
  readonly remembered?: number;
  readonly structuredOutput: boolean;
}

/** Renders the last `window` items of a history as "- title (category): feedback f" lines. */
export function renderRecentList(catalog: Catalog, observation: Observation, window: number): string {
  const recent = observation.history.slice(-window);
  if (recent.length === 0) return "(nothing recommended yet)";
  return recent
    .map((h) => {
      const title = catalog.itemTitles?.[h.item] ?? `item ${h.item}`;
      const category = catalog.categoryNames[h.category] ?? `category ${h.category}`;
      return `- ${title} (${category}): feedback ${h.feedback}`;
    })
    .join("\n");
}

/** System and user messages of one critic call (BiLLP's CRITIC_INSTRUCT, rewritten). */
export function criticMessages(parts: CriticPromptParts): { system: string; user: string } {
  const [lo, hi] = parts.range;
  const answer = parts.structuredOutput ? `the integer in "value"` : `one line "Value: <integer>"`;
  const system = [
    "You are the critic of a recommender agent that wants users to stay engaged over a long session.",
    `Judge whether the user's recent list can satisfy them and keep them interested. Give an integer from ${lo} to ${hi}:`,
    `${lo} means the user is about to leave, 0 is neutral, ${hi} means they are delighted and eager for more. Answer with ${answer}.`,
  ].join(" ");
  const lines: string[] = [];
  parts.examples.forEach((ex, i) => lines.push(`Example ${i + 1}:\nRecent list:\n${ex.list}\nValue: ${ex.value}`));
  if (parts.remembered !== undefined) {
    lines.push(`According to historical experience, for this same recent list the Value was ${Math.round(parts.remembered * 10) / 10}.`);
  }
  lines.push(`Now the user's recent list, oldest first:\n${renderRecentList(parts.catalog, parts.observation, parts.window)}`);
  return { system, user: lines.join("\n\n") };
}

/** A number read from a critic answer, or why none could be read. */
export type ParsedValue = { ok: true; value: number } | { ok: false; issue: "empty" | "non-numeric" };

/**
 * Reads the value from a text answer: the number after "value" if there is one (e.g. "Value: 3"), otherwise
 * the last number in the text (models tend to end with their verdict). "NaN" and "Infinity" are not numbers.
 */
export function parseCriticValue(text: string): ParsedValue {
  const trimmed = text.trim();
  if (trimmed.length === 0) return { ok: false, issue: "empty" };
  const labelled = /value\s*(?:[:=]\s*|is\s+)?([-+−]?\d+(?:\.\d+)?)/i.exec(trimmed);
  const numbers = [...trimmed.matchAll(/[-+−]?\d+(?:\.\d+)?/g)];
  const token = labelled?.[1] ?? numbers[numbers.length - 1]?.[0];
  if (token === undefined) return { ok: false, issue: "non-numeric" };
  const value = Number(token.replace("−", "-"));
  return Number.isFinite(value) ? { ok: true, value } : { ok: false, issue: "non-numeric" };
}
