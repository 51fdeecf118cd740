import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tarBytes, writeKuaiRandPureTarGz, writeKuaiRecZip, zipBytes } from "@farsight/testing";
import { afterAll, describe, expect, it } from "vitest";
import { dataDirCandidates } from "./datadir.js";
import { loadKuaiRandPure, loadKuaiRec } from "./data/kuai.js";
import { DATASET_SOURCES, downloadsDir, fetchDataset, safeEntryPath, type DatasetSource } from "./fetch.js";

const root = mkdtempSync(join(tmpdir(), "farsight-fetch-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A ZIP with stored entries, names taken verbatim (hostile ones included). */
const zip = (files: [string, string][]) => zipBytes(files.map(([path, data]) => ({ path, data })), { method: 0 });
/** A gzipped ustar archive of regular files. */
const tarGz = (files: [string, string][]) => tarBytes(files.map(([path, data]) => ({ path, data })));

/** fetch() answering from a map of file name -> bytes (no network). */
function served(files: Record<string, Buffer>): typeof fetch {
  return (async (input: string | URL | Request) => {
    const name = String(input).slice(String(input).lastIndexOf("/") + 1);
    const body = files[name];
    return body ? new Response(body) : new Response("", { status: 404 });
  }) as typeof fetch;
}

/** Every file under a folder, relative paths, sorted. */
function tree(dir: string): string[] {
  return existsSync(dir) ? (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[]).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name).slice(dir.length + 1)).sort() : [];
}

const source = (name: string, archive: "zip" | "tar.gz", files?: Record<string, string>): DatasetSource => ({
  name, description: "test", license: "test", downloads: [{ url: `https://example.org/${name}.${archive}`, archive }], ...(files ? { files } : {}),
});

describe("data fetch: archive entries cannot escape the dataset folder", () => {
  const hostile = [
    ["top/../x", "top-relative escape after the top folder is stripped"],
    ["ml-100k/../coat/train.ascii", "a sibling dataset"],
    ["../evil", "parent"],
    ["/etc/evil", "absolute"],
    ["a/./b", "dot segment"],
    ["a\\..\\..\\b", "backslashes"],
    ["C:/evil", "drive letter"],
  ];
  for (const kind of ["zip", "tar.gz"] as const) {
    for (const [entry, why] of hostile) {
      it(`${kind}: refuses "${entry}" (${why}) and writes nothing anywhere`, async () => {
        const dataDir = mkdtempSync(join(root, "d-"));
        const files: [string, string][] = [["top/ok.txt", "fine"], [entry!, "pwned"]];
        const bytes = kind === "zip" ? zip(files) : tarGz(files);
        const name = `hostile${kind === "zip" ? "z" : "t"}`;
        await expect(fetchDataset(source(name, kind), { dataDir, fetchImpl: served({ [`${name}.${kind}`]: bytes }) })).rejects.toThrow(/unsafe path/);
        expect(tree(dataDir)).toEqual([]);
        expect(readdirSync(dataDir)).toEqual([]); // no partial folder left behind either
      });
    }
  }

  it("an archive whose every entry sits under `..` is refused, not stripped into the folder", async () => {
    const dataDir = mkdtempSync(join(root, "dots-"));
    const bytes = zip([["../a.txt", "A"], ["../b.txt", "B"]]);
    await expect(fetchDataset(source("dots", "zip"), { dataDir, fetchImpl: served({ "dots.zip": bytes }) })).rejects.toThrow(/unsafe path "\.\.\/a\.txt"/);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it("safeEntryPath is the last guard: only paths strictly inside the root pass", () => {
    expect(safeEntryPath("/data/coat", "sub/train.ascii", "t")).toBe("/data/coat/sub/train.ascii");
    for (const p of ["", "..", "sub/../../x", "sub//x", "x\0y", "/abs"]) expect(() => safeEntryPath("/data/coat", p, "t")).toThrow(/unsafe path/);
  });
});

describe("data fetch: all or nothing", () => {
  const good = "5 0\n0 3\n";
  const pinned = { "train.ascii": createHash("sha256").update(good).digest("hex") };

  it("unpacks a verified archive (top folder stripped) and records its source", async () => {
    const dataDir = mkdtempSync(join(root, "ok-"));
    const bytes = tarGz([["coatlike/train.ascii", good], ["coatlike/sub/README", "hi"]]);
    const r = await fetchDataset(source("coatlike", "tar.gz", pinned), { dataDir, fetchImpl: served({ "coatlike.tar.gz": bytes }) });
    expect(r.dir).toBe(join(dataDir, "coatlike"));
    expect(tree(dataDir)).toEqual(["coatlike/SOURCE.json", "coatlike/sub/README", "coatlike/train.ascii"]);
    expect(readFileSync(join(dataDir, "coatlike", "train.ascii"), "utf8")).toBe(good);
    // A second fetch refuses instead of overwriting the folder a user may have edited.
    await expect(fetchDataset(source("coatlike", "tar.gz", pinned), { dataDir, fetchImpl: served({ "coatlike.tar.gz": bytes }) })).rejects.toThrow(/already exists; remove it/);
  });

  it("a checksum failure leaves no dataset folder, and `data list`'s lookup does not find one", async () => {
    const dataDir = mkdtempSync(join(root, "bad-"));
    // The first file verifies and would have been written before the second one fails.
    const sources: DatasetSource = { ...source("twofiles", "zip"), files: { "a.txt": createHash("sha256").update("A").digest("hex"), "b.txt": "0".repeat(64) } };
    const bytes = zip([["a.txt", "A"], ["b.txt", "B"]]);
    await expect(fetchDataset(sources, { dataDir, fetchImpl: served({ "twofiles.zip": bytes }) })).rejects.toThrow(/b\.txt has SHA-256 .* expected 0{64}/);
    expect(readdirSync(dataDir)).toEqual([]);
    expect(dataDirCandidates("twofiles", dataDir).some((d) => existsSync(d))).toBe(false);
  });

  it("a failed download leaves nothing and the message carries no credentials", async () => {
    const dataDir = mkdtempSync(join(root, "cred-"));
    await expect(fetchDataset(source("missing", "zip"), { dataDir, baseUrl: "https://alice:s3cret@mirror.example/d?token=abc", fetchImpl: served({}) }))
      .rejects.toThrow(/^download of https:\/\/\*\*\*@mirror\.example\/d\/missing\.zip\?token=\*\*\* failed: HTTP 404$/);
    expect(readdirSync(dataDir)).toEqual([]);
  });
});

describe("data fetch: KuaiRec and KuaiRand-Pure from a mirror on 127.0.0.1 (published archive layouts)", () => {
  it("streams the archives (one connection dropped mid-way and resumed), unpacks them and the loaders read the result", async () => {
    const mirror = mkdtempSync(join(root, "mirror-"));
    const recFacts = writeKuaiRecZip(join(mirror, "KuaiRec.zip"), { seed: 4, users: 20, items: 30 });
    const randFacts = writeKuaiRandPureTarGz(join(mirror, "KuaiRand-Pure.tar.gz"), { seed: 4, users: 20, items: 30 });
    const ranges: (string | undefined)[] = [];
    let dropped = false;
    const dataDir = mkdtempSync(join(root, "kuai-"));
    const part = join(downloadsDir(dataDir), "kuairec--KuaiRec.zip.part");
    const half = (b: Buffer) => b.length >> 1;
    const server = createServer((req, res) => {
      const name = decodeURIComponent(req.url!.slice(1).replace(/\?.*$/, ""));
      if (!existsSync(join(mirror, name))) return void res.writeHead(404).end();
      const body = readFileSync(join(mirror, name));
      ranges.push(req.headers.range);
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? "")?.[1] ?? 0);
      const head = { "content-length": String(body.length - start) };
      if (start > 0) res.writeHead(206, { ...head, "content-range": `bytes ${start}-${body.length - 1}/${body.length}` });
      else res.writeHead(200, head);
      if (name === "KuaiRec.zip" && !dropped) {
        dropped = true;
        // Half the archive, then the connection dies once the client has those bytes on disk.
        res.write(body.subarray(0, half(body)));
        const wait = setInterval(() => {
          if (!existsSync(part) || statSync(part).size < half(body)) return;
          clearInterval(wait);
          res.socket?.destroy();
        }, 5);
        return;
      }
      res.end(body.subarray(start));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const log: string[] = [];
      for (const name of ["kuairec", "kuairand-pure"]) {
        await fetchDataset(DATASET_SOURCES.find((s) => s.name === name)!, { dataDir, baseUrl, log: (l) => log.push(l), progressEverySeconds: 0 });
      }
      expect(ranges).toEqual([undefined, `bytes=${half(readFileSync(join(mirror, "KuaiRec.zip")))}-`, undefined]); // the one resume, at the byte it broke
      expect(log.join("\n")).toMatch(/KuaiRec\.zip: [\d.]+ \/ [\d.]+ MB \(100%\), [\d.]+ MB\/s/);
      expect(log.join("\n")).toMatch(/resuming at/);
      expect(tree(join(dataDir, "kuairec"))).toEqual(
        ["SOURCE.json", "LICENSE", "loaddata.py", ...["big_matrix.csv", "item_categories.csv", "item_daily_features.csv", "small_matrix.csv", "social_network.csv", "user_features.csv"].map((f) => `data/${f}`)].sort(),
      );
      expect(readdirSync(dataDir).sort()).toEqual(["kuairand-pure", "kuairec"]); // no download folder or .part left
      const rec = loadKuaiRec(join(dataDir, "kuairec"));
      expect(rec.numUsers).toBe(recFacts.smallUsers.length);
      expect(rec.adjusted!["small_matrix.csv watch_ratio > 5, capped at 5"]).toBe(recFacts.cappedSmall);
      const rand = loadKuaiRandPure(join(dataDir, "kuairand-pure"));
      expect(Array.from(rand.train.rating)).toEqual(randFacts.standardClicks);
      expect(rand.test!.user.length).toBe(randFacts.randomRows);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
