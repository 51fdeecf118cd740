/**
 * The synthetic catalog-size family: one generator, sized by `items` (300..10,000) and `categories` (20..100).
 * The default member (500 items, 20 categories) is the `synthetic` preset as it always was, number for number.
 *
 * What scales and why (the README's "Catalog-size family" says it at length): a member with C categories is the
 * default world seen at a grain s = C / 20 times finer. Everything the default expresses *per category* keeps
 * its share of the categories, so a random agent clicks and quits about as often at every size and a policy that
 * cycles a user's favourites fits the quit window the same way:
 * - favourites per user: round(3 s) (15% of the categories);
 * - the category quit window: round(4 s) steps, threshold 1 (a random agent meets it about as often per step);
 * - boredom decay per step: 0.6^(1/s) (a favourite revisited after one cycle through the favourites carries
 *   about the same boredom).
 * Fixed: the embedding size (16: at 100 categories 99.6% of items still lie nearest their own category's mean,
 * against 99.9% at 20), every logit weight, item quality, the users (300) and their logs (100 ratings each),
 * the step limit and the temper rules. Items per category (items / C) follow from the two sizes.
 */
import { FarsightError } from "@farsight/core";
import { DEFAULT_SYNTHETIC, type SyntheticOptions } from "./synthetic.js";

/** Bounds and defaults of the two size options (the defaults are the `synthetic` preset's sizes). */
export const SYNTHETIC_SIZES = {
  items: { min: 300, max: 10_000, default: DEFAULT_SYNTHETIC.numItems },
  categories: { min: 20, max: 100, default: DEFAULT_SYNTHETIC.numCategories },
} as const;

/** The size of a family member; an omitted size is the default's. */
export interface SyntheticSize {
  /** Number of items, an integer in [300, 10000] (default 500). */
  readonly items?: number;
  /** Number of categories, an integer in [20, 100] (default 20). */
  readonly categories?: number;
}

/** The default world's per-category settings that the family scales with the category grain. */
const BASE = { categories: 20, favourites: 3, window: 4, boredomDecay: 0.6 } as const;

/** A family member: the generator's options, the quit window it runs with, and what was scaled (for `describe`). */
export interface SyntheticFamilyMember {
  /** Overrides of {@link DEFAULT_SYNTHETIC}: sizes, favourites and boredom decay. */
  readonly world: Pick<SyntheticOptions, "numItems" | "numCategories" | "favourites" | "boredomDecay">;
  /** Look-back window of the `synthetic` preset's category rule (threshold 1 at every size). */
  readonly window: number;
  /** Everything a report needs to place a result in the family. */
  readonly describe: {
    readonly items: number;
    readonly categories: number;
    /** categories / 20: how much finer the category grain is than the default's. */
    readonly scale: number;
    /** items / categories (the generator covers every category once, then draws uniformly). */
    readonly itemsPerCategory: number;
    readonly favourites: number;
    readonly window: number;
    readonly boredomDecay: number;
  };
}

function checkSize(option: keyof typeof SYNTHETIC_SIZES, value: number | undefined): number {
  const r = SYNTHETIC_SIZES[option];
  if (value === undefined) return r.default;
  if (!Number.isInteger(value) || value < r.min || value > r.max) {
    throw new FarsightError("env/bad-option", `synthetic preset option ${option} must be an integer in [${r.min}, ${r.max}], got ${value}`, { option, value, min: r.min, max: r.max });
  }
  return value;
}

/**
 * The family member of a size (validated: an `env/bad-option` error names the option, the value and its range).
 * `syntheticFamily({})` is the default world: 500 items, 20 categories, 3 favourites, window 4, decay 0.6.
 */
export function syntheticFamily(size: SyntheticSize = {}): SyntheticFamilyMember {
  const items = checkSize("items", size.items);
  const categories = checkSize("categories", size.categories);
  const scale = categories / BASE.categories;
  const favourites = Math.round(BASE.favourites * scale);
  const window = Math.round(BASE.window * scale);
  // 0.6^(1/1) is exactly 0.6: the default member keeps every number it had.
  const boredomDecay = scale === 1 ? BASE.boredomDecay : BASE.boredomDecay ** (1 / scale);
  return {
    world: { numItems: items, numCategories: categories, favourites, boredomDecay },
    window,
    describe: { items, categories, scale, itemsPerCategory: items / categories, favourites, window, boredomDecay },
  };
}
