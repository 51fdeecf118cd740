/**
 * The synthetic world: the project's default environment. Ground truth is known by construction.
 *
 * Items belong to named categories and carry an embedding (category centroid + noise) and a quality.
 * A user has a base interest per category (a few favourites) and a taste vector. Within a session:
 * - boredom: showing category c raises boredom[c] by 1; every step all boredom decays by `boredomDecay`;
 * - the click probability of item i (category c) is
 *   sigmoid(interest[c] + quality[i] + taste . emb[i] - boredomWeight * boredom[c] + bias);
 * - interests drift: each step one random category's interest moves by N(0, drift^2).
 * So repeating a favourite category pays at first and then less and less, and (with the preset's category
 * window rule) bored users leave: a diversity-aware planner beats a myopic greedy policy over a session.
 */
import { createCatalog, FarsightError, Rng, type Catalog, type ItemScorer, type UserId } from "@farsight/core";
import type { WorldModel } from "./world.js";

export interface SyntheticOptions {
  /** Number of categories (default 20). */
  readonly numCategories: number;
  /** Number of items (default 500; up to 1M). */
  readonly numItems: number;
  /** Number of users (default 300). */
  readonly numUsers: number;
  /** Embedding size of items and user tastes (default 16). */
  readonly embeddingDim: number;
  /** Favourite categories per user (default 3). */
  readonly favourites: number;
  /** Interest of a favourite category (default 1.5); others draw N(-1, 0.5^2). */
  readonly favouriteInterest: number;
  /** Weight of boredom in the logit (default 1.2). */
  readonly boredomWeight: number;
  /** Multiplicative decay of boredom per step (default 0.6: recovers within a few steps). */
  readonly boredomDecay: number;
  /** Std of the per-step interest drift of one random category (default 0.1). */
  readonly drift: number;
  /** Std of item quality (default 0.5). */
  readonly qualityStd: number;
  /** Scale of the taste . embedding term (default 0.5). */
  readonly tasteScale: number;
  /** Logit bias (default -0.5). */
  readonly bias: number;
  /** Seed of the generated world (users, items); the simulator's seed drives sessions. */
  readonly seed: number;
}

export const DEFAULT_SYNTHETIC: SyntheticOptions = {
  numCategories: 20,
  numItems: 500,
  numUsers: 300,
  embeddingDim: 16,
  favourites: 3,
  favouriteInterest: 1.5,
  boredomWeight: 1.2,
  boredomDecay: 0.6,
  drift: 0.1,
  qualityStd: 0.5,
  tasteScale: 0.5,
  bias: -0.5,
  seed: 0,
};

const NAMES = [
  "comedy", "drama", "sports", "music", "cooking", "travel", "gaming", "science", "news", "fashion",
  "pets", "fitness", "history", "art", "technology", "nature", "cars", "finance", "kids", "dance",
];

function categoryName(c: number): string {
  return c < NAMES.length ? NAMES[c]! : `${NAMES[c % NAMES.length]} ${Math.floor(c / NAMES.length) + 1}`;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Largest users x items table of static logits kept in memory (16 MiB). */
const STATIC_TABLE_LIMIT = 1 << 22;

/** The generated parameters: everything needed to know the ground truth. */
export interface SyntheticWorldData {
  readonly options: SyntheticOptions;
  readonly catalog: Catalog;
  /** numItems x dim, unit-norm rows. */
  readonly itemEmbeddings: Float32Array;
  readonly itemQuality: Float32Array;
  /** numUsers x numCategories base interests. */
  readonly userInterest: Float32Array;
  /** numUsers x dim tastes. */
  readonly userTaste: Float32Array;
}

/** Generates a synthetic world from its options (deterministic in `seed`). */
export function generateSynthetic(partial: Partial<SyntheticOptions> = {}): SyntheticWorldData {
  const o: SyntheticOptions = { ...DEFAULT_SYNTHETIC, ...partial };
  for (const k of ["numCategories", "numItems", "numUsers", "embeddingDim"] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new FarsightError("env/bad-option", `synthetic ${k} must be an integer >= 1, got ${o[k]}`, { [k]: o[k] });
  }
  if (o.favourites > o.numCategories) throw new FarsightError("env/bad-option", `synthetic favourites (${o.favourites}) exceed numCategories (${o.numCategories})`, {});
  const rng = new Rng(o.seed, "synthetic");
  const D = o.embeddingDim, C = o.numCategories;
  const centroids = new Float32Array(C * D);
  for (let i = 0; i < centroids.length; i++) centroids[i] = rng.normal();
  const itemCategory: number[][] = new Array(o.numItems);
  const emb = new Float32Array(o.numItems * D);
  const quality = new Float32Array(o.numItems);
  for (let i = 0; i < o.numItems; i++) {
    // Every category gets items: the first C items cover them, the rest are uniform.
    const c = i < C ? i : rng.int(C);
    itemCategory[i] = [c];
    let norm = 0;
    for (let j = 0; j < D; j++) {
      const v = centroids[c * D + j]! + 0.5 * rng.normal();
      emb[i * D + j] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < D; j++) emb[i * D + j]! /= norm;
    quality[i] = o.qualityStd * rng.normal();
  }
  const interest = new Float32Array(o.numUsers * C);
  const taste = new Float32Array(o.numUsers * D);
  for (let u = 0; u < o.numUsers; u++) {
    for (let c = 0; c < C; c++) interest[u * C + c] = -1 + 0.5 * rng.normal();
    for (const c of rng.sample(C, o.favourites)) interest[u * C + c] = o.favouriteInterest + 0.3 * rng.normal();
    for (let j = 0; j < D; j++) taste[u * D + j] = rng.normal() / Math.sqrt(D);
  }
  const catalog = createCatalog({
    itemCategories: itemCategory,
    categoryNames: Array.from({ length: C }, (_, c) => categoryName(c)),
    itemTitles: Array.from({ length: o.numItems }, (_, i) => `${categoryName(itemCategory[i]![0]!)} #${i}`),
  });
  return { options: o, catalog, itemEmbeddings: emb, itemQuality: quality, userInterest: interest, userTaste: taste };
}

/** Base click probability of (user, item), no boredom: the static ground truth. */
class SyntheticScorer implements ItemScorer {
  readonly numUsers: number;
  readonly numItems: number;
  constructor(private readonly w: SyntheticWorld) {
    this.numUsers = w.numUsers;
    this.numItems = w.numItems;
  }
  scoreAll(user: UserId, out?: Float32Array): Float32Array {
    const o = out ?? new Float32Array(this.numItems);
    for (let i = 0; i < this.numItems; i++) o[i] = this.w.baseProbability(user, i);
    return o;
  }
}

/** The synthetic users as a {@link WorldModel}; expected feedback is a click probability. */
export class SyntheticWorld implements WorldModel {
  readonly name = "synthetic";
  readonly numUsers: number;
  readonly numItems: number;
  readonly catalog: Catalog;
  readonly itemEmbeddings: Float32Array;
  readonly embeddingDim: number;
  readonly scorer: ItemScorer;
  private readonly C: number;
  /** Static logits per (user, item), precomputed when users x items is small (the step's main cost). */
  private readonly staticTable: Float32Array | undefined;
  private interest = new Float32Array(0);
  private boredom = new Float32Array(0);

  constructor(readonly data: SyntheticWorldData, sharedTable?: Float32Array) {
    this.catalog = data.catalog;
    this.numUsers = data.options.numUsers;
    this.numItems = data.options.numItems;
    this.itemEmbeddings = data.itemEmbeddings;
    this.embeddingDim = data.options.embeddingDim;
    this.C = data.options.numCategories;
    this.scorer = new SyntheticScorer(this);
    if (sharedTable) this.staticTable = sharedTable;
    else if (this.numUsers * this.numItems <= STATIC_TABLE_LIMIT) {
      const table = new Float32Array(this.numUsers * this.numItems);
      for (let u = 0; u < this.numUsers; u++) for (let i = 0; i < this.numItems; i++) table[u * this.numItems + i] = this.staticLogit(u, i);
      this.staticTable = table;
    }
  }

  /** Static part of the logit of (user, item). */
  private staticLogit(user: UserId, item: number): number {
    const D = this.embeddingDim;
    const { itemEmbeddings: e, userTaste: t, itemQuality: q, options: o } = this.data;
    let dot = 0;
    for (let j = 0, pi = item * D, pu = user * D; j < D; j++) dot += e[pi + j]! * t[pu + j]!;
    return q[item]! + o.tasteScale * dot + o.bias;
  }

  /** Click probability of a fresh (not bored) user, with base interests. */
  baseProbability(user: UserId, item: number): number {
    const c = this.catalog.itemCategory[item]!;
    return sigmoid(this.data.userInterest[user * this.C + c]! + this.staticLogit(user, item));
  }

  fork(): SyntheticWorld {
    return new SyntheticWorld(this.data, this.staticTable);
  }

  bind(batchSize: number): void {
    this.interest = new Float32Array(batchSize * this.C);
    this.boredom = new Float32Array(batchSize * this.C);
  }

  startSession(slot: number, user: UserId): void {
    const C = this.C;
    this.interest.set(this.data.userInterest.subarray(user * C, (user + 1) * C), slot * C);
    this.boredom.fill(0, slot * C, (slot + 1) * C);
  }

  expected(slot: number, user: UserId, item: number): number {
    const c = this.catalog.itemCategory[item]!;
    const k = slot * this.C + c;
    const st = this.staticTable ? this.staticTable[user * this.numItems + item]! : this.staticLogit(user, item);
    return sigmoid(this.interest[k]! - this.data.options.boredomWeight * this.boredom[k]! + st);
  }

  /** Current boredom of category c in the slot (for tests and explanations). */
  boredomOf(slot: number, c: number): number {
    return this.boredom[slot * this.C + c]!;
  }

  afterStep(slot: number, slates: Int32Array, offset: number, slateSize: number, rng: Rng): void {
    const C = this.C, base = slot * C, o = this.data.options;
    for (let c = 0; c < C; c++) this.boredom[base + c]! *= o.boredomDecay;
    // Every shown item adds boredom to its category: a one-category slate bores K times faster.
    for (let k = 0; k < slateSize; k++) this.boredom[base + this.catalog.itemCategory[slates[offset + k]!]!]! += 1;
    if (o.drift > 0) this.interest[base + rng.int(C)]! += o.drift * rng.normal();
  }
}
