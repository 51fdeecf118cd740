import type { Episode, ReflectContext } from "@farsight/core";
import { categoryName, num } from "./episode-facts.js";

/** A prompt as role/content pairs (LangChain `BaseMessageLike` tuples). */
export type PromptMessages = [role: "system" | "human", content: string][];

export interface ReflectionPromptOptions {
  readonly maxWords: number;
  /** Steps shown at most (the last ones). */
  readonly maxSteps: number;
  /** Candidate category ids to list; default the categories the session saw. */
  readonly candidateCategories?: readonly number[];
  readonly feedbackMeaning?: string;
}

function label(id: number, context?: ReflectContext): string {
  const n = context?.categoryNames?.[id];
  return n ? `${id} (${n})` : String(id);
}

function stepLines(episode: Episode, o: ReflectionPromptOptions, context: ReflectContext | undefined, withItems: boolean): string {
  if (episode.steps.length === 0) return "No recommendation was shown before the session ended.";
  const first = Math.max(0, episode.steps.length - o.maxSteps);
  const skipped = first > 0 ? [`(first ${first} steps omitted)`] : [];
  return skipped
    .concat(
      episode.steps.slice(first).map((s, i) => {
        const cats = s.categories.map((c) => categoryName(c, context?.categoryNames));
        const items = withItems ? ` items [${s.slate.map((it) => context?.itemTitles?.[it] ?? `#${it}`).join(", ")}];` : "";
        return `- Step ${first + i}:${items} categories [${cats.join(", ")}]; feedback [${s.feedback.map(num).join(", ")}]; reward ${num(s.reward)}`;
      }),
    )
    .join("\n");
}

function candidates(episode: Episode, o: ReflectionPromptOptions, context?: ReflectContext): string {
  const ids = o.candidateCategories ?? [...new Set(episode.steps.flatMap((s) => s.categories))];
  return ids.length ? ids.map((c) => `- ${label(c, context)}`).join("\n") : "(none shown)";
}

/**
 * LERL's reflection request: the candidate categories, the session's categories and feedback per step, total
 * steps and long-term satisfaction (the return); analyse repetition effects and give an actionable insight in
 * fewer than `maxWords` words.
 */
export function lerlReflectionPrompt(episode: Episode, o: ReflectionPromptOptions, context?: ReflectContext): PromptMessages {
  const feedback = o.feedbackMeaning ? `\nFeedback values: ${o.feedbackMeaning}.` : "";
  const user = [
    "[Candidate Categories]",
    candidates(episode, o, context),
    "",
    "[Session]",
    `Interaction categories and user feedback per step, oldest first.${feedback}`,
    stepLines(episode, o, context, false),
    `Total steps: ${episode.length}`,
    `Long-term satisfaction (return): ${num(episode.return)}`,
    `Why the session ended: ${episode.endReason}`,
    "",
    "[Your Task]",
    "Reflect on this session for a planner that chooses categories for future users. Analyse:",
    "1. Repetition effects: how repeating categories affected feedback and when the user left.",
    "2. Actionable insights: what to recommend or avoid next time.",
    `Write the reflection in fewer than ${o.maxWords} words.`,
  ].join("\n");
  return [["system", "You analyse finished recommendation sessions and write short, concrete lessons."], ["human", user]];
}

/**
 * BiLLP's REFLECT_INSTRUCTION, adapted: the full trajectory of a session that ended, then "diagnose a possible
 * reason for failure and devise a new, concise, high level plan that aims to mitigate the same failure".
 */
export function billpFailurePrompt(episode: Episode, o: ReflectionPromptOptions, context?: ReflectContext): PromptMessages {
  const feedback = o.feedbackMeaning ? ` Feedback values: ${o.feedbackMeaning}.` : "";
  const user = [
    "You were recommending items to a user, one slate per step, to keep the user engaged as long as possible. " +
      `The session ended (${episode.endReason}) after ${episode.length} steps with a total reward of ${num(episode.return)}.`,
    "",
    `[Trajectory]${feedback}`,
    stepLines(episode, o, context, true),
    "",
    "[Your Task]",
    "Diagnose a possible reason why the session ended and devise a new, concise, high-level plan that aims to " +
      `mitigate the same failure with similar users. Use fewer than ${o.maxWords} words in total.`,
  ].join("\n");
  return [["system", "You are an advanced reasoning agent that improves by reflecting on its past attempts."], ["human", user]];
}
