/**
 * Seeded stand-ins for MovieLens in its published layouts, written at test time (MovieLens may not be
 * redistributed, and a 2 MB fixture does not belong in the repository):
 * - 100k: `u.data` (`user \t item \t rating \t timestamp`), `u.item` (`id|title|date|video date|url|` + 19 genre
 *   flags), `u.genre` (`name|index`); the defaults give ML-100k's size: 943 users, 1,682 items, 100,000
 *   ratings, every user with at least 20.
 * - 1M: `ratings.dat` (`UserID::MovieID::Rating::Timestamp`), `movies.dat` (`MovieID::Title::Genre|Genre`, 18
 *   genres). ML-1M's full size (6,040 x 3,706, 1M ratings) is slow to complete with MF in a test; callers
 *   pass a smaller size and say so.
 *
 * The ratings come from a seeded low-rank model, not uniform noise: genres have latent centres, an item's
 * vector is near the centres of its genres, users have latent tastes and biases; rating = round(mean + user
 * bias + item bias + taste . item + N(0, 0.8^2)) clipped to 1..5. Popular items (a Zipf-like draw, as on
 * MovieLens) have higher biases. Items per genre (1-6 flags) and ratings per user follow MovieLens's shapes.
 * The returned facts are counted from the rows written.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "@farsight/core";

export interface MovieLensFixtureOptions {
  readonly seed?: number;
  readonly users?: number;
  readonly items?: number;
  readonly ratings?: number;
  /** Latent rank of the preference model (default 8). */
  readonly rank?: number;
  /** Fewest ratings per user (MovieLens keeps users with at least 20). */
  readonly minPerUser?: number;
}

/** What was written, counted from the rows. */
export interface MovieLensFacts {
  readonly users: number;
  readonly items: number;
  readonly ratings: number;
  readonly genres: number;
  /** Ratings of each value 1..5 (index 0 unused). */
  readonly ratingCounts: readonly number[];
  readonly minRatingsPerUser: number;
}

/** ML-100k's 19 genres, in u.genre's order. */
export const ML100K_GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
  "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"] as const;

/** How often each genre is an item's first on MovieLens, roughly (Drama and Comedy dominate). */
const GENRE_WEIGHT = [0.2, 2.5, 1.3, 0.4, 1.2, 5, 1.1, 0.5, 7, 0.2, 0.2, 1.2, 0.5, 0.6, 2.5, 1, 2.5, 0.7, 0.3];
/** Genres per item: 1..6 with MovieLens-like shares. */
const GENRE_COUNT = [0.45, 0.33, 0.15, 0.05, 0.015, 0.005];

interface Model {
  readonly itemGenres: number[][];
  readonly rows: { user: number; item: number; rating: number; time: number }[];
}

/** Ratings per user: at least `min`, a long tail, summing to exactly `total`. */
function ratingsPerUser(rng: Rng, users: number, items: number, total: number, min: number): number[] {
  const cap = Math.max(min, Math.floor(items * 0.6));
  if (users * min > total || users * cap < total) throw new Error(`cannot give ${users} users ${total} ratings with ${min}..${cap} each`);
  const extraMean = total / users - min;
  const n = Array.from({ length: users }, () => Math.min(cap, min + Math.floor(-Math.log(1 - rng.float()) * extraMean)));
  let sum = n.reduce((a, b) => a + b, 0);
  while (sum !== total) {
    const u = rng.int(users);
    const step = sum < total && n[u]! < cap ? 1 : sum > total && n[u]! > min ? -1 : 0;
    n[u]! += step;
    sum += step;
  }
  return n;
}

function generate(o: Required<MovieLensFixtureOptions>, genres: number): Model {
  const rng = new Rng(o.seed, "movielens-fixture");
  const { users, items, rank } = o;
  const centres = Array.from({ length: genres }, () => Array.from({ length: rank }, () => rng.normal()));
  const itemGenres: number[][] = [], itemVec: number[][] = [], itemBias: number[] = [];
  // Item ids are in a random popularity order: the k-th most popular item gets weight (k + 5)^-0.9.
  const popRank = rng.shuffle(Array.from({ length: items }, (_, i) => i));
  const weight = new Float64Array(items);
  for (let i = 0; i < items; i++) {
    const first = rng.categorical(GENRE_WEIGHT.slice(0, genres));
    const g = new Set([first]);
    for (let k = rng.categorical(GENRE_COUNT); k > 0; k--) g.add(rng.categorical(GENRE_WEIGHT.slice(0, genres)));
    itemGenres.push([...g].sort((a, b) => a - b));
    itemVec.push(Array.from({ length: rank }, (_, d) => (0.8 * [...g].reduce((a, c) => a + centres[c]![d]!, 0)) / g.size + 0.5 * rng.normal()));
    weight[i] = Math.pow(popRank[i]! + 5, -0.9);
    itemBias.push(0.35 * rng.normal() - 0.25 * Math.log(popRank[i]! + 1) + 1);
  }
  const cumulative = new Float64Array(items);
  for (let i = 0, acc = 0; i < items; i++) cumulative[i] = acc += weight[i]!;
  const drawItem = () => {
    const x = rng.float() * cumulative[items - 1]!;
    let lo = 0, hi = items - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const counts = ratingsPerUser(rng, users, items, o.ratings, o.minPerUser);
  const rows: Model["rows"] = [];
  let time = 874_724_710;
  for (let u = 0; u < users; u++) {
    const taste = Array.from({ length: rank }, () => 0.45 * rng.normal());
    const bias = 0.4 * rng.normal();
    const seen = new Set<number>();
    while (seen.size < counts[u]!) seen.add(drawItem());
    for (const i of seen) {
      let dot = 0;
      for (let d = 0; d < rank; d++) dot += taste[d]! * itemVec[i]![d]!;
      const r = Math.round(3.2 + bias + itemBias[i]! + dot + 0.8 * rng.normal());
      rows.push({ user: u, item: i, rating: Math.min(5, Math.max(1, r)), time: (time += 1 + rng.int(600)) });
    }
  }
  return { itemGenres, rows };
}

function facts(m: Model, users: number, items: number, genres: number): MovieLensFacts {
  const ratingCounts = [0, 0, 0, 0, 0, 0];
  const perUser = new Array<number>(users).fill(0);
  for (const r of m.rows) {
    ratingCounts[r.rating]!++;
    perUser[r.user]!++;
  }
  return { users, items, ratings: m.rows.length, genres, ratingCounts, minRatingsPerUser: Math.min(...perUser) };
}

function withDefaults(o: MovieLensFixtureOptions, size: { users: number; items: number; ratings: number }): Required<MovieLensFixtureOptions> {
  return { seed: 0, rank: 8, minPerUser: 20, ...size, ...o };
}

/** Writes `u.data`, `u.item` and `u.genre` into `dir` (created); ML-100k's size by default. */
export function writeMovieLens100k(dir: string, options: MovieLensFixtureOptions = {}): MovieLensFacts {
  const o = withDefaults(options, { users: 943, items: 1682, ratings: 100_000 });
  const m = generate(o, ML100K_GENRES.length);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "u.genre"), ML100K_GENRES.map((g, i) => `${g}|${i}\n`).join("") + "\n");
  const item = m.itemGenres.map((gs, i) => {
    const flags = ML100K_GENRES.map((_, g) => (gs.includes(g) ? "1" : "0")).join("|");
    return `${i + 1}|Movie ${i + 1} (1995)|01-Jan-1995||http://example.org/movie/${i + 1}|${flags}\n`;
  });
  writeFileSync(join(dir, "u.item"), item.join(""), "latin1");
  writeFileSync(join(dir, "u.data"), m.rows.map((r) => `${r.user + 1}\t${r.item + 1}\t${r.rating}\t${r.time}\n`).join(""));
  return facts(m, o.users, o.items, ML100K_GENRES.length);
}

/** Writes `ratings.dat` and `movies.dat` into `dir` (created) in ML-1M's `::` layout; size from the options. */
export function writeMovieLens1m(dir: string, options: MovieLensFixtureOptions = {}): MovieLensFacts {
  const o = withDefaults(options, { users: 6040, items: 3706, ratings: 1_000_209 });
  const genres = ML100K_GENRES.slice(1);
  // Genre 0 of the model is ML-100k's "unknown", which ML-1M does not have: the model draws 18 genres.
  const m = generate(o, genres.length + 1);
  const named = m.itemGenres.map((gs) => (gs.filter((g) => g > 0).length ? gs.filter((g) => g > 0) : [8]).map((g) => genres[g - 1]!));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "movies.dat"), named.map((gs, i) => `${i + 1}::Movie ${i + 1} (1995)::${gs.join("|")}\n`).join(""), "latin1");
  writeFileSync(join(dir, "ratings.dat"), m.rows.map((r) => `${r.user + 1}::${r.item + 1}::${r.rating}::${r.time}\n`).join(""));
  return facts(m, o.users, o.items, genres.length);
}
