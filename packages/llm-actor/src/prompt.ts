import type { Catalog, CategoryId, ItemId, Observation, Plan } from "@farsight/core";

/** Everything the actor prompt shows. */
export interface ActorPromptParts {
  readonly catalog: Catalog;
  readonly titles: readonly string[];
  readonly observation: Observation;
  readonly plan?: Plan;
  readonly planCategories: readonly CategoryId[];
  readonly candidates: readonly ItemId[];
  readonly excludedNotInHistory: readonly ItemId[];
  readonly hints: readonly string[];
  readonly k: number;
  readonly historyWindow: number;
  readonly structuredOutput: boolean;
}

const SYSTEM = [
  "You are the actor of a recommender agent that keeps a user engaged over a long session.",
  "A planner has set the sub-goal for this step; choose the items that serve it and suit the user's history.",
  "Recommend only titles from the candidate list, copied exactly, and never an item the user has already been shown.",
].join(" ");

function itemLine(parts: ActorPromptParts, item: ItemId): string {
  const category = parts.catalog.categoryNames[parts.catalog.itemCategory[item]!] ?? "unknown";
  return `${parts.titles[item]} (${category})`;
}

/** System and user messages of one actor call. */
export function actorMessages(parts: ActorPromptParts): { system: string; user: string } {
  const { observation, plan, k } = parts;
  const lines: string[] = [];
  const history = observation.history.slice(-parts.historyWindow);
  lines.push(history.length === 0
    ? "The user has not been shown anything yet in this session."
    : `The user's recent history, oldest first, with their feedback:\n${history.map((h) => `- ${itemLine(parts, h.item)}: feedback ${h.feedback}`).join("\n")}`);
  if (parts.excludedNotInHistory.length > 0) {
    lines.push(`Also already recommended: ${parts.excludedNotInHistory.slice(-20).map((i) => parts.titles[i]).join("; ")}`);
  }
  if (plan?.thought) lines.push(`Plan: ${plan.thought}`);
  if (parts.planCategories.length > 0) {
    lines.push(`Focus categories: ${parts.planCategories.map((c) => parts.catalog.categoryNames[c] ?? `category ${c}`).join(", ")}`);
  }
  for (const hint of parts.hints) lines.push(hint);
  lines.push(`Candidates:\n${parts.candidates.map((item, i) => `${i + 1}. ${itemLine(parts, item)}`).join("\n")}`);
  const noun = k === 1 ? "1 item" : `${k} different items`;
  lines.push(parts.structuredOutput
    ? `Recommend ${noun}: give their exact titles in "recommendations", best first.`
    : `Recommend ${noun}. Answer with ${k === 1 ? "one line" : "one line per item, best first"} of the form recommend[<exact title>] and nothing else.`);
  return { system: SYSTEM, user: lines.join("\n\n") };
}

/** Follow-up sent when a text answer contained no recommend[...]. */
export const FORMAT_REMINDER = "Your answer contained no recommend[<title>]. Reply again with only lines of the form recommend[<exact title from the candidate list>].";

/** Titles named as recommend[...] in a text answer, in order, without duplicates. */
export function parseRecommendations(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/recommend\s*\[([^\]\n]*)\]/gi)) {
    const title = m[1]!.trim().replace(/^["'<]+|["'>]+$/g, "").trim();
    if (title.length > 0 && !out.includes(title)) out.push(title);
  }
  return out;
}

/**
 * Last resort for an answer without the recommend[...] format: its first non-empty line, list numbering and
 * quotes removed, is taken as a title (grounding then decides whether it names anything).
 */
export function firstLineAsTitle(text: string): string {
  const line = text.split("\n").map((l) => l.trim()).find((l) => l.length > 0) ?? "";
  return line.replace(/^(\d+[.)]|[-*])\s*/, "").replace(/^["']+|["']+$/g, "").trim();
}
