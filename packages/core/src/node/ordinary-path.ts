/**
 * Paths a command may read or write: not under `/proc`, `/sys` or `/dev` (resolved through links), and, where
 * something already exists, a regular file or a directory as asked. Opening a FIFO or a device can block
 * forever and a file under `/proc` can be endless, so such a path is refused at once, before anything opens it.
 * One check shared by the server's state file, `run --out`, `report`, `models fetch --dir` and `data fetch`.
 */
import { existsSync, lstatSync, realpathSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { FarsightErrorCode } from "../error-codes.js";
import { FarsightError } from "../errors.js";

/** File systems whose "files" are processes, devices or kernel state, never a user's data. */
export const SPECIAL_ROOTS: readonly string[] = ["/proc", "/sys", "/dev"];

export interface OrdinaryPathOptions {
  /** The error code thrown (default `core/special-path`), so a caller keeps its own. */
  readonly code?: FarsightErrorCode;
  /** What the path is, for the message: "the run directory (--out)", "--dir". Default: "the path". */
  readonly what?: string;
}

/** Whether `real` (an absolute path, links resolved) is on a special file system. */
export function isSpecialPath(real: string): boolean {
  return SPECIAL_ROOTS.some((root) => real === root || real.startsWith(`${root}/`));
}

/**
 * Refuses `path` unless it is an ordinary place for a `kind` ("file" or "directory"): not on a special file
 * system, and, when it exists, of that kind (a FIFO, a socket or a device is neither). When it does not exist,
 * its nearest existing ancestor must be a directory, so it can be created. Returns the path resolved.
 * Never opens anything, so it cannot hang.
 */
export function checkOrdinaryPath(path: string, kind: "file" | "directory", options: OrdinaryPathOptions = {}): string {
  const refuse = (message: string, context: Record<string, unknown>) =>
    options.code ? new FarsightError(options.code, message, context) : new FarsightError("core/special-path", message, context);
  const what = options.what ?? "the path";
  const abs = resolve(path);
  let existing = abs;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  // A dangling link is not "existing" to existsSync: then its parent decides, and creating through it is refused below.
  const real = realpathSync(existing);
  if (isSpecialPath(real)) {
    throw refuse(`${what} ${path} is on a special file system (${real}), not an ordinary ${kind}: choose a path in an ordinary directory`, { path, real });
  }
  const stat = statSync(existing);
  if (existing === abs) {
    const ok = kind === "file" ? stat.isFile() : stat.isDirectory();
    if (!ok) throw refuse(`${what} ${path} exists and is ${describeKind(existing)}, not a ${kind === "file" ? "regular file" : "directory"}`, { path });
  } else if (!stat.isDirectory()) {
    throw refuse(`${what} ${path} cannot be created: ${existing} is ${describeKind(existing)}, not a directory`, { path });
  }
  return abs;
}

/** "a FIFO", "a directory", ... for messages. */
export function describeKind(path: string): string {
  const s = lstatSync(path);
  if (s.isSymbolicLink()) {
    try {
      return `a symbolic link to ${describeKind(realpathSync(path))}`;
    } catch {
      return "a dangling symbolic link";
    }
  }
  if (s.isFile()) return "a regular file";
  if (s.isDirectory()) return "a directory";
  if (s.isFIFO()) return "a FIFO (named pipe)";
  if (s.isSocket()) return "a socket";
  if (s.isCharacterDevice() || s.isBlockDevice()) return "a device";
  return "not a regular file";
}
