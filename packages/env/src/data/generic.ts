/**
 * A generic CSV dataset and BiLLP's item maps.
 * - Generic: `ratings.csv` with `user,item,rating[,timestamp]` and `items.csv` with `item,category[,title]`
 *   (a header row is optional: a first row whose rating is not a number is taken as one). Ids are any
 *   strings; categories are names.
 * - BiLLP (Steam / Amazon-Book): `datamaps.json` (`{"id2item_dict": {"0": "title", ...}}`) and
 *   `list_genre.json` (`{"title": "['Action', 'Indie']"}`, a Python list literal). BiLLP's reward matrices
 *   (`*.npy`) are not public files; this loader gives the catalogue for grounding and planning.
 */
import { join } from "node:path";
import { createCatalog, type Catalog } from "@farsight/core";
import { splitCsv } from "./csvline.js";
import { dataError, IdMap, lines, LogBuilder, num, readText, type Dataset } from "./dataset.js";

export function loadGenericCsv(ratingsFile: string, itemsFile: string, name = "csv"): Dataset {
  const items = new IdMap(), catIds = new IdMap();
  const cats: number[][] = [], titles: string[] = [];
  let hasTitles = false, first = true;
  for (const [line, no] of lines(readText(itemsFile))) {
    const f = splitCsv(line);
    if (first && (f[0]!.trim() === "item" || f[0]!.trim() === "item_id")) {
      first = false;
      continue;
    }
    first = false;
    if (f.length < 2 || f.length > 3) throw dataError(itemsFile, no, `expected item,category[,title], got ${f.length} fields`);
    const id = f[0]!.trim(), cat = f[1]!.trim();
    if (id === "" || cat === "") throw dataError(itemsFile, no, "empty item id or category");
    if (items.has(id)) throw dataError(itemsFile, no, `item "${id}" is listed twice`);
    const i = items.get(id);
    cats[i] = [catIds.get(cat)];
    titles[i] = f[2]?.trim() ?? id;
    if (f.length === 3) hasTitles = true;
  }
  if (items.size === 0) throw dataError(itemsFile, undefined, "no items");
  const users = new IdMap();
  const log = new LogBuilder();
  first = true;
  for (const [line, no] of lines(readText(ratingsFile))) {
    const f = splitCsv(line);
    if (first && f.length >= 3 && !Number.isFinite(Number(f[2]))) {
      first = false;
      continue;
    }
    first = false;
    if (f.length < 3 || f.length > 4) throw dataError(ratingsFile, no, `expected user,item,rating[,timestamp], got ${f.length} fields`);
    const item = items.lookup(f[1]!.trim());
    if (item === undefined) throw dataError(ratingsFile, no, `item "${f[1]}" is not in ${itemsFile}`);
    const rating = num(ratingsFile, no, "rating", f[2]);
    const ts = f.length === 4 ? num(ratingsFile, no, "timestamp", f[3]) : undefined;
    log.push(users.get(f[0]!.trim()), item, rating, ts);
  }
  if (log.length === 0) throw dataError(ratingsFile, undefined, "no ratings");
  return {
    name,
    numUsers: users.size,
    catalog: createCatalog({ itemCategories: cats, categoryNames: catIds.ids, ...(hasTitles ? { itemTitles: titles } : {}) }),
    train: log.build(),
    userIds: users.ids,
    itemIds: items.ids,
  };
}

/** Parses a Python list literal of strings: "['Action', \"Rock 'n' Roll\"]". */
export function parsePythonStringList(text: string): string[] | undefined {
  const s = text.trim();
  if (!s.startsWith("[") || !s.endsWith("]")) return undefined;
  const out: string[] = [];
  const re = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*(,|$)/y;
  const body = s.slice(1, -1);
  re.lastIndex = 0;
  while (re.lastIndex < body.length) {
    const m = re.exec(body);
    if (!m) return undefined;
    out.push((m[1] ?? m[2] ?? "").replace(/\\(.)/g, "$1"));
  }
  return out;
}

/** BiLLP's item catalogue (Steam or Amazon-Book): titles and genres; items without a genre get "unknown". */
export function loadBillpItems(dir: string): { catalog: Catalog; titles: string[] } {
  const mapFile = join(dir, "datamaps.json"), genreFile = join(dir, "list_genre.json");
  let maps: unknown, genres: unknown;
  try {
    maps = JSON.parse(readText(mapFile));
  } catch (err) {
    if (err instanceof SyntaxError) throw dataError(mapFile, undefined, `not valid JSON: ${err.message}`);
    throw err;
  }
  try {
    genres = JSON.parse(readText(genreFile));
  } catch (err) {
    if (err instanceof SyntaxError) throw dataError(genreFile, undefined, `not valid JSON: ${err.message}`);
    throw err;
  }
  const id2item = (maps as { id2item_dict?: Record<string, unknown> }).id2item_dict;
  if (!id2item || typeof id2item !== "object") throw dataError(mapFile, undefined, 'missing the "id2item_dict" object');
  if (!genres || typeof genres !== "object") throw dataError(genreFile, undefined, "expected an object of title -> genre list");
  const n = Object.keys(id2item).length;
  const titles: string[] = new Array(n);
  for (const [k, v] of Object.entries(id2item)) {
    const i = Number(k);
    if (!Number.isInteger(i) || i < 0 || i >= n) throw dataError(mapFile, undefined, `id2item_dict key "${k}" is not an id in 0..${n - 1}`);
    if (typeof v !== "string") throw dataError(mapFile, undefined, `id2item_dict["${k}"] is not a title string`);
    titles[i] = v;
  }
  const catIds = new IdMap();
  const g = genres as Record<string, unknown>;
  const cats = titles.map((t) => {
    const raw = g[t];
    const list = typeof raw === "string" ? parsePythonStringList(raw) : Array.isArray(raw) ? raw.map(String) : undefined;
    if (raw !== undefined && !list) throw dataError(genreFile, undefined, `genres of "${t}" are not a list: ${String(raw).slice(0, 80)}`);
    return list && list.length > 0 ? list.map((x) => catIds.get(x)) : [catIds.get("unknown")];
  });
  return { catalog: createCatalog({ itemCategories: cats, categoryNames: catIds.ids, itemTitles: titles }), titles };
}
