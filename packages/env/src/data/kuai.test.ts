/**
 * KuaiRec 2.0 and KuaiRand-Pure loaders on fixtures in the published layouts (@farsight/testing's
 * generators: same folders, files, columns, value formats). Expectations are read off the rows written.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeKuaiRandPureFixture, writeKuaiRecFixture, KUAIRAND_LOG_COLUMNS, KUAIREC_MATRIX_COLUMNS } from "@farsight/testing";
import { afterAll, describe, expect, it } from "vitest";
import { loadKuaiRandPure, loadKuaiRec } from "./kuai.js";

const root = mkdtempSync(join(tmpdir(), "farsight-kuai-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("KuaiRec 2.0 loader (fixture in the published layout)", () => {
  const dir = join(root, "kuairec");
  const facts = writeKuaiRecFixture(dir, { seed: 3 });
  const ds = loadKuaiRec(dir);

  it("finds `KuaiRec 2.0/data/` and keeps the small matrix's users and videos", () => {
    expect(readFileSync(join(dir, "KuaiRec 2.0", "data", "small_matrix.csv"), "utf8").split("\n")[0]).toBe(KUAIREC_MATRIX_COLUMNS.join(","));
    expect(ds.numUsers).toBe(facts.smallUsers.length);
    expect([...ds.userIds!].map(Number).sort((a, b) => a - b)).toEqual([...facts.smallUsers].sort((a, b) => a - b));
    expect(ds.catalog.numItems).toBe(facts.smallVideos.length);
  });

  it("pays each small-matrix cell's watch ratio, capped at 5, and the mean where a user blocked a video", () => {
    const I = ds.catalog.numItems;
    const userIndex = new Map(ds.userIds!.map((id, k) => [id, k]));
    const itemIndex = new Map(ds.itemIds!.map((id, k) => [id, k]));
    let sum = 0;
    for (const [key, w] of facts.small) {
      const [u, v] = key.split(",");
      expect(ds.groundTruth![userIndex.get(u!)! * I + itemIndex.get(v!)!]).toBeCloseTo(Math.min(5, w), 5);
      sum += Math.min(5, w);
    }
    expect(facts.missingSmall).toBeGreaterThan(0);
    const mean = sum / facts.small.size;
    let filled = 0;
    for (const u of ds.userIds!) {
      for (const v of ds.itemIds!) {
        if (facts.small.has(`${u},${v}`)) continue;
        filled++;
        expect(ds.groundTruth![userIndex.get(u)! * I + itemIndex.get(v)!]).toBeCloseTo(mean, 4);
      }
    }
    expect(filled).toBe(facts.missingSmall);
    expect(facts.cappedSmall).toBeGreaterThan(0);
    expect(ds.adjusted!["small_matrix.csv watch_ratio > 5, capped at 5"]).toBe(facts.cappedSmall);
  });

  it("trains on the big matrix's rows for those users and videos (duplicates kept, rows without a time too)", () => {
    expect(ds.train.user.length).toBe(facts.bigRowsInSmall);
    expect(ds.adjusted!["big_matrix.csv watch_ratio > 5, capped at 5"]).toBe(facts.cappedBigInSmall);
    expect(Math.max(...ds.train.rating)).toBeLessThanOrEqual(5);
    // Some rows have no time (as in the published file): the log then carries none, rather than a partial column.
    expect(ds.train.timestamp).toBeUndefined();
  });

  it("reads item_categories.csv's tag lists (quoted \"[27, 9]\") as categories, first tag primary", () => {
    ds.itemIds!.forEach((v, i) => {
      const tags = facts.tags.get(Number(v))!;
      expect(ds.catalog.categoryNames[ds.catalog.itemCategory[i]!]).toBe(`tag ${tags[0]}`);
    });
    expect(ds.catalog.numCategories).toBeGreaterThan(10);
  });

  it("names the file, the line and the column when the layout is not KuaiRec's", () => {
    const bad = join(root, "kuairec-bad");
    writeKuaiRecFixture(bad, { seed: 1, users: 4, items: 5 });
    const file = join(bad, "KuaiRec 2.0", "data", "small_matrix.csv");
    writeFileSync(file, readFileSync(file, "utf8").replace("watch_ratio", "watch_rate"));
    expect(() => loadKuaiRec(bad)).toThrow(/small_matrix\.csv:1: missing column "watch_ratio"/);
  });
});

describe("KuaiRand-Pure loader (fixture in the published layout)", () => {
  const dir = join(root, "kuairand");
  const facts = writeKuaiRandPureFixture(dir, { seed: 5 });
  const ds = loadKuaiRandPure(dir);

  it("reads both standard logs in file-name order as the training log (reward is_click)", () => {
    const head = readFileSync(join(dir, "KuaiRand-Pure", "data", "log_standard_4_08_to_4_21_pure.csv"), "utf8").split("\n")[0];
    expect(head).toBe(KUAIRAND_LOG_COLUMNS.join(","));
    expect(ds.train.user.length).toBe(facts.standardRows);
    expect(Array.from(ds.train.rating)).toEqual(facts.standardClicks);
    expect(ds.numUsers).toBe(facts.users.length);
  });

  it("reads time_ms as the log's timestamps, in seconds (held-out users then fold in their earliest ratings)", () => {
    const times: number[] = [];
    for (const name of ["log_standard_4_08_to_4_21_pure.csv", "log_standard_4_22_to_5_08_pure.csv"]) {
      const [head, ...rows] = readFileSync(join(dir, "KuaiRand-Pure", "data", name), "utf8").trim().split("\n");
      const col = head!.split(",").indexOf("time_ms");
      for (const row of rows) times.push(Number(row.split(",")[col]) / 1000);
    }
    expect(ds.train.timestamp).toBeDefined();
    expect(Array.from(ds.train.timestamp!)).toEqual(times);
    expect(times.every((t) => t > 1.5e9)).toBe(true);
  });

  it("keeps the random-exposure log apart as the held-out log", () => {
    expect(ds.test!.user.length).toBe(facts.randomRows);
    expect(Array.from(ds.test!.rating)).toEqual(facts.randomClicks);
  });

  it("takes categories from video_features_basic_pure.csv's tag (\"17,4\"; empty = untagged)", () => {
    expect(ds.catalog.numItems).toBe(facts.videos.length);
    ds.itemIds!.forEach((v, i) => {
      const tag = facts.tags.get(Number(v))!;
      expect(ds.catalog.categoryNames[ds.catalog.itemCategory[i]!]).toBe(tag === "" ? "untagged" : `tag ${tag.split(",")[0]}`);
    });
  });

  it("refuses a log row whose video is not in the candidate pool, naming file and line", () => {
    const bad = join(root, "kuairand-bad");
    writeKuaiRandPureFixture(bad, { seed: 2, users: 3, items: 6 });
    const file = join(bad, "KuaiRand-Pure", "data", "log_standard_4_22_to_5_08_pure.csv");
    const lines = readFileSync(file, "utf8").split("\n");
    lines[1] = lines[1]!.replace(/^(\d+),(\d+),/, "$1,99999999,");
    writeFileSync(file, lines.join("\n"));
    expect(() => loadKuaiRandPure(bad)).toThrow(/log_standard_4_22_to_5_08_pure\.csv:2: video 99999999 is not in video_features_basic_pure\.csv/);
  });
});
