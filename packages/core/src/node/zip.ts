import { createReadStream, createWriteStream } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createInflateRaw } from "node:zlib";
import { FarsightError } from "../errors.js";
import { crc32Update } from "./crc32.js";
import { sha256Tap } from "./hash-tap.js";
import type { ArchiveEntryInfo, EntryHandler } from "./tar.js";

/** A central-directory record: where an entry's data is and how to unpack it. */
export interface ZipEntry extends ArchiveEntryInfo {
  readonly method: number;
  readonly compressedSize: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
}

const MAX32 = 0xffffffff;
const bad = (what: string, problem: string, entry?: string) => new FarsightError("core/archive-corrupt", `${what}: ${problem}`, { archive: what, ...(entry ? { entry } : {}) });

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/** 64-bit little-endian value as a number; archives here stay far below 2^53 bytes. */
const u64 = (b: Buffer, at: number) => Number(b.readBigUInt64LE(at));

/**
 * Reads the central directory of a ZIP file on disk (ZIP64 end records and extra fields included), without
 * reading any entry's data. Names are decoded as UTF-8 (what zip, Python and Java write for non-ASCII names).
 */
export async function readZipDirectory(file: string, what = file): Promise<ZipEntry[]> {
  const fh = await open(file, "r");
  try {
    const { size: fileSize } = await fh.stat();
    const tailLen = Math.min(fileSize, 65_557);
    const tail = await readAt(fh, fileSize - tailLen, tailLen);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw bad(what, "not a ZIP file (no end-of-central-directory record; truncated download?)");
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    // ZIP64: a locator just before the classic record points at the ZIP64 end record with 64-bit fields.
    const locatorAt = fileSize - tailLen + eocd - 20;
    if (locatorAt >= 0) {
      const locator = await readAt(fh, locatorAt, 20);
      if (locator.readUInt32LE(0) === 0x07064b50) {
        const rec = await readAt(fh, u64(locator, 8), 56);
        if (rec.length < 56 || rec.readUInt32LE(0) !== 0x06064b50) throw bad(what, "the ZIP64 end-of-central-directory record is missing or corrupt");
        count = u64(rec, 32);
        cdSize = u64(rec, 40);
        cdOffset = u64(rec, 48);
      }
    }
    if (cdOffset + cdSize > fileSize) throw bad(what, `the central directory (${cdSize} bytes at ${cdOffset}) runs past the end of the ${fileSize}-byte file (truncated download?)`);
    const cd = await readAt(fh, cdOffset, cdSize);
    const out: ZipEntry[] = [];
    let p = 0;
    for (let e = 0; e < count; e++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw bad(what, `central directory entry ${e} is corrupt`);
      const nameLen = cd.readUInt16LE(p + 28), extraLen = cd.readUInt16LE(p + 30), commentLen = cd.readUInt16LE(p + 32);
      const rawName = cd.toString("utf8", p + 46, p + 46 + nameLen);
      let size = cd.readUInt32LE(p + 24), compressedSize = cd.readUInt32LE(p + 20), localHeaderOffset = cd.readUInt32LE(p + 42);
      // The ZIP64 extra field (id 1) holds, in this order, only the values whose 32-bit field is 0xFFFFFFFF.
      let x = p + 46 + nameLen;
      const extraEnd = x + extraLen;
      while (x + 4 <= extraEnd) {
        const id = cd.readUInt16LE(x), len = cd.readUInt16LE(x + 2);
        if (id === 0x0001) {
          let q = x + 4;
          const take = () => {
            if (q + 8 > x + 4 + len) throw bad(what, `the ZIP64 extra field of ${rawName} is too short`, rawName);
            const v = u64(cd, q);
            q += 8;
            return v;
          };
          if (size === MAX32) size = take();
          if (compressedSize === MAX32) compressedSize = take();
          if (localHeaderOffset === MAX32) localHeaderOffset = take();
        }
        x += 4 + len;
      }
      if (size === MAX32 || compressedSize === MAX32 || localHeaderOffset === MAX32) throw bad(what, `${rawName} needs ZIP64 sizes but has no ZIP64 extra field`, rawName);
      const isDir = rawName.endsWith("/");
      out.push({
        path: rawName.replace(/\/+$/, ""),
        type: isDir ? "directory" : "file",
        size,
        method: cd.readUInt16LE(p + 10),
        compressedSize,
        crc32: cd.readUInt32LE(p + 16),
        localHeaderOffset,
      });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return out;
  } finally {
    await fh.close();
  }
}

/** Where an entry's data starts: after its local header, whose name and extra lengths may differ from the directory's. */
async function dataStart(file: string, entry: ZipEntry, what: string): Promise<number> {
  const fh = await open(file, "r");
  try {
    const local = await readAt(fh, entry.localHeaderOffset, 30);
    if (local.length < 30 || local.readUInt32LE(0) !== 0x04034b50) throw bad(what, `the local header of ${entry.path} is corrupt`, entry.path);
    const start = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (start + entry.compressedSize > (await fh.stat()).size) throw bad(what, `${entry.path} runs past the end of the file (truncated download?)`, entry.path);
    return start;
  } finally {
    await fh.close();
  }
}

/** Checks the CRC-32 and the size of what flows through, failing the stream at its end when they differ. */
function checkTap(entry: ZipEntry, what: string): Transform {
  let crc = 0, bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      crc = crc32Update(crc, chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      if (bytes !== entry.size) return done(bad(what, `${entry.path} unpacked to ${bytes} bytes, the directory says ${entry.size}`, entry.path));
      if (crc >>> 0 !== entry.crc32) return done(bad(what, `${entry.path} fails its CRC-32 check (corrupt archive)`, entry.path));
      done();
    },
  });
}

/** The unpacked, CRC-checked bytes of one entry, streamed from disk. */
export async function openZipEntry(file: string, entry: ZipEntry, what = file): Promise<AsyncIterable<Buffer>> {
  if (entry.method !== 0 && entry.method !== 8) {
    throw bad(what, `${entry.path} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`, entry.path);
  }
  const start = await dataStart(file, entry, what);
  const check = checkTap(entry, what);
  if (entry.compressedSize === 0) {
    check.end();
    return check;
  }
  const raw = createReadStream(file, { start, end: start + entry.compressedSize - 1 });
  // Errors of any stage surface on the last one, which the caller iterates.
  const done = entry.method === 8 ? pipeline(raw, createInflateRaw(), check) : pipeline(raw, check);
  done.catch((err: Error) => check.destroy(err));
  return check;
}

/** Every entry of a ZIP file on disk, in directory order, each streamed to `onEntry`. */
export async function readZipFile(file: string, onEntry: EntryHandler, what = file): Promise<void> {
  for (const entry of await readZipDirectory(file, what)) {
    if (entry.type !== "file") {
      await onEntry(entry, (async function* () {})());
      continue;
    }
    const stream = await openZipEntry(file, entry, what);
    try {
      await onEntry(entry, stream);
    } catch (err) {
      if (err instanceof FarsightError) throw err;
      throw new FarsightError("core/archive-corrupt", `${what}: cannot extract ${entry.path}: ${(err as Error).message}`, { archive: what, entry: entry.path }, { cause: err });
    } finally {
      (stream as Transform).destroy?.();
    }
  }
}

/** Streams one named entry of a ZIP file into `dest`; returns its sha256 and size. */
export async function extractZipEntry(file: string, entryName: string, dest: string, what = file): Promise<{ sha256: string; bytes: number }> {
  const entry = (await readZipDirectory(file, what)).find((e) => e.path === entryName && e.type === "file");
  if (!entry) throw new FarsightError("core/archive-missing-entry", `${what}: has no entry "${entryName}"`, { archive: what, entry: entryName });
  const tap = sha256Tap();
  try {
    await pipeline(await openZipEntry(file, entry, what), tap.stream, createWriteStream(dest));
  } catch (err) {
    if (err instanceof FarsightError) throw err;
    throw new FarsightError("core/archive-corrupt", `${what}: cannot extract "${entryName}": ${(err as Error).message}`, { archive: what, entry: entryName }, { cause: err });
  }
  return { sha256: tap.digest(), bytes: tap.bytes };
}
