/**
 * Streamed archive extraction (@farsight/core/node's readers, env's policy) on ZIP64 and pax fixtures:
 * written by @farsight/testing's writers, and cross-checked on archives Python's zipfile / tarfile write
 * when python3 is installed (skipped with a message otherwise).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { readZipDirectory, readZipFile } from "@farsight/core/node";
import { tarBytes, writeTar, writeZip, zipBytes } from "@farsight/testing";
import { afterAll, describe, expect, it } from "vitest";
import { extractArchive } from "./archive.js";
import { readTarFile, readTarStream } from "./tar-reader.js";

const root = mkdtempSync(join(tmpdir(), "farsight-archive-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dir = () => mkdtempSync(join(root, "x-"));

const python = spawnSync("python3", ["--version"]).status === 0;
if (!python) console.log("[env] archive cross-checks against Python's zipfile/tarfile skipped: python3 not found");
function py(script: string, ...args: string[]): void {
  const r = spawnSync("python3", ["-c", script, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
}

const longPath = `top/${"a-rather-long-folder-name-".repeat(3)}/${"and-an-even-longer-file-name-".repeat(4)}.csv`;
const members = [
  { path: "top/" },
  { path: "top/data/" },
  { path: "top/data/small.csv", data: "user_id,video_id,watch_ratio\n1,2,0.5\n" },
  { path: "top/data/empty.csv", data: "" },
  { path: "top/données/ünïcode.txt", data: "✓\n" },
];

describe("ZIP64", () => {
  it("reads every ZIP64 record (sizes, offsets, end record, locator) and unpacks under the top folder's contents", async () => {
    const file = join(dir(), "z64.zip");
    writeZip(file, members, { zip64: true });
    const entries = await readZipDirectory(file);
    expect(entries.filter((e) => e.type === "file").map((e) => [e.path, e.size])).toEqual([
      ["top/data/small.csv", 37],
      ["top/data/empty.csv", 0],
      ["top/données/ünïcode.txt", 4],
    ]);
    const out = dir();
    const files = await extractArchive(file, out, { kind: "zip", what: "z64.zip" });
    expect(files.map((f) => f.path).sort()).toEqual(["data/empty.csv", "data/small.csv", "données/ünïcode.txt"]);
    expect(readFileSync(join(out, "data", "small.csv"), "utf8")).toBe(members[2]!.data);
    expect(readFileSync(join(out, "données", "ünïcode.txt"), "utf8")).toBe("✓\n");
  });

  it.skipIf(!python)("reads a ZIP64 archive written by Python's zipfile (force_zip64)", async () => {
    const file = join(dir(), "py64.zip");
    py(
      "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n" +
        "  for name, text in [('KuaiRec 2.0/data/small_matrix.csv', 'user_id,video_id\\n1,2\\n'), ('KuaiRec 2.0/LICENSE', 'x' * 5000)]:\n" +
        "    with z.open(name, 'w', force_zip64=True) as f: f.write(text.encode())",
      file,
    );
    const got: Record<string, string> = {};
    await readZipFile(file, async (e, content) => {
      const parts: Buffer[] = [];
      for await (const c of content) parts.push(c);
      got[e.path] = Buffer.concat(parts).toString("utf8");
    });
    expect(got).toEqual({ "KuaiRec 2.0/data/small_matrix.csv": "user_id,video_id\n1,2\n", "KuaiRec 2.0/LICENSE": "x".repeat(5000) });
  });

  it("streams a large entry from disk in chunks, stored or deflated (never the entry or the archive in one buffer)", async () => {
    const size = 16 * 1024 * 1024;
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) data.writeUInt32LE((i * 2654435761) >>> 0, i);
    for (const method of [0, 8] as const) {
      const file = join(dir(), `big-${method}.zip`);
      writeZip(file, [{ path: "big.bin", data }], { method, zip64: true });
      let total = 0, largest = 0;
      await readZipFile(file, async (_e, content) => {
        for await (const c of content) {
          total += c.length;
          largest = Math.max(largest, c.length);
        }
      });
      expect(total).toBe(size);
      expect(largest).toBeLessThanOrEqual(1024 * 1024);
    }
  });

  it("skips macOS's __MACOSX/ resource forks, which would otherwise be a second top folder", async () => {
    const file = join(dir(), "mac.zip");
    writeZip(file, [...members, { path: "__MACOSX/" }, { path: "__MACOSX/top/data/._small.csv", data: "fork" }]);
    const out = dir();
    const files = await extractArchive(file, out, { kind: "zip", what: "mac.zip" });
    expect(files.map((f) => f.path).sort()).toEqual(["data/empty.csv", "data/small.csv", "données/ünïcode.txt"]);
  });

  it("refuses a truncated or corrupt archive with a message that says so", async () => {
    const d = dir();
    const bytes = zipBytes(members, { method: 0 });
    writeFileSync(join(d, "cut.zip"), bytes.subarray(0, bytes.length - 30));
    await expect(extractArchive(join(d, "cut.zip"), join(d, "o1"), { kind: "zip", what: "cut.zip" })).rejects.toThrow(/cut\.zip: not a ZIP file .*truncated download/);
    const flipped = Buffer.from(bytes);
    flipped[flipped.indexOf("1,2,0.5")] = "9".charCodeAt(0);
    writeFileSync(join(d, "crc.zip"), flipped);
    await expect(extractArchive(join(d, "crc.zip"), join(d, "o2"), { kind: "zip", what: "crc.zip" })).rejects.toThrow(/crc\.zip: top\/data\/small\.csv fails its CRC-32 check/);
  });
});

describe("tar with pax extended headers", () => {
  it("takes a >100-character path from the pax header (ustar cannot split it) and the size from pax too", async () => {
    expect(longPath.split("/").at(-1)!.length).toBeGreaterThan(100);
    for (const forcePax of [false, true]) {
      const file = join(dir(), "pax.tar.gz");
      writeTar(file, [...members, { path: longPath, data: "long\n" }], { forcePax });
      const out = dir();
      const files = await extractArchive(file, out, { kind: "tar.gz", what: "pax.tar.gz" });
      expect(files.map((f) => f.path)).toContain(longPath.slice("top/".length));
      expect(readFileSync(join(out, longPath.slice("top/".length)), "utf8")).toBe("long\n");
      expect(readFileSync(join(out, "data", "small.csv"), "utf8")).toBe(members[2]!.data);
    }
  });

  it.skipIf(!python)("reads a pax archive written by Python's tarfile (PAX_FORMAT, long path, symlink skipped)", async () => {
    const d = dir();
    const file = join(d, "py.tar.gz");
    py(
      "import io, sys, tarfile\nwith tarfile.open(sys.argv[1], 'w:gz', format=tarfile.PAX_FORMAT) as t:\n" +
        "  for name, text in [(sys.argv[2], b'long\\n'), ('top/data/small.csv', b'a,b\\n')]:\n" +
        "    info = tarfile.TarInfo(name); info.size = len(text); t.addfile(info, io.BytesIO(text))\n" +
        "  link = tarfile.TarInfo('top/link'); link.type = tarfile.SYMTYPE; link.linkname = '/etc/passwd'; t.addfile(link)",
      file,
      longPath,
    );
    const notes: string[] = [];
    const out = join(d, "out");
    const files = await extractArchive(file, out, { kind: "tar.gz", what: "py.tar.gz", log: (l) => notes.push(l) });
    expect(files.map((f) => f.path).sort()).toEqual(["data/small.csv", longPath.slice("top/".length)].sort());
    expect(notes).toEqual(["py.tar.gz: skipped top/link (not a regular file)"]);
  });

  it("streams a large entry in chunks: the reader never gathers an entry (or the archive) into one buffer", async () => {
    const size = 24 * 1024 * 1024, chunk = 64 * 1024;
    const header = tarBytes([{ path: "big.bin", data: Buffer.alloc(0) }], { gzip: false }).subarray(0, 512);
    // A header for a 24 MiB file, then its bytes, produced lazily: nothing of this size exists in memory.
    const h = Buffer.from(header);
    h.write(size.toString(8).padStart(11, "0") + "\0", 124, 12, "ascii");
    h.fill(" ", 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "ascii");
    async function* source() {
      yield h;
      for (let sent = 0; sent < size; sent += chunk) yield Buffer.alloc(Math.min(chunk, size - sent), 7);
      yield Buffer.alloc(1024);
    }
    let total = 0, largest = 0;
    await readTarStream(source(), async (_e, content) => {
      for await (const c of content) {
        total += c.length;
        largest = Math.max(largest, c.length);
      }
    });
    expect(total).toBe(size);
    expect(largest).toBeLessThanOrEqual(chunk);
  });

  it("refuses a truncated tar.gz", async () => {
    const d = dir();
    const bytes = tarBytes([...members, { path: "top/data/big.csv", data: "x".repeat(100_000) }]);
    writeFileSync(join(d, "cut.tar.gz"), bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(readTarFile(join(d, "cut.tar.gz"), async (_e, content) => void (await Readable.from(content).toArray()))).rejects.toThrow(/cut\.tar\.gz: .*(unexpected end|ends)/);
  });
});
