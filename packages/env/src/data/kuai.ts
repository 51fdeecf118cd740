/**
 * KuaiRec 2.0 and KuaiRand-Pure (Kuaishou; CC BY-SA 4.0), as unpacked from their Zenodo archives.
 * - KuaiRec: `small_matrix.csv` (user_id, video_id, ..., watch_ratio) is the near-dense ground truth
 *   (reward = watch_ratio capped at 5, missing cells = the mean, as EasyRL4Rec); `big_matrix.csv` (same
 *   columns), when present, is the training log restricted to the small matrix's users and items, with its
 *   timestamps when every row has one;
 *   `item_categories.csv` (video_id, feat = "[8, 27]") gives the categories.
 * - KuaiRand-Pure: `log_standard_*_pure.csv` (user_id, video_id, ..., time_ms, is_click, ...) is the log, reward
 *   is_click; `log_random_*_pure.csv` (same columns, videos exposed at random), when present, is the held-out
 *   `test` log; `video_features_basic_pure.csv` (video_id, ..., tag = "17,4") gives the categories (first tag
 *   primary; items without a tag get the category "untagged"). There is no ground-truth matrix: the preset
 *   completes one with MF, as EasyRL4Rec does.
 * Declared values: user_id and video_id are integer ids (`1.0` or `0x10` are refused, not read as new ids or
 * as 16), watch_ratio a number >= 0 (values above 5 are in the published data and are capped at 5, as in
 * EasyRL4Rec; the counts are in the dataset's `adjusted`), is_click 0 or 1.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createCatalog } from "@farsight/core";
import { column, splitCsv } from "./csvline.js";
import { dataError, fileLines, IdMap, intId, LogBuilder, num, type Dataset } from "./dataset.js";

const WATCH_RATIO = { min: 0 };

/** The folder holding `file`: `dir`, `dir/data`, or `dir/<one subfolder>/data` (the archives' layouts). */
function locate(dir: string, file: string): string {
  const tries = [dir, join(dir, "data")];
  if (existsSync(dir)) for (const sub of readdirSync(dir)) tries.push(join(dir, sub, "data"), join(dir, sub));
  const hit = tries.find((d) => existsSync(join(d, file)));
  if (!hit) throw dataError(join(dir, file), undefined, `file not found (looked in ${tries.join(", ")})`);
  return join(hit, file);
}

interface Csv {
  header: string[];
  rows: Generator<[string[], number]>;
}
function readCsv(file: string): Csv {
  const it = fileLines(file);
  const first = it.next();
  if (first.done) throw dataError(file, undefined, "the file is empty");
  const header = splitCsv(first.value[0]);
  function* rows(): Generator<[string[], number]> {
    for (const [line, no] of it) {
      const f = splitCsv(line);
      if (f.length !== header.length) throw dataError(file, no, `expected ${header.length} fields, got ${f.length}`);
      yield [f, no];
    }
  }
  return { header, rows: rows() };
}

export function loadKuaiRec(dir: string): Dataset {
  const smallFile = locate(dir, "small_matrix.csv");
  const catFile = locate(dir, "item_categories.csv");
  const small = readCsv(smallFile);
  const cu = column(small.header, "user_id", smallFile, dataError), ci = column(small.header, "video_id", smallFile, dataError);
  const cw = column(small.header, "watch_ratio", smallFile, dataError);
  const users = new IdMap(), items = new IdMap();
  // Column-wise, not one array per cell: the real small matrix has 4.7M cells.
  const smallLog = new LogBuilder();
  let cappedSmall = 0, cappedBig = 0;
  for (const [f, no] of small.rows) {
    const w = num(smallFile, no, "watch_ratio", f[cw], WATCH_RATIO);
    if (w > 5) cappedSmall++;
    smallLog.push(users.get(intId(smallFile, no, "user_id", f[cu])), items.get(intId(smallFile, no, "video_id", f[ci])), Math.min(5, w));
  }
  if (smallLog.length === 0) throw dataError(smallFile, undefined, "no rows");
  const cells = smallLog.build();
  const U = users.size, I = items.size;
  let mean = 0;
  for (const w of cells.rating) mean += w;
  mean /= cells.rating.length;
  const gt = new Float32Array(U * I).fill(mean);
  for (let j = 0; j < cells.user.length; j++) gt[cells.user[j]! * I + cells.item[j]!] = cells.rating[j]!;
  const cats: number[][] = new Array(I);
  const catIds = new IdMap();
  const catCsv = readCsv(catFile);
  const cv = column(catCsv.header, "video_id", catFile, dataError), cf = column(catCsv.header, "feat", catFile, dataError);
  for (const [f, no] of catCsv.rows) {
    const item = items.lookup(intId(catFile, no, "video_id", f[cv]));
    if (item === undefined) continue;
    const feat = f[cf]!.trim();
    if (!/^\[[\d,\s]*\]$/.test(feat)) throw dataError(catFile, no, `feat "${feat}" is not a list like [8, 27]`);
    const list = feat.slice(1, -1).split(",").map((s) => s.trim()).filter((s) => s !== "");
    cats[item] = list.length > 0 ? list.map((t) => catIds.get(t)) : [catIds.get("none")];
  }
  for (let i = 0; i < I; i++) if (!cats[i]) throw dataError(catFile, undefined, `video ${items.ids[i]} of small_matrix.csv has no categories`);
  const log = new LogBuilder();
  let bigFile: string | undefined;
  try {
    bigFile = locate(dir, "big_matrix.csv");
  } catch {
    bigFile = undefined;
  }
  if (bigFile) {
    const big = readCsv(bigFile);
    const bu = column(big.header, "user_id", bigFile, dataError), bi = column(big.header, "video_id", bigFile, dataError);
    const bw = column(big.header, "watch_ratio", bigFile, dataError);
    // Seconds since the epoch; some published rows leave it empty, and then the log carries no time at all.
    const bt = big.header.indexOf("timestamp");
    for (const [f, no] of big.rows) {
      const u = users.lookup(intId(bigFile, no, "user_id", f[bu])), i = items.lookup(intId(bigFile, no, "video_id", f[bi]));
      if (u === undefined || i === undefined) continue;
      const w = num(bigFile, no, "watch_ratio", f[bw], WATCH_RATIO);
      if (w > 5) cappedBig++;
      const t = bt >= 0 && f[bt]!.trim() !== "" ? num(bigFile, no, "timestamp", f[bt], { min: 0 }) : undefined;
      log.push(u, i, Math.min(5, w), t);
    }
  }
  return {
    name: "kuairec",
    numUsers: U,
    catalog: createCatalog({ itemCategories: cats, categoryNames: catIds.ids.map((t) => `tag ${t}`) }),
    train: bigFile ? log.build() : cells,
    groundTruth: gt,
    userIds: users.ids,
    itemIds: items.ids,
    adjusted: { "small_matrix.csv watch_ratio > 5, capped at 5": cappedSmall, ...(bigFile ? { "big_matrix.csv watch_ratio > 5, capped at 5": cappedBig } : {}) },
  };
}

export function loadKuaiRandPure(dir: string): Dataset {
  const featFile = locate(dir, "video_features_basic_pure.csv");
  const base = featFile.slice(0, -"video_features_basic_pure.csv".length);
  const logFiles = readdirSync(base).filter((f) => /^log_standard_.*_pure\.csv$/.test(f)).sort().map((f) => join(base, f));
  if (logFiles.length === 0) throw dataError(join(base, "log_standard_*_pure.csv"), undefined, "no standard log file found");
  const items = new IdMap(), catIds = new IdMap();
  const cats: number[][] = [];
  const feat = readCsv(featFile);
  const fv = column(feat.header, "video_id", featFile, dataError), ft = column(feat.header, "tag", featFile, dataError);
  for (const [f, no] of feat.rows) {
    const key = intId(featFile, no, "video_id", f[fv]);
    if (items.has(key)) throw dataError(featFile, no, `video_id ${key} is listed twice`);
    const id = items.get(key);
    const tags = f[ft]!.split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (tags.some((t) => !/^\d+$/.test(t))) throw dataError(featFile, no, `tag "${f[ft]}" is not a comma-separated list of integers`);
    cats[id] = tags.length > 0 ? tags.map((t) => catIds.get(t)) : [catIds.get("untagged")];
  }
  const users = new IdMap();
  const readLog = (files: string[]) => {
    const log = new LogBuilder();
    for (const file of files) {
      const csv = readCsv(file);
      const cu = column(csv.header, "user_id", file, dataError), cv = column(csv.header, "video_id", file, dataError);
      const cc = column(csv.header, "is_click", file, dataError);
      const ct = csv.header.indexOf("time_ms");
      for (const [f, no] of csv.rows) {
        const item = items.lookup(intId(file, no, "video_id", f[cv]));
        if (item === undefined) throw dataError(file, no, `video ${f[cv]} is not in video_features_basic_pure.csv`);
        const click = num(file, no, "is_click", f[cc], { min: 0, max: 1, integer: true });
        const t = ct >= 0 ? num(file, no, "time_ms", f[ct], { min: 0 }) / 1000 : undefined;
        log.push(users.get(intId(file, no, "user_id", f[cu])), item, click, t);
      }
    }
    return log.build();
  };
  const train = readLog(logFiles);
  // The random-exposure log (videos shown uniformly at random) is the unbiased held-out log.
  const randomFiles = readdirSync(base).filter((f) => /^log_random_.*_pure\.csv$/.test(f)).sort().map((f) => join(base, f));
  const test = randomFiles.length > 0 ? readLog(randomFiles) : undefined;
  return {
    name: "kuairand-pure",
    numUsers: users.size,
    catalog: createCatalog({ itemCategories: cats, categoryNames: catIds.ids.map((t) => (t === "untagged" ? t : `tag ${t}`)) }),
    train,
    ...(test ? { test } : {}),
    userIds: users.ids,
    itemIds: items.ids,
  };
}
