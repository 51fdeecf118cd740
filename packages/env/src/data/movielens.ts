/**
 * MovieLens (Harper & Konstan 2015). Genres are the categories; an item's primary category is its first
 * genre flag. Not redistributable: fetch it with `farsight data fetch movielens-100k|movielens-1m`.
 * - 100k: u.data (`user \t item \t rating \t timestamp`, 1-based ids), u.item (`id|title|date|video|url|` +
 *   19 genre flags), u.genre (`name|index`).
 * - 1M: ratings.dat (`UserID::MovieID::Rating::Timestamp`), movies.dat (`MovieID::Title::Genre|Genre`, Latin-1).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createCatalog } from "@farsight/core";
import { dataError, IdMap, lines, LogBuilder, num, readText, type Dataset } from "./dataset.js";

const ML_GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
  "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"];

export function loadMovieLens100k(dir: string): Dataset {
  const genreFile = join(dir, "u.genre");
  let genres = ML_GENRES;
  try {
    const g: string[] = [];
    for (const [line, no] of lines(readText(genreFile))) {
      const [name, idx] = line.split("|");
      if (num(genreFile, no, "genre index", idx) !== g.length) throw dataError(genreFile, no, `genre index ${idx} out of order`);
      g.push(name!);
    }
    genres = g;
  } catch (err) {
    if ((err as { code?: string }).code !== "env/missing-data") throw err;
  }
  const itemFile = join(dir, "u.item");
  const items = new IdMap();
  const cats: number[][] = [], titles: string[] = [];
  for (const [line, no] of lines(readFileSync(itemFile, "latin1"))) {
    const f = line.split("|");
    if (f.length !== 5 + genres.length) throw dataError(itemFile, no, `expected ${5 + genres.length} fields separated by |, got ${f.length}`);
    const id = items.get(f[0]!);
    const flags = f.slice(5).flatMap((v, g) => (v === "1" ? [g] : v === "0" ? [] : [-1]));
    if (flags.includes(-1)) throw dataError(itemFile, no, "genre flags must be 0 or 1");
    cats[id] = flags.length > 0 ? flags : [0];
    titles[id] = f[1]!;
  }
  const dataFile = join(dir, "u.data");
  const users = new IdMap();
  const log = new LogBuilder();
  for (const [line, no] of lines(readText(dataFile))) {
    const f = line.split("\t");
    if (f.length !== 4) throw dataError(dataFile, no, `expected 4 tab-separated fields (user, item, rating, timestamp), got ${f.length}`);
    const item = items.lookup(f[1]!);
    if (item === undefined) throw dataError(dataFile, no, `item ${f[1]} is not in u.item`);
    log.push(users.get(f[0]!), item, num(dataFile, no, "rating", f[2]), num(dataFile, no, "timestamp", f[3]));
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
  readText(movieFile);
  const genres = ML_GENRES.slice(1);
  const items = new IdMap();
  const cats: number[][] = [], titles: string[] = [];
  for (const [line, no] of lines(readFileSync(movieFile, "latin1"))) {
    const f = line.split("::");
    if (f.length !== 3) throw dataError(movieFile, no, `expected MovieID::Title::Genres, got ${f.length} fields`);
    const id = items.get(f[0]!);
    const gs = f[2]!.split("|").map((g) => genres.indexOf(g.trim()));
    const bad = gs.indexOf(-1);
    if (bad >= 0) throw dataError(movieFile, no, `unknown genre "${f[2]!.split("|")[bad]}"`);
    cats[id] = gs;
    titles[id] = f[1]!;
  }
  const ratingFile = join(dir, "ratings.dat");
  const users = new IdMap();
  const log = new LogBuilder();
  for (const [line, no] of lines(readText(ratingFile))) {
    const f = line.split("::");
    if (f.length !== 4) throw dataError(ratingFile, no, `expected UserID::MovieID::Rating::Timestamp, got ${f.length} fields`);
    const item = items.lookup(f[1]!);
    if (item === undefined) throw dataError(ratingFile, no, `movie ${f[1]} is not in movies.dat`);
    log.push(users.get(f[0]!), item, num(ratingFile, no, "rating", f[2]), num(ratingFile, no, "timestamp", f[3]));
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
