import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { FarsightError } from "../errors.js";

/** One member of an archive, as its headers describe it. */
export interface ArchiveEntryInfo {
  /** The path as the archive names it (`/`-separated; directories end without `/`). */
  readonly path: string;
  readonly type: "file" | "directory" | "other";
  /** Uncompressed size in bytes. */
  readonly size: number;
}

/**
 * Called once per entry, in archive order. For a file, `content` yields its bytes exactly once; an entry the
 * callback does not read is skipped. The next entry is not read before the returned promise settles.
 */
export type EntryHandler = (entry: ArchiveEntryInfo, content: AsyncIterable<Buffer>) => Promise<void>;

const bad = (what: string, problem: string) => new FarsightError("core/archive-corrupt", `${what}: ${problem}`, { archive: what });

/** Pulls exact byte counts out of a chunked stream, holding at most one chunk beyond what is asked. */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.it.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.buf = this.buf.length === 0 ? next.value : Buffer.concat([this.buf, next.value]);
    return true;
  }

  /** Exactly `n` bytes, or fewer only at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    while (this.buf.length < n && (await this.fill()));
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(out.length);
    return out;
  }

  /** The next `n` bytes as chunks (fails if the stream ends first). */
  async *chunks(n: number, what: string): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.fill())) throw bad(what, `the archive ends ${left} bytes before the end of an entry (truncated download?)`);
      const take = this.buf.subarray(0, Math.min(left, this.buf.length));
      this.buf = this.buf.subarray(take.length);
      left -= take.length;
      yield take;
    }
  }

  async skip(n: number, what: string): Promise<void> {
    for await (const _ of this.chunks(n, what));
  }
}

/** A numeric header field: octal text, or GNU base-256 (high bit set) for values beyond 8 GiB. */
function numberField(h: Buffer, at: number, len: number, what: string): number {
  if (h[at]! & 0x80) {
    let v = 0;
    for (let i = at + 1; i < at + len; i++) v = v * 256 + h[i]!;
    return v;
  }
  const text = h.toString("ascii", at, at + len).replace(/\0.*$/s, "").trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw bad(what, `header field "${text}" is not an octal number`);
  return parseInt(text, 8);
}

/** pax records: "<len> <key>=<value>\n" (POSIX.1-2001). */
function parsePax(data: Buffer, what: string): Map<string, string> {
  const out = new Map<string, string>();
  let p = 0;
  while (p < data.length) {
    const space = data.indexOf(0x20, p);
    const len = space > p ? Number(data.toString("ascii", p, space)) : NaN;
    if (!Number.isInteger(len) || len <= 0 || p + len > data.length) throw bad(what, `malformed pax record at byte ${p}`);
    const record = data.toString("utf8", space + 1, p + len - 1);
    const eq = record.indexOf("=");
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    p += len;
  }
  return out;
}

const MAX_META = 1 << 20; // pax and GNU long-name payloads are a few hundred bytes; refuse absurd ones.

/**
 * Reads a tar stream (ustar, pax extended headers for long paths and large sizes, GNU long names and
 * base-256 sizes) entry by entry, never holding more than one chunk plus one header in memory.
 */
export async function readTarStream(source: AsyncIterable<Buffer>, onEntry: EntryHandler, what = "tar archive"): Promise<void> {
  const r = new ByteReader(source[Symbol.asyncIterator]());
  let pax = new Map<string, string>();
  let globalPax = new Map<string, string>();
  let longName: string | undefined;
  for (;;) {
    const h = await r.read(512);
    if (h.length === 0) return; // some writers omit the two zero blocks
    if (h.length < 512) throw bad(what, "the archive ends inside a header (truncated download?)");
    if (h.every((b) => b === 0)) return;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (sum !== numberField(h, 148, 8, what)) throw bad(what, "a header's checksum does not match (not a tar file, or corrupt)");
    const type = String.fromCharCode(h[156]!);
    const headerSize = numberField(h, 124, 12, what);
    if (type === "x" || type === "g" || type === "L") {
      if (headerSize > MAX_META) throw bad(what, `a ${type} header of ${headerSize} bytes is implausibly large`);
      const data = await r.read(headerSize);
      if (data.length < headerSize) throw bad(what, "the archive ends inside an extended header");
      await r.skip((512 - (headerSize % 512)) % 512, what);
      if (type === "x") pax = parsePax(data, what);
      else if (type === "g") globalPax = new Map([...globalPax, ...parsePax(data, what)]);
      else longName = data.toString("utf8").replace(/\0.*$/s, "");
      continue;
    }
    const meta = new Map([...globalPax, ...pax]);
    const field = (at: number, len: number) => h.toString("utf8", at, at + len).replace(/\0.*$/s, "");
    const ustarPrefix = h.toString("ascii", 257, 262) === "ustar" ? field(345, 155) : "";
    let path = meta.get("path") ?? longName ?? (ustarPrefix ? `${ustarPrefix}/${field(0, 100)}` : field(0, 100));
    const paxSize = meta.get("size");
    const size = paxSize !== undefined ? Number(paxSize) : headerSize;
    if (!Number.isSafeInteger(size) || size < 0) throw bad(what, `entry ${path} has an invalid size "${paxSize}"`);
    pax = new Map();
    longName = undefined;
    path = path.replace(/\/+$/, "");
    const kind = type === "0" || type === "\0" || type === "7" ? "file" : type === "5" ? "directory" : "other";
    // The handler may stop reading early: count what it took and skip the rest of the entry.
    let taken = 0, opened = false;
    const content: AsyncIterable<Buffer> = {
      [Symbol.asyncIterator]: () => {
        if (opened) throw bad(what, `the content of ${path} was read twice`);
        opened = true;
        return (async function* () {
          for await (const chunk of r.chunks(size, what)) {
            taken += chunk.length;
            yield chunk;
          }
        })();
      },
    };
    await onEntry({ path, type: kind, size }, kind === "file" ? content : (async function* () {})());
    await r.skip(size - taken, what);
    await r.skip((512 - (size % 512)) % 512, what);
  }
}

/** Streams a tar (or tar.gz) file from disk through {@link readTarStream}. */
export async function readTarFile(file: string, onEntry: EntryHandler, options: { gzip?: boolean; what?: string } = {}): Promise<void> {
  const what = options.what ?? file;
  const raw: Readable = createReadStream(file);
  const source = options.gzip ? raw.pipe(createGunzip()) : raw;
  raw.on("error", (err) => source.destroy(err));
  try {
    await readTarStream(source, onEntry, what);
  } catch (err) {
    if (err instanceof FarsightError) throw err;
    throw new FarsightError("core/archive-corrupt", `${what}: ${(err as Error).message}`, { archive: what }, { cause: err });
  } finally {
    source.destroy();
    raw.destroy();
  }
}
