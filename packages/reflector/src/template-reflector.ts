import type { Episode, ReflectContext, Reflection, Reflector } from "@farsight/core";
import { categoryName, episodeFacts, num } from "./episode-facts.js";

export interface TemplateReflectorOptions {
  /** Steps before the end that count as "before the user left". Default 3. */
  readonly tailSteps?: number;
  /** A category "repeated before leaving" fills more than this share of the tail's items (and at least 2). Default 1/3. */
  readonly repeatShare?: number;
  /** Categories named as repeated / as rewarding. Default 2. */
  readonly topCategories?: number;
}

/**
 * A reflection computed from the session, no model: which categories repeated before the user left and which
 * earned feedback, plus the resulting advice. Deterministic; about 20-30 words.
 */
export class TemplateReflector implements Reflector {
  readonly name = "template";
  readonly usesLlm = false;
  private readonly tailSteps: number;
  private readonly top: number;
  private readonly repeatShare: number;

  constructor(options: TemplateReflectorOptions = {}) {
    this.tailSteps = Math.max(1, options.tailSteps ?? 3);
    this.top = Math.max(1, options.topCategories ?? 2);
    this.repeatShare = options.repeatShare ?? 1 / 3;
  }

  async reflect(episode: Episode, context?: ReflectContext): Promise<Reflection> {
    return { ...this.reflectSync(episode, context), source: { kind: "heuristic", by: this.name } };
  }

  /** The template text and fields, synchronously (LLM reflectors use it as their fallback). */
  reflectSync(episode: Episode, context?: ReflectContext): Omit<Reflection, "source"> {
    const facts = episodeFacts(episode, this.tailSteps);
    const name = (id: number) => categoryName(id, context?.categoryNames);
    const parts = [`Ended (${episode.endReason}) after ${episode.length} steps, return ${num(episode.return)}.`];
    if (episode.steps.length === 0) {
      parts.push("No recommendation was shown; start broad.");
    } else {
      const repeated = facts.tallies
        .filter((t) => t.shownInTail >= 2 && t.shownInTail > facts.tailItems * this.repeatShare)
        .sort((a, b) => b.shownInTail - a.shownInTail || a.id - b.id)
        .slice(0, this.top);
      const rewarding = facts.tallies
        .filter((t) => t.meanFeedback > 0)
        .sort((a, b) => b.meanFeedback - a.meanFeedback || a.id - b.id)
        .slice(0, this.top);
      if (repeated.length) {
        parts.push(`Repeated before leaving: ${repeated.map((t) => `${name(t.id)} x${t.shownInTail}`).join(", ")}.`);
      } else {
        parts.push(`No category dominated the last ${facts.tailSteps} steps.`);
      }
      // KuaiSim/LERL's temper drops faster when a slot repeats the previous slate's category.
      if (facts.positionRepeats > 0) parts.push(`Same category in the same slot as the step before ${facts.positionRepeats}x.`);
      parts.push(
        rewarding.length
          ? `Rewarding: ${rewarding.map((t) => `${name(t.id)} ${num(t.meanFeedback)}`).join(", ")}.`
          : "No category earned positive feedback.",
      );
      const keep = rewarding.filter((t) => !repeated.some((r) => r.id === t.id)).map((t) => name(t.id));
      const cap = repeated.map((t) => name(t.id));
      const advice = [keep.length ? `favour ${keep.join(", ")}` : "explore new categories", cap.length ? `rotate away from ${cap.join(", ")} sooner` : ""]
        .filter(Boolean)
        .join("; ");
      parts.push(`Next: ${advice}.`);
    }
    return {
      text: parts.join(" "),
      return: episode.return,
      length: episode.length,
      categories: facts.categoriesSeen,
      sessionId: episode.sessionId,
      userId: episode.userId,
      endReason: episode.endReason,
    };
  }
}
