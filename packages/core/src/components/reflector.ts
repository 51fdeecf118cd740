import type { Episode, Reflection } from "../types.js";

/** What a reflector may know beyond the episode: names for the prompt, cancellation. */
export interface ReflectContext {
  /** Category names by id (`Catalog.categoryNames`); ids are shown where absent. */
  readonly categoryNames?: readonly string[];
  /** Item titles by id (`Catalog.itemTitles`); the BiLLP failure reflector shows them where present. */
  readonly itemTitles?: readonly string[];
  readonly signal?: AbortSignal;
}

/**
 * Writes a short lesson about a finished session. The reflection describes *that* session (its return, length and
 * categories), not the user who replaces it in the slot: the released LERL code got this wrong.
 */
export interface Reflector {
  readonly name: string;
  /** True only for reflectors that call a language model. */
  readonly usesLlm: boolean;
  reflect(episode: Episode, context?: ReflectContext): Promise<Reflection>;
}
