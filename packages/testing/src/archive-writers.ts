/**
 * Archive writers for tests: ZIP (stored or deflated, optionally with every ZIP64 record a reader must
 * understand) and tar / tar.gz (ustar, with pax extended headers for long paths and large sizes). They write
 * exactly what the formats specify (PKWARE APPNOTE 6.3, POSIX.1-2001 pax), so a reader tested on them reads
 * what `zip`, Python's zipfile and GNU/BSD tar produce; where python3 is installed, tests cross-check against it.
 */
import { writeFileSync } from "node:fs";
import { deflateRawSync, gzipSync } from "node:zlib";
import { crc32Update } from "@farsight/core/node";

/** One archive member: a file (text or bytes) or, when `data` is undefined, a directory. */
export interface ArchiveMember {
  readonly path: string;
  readonly data?: string | Buffer;
}

export interface ZipOptions {
  /** 0 = stored, 8 = deflated (default 8). */
  readonly method?: 0 | 8;
  /**
   * Writes ZIP64 records even though nothing needs them (as `zipfile` with `force_zip64`): 0xFFFFFFFF in every
   * 32-bit size and offset field, the real values in ZIP64 extra fields, and the ZIP64 end-of-central-directory
   * record and locator. This is how a reader is tested on ZIP64 without a 4 GiB file.
   */
  readonly zip64?: boolean;
}

const MAX32 = 0xffffffff;

/** The bytes of a ZIP archive holding `members`, in order. */
export function zipBytes(members: readonly ArchiveMember[], options: ZipOptions = {}): Buffer {
  const z64 = options.zip64 ?? false;
  const parts: Buffer[] = [], central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const isDir = m.data === undefined;
    const name = Buffer.from(isDir && !m.path.endsWith("/") ? `${m.path}/` : m.path, "utf8");
    const raw = isDir ? Buffer.alloc(0) : Buffer.isBuffer(m.data) ? m.data : Buffer.from(m.data!, "utf8");
    const method = isDir ? 0 : (options.method ?? 8);
    const body = method === 8 ? deflateRawSync(raw) : raw;
    const crc = crc32Update(0, raw);
    // Local header: ZIP64 puts both sizes in its extra field (APPNOTE 4.5.3).
    const localExtra = z64 ? Buffer.alloc(20) : Buffer.alloc(0);
    if (z64) {
      localExtra.writeUInt16LE(0x0001, 0);
      localExtra.writeUInt16LE(16, 2);
      localExtra.writeBigUInt64LE(BigInt(raw.length), 4);
      localExtra.writeBigUInt64LE(BigInt(body.length), 12);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(z64 ? 45 : 20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(z64 ? MAX32 : body.length, 18);
    local.writeUInt32LE(z64 ? MAX32 : raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(localExtra.length, 28);
    // Central directory: the extra field holds, in this order, the fields whose 32-bit value is 0xFFFFFFFF.
    const cdExtra = z64 ? Buffer.alloc(28) : Buffer.alloc(0);
    if (z64) {
      cdExtra.writeUInt16LE(0x0001, 0);
      cdExtra.writeUInt16LE(24, 2);
      cdExtra.writeBigUInt64LE(BigInt(raw.length), 4);
      cdExtra.writeBigUInt64LE(BigInt(body.length), 12);
      cdExtra.writeBigUInt64LE(BigInt(offset), 20);
    }
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    c.writeUInt16LE(z64 ? 45 : 20, 6);
    c.writeUInt16LE(0x0800, 8);
    c.writeUInt16LE(method, 10);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(z64 ? MAX32 : body.length, 20);
    c.writeUInt32LE(z64 ? MAX32 : raw.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt16LE(cdExtra.length, 30);
    // The mode sits in the high 16 bits; >>> 0 keeps it unsigned (0o100644 << 16 is negative as an int32).
    c.writeUInt32LE(((isDir ? 0o40755 : 0o100644) << 16) >>> 0, 38);
    c.writeUInt32LE(z64 ? MAX32 : offset, 42);
    parts.push(local, name, localExtra, body);
    central.push(c, name, cdExtra);
    offset += 30 + name.length + localExtra.length + body.length;
  }
  const cd = Buffer.concat(central);
  const tail: Buffer[] = [];
  if (z64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(members.length), 24);
    rec.writeBigUInt64LE(BigInt(members.length), 32);
    rec.writeBigUInt64LE(BigInt(cd.length), 40);
    rec.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + cd.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(rec, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(z64 ? 0xffff : members.length, 8);
  end.writeUInt16LE(z64 ? 0xffff : members.length, 10);
  end.writeUInt32LE(z64 ? MAX32 : cd.length, 12);
  end.writeUInt32LE(z64 ? MAX32 : offset, 16);
  return Buffer.concat([...parts, cd, ...tail, end]);
}

/** Writes a ZIP archive to `file`. */
export function writeZip(file: string, members: readonly ArchiveMember[], options: ZipOptions = {}): void {
  writeFileSync(file, zipBytes(members, options));
}

export interface TarOptions {
  /** gzip the archive (default true). */
  readonly gzip?: boolean;
  /** Always add a pax header with `path` and `size` records, even where ustar fields would do. */
  readonly forcePax?: boolean;
}

function octal(h: Buffer, value: number, at: number, len: number): void {
  h.write(value.toString(8).padStart(len - 1, "0") + "\0", at, len, "ascii");
}

function header(name: string, size: number, type: string, prefix = ""): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, "utf8");
  octal(h, type === "5" ? 0o755 : 0o644, 100, 8);
  octal(h, 0, 108, 8);
  octal(h, 0, 116, 8);
  octal(h, size, 124, 12);
  octal(h, 1_700_000_000, 136, 12);
  h.write(type, 156, 1, "ascii");
  h.write("ustar\u000000", 257, 8, "ascii");
  h.write(prefix, 345, 155, "utf8");
  h.fill(" ", 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "ascii");
  return h;
}

/** One pax record: "<len> <key>=<value>\n", where <len> counts the whole record including itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len++;
  return `${len}${body}`;
}

const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

/** The bytes of a tar (gzip by default) archive holding `members`, in order. */
export function tarBytes(members: readonly ArchiveMember[], options: TarOptions = {}): Buffer {
  const blocks: Buffer[] = [];
  for (const m of members) {
    const isDir = m.data === undefined;
    const path = isDir && !m.path.endsWith("/") ? `${m.path}/` : m.path;
    const data = isDir ? Buffer.alloc(0) : Buffer.isBuffer(m.data) ? m.data : Buffer.from(m.data!, "utf8");
    const type = isDir ? "5" : "0";
    const bytes = Buffer.byteLength(path);
    // ustar splits a long path at a "/" into prefix (<= 155 bytes) and name (<= 100 bytes); pax otherwise.
    let name = path, prefix = "";
    if (bytes > 100) {
      const cut = path.lastIndexOf("/", path.length - 2);
      const fits = cut > 0 && Buffer.byteLength(path.slice(0, cut)) <= 155 && Buffer.byteLength(path.slice(cut + 1)) <= 100;
      if (fits) [prefix, name] = [path.slice(0, cut), path.slice(cut + 1)];
    }
    const needsPax = options.forcePax || (bytes > 100 && prefix === "");
    if (needsPax) {
      const pax = Buffer.from(paxRecord("path", path) + paxRecord("size", String(data.length)), "utf8");
      blocks.push(header(`PaxHeaders/${path.slice(-80)}`.slice(0, 99), pax.length, "x"), pax, pad(pax.length));
      // The ustar fields after a pax header are a fallback for old readers: a truncated name, and
      // (forcePax) a wrong size, so that a reader that ignores the pax size fails the test.
      name = path.slice(0, 99);
      prefix = "";
    }
    blocks.push(header(name, options.forcePax && !isDir ? 0 : data.length, type, prefix), data, pad(data.length));
  }
  const tar = Buffer.concat([...blocks, Buffer.alloc(1024)]);
  return options.gzip === false ? tar : gzipSync(tar);
}

/** Writes a tar(.gz) archive to `file`. */
export function writeTar(file: string, members: readonly ArchiveMember[], options: TarOptions = {}): void {
  writeFileSync(file, tarBytes(members, options));
}
