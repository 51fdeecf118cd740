/**
 * A download is checked for the files its loader needs before anything is installed: a MovieLens archive
 * without u.item, or with two top folders (so nothing sits at the top of the dataset folder), is refused with
 * a message naming what is missing, and the data directory is left without a dataset folder.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipBytes } from "@farsight/testing";
import { afterAll, describe, expect, it } from "vitest";
import { DATASET_SOURCES, fetchDataset, globMatch } from "./fetch.js";

const root = mkdtempSync(join(tmpdir(), "farsight-fetch-required-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const ml100k = DATASET_SOURCES.find((s) => s.name === "movielens-100k")!;

/** fetch() serving ml-100k.zip and its published MD5 file from memory. */
function serving(files: [string, string][]): typeof fetch {
  const zip = zipBytes(files.map(([path, data]) => ({ path, data })), { method: 0 });
  const md5 = createHash("md5").update(zip).digest("hex");
  return (async (input: string | URL | Request) => {
    const url = String(input);
    if (url.endsWith("ml-100k.zip")) return new Response(zip);
    if (url.endsWith("ml-100k.zip.md5")) return new Response(`${md5}  ml-100k.zip\n`);
    return new Response("", { status: 404 });
  }) as typeof fetch;
}

const U_DATA = "1\t1\t5\t881250949\n";
const U_ITEM = "1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n";

describe("data fetch refuses an archive that lacks what the loader needs", () => {
  it("MovieLens without u.item: refused, nothing installed", async () => {
    const dataDir = mkdtempSync(join(root, "d-"));
    const fetchImpl = serving([["ml-100k/u.data", U_DATA], ["ml-100k/README", "readme"]]);
    await expect(fetchDataset(ml100k, { dataDir, fetchImpl })).rejects.toThrow(/movielens-100k: the download lacks u\.item, which the loader needs .*nothing was installed/);
    expect(existsSync(join(dataDir, "movielens-100k"))).toBe(false);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it("MovieLens with two top folders: refused, nothing installed", async () => {
    const dataDir = mkdtempSync(join(root, "d-"));
    const fetchImpl = serving([["ml-100k/u.data", U_DATA], ["ml-100k/u.item", U_ITEM], ["extra/notes.txt", "x"]]);
    await expect(fetchDataset(ml100k, { dataDir, fetchImpl })).rejects.toThrow(/lacks u\.data, u\.item/);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it("a complete archive installs", async () => {
    const dataDir = mkdtempSync(join(root, "d-"));
    const result = await fetchDataset(ml100k, { dataDir, fetchImpl: serving([["ml-100k/u.data", U_DATA], ["ml-100k/u.item", U_ITEM]]) });
    expect([...result.files].sort()).toEqual(["u.data", "u.item"]);
    expect(existsSync(join(dataDir, "movielens-100k", "u.item"))).toBe(true);
  });

  it("required patterns: * stays inside a folder name, a leading ** matches any folders", () => {
    expect(globMatch("**/log_standard_*_pure.csv", "data/log_standard_4_08_to_4_21_pure.csv")).toBe(true);
    expect(globMatch("**/small_matrix.csv", "small_matrix.csv")).toBe(true);
    expect(globMatch("u.item", "sub/u.item")).toBe(false);
    expect(globMatch("u.item", "uxitem")).toBe(false);
    expect(globMatch("a*.csv", "a/b.csv")).toBe(false);
  });
});
