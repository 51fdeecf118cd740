/**
 * Every dataset declares its valid values and id syntax; a value outside them is an error naming the file and
 * the line. One case per class of bad value the loaders used to accept silently.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCoat } from "./coat.js";
import { loadKuaiRandPure, loadKuaiRec } from "./kuai.js";
import { loadMovieLens1m, loadMovieLens100k } from "./movielens.js";
import type { Dataset } from "./dataset.js";

const root = mkdtempSync(join(tmpdir(), "farsight-bad-values-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function write(files: Record<string, string | Buffer>): string {
  const d = join(root, `case-${n++}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(d, name, ".."), { recursive: true });
    writeFileSync(join(d, name), text);
  }
  return d;
}

const GENRES = 19;
const item = (id: string) => `${id}|T${id}|d||u|${Array.from({ length: GENRES }, (_, g) => (g === 1 ? 1 : 0)).join("|")}`;
const ml100k = (data: string, items = `${item("1")}\n${item("2")}\n`) => write({ "u.item": items, "u.data": data });
const ml1m = (ratings: string) => write({ "movies.dat": "1::A::Action\n2::B::Comedy\n", "ratings.dat": ratings });
const coatFeatures = { "user_item_features/item_features_map.txt": "jackettype:a\njackettype:b\n", "user_item_features/item_features.ascii": "1 0\n0 1\n" };
const coat = (train: string, test = "0 1\n2 0\n", gt = "1 2\n3 4\n") => write({ "train.ascii": train, "test.ascii": test, "coat_pseudoGT_ratingM.ascii": gt, ...coatFeatures });
const kuaiHead = "user_id,video_id,watch_ratio";
const kuairec = (rows: string) => write({ "small_matrix.csv": `${kuaiHead}\n${rows}`, "item_categories.csv": "video_id,feat\n1,[1]\n2,[2]\n" });
const kuairand = (log: string) => write({ "video_features_basic_pure.csv": "video_id,tag\n1,3\n2,4\n", "log_standard_a_pure.csv": `user_id,video_id,is_click\n${log}` });

const cases: [what: string, load: () => Dataset, error: RegExp][] = [
  ["a rating of 1e12 (MovieLens)", () => loadMovieLens100k(ml100k("1\t1\t1e12\t0\n")), /u\.data:1: rating is "1e12", expected an integer in 1\.\.5/],
  ["a negative rating (MovieLens 1M)", () => loadMovieLens1m(ml1m("1::1::4::0\n1::2::-3::0\n")), /ratings\.dat:2: rating is "-3", expected an integer in 1\.\.5/],
  ["a fractional rating (MovieLens)", () => loadMovieLens100k(ml100k("1\t1\t3.5\t0\n")), /u\.data:1: rating is "3\.5", expected an integer in 1\.\.5/],
  ["a user id 1.0 (a new user otherwise)", () => loadMovieLens100k(ml100k("1\t1\t3\t0\n1.0\t2\t4\t0\n")), /u\.data:2: user id is "1\.0", expected an integer id/],
  ["a hexadecimal id 0x10", () => loadMovieLens1m(ml1m("0x10::1::3::0\n")), /ratings\.dat:1: UserID is "0x10", expected an integer id/],
  ["a hexadecimal rating 0x3", () => loadMovieLens100k(ml100k("1\t1\t0x3\t0\n")), /u\.data:1: rating is "0x3"/],
  ["a signed id +1", () => loadMovieLens100k(ml100k("+1\t1\t3\t0\n")), /u\.data:1: user id is "\+1"/],
  ["a movie id 2.0 in u.item", () => loadMovieLens100k(ml100k("1\t1\t3\t0\n", `${item("1")}\n${item("2.0")}\n`)), /u\.item:2: movie id is "2\.0"/],
  ["a negative timestamp", () => loadMovieLens100k(ml100k("1\t1\t3\t-5\n")), /u\.data:1: timestamp is "-5", expected an integer >= 0/],
  ["Infinity as a value", () => loadMovieLens100k(ml100k("1\t1\tInfinity\t0\n")), /u\.data:1: rating is "Infinity"/],
  ["trailing junk in a value", () => loadMovieLens100k(ml100k("1\t1\t3abc\t0\n")), /u\.data:1: rating is "3abc"/],
  ["a Coat rating of 7", () => loadCoat(coat("5 0\n0 7\n")), /train\.ascii:2: column 2 is "7", expected an integer in 0\.\.5/],
  ["a Coat rating of 1e12", () => loadCoat(coat("5 0\n0 3\n", "1e12 0\n0 1\n")), /test\.ascii:1: column 1 is "1e12", expected an integer in 0\.\.5/],
  ["a pseudo-GT cell of 0", () => loadCoat(coat("5 0\n0 3\n", "0 1\n2 0\n", "1 0\n3 4\n")), /coat_pseudoGT_ratingM\.ascii:1: column 2 is "0", expected an integer in 1\.\.5/],
  ["a negative watch ratio (KuaiRec)", () => loadKuaiRec(kuairec("1,1,0.5\n1,2,-0.1\n")), /small_matrix\.csv:3: watch_ratio is "-0\.1", expected a number >= 0/],
  ["a video id 1.0 (KuaiRec)", () => loadKuaiRec(kuairec("1,1,0.5\n1,1.0,0.7\n")), /small_matrix\.csv:3: video_id is "1\.0", expected an integer id/],
  ["a user id 0x10 (KuaiRand)", () => loadKuaiRandPure(kuairand("0x10,1,1\n")), /log_standard_a_pure\.csv:2: user_id is "0x10"/],
  ["an is_click of 0.5 (KuaiRand)", () => loadKuaiRandPure(kuairand("1,1,1\n1,2,0.5\n")), /log_standard_a_pure\.csv:3: is_click is "0\.5", expected an integer in 0\.\.1/],
];

describe("loaders reject values outside their declared range, with file:line", () => {
  for (const [what, load, error] of cases) it(`${what}`, () => expect(load).toThrow(error));
});

describe("values the published data really has outside the range are counted and reported", () => {
  it("KuaiRec watch ratios above 5 are capped and counted", () => {
    const ds = loadKuaiRec(kuairec("1,1,0.5\n1,2,7.5\n2,1,12\n2,2,5\n"));
    expect(Array.from(ds.groundTruth!)).toEqual([0.5, 5, 5, 5]);
    expect(ds.adjusted).toEqual({ "small_matrix.csv watch_ratio > 5, capped at 5": 2 });
  });
});

describe("a UTF-8 byte-order mark is not part of the first id", () => {
  const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
  it("MovieLens u.data and u.item (150 users stay 150)", () => {
    const data = Buffer.concat([BOM, Buffer.from("1\t1\t3\t0\n2\t2\t4\t0\n1\t2\t5\t0\n")]);
    const items = Buffer.concat([BOM, Buffer.from(`${item("1")}\n${item("2")}\n`)]);
    const ds = loadMovieLens100k(write({ "u.item": items, "u.data": data }));
    expect(ds.numUsers).toBe(2);
    expect(ds.userIds).toEqual(["1", "2"]);
    expect(ds.itemIds).toEqual(["1", "2"]);
  });
  it("KuaiRec's CSV header (chunked reader)", () => {
    const dir = write({ "small_matrix.csv": Buffer.concat([BOM, Buffer.from(`${kuaiHead}\n1,1,0.5\n1,2,1\n`)]), "item_categories.csv": "video_id,feat\n1,[1]\n2,[2]\n" });
    expect(loadKuaiRec(dir).numUsers).toBe(1);
  });
});

describe("messages blame the right file", () => {
  it("a truncated train.ascii is blamed on train.ascii, not on test.ascii", () => {
    expect(() => loadCoat(coat("5 0\n"))).toThrow(/train\.ascii: has 1 x 2 users x items where the other Coat matrices have 2 x 2 .*looks truncated/);
    expect(() => loadCoat(coat("5 0\n0 3\n", "0 1\n"))).toThrow(/test\.ascii: has 1 x 2 users x items/);
  });
  it("a missing u.item names the file and the fetch command", () => {
    const dir = write({ "u.data": "1\t1\t3\t0\n" });
    expect(() => loadMovieLens100k(dir)).toThrow(/u\.item: file not found\. Get MovieLens with `farsight data fetch movielens-100k`/);
    expect(() => loadMovieLens1m(write({ "ratings.dat": "1::1::3::0\n" }))).toThrow(/movies\.dat: file not found\. Get MovieLens with `farsight data fetch movielens-1m`/);
  });
});

describe("Coat propensities", () => {
  const withPropensities = (p: string) => write({ "train.ascii": "5 0\n0 3\n", "test.ascii": "0 1\n2 0\n", "coat_pseudoGT_ratingM.ascii": "1 2\n3 4\n", "propensities.ascii": p, ...coatFeatures });
  it("are read when present, and a propensity of 0 or above 1, or the wrong shape, names the file and line", () => {
    expect(Array.from(loadCoat(withPropensities("0.5 0.25\n0.125 1\n")).propensities!)).toEqual([0.5, 0.25, 0.125, 1]);
    expect(loadCoat(coat("5 0\n0 3\n")).propensities).toBeUndefined();
    expect(() => loadCoat(withPropensities("0.5 0.25\n0 1\n"))).toThrow(/propensities\.ascii:2: propensity of item 0 is 0; a propensity is a probability in \(0, 1\]/);
    expect(() => loadCoat(withPropensities("0.5 1.5\n0.1 1\n"))).toThrow(/propensities\.ascii:1: column 2 is "1.5"/);
    expect(() => loadCoat(withPropensities("0.5 0.25\n"))).toThrow(/propensities\.ascii: has 1 rows, expected 2/);
  });
});
