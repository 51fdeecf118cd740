/**
 * What keeps a run directory whole, in one place for `run lerl`, `run ilrec` and `train`:
 *
 * - a lock: one process per directory; a second one gets an error naming the holder's pid, and the lock of a
 *   process that died (SIGKILL, power cut) is taken over, since a dead pid cannot write any more;
 * - one configuration: a fresh run needs a new or empty directory, and `--resume` needs the saved
 *   configuration with only budgets grown; every refusal happens before a byte of the directory changes;
 * - atomic rewrites: a file is replaced by writing a temporary file beside it and renaming it over;
 * - a seal on the configuration: beside config.json the run writes config.json.sha256 (the SHA-256 of the
 *   bytes it wrote), and a resume whose config.json no longer has that hash (edited by hand, after the
 *   checkpoints were made with the original) is refused, naming the file. A run directory written before the
 *   seal existed has no .sha256 file and is resumed as before.
 */
import { createHash } from "node:crypto";
import { existsSync, linkSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { FarsightError, redactForWrite } from "@farsight/core";
import { checkOrdinaryPath } from "@farsight/core/node";

/** A refusal of the directory: the caller's choice of directory or settings, so the CLI exits 2 with the message alone. */
function refused(message: string): FarsightError {
  return new FarsightError("lab/run-dir-refused", message);
}

/** The lock's file name inside a run directory (removed when the run ends). */
export const LOCK_FILE = "farsight.lock";
const CONFIG_FILE = "config.json";
/** The SHA-256 of config.json as the run wrote it (`sha256sum` format), checked by a resume. */
export const CONFIG_HASH_FILE = "config.json.sha256";

/** What the lock file says about its holder. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly startedAt: string;
}

export interface OpenRunDirectoryOptions {
  /** The command, e.g. "run lerl": named in lock errors. */
  readonly command: string;
  /**
   * The run's configuration, as config.json will hold it. A resume compares it with the saved one key by key
   * (nested objects as dotted keys, arrays as a whole); without one (`train`) the directory must be new or empty.
   */
  readonly config?: Record<string, unknown>;
  /** Dotted keys of `config` that are budgets: a resume may raise them, never lower them. */
  readonly budgets?: readonly string[];
  /** Dotted key (or a prefix of it) -> the flag that sets it, so a refusal says what to change. */
  readonly flags?: Readonly<Record<string, string>>;
  /** Continue the run saved in the directory (its config must match) rather than start one. */
  readonly resume?: boolean;
  /** Whether the command has `--resume` (default true), so a refusal points to it or not. */
  readonly resumable?: boolean;
}

/** One configuration difference between the saved run and this command. */
export interface ConfigDifference {
  readonly key: string;
  readonly saved: unknown;
  readonly now: unknown;
  /** "lowered": a budget that may only grow was lowered. */
  readonly kind: "changed" | "lowered";
}

/**
 * A run directory opened for one run: locked until {@link RunDirectory.release}, its configuration checked.
 * Nothing is written by `open` except the lock file.
 */
export class RunDirectory {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly dir: string,
    readonly options: OpenRunDirectoryOptions,
    /** The configuration saved by the run being resumed (undefined for a fresh run). */
    readonly saved: Record<string, unknown> | undefined,
  ) {
    process.once("exit", this.onExit);
  }

  /** Locks `dir` (creating it) and checks it may hold this run; throws a FarsightError (`lab/run-dir-busy`, `lab/run-dir-refused`) otherwise. */
  static open(dir: string, options: OpenRunDirectoryOptions): RunDirectory {
    checkOrdinaryPath(dir, "directory", { code: "lab/run-dir-refused", what: "the run directory (--out)" });
    if (options.resume && !existsSync(dir)) throw refused(`--resume: ${dir} does not exist, so it holds no run to resume`);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (cause) {
      throw refused(`cannot create the run directory ${dir}: ${(cause as Error).message}`);
    }
    acquireLock(dir, options.command);
    try {
      const saved = checkDirectory(dir, options);
      return new RunDirectory(dir, options, saved);
    } catch (err) {
      releaseLock(dir);
      throw err;
    }
  }

  /** Writes config.json (the options' config) atomically. */
  writeConfig(): void {
    if (!this.options.config) return;
    const text = redactForWrite(JSON.stringify(this.options.config, null, 2) + "\n");
    // The seal first: a crash between the two writes leaves a seal that does not match the old config.json only
    // when the config changed, and a resume then refuses rather than trust either.
    writeFileAtomic(join(this.dir, CONFIG_HASH_FILE), `${sha256(text)}  ${CONFIG_FILE}\n`);
    writeFileAtomic(join(this.dir, CONFIG_FILE), text);
  }

  /** Replaces `name` (relative to the directory) atomically with `value` as indented JSON. */
  writeJson(name: string, value: unknown): void {
    writeFileAtomic(join(this.dir, name), JSON.stringify(value, null, 2) + "\n");
  }

  /**
   * Rewrites a JSON-lines file keeping the records `keep` accepts, atomically. A line that does not parse
   * (the torn last line of a killed writer) is dropped. Returns the kept records.
   */
  rewriteLines<T>(name: string, keep: (record: T) => boolean): T[] {
    const path = join(this.dir, name);
    if (!existsSync(path)) return [];
    const kept: T[] = [];
    const lines: string[] = [];
    for (const line of readFileSync(path, "utf8").split("\n")) {
      if (!line.trim()) continue;
      let record: T;
      try {
        record = JSON.parse(line) as T;
      } catch {
        continue;
      }
      if (!keep(record)) continue;
      kept.push(record);
      lines.push(line);
    }
    writeFileAtomic(path, lines.length ? lines.join("\n") + "\n" : "");
    return kept;
  }

  /** Removes a file of the directory (no error when it is absent). */
  remove(name: string): void {
    rmSync(join(this.dir, name), { force: true });
  }

  /** Gives the lock back (idempotent). Also runs when the process exits normally. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener("exit", this.onExit);
    releaseLock(this.dir);
  }
}

/**
 * Writes `data` to a temporary file beside `path` and renames it over `path`: readers see the old or the new
 * file, never half of one. Text passes the runs' write boundary ({@link redactForWrite}): no spec credential
 * or known secret is written.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, typeof data === "string" ? redactForWrite(data) : data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** The holder of `dir`'s lock, or undefined when it is not locked (or the lock file is unreadable). */
export function lockHolder(dir: string): LockHolder | undefined {
  return readLock(join(dir, LOCK_FILE));
}

function readLock(path: string): LockHolder | undefined {
  try {
    const v = JSON.parse(readFileSync(path, "utf8")) as LockHolder;
    return Number.isInteger(v.pid) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A holder on another host cannot be checked, so it counts as alive; EPERM means the pid exists. */
function isAlive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true;
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function inUse(dir: string, h: LockHolder): FarsightError {
  return new FarsightError(
    "lab/run-dir-busy",
    `${dir} is in use by process ${h.pid} (farsight ${h.command} on ${h.host}, started ${h.startedAt}); ` +
      `wait for it to finish or choose another --out. If that process is not a farsight run any more, delete ${join(dir, LOCK_FILE)}.`,
    { dir, holder: h },
  );
}

function acquireLock(dir: string, command: string): void {
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), command, startedAt: new Date().toISOString() };
  // The lock is written whole to a temporary name and hard-linked into place: link fails when the lock
  // exists, so two processes cannot both take it, and nobody ever reads a half-written lock.
  const tmp = `${path}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(me) + "\n");
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        createExclusive(tmp, path, me);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw refused(`cannot lock the run directory ${dir}: ${(err as Error).message}`);
      }
      const holder = readLock(path);
      if (holder && (holder.pid === process.pid || isAlive(holder))) throw inUse(dir, holder);
      // A stale lock (its process is dead): move it aside; of two processes doing this, one rename wins.
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
      } catch {
        continue;
      }
      const moved = readLock(aside);
      if (moved && moved.pid !== holder?.pid && isAlive(moved)) {
        // Another process took the stale lock over between our read and our rename: give it back.
        try {
          linkSync(aside, path);
        } finally {
          rmSync(aside, { force: true });
        }
        throw inUse(dir, moved);
      }
      rmSync(aside, { force: true });
    }
    throw refused(`cannot lock the run directory ${dir}: other processes keep taking ${path}`);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Creates `path` from `tmp` only if it does not exist (EEXIST otherwise); where hard links are not supported, an exclusive create. */
function createExclusive(tmp: string, path: string, me: LockHolder): void {
  try {
    linkSync(tmp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw err;
    writeFileSync(path, JSON.stringify(me) + "\n", { flag: "wx" });
  }
}

function releaseLock(dir: string): void {
  const path = join(dir, LOCK_FILE);
  if (readLock(path)?.pid === process.pid) rmSync(path, { force: true });
}

/** Checks the directory against a fresh run or a resume; returns the saved configuration of a resume. */
function checkDirectory(dir: string, o: OpenRunDirectoryOptions): Record<string, unknown> | undefined {
  const entries = readdirSync(dir).filter((n) => !n.startsWith(LOCK_FILE));
  const configPath = join(dir, CONFIG_FILE);
  let saved: Record<string, unknown> | undefined;
  if (existsSync(configPath)) {
    try {
      saved = JSON.parse(readFileSync(configPath, "utf8")) as Record<string, unknown>;
    } catch (err) {
      throw refused(`${configPath} is not valid JSON (${(err as Error).message}); the run directory's configuration is unreadable, so it cannot be reused or resumed`);
    }
  }
  const diffs = saved && o.config ? diffConfig(saved, o.config, o.budgets ?? []) : [];
  if (o.resume) {
    if (!saved || !o.config) throw refused(`--resume: ${dir} holds no run to resume (no ${CONFIG_FILE}${entries.length ? `; it holds ${list(entries)}` : ""})`);
    checkConfigSeal(dir);
    if (diffs.length) {
      throw refused(
        `--resume: ${dir} holds a run with another configuration; a resume must use the run's settings (only budgets may grow):\n` +
          listDiffs(diffs, o.flags) +
          `\nRerun with the run's settings, or start a new run with another --out. Nothing in ${dir} was changed.`,
      );
    }
    return saved;
  }
  if (entries.length === 0) return undefined;
  if (saved && saved["command"] === o.config?.["command"] && !diffs.some((d) => d.kind === "changed")) {
    const next = o.resumable === false ? `farsight ${o.command} cannot resume, so choose another --out (or delete ${dir} to run it again)` : "pass --resume to continue it, or choose another --out";
    throw refused(`${dir} already holds this run (farsight ${o.command}); ${next}. Nothing in ${dir} was changed.`);
  }
  if (saved && o.config) {
    throw refused(
      `${dir} already holds another run; one run directory holds one configuration:\n` +
        listDiffs(diffs, o.flags) +
        `\nChoose another --out. Nothing in ${dir} was changed.`,
    );
  }
  throw refused(`${dir} is not empty (it holds ${list(entries)}); farsight ${o.command} writes only into a new or empty directory, so choose another --out. Nothing in ${dir} was changed.`);
}

/**
 * Refuses a resume whose config.json is not the one the run wrote (its SHA-256 differs from config.json.sha256):
 * the checkpoints were made with the written one, and resuming them under edited settings would mix two runs.
 */
function checkConfigSeal(dir: string): void {
  const sealPath = join(dir, CONFIG_HASH_FILE);
  if (!existsSync(sealPath)) return;
  const sealed = readFileSync(sealPath, "utf8").trim().split(/\s+/)[0] ?? "";
  const now = sha256(readFileSync(join(dir, CONFIG_FILE)));
  if (sealed === now) return;
  throw refused(
    `--resume: ${join(dir, CONFIG_FILE)} was changed after the run wrote it (its sha256 is ${now}; the run wrote ${sealed}, recorded in ${CONFIG_HASH_FILE}). ` +
      `The run's checkpoints were made with the settings it wrote, so it cannot resume under edited ones. ` +
      `Put the original ${CONFIG_FILE} back (its settings are also what the run's flags were), or start a new run with the settings you want and another --out. Nothing in ${dir} was changed.`,
  );
}

function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** At most 8 differences, then how many more: a changed preset differs in dozens of derived keys. */
function listDiffs(diffs: readonly ConfigDifference[], flags?: Readonly<Record<string, string>>): string {
  const shown = diffs.slice(0, 8).map((d) => `  ${describe(d, flags)}`);
  if (diffs.length > 8) shown.push(`  ... and ${diffs.length - 8} more`);
  return shown.join("\n");
}

function list(names: readonly string[]): string {
  return names.length > 5 ? `${names.slice(0, 5).join(", ")} and ${names.length - 5} more` : names.join(", ");
}

function describe(d: ConfigDifference, flags: Readonly<Record<string, string>> = {}): string {
  const flag = Object.keys(flags)
    .filter((k) => d.key === k || d.key.startsWith(`${k}.`))
    .sort((a, b) => b.length - a.length)[0];
  const name = flag ? `${d.key} (${flags[flag]})` : d.key;
  const show = (v: unknown) => (v === undefined ? "not set" : JSON.stringify(v));
  if (d.kind === "lowered") return `${name}: ${show(d.saved)} in the run, ${show(d.now)} now (a budget may grow, not shrink)`;
  return `${name}: ${show(d.saved)} in the run, ${show(d.now)} now`;
}

/** Key-by-key differences (nested objects as dotted keys, arrays compared whole); budgets may only grow. */
export function diffConfig(saved: Record<string, unknown>, now: Record<string, unknown>, budgets: readonly string[] = []): ConfigDifference[] {
  const a = flatten(saved), b = flatten(now);
  const out: ConfigDifference[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key), y = b.get(key);
    if (budgets.includes(key) && typeof x === "number" && typeof y === "number") {
      if (y < x) out.push({ key, saved: x, now: y, kind: "lowered" });
      continue;
    }
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push({ key, saved: x, now: y, kind: "changed" });
  }
  return out;
}

function flatten(value: Record<string, unknown>, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out.set(key, v);
  }
  return out;
}
