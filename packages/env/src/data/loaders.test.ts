import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCoat } from "./coat.js";
import { fileLines } from "./dataset.js";
import { loadBillpItems, loadGenericCsv, parsePythonStringList } from "./generic.js";
import { loadKuaiRandPure, loadKuaiRec } from "./kuai.js";
import { loadMovieLens1m, loadMovieLens100k } from "./movielens.js";

const root = mkdtempSync(join(tmpdir(), "farsight-env-data-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
function write(dir: string, files: Record<string, string>): string {
  const d = join(root, dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(d, name, ".."), { recursive: true });
    writeFileSync(join(d, name), text);
  }
  return d;
}

describe("fileLines (chunked reading for files larger than a string)", () => {
  it("keeps lines, numbers and multi-byte characters intact across chunk boundaries", () => {
    const dir = write("lines", { "f.txt": "héllo wörld\r\n\nsecond line ✓\nthird" });
    const got = [...fileLines(join(dir, "f.txt"), 5)];
    expect(got).toEqual([["héllo wörld", 1], ["second line ✓", 3], ["third", 4]]);
    expect(() => [...fileLines(join(dir, "missing.txt"))]).toThrow(/missing\.txt: file not found/);
  });
});

describe("Coat loader (fixture in the original layout)", () => {
  const features = ["gender:men", "gender:women", "jackettype:bomber", "jackettype:parkas", "color:black"];
  const dir = write("coat", {
    "train.ascii": "5 0 0\n0 3 0\n",
    "test.ascii": "0 2 1\n4 0 0\n",
    "coat_pseudoGT_ratingM.ascii": "5 2 1\n4 3 2\n",
    "user_item_features/item_features_map.txt": features.join("\n") + "\n",
    "user_item_features/item_features.ascii": "1 0 1 0 1\n0 1 0 1 0\n1 0 0 1 1\n",
  });
  it("reads ratings, the pseudo-GT matrix and jacket types as categories", () => {
    const ds = loadCoat(dir);
    expect(ds.numUsers).toBe(2);
    expect(ds.catalog.numItems).toBe(3);
    expect(ds.catalog.categoryNames).toEqual(["bomber", "parkas"]);
    expect(Array.from(ds.catalog.itemCategory)).toEqual([0, 1, 1]);
    expect(Array.from(ds.train.rating)).toEqual([5, 3]);
    expect(Array.from(ds.test!.item)).toEqual([1, 2, 0]);
    expect(Array.from(ds.groundTruth!)).toEqual([5, 2, 1, 4, 3, 2]);
    expect(ds.itemFeatureDim).toBe(5);
    expect(Array.from(ds.itemFeatures!.subarray(5, 10))).toEqual([0, 1, 0, 1, 0]);
  });
  it("names the file and line of a malformed row", () => {
    const bad = write("coat-bad", { "train.ascii": "5 0 0\n0 x 0\n" });
    expect(() => loadCoat(bad)).toThrow(/train\.ascii:2: column 2 is "x", expected an integer in 0\.\.5/);
    const ragged = write("coat-ragged", { "train.ascii": "5 0 0\n0 3\n" });
    expect(() => loadCoat(ragged)).toThrow(/train\.ascii:2: row has 2 values, the first row had 3/);
    expect(() => loadCoat(join(root, "nowhere"))).toThrow(/train\.ascii: file not found/);
  });
});

describe("MovieLens loaders", () => {
  const genres = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
    "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"];
  const flags = (on: number[]) => genres.map((_, g) => (on.includes(g) ? "1" : "0")).join("|");
  it("reads ML-100k (u.data, u.item, u.genre)", () => {
    const dir = write("ml100k", {
      "u.genre": genres.map((g, i) => `${g}|${i}`).join("\n") + "\n",
      "u.item": `1|Toy Story (1995)|01-Jan-1995||http://x|${flags([3, 4, 5])}\n2|GoldenEye (1995)|01-Jan-1995||http://y|${flags([1, 2, 16])}\n`,
      "u.data": "196\t2\t3\t881250949\n186\t1\t5\t891717742\n196\t1\t4\t881251000\n",
    });
    const ds = loadMovieLens100k(dir);
    expect(ds.numUsers).toBe(2);
    expect(ds.catalog.itemTitles).toEqual(["Toy Story (1995)", "GoldenEye (1995)"]);
    expect(Array.from(ds.catalog.itemCategory)).toEqual([3, 1]);
    expect(Array.from(ds.train.user)).toEqual([0, 1, 0]);
    expect(Array.from(ds.train.item)).toEqual([1, 0, 0]);
    expect(ds.train.timestamp![0]).toBe(881250949);
    const bad = write("ml100k-bad", { "u.item": `1|A|d||u|${flags([1])}\n`, "u.data": "1\t1\t5\n" });
    expect(() => loadMovieLens100k(bad)).toThrow(/u\.data:1: expected 4 tab-separated fields/);
    const unknown = write("ml100k-unknown", { "u.item": `1|A|d||u|${flags([1])}\n`, "u.data": "1\t9\t5\t0\n" });
    expect(() => loadMovieLens100k(unknown)).toThrow(/u\.data:1: item 9 is not in u\.item/);
  });
  it("reads ML-1M (ratings.dat, movies.dat)", () => {
    const dir = write("ml1m", {
      "movies.dat": "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Jumanji (1995)::Adventure|Children's|Fantasy\n",
      "ratings.dat": "1::1::5::978300760\n2::2::3::978302109\n",
    });
    const ds = loadMovieLens1m(dir);
    expect(ds.catalog.categoryNames[ds.catalog.itemCategory[0]!]).toBe("Animation");
    expect(Array.from(ds.train.rating)).toEqual([5, 3]);
    const bad = write("ml1m-bad", { "movies.dat": "1::A::Space Opera\n", "ratings.dat": "1::1::5::0\n" });
    expect(() => loadMovieLens1m(bad)).toThrow(/movies\.dat:1: unknown genre "Space Opera"/);
  });
});

describe("KuaiRec / KuaiRand-Pure loaders", () => {
  it("reads KuaiRec's small matrix as ground truth (watch ratio capped at 5, gaps = mean) and its categories", () => {
    const head = "user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio";
    write("kuairec/KuaiRec 2.0/data", {
      "small_matrix.csv": `${head}\n14,148,4381,6067,2020-07-05 05:27:48.378,20200705,1593898068.378,0.722\n14,183,11635,6100,x,20200705,1,7.5\n19,148,3649,6067,x,20200705,1,1.0\n`,
      "item_categories.csv": 'video_id,feat\n148,[8]\n183,"[27, 9]"\n',
    });
    const ds = loadKuaiRec(join(root, "kuairec"));
    expect(ds.numUsers).toBe(2);
    expect(ds.catalog.numItems).toBe(2);
    const gt = Array.from(ds.groundTruth!);
    const mean = (0.722 + 5 + 1) / 3;
    expect(gt[0]).toBeCloseTo(0.722, 5);
    expect(gt[1]).toBe(5);
    expect(gt[3]).toBeCloseTo(mean, 5); // user 19 never saw video 183
    expect(ds.catalog.categoryNames).toEqual(["tag 8", "tag 27", "tag 9"]);
    const bad = write("kuairec-bad", { "small_matrix.csv": `${head}\n14,148,1,1,x,1,1,oops\n`, "item_categories.csv": "video_id,feat\n" });
    expect(() => loadKuaiRec(bad)).toThrow(/small_matrix\.csv:2: watch_ratio is "oops"/);
  });
  it("reads KuaiRand-Pure's standard logs and tags", () => {
    const head = "user_id,video_id,date,hourmin,time_ms,is_click,is_like";
    const dir = write("kuairand/KuaiRand-Pure/data", {
      "video_features_basic_pure.csv": 'video_id,author_id,tag\n10,1,"17,4"\n11,2,\n',
      "log_standard_4_08_to_4_21_pure.csv": `${head}\n0,10,20220408,1000,1,1,0\n0,11,20220408,1000,2,0,0\n`,
      "log_standard_4_22_to_5_08_pure.csv": `${head}\n3,11,20220422,1000,3,1,0\n`,
    });
    const ds = loadKuaiRandPure(join(root, "kuairand"));
    expect(ds.numUsers).toBe(2);
    expect(Array.from(ds.train.rating)).toEqual([1, 0, 1]);
    expect(ds.catalog.categoryNames).toEqual(["tag 17", "tag 4", "untagged"]);
    write("kuairand/KuaiRand-Pure/data", { "log_standard_4_22_to_5_08_pure.csv": `${head}\n3,11,20220422,1000,3,2,0\n` });
    expect(() => loadKuaiRandPure(dir)).toThrow(/log_standard_4_22_to_5_08_pure\.csv:2: is_click is "2", expected an integer in 0\.\.1/);
  });
});

describe("generic CSV and BiLLP item maps", () => {
  it("reads ratings + items with or without headers, titles with quoted commas", () => {
    const dir = write("csv", {
      "ratings.csv": "user,item,rating,timestamp\nalice,i1,4,100\nbob,i2,2.5,101\n",
      "items.csv": 'i1,books,"War, and Peace"\ni2,games,Doom\n',
    });
    const ds = loadGenericCsv(join(dir, "ratings.csv"), join(dir, "items.csv"));
    expect(ds.catalog.categoryNames).toEqual(["books", "games"]);
    expect(ds.catalog.itemTitles).toEqual(["War, and Peace", "Doom"]);
    expect(Array.from(ds.train.rating)).toEqual([4, 2.5]);
    const bad = write("csv-bad", { "ratings.csv": "alice,i1,4\nbob,i3,1\n", "items.csv": "i1,books\n" });
    expect(() => loadGenericCsv(join(bad, "ratings.csv"), join(bad, "items.csv"))).toThrow(/ratings\.csv:2: item "i3" is not in/);
  });
  it("parses Python list literals and BiLLP's datamaps / list_genre", () => {
    expect(parsePythonStringList("['Action', 'Indie']")).toEqual(["Action", "Indie"]);
    expect(parsePythonStringList(`["Rock 'n' Roll", 'X']`)).toEqual(["Rock 'n' Roll", "X"]);
    expect(parsePythonStringList("not a list")).toBeUndefined();
    const dir = write("steam", {
      "datamaps.json": JSON.stringify({ id2item_dict: { "0": "Half-Life", "1": "DEFCON", "2": "Obscure" } }),
      "list_genre.json": JSON.stringify({ "Half-Life": "['Action']", DEFCON: "['Indie', 'Strategy']" }),
    });
    const { catalog } = loadBillpItems(dir);
    expect(catalog.categoryNames).toEqual(["Action", "Indie", "Strategy", "unknown"]);
    expect(Array.from(catalog.itemCategory)).toEqual([0, 1, 3]);
    write("steam", { "list_genre.json": "{oops" });
    expect(() => loadBillpItems(dir)).toThrow(/list_genre\.json: not valid JSON/);
  });
});
