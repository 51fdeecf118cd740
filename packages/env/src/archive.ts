/**
 * Minimal archive readers for dataset downloads (no dependency): ZIP (stored and deflated entries, via the
 * central directory) and tar / tar.gz (ustar). Entries are returned in memory; datasets here are small.
 */
import { gunzipSync, inflateRawSync } from "node:zlib";
import { FarsightError } from "@farsight/core";

export interface ArchiveEntry {
  readonly path: string;
  readonly data: Buffer;
}

function bad(what: string, problem: string): FarsightError {
  return new FarsightError("env/bad-archive", `${what}: ${problem}`, { archive: what });
}

/** Reads every file of a ZIP archive. */
export function readZip(buf: Buffer, what = "zip archive"): ArchiveEntry[] {
  // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad(what, "not a ZIP file (no end-of-central-directory record)");
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: ArchiveEntry[] = [];
  for (let e = 0; e < count; e++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw bad(what, `central directory entry ${e} is corrupt`);
    const method = buf.readUInt16LE(p + 10);
    const compSize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28), extraLen = buf.readUInt16LE(p + 30), commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const path = buf.toString("utf8", p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (path.endsWith("/")) continue;
    if (buf.readUInt32LE(local) !== 0x04034b50) throw bad(what, `local header of ${path} is corrupt`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + compSize);
    if (method === 0) out.push({ path, data: Buffer.from(raw) });
    else if (method === 8) out.push({ path, data: inflateRawSync(raw) });
    else throw bad(what, `${path} uses compression method ${method}; only stored (0) and deflate (8) are supported`);
  }
  return out;
}

/** Reads every regular file of a tar archive (gzip-compressed when `gzip`). */
export function readTar(input: Buffer, gzip: boolean, what = "tar archive"): ArchiveEntry[] {
  const buf = gzip ? gunzipSync(input) : input;
  const out: ArchiveEntry[] = [];
  let p = 0;
  while (p + 512 <= buf.length) {
    const header = buf.subarray(p, p + 512);
    if (header.every((b) => b === 0)) break;
    const str = (o: number, n: number) => header.toString("utf8", o, o + n).replace(/\0.*$/s, "");
    const size = parseInt(str(124, 12).trim() || "0", 8);
    if (!Number.isFinite(size)) throw bad(what, `bad size field at offset ${p}`);
    const type = str(156, 1);
    const prefix = str(345, 155);
    const name = (prefix ? `${prefix}/` : "") + str(0, 100);
    if (type === "0" || type === "") out.push({ path: name, data: Buffer.from(buf.subarray(p + 512, p + 512 + size)) });
    p += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}
