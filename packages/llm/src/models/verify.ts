/**
 * A model file is checked on its first load: its SHA-256 against the manifest `models fetch` wrote beside it
 * (`<file>.json`), or against the registry's for a registry model placed by hand. A file of the right size can
 * still be corrupted (a disk error, a copy cut and padded, a file replaced): loaded, it would answer garbage
 * or crash the native loader. Hashing a model takes a while, so a verified file is remembered in
 * `<file>.verified.json` by its size and modification time; a later load with the same size and mtime does not
 * rehash, and any change to either makes the next load hash again.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { FarsightError } from "@farsight/core";
import { MODEL_REGISTRY, type ModelManifest } from "./registry.js";

/** What `<file>.verified.json` holds: the hash that was checked and the file's identity when it was. */
export interface VerifiedStamp {
  readonly sha256: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** The expected SHA-256 of `path` and the registry name it belongs to, from its manifest or the registry; undefined when nothing says. */
export function expectedModelHash(path: string): { sha256: string; name?: string } | undefined {
  try {
    const m = JSON.parse(readFileSync(`${path}.json`, "utf8")) as Partial<ModelManifest>;
    if (typeof m.sha256 === "string" && /^[0-9a-f]{64}$/.test(m.sha256)) return { sha256: m.sha256, ...(typeof m.name === "string" ? { name: m.name } : {}) };
  } catch {
    // no manifest (or an unreadable one): the registry may still know the file by name
  }
  const entry = MODEL_REGISTRY.find((e) => e.file === basename(path));
  return entry ? { sha256: entry.sha256, name: entry.name } : undefined;
}

/** The SHA-256 of a file, read in chunks (a model can be larger than a buffer). */
export function sha256FileSync(path: string): string {
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(4 << 20);
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

/** Where the verification of `path` is remembered. */
export const verifiedStampPath = (path: string) => `${path}.verified.json`;

/**
 * Checks the model file at `path` against its expected SHA-256 (see the module comment) and returns whether it
 * hashed the file (false: the stamp matched, or nothing says what the hash should be). Throws
 * `llm/model-corrupt` with the way to refetch when the hash differs.
 */
export function verifyModelFile(path: string): { hashed: boolean; verified: boolean } {
  const expected = expectedModelHash(path);
  if (!expected) return { hashed: false, verified: false };
  const stat = statSync(path);
  const stampPath = verifiedStampPath(path);
  if (existsSync(stampPath)) {
    try {
      const s = JSON.parse(readFileSync(stampPath, "utf8")) as Partial<VerifiedStamp>;
      if (s.sha256 === expected.sha256 && s.size === stat.size && s.mtimeMs === stat.mtimeMs) return { hashed: false, verified: true };
    } catch {
      // an unreadable stamp is no stamp
    }
  }
  const actual = sha256FileSync(path);
  if (actual !== expected.sha256) {
    const refetch = expected.name ? `farsight models fetch ${expected.name} --force` : "download it again";
    throw new FarsightError(
      "llm/model-corrupt",
      `${path} is corrupted or was replaced: its sha256 is ${actual}, its manifest expects ${expected.sha256}. It was not loaded. Refetch it: ${refetch}.`,
      { path, actual, expected: expected.sha256 },
    );
  }
  const stamp: VerifiedStamp = { sha256: actual, size: stat.size, mtimeMs: stat.mtimeMs };
  try {
    writeStamp(stampPath, stamp);
  } catch {
    // a read-only models folder: the file is verified now, and will be hashed again next time
  }
  return { hashed: true, verified: true };
}

function writeStamp(path: string, stamp: VerifiedStamp): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(stamp) + "\n");
  renameSync(tmp, path);
}
