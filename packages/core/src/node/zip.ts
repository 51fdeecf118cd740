/**
 * ZIP reading on yauzl (ZIP64, local-header checks, inflate, size validation), plus what yauzl leaves to its
 * caller: a CRC-32 check of every entry, UTF-8 names (what zip, Python and Java write; path safety is the
 * unpacker's policy, so yauzl's own name decoding and checks are off), and errors that name the archive.
 */
import { createWriteStream } from "node:fs";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";
import { FarsightError } from "../errors.js";
import type { ArchiveEntryInfo, EntryHandler } from "./archive-entry.js";
import { crc32Update } from "./crc32.js";
import { sha256Tap } from "./hash-tap.js";

/** A central-directory record: where an entry's data is and how to unpack it. */
export interface ZipEntry extends ArchiveEntryInfo {
  readonly method: number;
  readonly compressedSize: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
}

const bad = (what: string, problem: string, entry?: string, cause?: unknown) =>
  new FarsightError("core/archive-corrupt", `${what}: ${problem}`, { archive: what, ...(entry ? { entry } : {}) }, cause ? { cause } : undefined);

/** yauzl's messages, with the likely cause where a user can act on it. */
function explain(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/end of central directory record signature not found/i.test(message)) {
    return "not a ZIP file (no end-of-central-directory record; truncated download?)";
  }
  return message;
}

interface OpenZip {
  readonly zip: yauzl.ZipFile;
  readonly entries: { readonly info: ZipEntry; readonly raw: yauzl.Entry }[];
}

function toZipEntry(raw: yauzl.Entry): ZipEntry {
  const name = raw.fileNameRaw.toString("utf8");
  return {
    path: name.replace(/\/+$/, ""),
    type: name.endsWith("/") ? "directory" : "file",
    size: raw.uncompressedSize,
    method: raw.compressionMethod,
    compressedSize: raw.compressedSize,
    crc32: raw.crc32,
    localHeaderOffset: raw.relativeOffsetOfLocalHeader,
  };
}

/** Opens `file` and reads its whole central directory (no entry data). The caller closes `zip`. */
async function openZip(file: string, what: string): Promise<OpenZip> {
  const options = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true };
  let zip: yauzl.ZipFile;
  try {
    zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.open(file, options, (err, z) => (err ? reject(err) : resolve(z))));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code) throw err; // ENOENT and friends: not the archive's fault
    throw bad(what, explain(err), undefined, err);
  }
  const entries: OpenZip["entries"][number][] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on("entry", (raw: yauzl.Entry) => {
        entries.push({ info: toZipEntry(raw), raw });
        zip.readEntry();
      });
      zip.once("end", resolve);
      zip.once("error", reject);
      zip.readEntry();
    });
  } catch (err) {
    zip.close();
    throw bad(what, `the central directory is corrupt: ${explain(err)}`, undefined, err);
  }
  // Later failures arrive through openReadStream's callback; an unheard 'error' event would crash the process.
  zip.on("error", () => undefined);
  return { zip, entries };
}

/**
 * Reads the central directory of a ZIP file on disk (ZIP64 included), without reading any entry's data.
 * Names are decoded as UTF-8.
 */
export async function readZipDirectory(file: string, what = file): Promise<ZipEntry[]> {
  const { zip, entries } = await openZip(file, what);
  zip.close();
  return entries.map((e) => e.info);
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

/** The unpacked, CRC-checked bytes of one entry of an open archive; errors of any stage surface on the result. */
async function streamEntry(open: OpenZip, raw: yauzl.Entry, info: ZipEntry, what: string): Promise<Transform> {
  if (info.method !== 0 && info.method !== 8) {
    throw bad(what, `${info.path} uses compression method ${info.method}; only stored (0) and deflate (8) are supported`, info.path);
  }
  let source: Readable;
  try {
    source = await new Promise<Readable>((resolve, reject) => open.zip.openReadStream(raw, (err, s) => (err ? reject(err) : resolve(s))));
  } catch (err) {
    throw bad(what, `cannot read ${info.path}: ${explain(err)} (truncated download?)`, info.path, err);
  }
  const check = checkTap(info, what);
  pipeline(source, check).catch((err: unknown) => check.destroy(err instanceof FarsightError ? err : bad(what, `cannot extract ${info.path}: ${explain(err)}`, info.path, err)));
  return check;
}

/** The unpacked, CRC-checked bytes of one entry, streamed from disk (the archive is closed when they end). */
export async function openZipEntry(file: string, entry: ZipEntry, what = file): Promise<AsyncIterable<Buffer>> {
  const open = await openZip(file, what);
  const found = open.entries.find((e) => e.info.localHeaderOffset === entry.localHeaderOffset);
  if (!found) {
    open.zip.close();
    throw new FarsightError("core/archive-missing-entry", `${what}: has no entry "${entry.path}"`, { archive: what, entry: entry.path });
  }
  try {
    const stream = await streamEntry(open, found.raw, found.info, what);
    stream.once("close", () => open.zip.close());
    return stream;
  } catch (err) {
    open.zip.close();
    throw err;
  }
}

/** Every entry of a ZIP file on disk, in directory order, each streamed to `onEntry`. */
export async function readZipFile(file: string, onEntry: EntryHandler, what = file): Promise<void> {
  const open = await openZip(file, what);
  try {
    for (const { info, raw } of open.entries) {
      if (info.type !== "file") {
        await onEntry(info, (async function* () {})());
        continue;
      }
      const stream = await streamEntry(open, raw, info, what);
      try {
        await onEntry(info, stream);
      } catch (err) {
        if (err instanceof FarsightError) throw err;
        throw bad(what, `cannot extract ${info.path}: ${(err as Error).message}`, info.path, err);
      } finally {
        stream.destroy();
      }
    }
  } finally {
    open.zip.close();
  }
}

/** Streams one named entry of a ZIP file into `dest`; returns its sha256 and size. */
export async function extractZipEntry(file: string, entryName: string, dest: string, what = file): Promise<{ sha256: string; bytes: number }> {
  const open = await openZip(file, what);
  try {
    const found = open.entries.find((e) => e.info.path === entryName && e.info.type === "file");
    if (!found) throw new FarsightError("core/archive-missing-entry", `${what}: has no entry "${entryName}"`, { archive: what, entry: entryName });
    const tap = sha256Tap();
    try {
      await pipeline(await streamEntry(open, found.raw, found.info, what), tap.stream, createWriteStream(dest));
    } catch (err) {
      if (err instanceof FarsightError) throw err;
      throw bad(what, `cannot extract "${entryName}": ${(err as Error).message}`, entryName, err);
    }
    return { sha256: tap.digest(), bytes: tap.bytes };
  } finally {
    open.zip.close();
  }
}
