/**
 * MovieLens (Harper & Konstan 2015). Genres are the categories; an item's primary category is its first
 * genre flag. Not redistributable: fetch it with `farsight data fetch movielens-100k|movielens-1m`.
 * - 100k: u.data (`user \t item \t rating \t timestamp`, 1-based ids), u.item (`id|title|date|video|url|` +
 *   19 genre flags), u.genre (`name|index`).
 * - 1M: ratings.dat (`UserID::MovieID::Rating::Timestamp`), movies.dat (`MovieID::Title::Genre|Genre`, Latin-1).
 * Declared values: user and movie ids are integer ids (`1.0`, `0x10`, `+1` are refused), ratings integers 1..5,
 * timestamps integers >= 0.
 */
import { join } from "node:path";
import { createCatalog } from "@farsight/core";
import { dataError, IdMap, intId, lines, LogBuilder, num, readText, type Dataset } from "./dataset.js";

const RATING = { min: 1, max: 5, integer: true };
const TIMESTAMP = { min: 0, integer: true };
const fetchHint = (name: string) => `Get MovieLens with \`farsight data fetch ${name}\` (or pass --data-dir to the folder that holds ${name}/)`;

const ML_GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
  "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"];

export function loadMovieLens100k(dir: string): Dataset {
  const genreFile = join(dir, "u.genre");
  let genres = ML_GENRES;
  try {
    const g: string[] = [];
    for (const [line, no] of lines(readText(genreFile))) {
      const [name, idx] = line.split("|");
      if (num(genreFile, no, "genre index", idx, { min: 0, integer: true }) !== g.length) throw dataError(genreFile, no, `genre index ${idx} out of order`);
      g.push(name!);
    }
    genres = g;
  } catch (err) {
    if ((err as { code?: string }).code !== "env/missing-data") throw err;
  }
  const itemFile = join(dir, "u.item");
  const items = new IdMap();
  const cats: number[][] = [], titles: string[] = [];
  for (const [line, no] of lines(readText(itemFile, fetchHint("movielens-100k"), "latin1"))) {
    const f = line.split("|");
    if (f.length !== 5 + genres.length) throw dataError(itemFile, no, `expected ${5 + genres.length} fields separated by |, got ${f.length}`);
    const key = intId(itemFile, no, "movie id", f[0]);
    if (items.has(key)) throw dataError(itemFile, no, `movie id ${key} is listed twice`);
    const id = items.get(key);
    const flags = f.slice(5).flatMap((v, g) => (v === "1" ? [g] : v === "0" ? [] : [-1]));
    if (flags.includes(-1)) throw dataError(itemFile, no, "genre flags must be 0 or 1");
    cats[id] = flags.length > 0 ? flags : [0];
    titles[id] = f[1]!;
  }
  const dataFile = join(dir, "u.data");
  const users = new IdMap();
  const log = new LogBuilder();
  for (const [line, no] of lines(readText(dataFile, fetchHint("movielens-100k")))) {
    const f = line.split("\t");
    if (f.length !== 4) throw dataError(dataFile, no, `expected 4 tab-separated fields (user, item, rating, timestamp), got ${f.length}`);
    const user = intId(dataFile, no, "user id", f[0]);
    const item = items.lookup(intId(dataFile, no, "item id", f[1]));
    if (item === undefined) throw dataError(dataFile, no, `item ${f[1]} is not in u.item`);
    log.push(users.get(user), item, num(dataFile, no, "rating", f[2], RATING), num(dataFile, no, "timestamp", f[3], TIMESTAMP));
  }
  if (log.length === 0) throw dataError(dataFile, undefined, "no ratings");
  return {
    name: "movielens-100k",
    numUsers: users.size,
    catalog: createCatalog({ itemCategories: cats, categoryNames: genres, itemTitles: titles }),
    train: log.build(),
    userIds: users.ids,
    itemIds: items.ids,
  };
}

export function loadMovieLens1m(dir: string): Dataset {
  const movieFile = join(dir, "movies.dat");
  const genres = ML_GENRES.slice(1);
  const items = new IdMap();
  const cats: number[][] = [], titles: string[] = [];
  for (const [line, no] of lines(readText(movieFile, fetchHint("movielens-1m"), "latin1"))) {
    const f = line.split("::");
    if (f.length !== 3) throw dataError(movieFile, no, `expected MovieID::Title::Genres, got ${f.length} fields`);
    const key = intId(movieFile, no, "MovieID", f[0]);
    if (items.has(key)) throw dataError(movieFile, no, `MovieID ${key} is listed twice`);
    const id = items.get(key);
    const gs = f[2]!.split("|").map((g) => genres.indexOf(g.trim()));
    const bad = gs.indexOf(-1);
    if (bad >= 0) throw dataError(movieFile, no, `unknown genre "${f[2]!.split("|")[bad]}"`);
    cats[id] = gs;
    titles[id] = f[1]!;
  }
  const ratingFile = join(dir, "ratings.dat");
  const users = new IdMap();
  const log = new LogBuilder();
  for (const [line, no] of lines(readText(ratingFile, fetchHint("movielens-1m")))) {
    const f = line.split("::");
    if (f.length !== 4) throw dataError(ratingFile, no, `expected UserID::MovieID::Rating::Timestamp, got ${f.length} fields`);
    const user = intId(ratingFile, no, "UserID", f[0]);
    const item = items.lookup(intId(ratingFile, no, "MovieID", f[1]));
    if (item === undefined) throw dataError(ratingFile, no, `movie ${f[1]} is not in movies.dat`);
    log.push(users.get(user), item, num(ratingFile, no, "rating", f[2], RATING), num(ratingFile, no, "timestamp", f[3], TIMESTAMP));
  }
  if (log.length === 0) throw dataError(ratingFile, undefined, "no ratings");
  return {
    name: "movielens-1m",
    numUsers: users.size,
    catalog: createCatalog({ itemCategories: cats, categoryNames: genres, itemTitles: titles }),
    train: log.build(),
    userIds: users.ids,
    itemIds: items.ids,
  };
}
