/**
 * Unpacks a downloaded dataset archive into a folder, streaming every entry from disk to disk (KuaiRec's
 * archive is ~0.4 GB; nothing is held whole in memory). The readers are maintained libraries: yauzl through
 * @farsight/core/node for ZIP (ZIP64), node-tar's parser for tar / tar.gz (pax long paths and large sizes).
 *
 * Policy, which is this package's: every entry path is checked before anything is written under it (see
 * {@link safeEntryPath}); a top folder shared by every entry is dropped (`ml-100k/u.data` -> `u.data`,
 * `KuaiRec 2.0/data/x.csv` -> `data/x.csv`); symbolic links and other special entries are skipped, not
 * created, and so is macOS's `__MACOSX/` folder; each file's SHA-256 is computed while it is written and checked against `expected`.
 */
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, existsSync } from "node:fs";
import { resolve, sep, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { FarsightError } from "@farsight/core";
import { readZipDirectory, readZipFile, sha256Tap, type ArchiveEntryInfo } from "@farsight/core/node";
import { readTarFile } from "./tar-reader.js";

/** One unpacked file: its path inside the dataset folder (top folder dropped), size and SHA-256. */
export interface ExtractedFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface ExtractOptions {
  readonly kind: "zip" | "tar.gz" | "tar";
  /** Name of the archive in messages (a redacted URL). */
  readonly what: string;
  /** Pinned SHA-256 of files by their path after the top folder is dropped. */
  readonly expected?: Readonly<Record<string, string>>;
  /** Notes about skipped entries. */
  readonly log?: (line: string) => void;
}

/**
 * The absolute path an archive entry unpacks to under `root`, or an error. Refused: absolute paths, drive
 * letters, backslashes, NUL, empty, `.` and `..` segments; and, as the last guard, anything that does not
 * resolve strictly inside `root`.
 */
export function safeEntryPath(root: string, entry: string, what: string): string {
  const unsafe = (why: string) => new FarsightError("env/bad-archive", `${what}: unsafe path "${entry}" in archive (${why}); nothing was written`, { archive: what, entry });
  if (entry === "" || entry.includes("\0")) throw unsafe("empty or NUL");
  if (entry.includes("\\")) throw unsafe("backslash");
  if (entry.startsWith("/") || /^[A-Za-z]:/.test(entry)) throw unsafe("absolute");
  const segments = entry.split("/");
  if (segments.some((seg) => seg === ".." || seg === "." || seg === "")) throw unsafe("`..`, `.` or empty segment");
  const base = resolve(root);
  const target = resolve(base, entry);
  if (!target.startsWith(base + sep)) throw unsafe(`resolves outside ${base}`);
  return target;
}

/** The top folder every entry shares, or undefined. */
function sharedTop(paths: readonly string[]): string | undefined {
  const tops = new Set(paths.map((p) => (p.includes("/") ? p.slice(0, p.indexOf("/")) : "")));
  return tops.size === 1 && !tops.has("") ? [...tops][0] : undefined;
}

/** Unpacks `file` into `dest` (created; entries must not collide with files already there). */
export async function extractArchive(file: string, dest: string, o: ExtractOptions): Promise<ExtractedFile[]> {
  mkdirSync(dest, { recursive: true });
  const tmp = mkdtempSync(join(dest, ".unpack-"));
  try {
    const written: { raw: string; bytes: number; sha256: string }[] = [];
    const seen: string[] = [];
    const onEntry = async (e: ArchiveEntryInfo, content: AsyncIterable<Buffer>) => {
      const target = safeEntryPath(tmp, e.path, o.what);
      // macOS's zip adds resource forks under __MACOSX/: not data, and a second top folder.
      if (e.path === "__MACOSX" || e.path.startsWith("__MACOSX/")) return;
      seen.push(e.path);
      if (e.type === "directory") return void mkdirSync(target, { recursive: true });
      if (e.type !== "file") return o.log?.(`${o.what}: skipped ${e.path} (not a regular file)`);
      mkdirSync(dirname(target), { recursive: true });
      const tap = sha256Tap();
      await pipeline(Readable.from(content), tap.stream, createWriteStream(target, { flags: "wx" }));
      written.push({ raw: e.path, bytes: tap.bytes, sha256: tap.digest() });
    };
    if (o.kind === "zip") {
      // The directory lists every path up front: refuse a hostile one before the first byte is written.
      for (const e of await readZipDirectory(file, o.what)) safeEntryPath(tmp, e.path, o.what);
      await readZipFile(file, onEntry, o.what);
    } else await readTarFile(file, onEntry, { what: o.what });
    const top = sharedTop(seen.filter((p) => p.includes("/") || written.some((w) => w.raw === p)));
    const from = top ? join(tmp, top) : tmp;
    const files = written.map((w) => ({ path: top ? w.raw.slice(top.length + 1) : w.raw, bytes: w.bytes, sha256: w.sha256 }));
    for (const f of files) {
      const want = o.expected?.[f.path];
      if (want && f.sha256 !== want) {
        throw new FarsightError("env/checksum-mismatch", `${o.what}: ${f.path} has SHA-256 ${f.sha256}, expected ${want}`, { url: o.what, file: f.path });
      }
    }
    if (existsSync(from)) {
      for (const child of readdirSync(from)) {
        const target = safeEntryPath(dest, child, o.what);
        if (existsSync(target)) throw new FarsightError("env/bad-archive", `${o.what}: ${child} would overwrite a file of another download`, { archive: o.what, entry: child });
        renameSync(join(from, child), target);
      }
    }
    return files;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
