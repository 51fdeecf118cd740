/**
 * Tar and tar.gz reading on node-tar's parser (the one npm itself uses): ustar, pax long paths and sizes, GNU
 * long names and base-256 sizes, gzip detected from the bytes. What this file adds is the contract the dataset
 * unpacker needs: one entry at a time, the next not read before the handler settles, entry bytes streamed (the
 * parser pauses while an entry is not consumed), and errors that name the archive.
 */
import type { EventEmitter } from "node:events";
import { createReadStream } from "node:fs";
import { FarsightError } from "@farsight/core";
import type { ArchiveEntryInfo, EntryHandler } from "@farsight/core/node";
import { Parser, type ReadEntry } from "tar";

const corrupt = (what: string, problem: string, cause?: unknown) =>
  new FarsightError("core/archive-corrupt", `${what}: ${problem}`, { archive: what }, cause ? { cause } : undefined);

const FILE_TYPES = new Set(["File", "OldFile", "ContiguousFile"]);

function entryInfo(e: ReadEntry): ArchiveEntryInfo {
  const type = FILE_TYPES.has(e.type) ? "file" : e.type === "Directory" ? "directory" : "other";
  return { path: String(e.path).replace(/\/+$/, ""), type, size: e.size ?? 0 };
}

/** node-tar's "Truncated input (needed N more bytes...)" and friends, said in the project's words. */
function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/truncated|unexpected end/i.test(message)) return `the archive ends inside an entry (truncated download?): ${message}`;
  return message;
}

/**
 * Resolves at the first of the given events, on one emitter or several; every listener is removed then, so waits
 * repeated per write or per entry do not pile listeners up on the parser.
 */
function first(...waits: (readonly [EventEmitter, string])[]): Promise<void> {
  return new Promise((resolve) => {
    let settled = false;
    const detach = () => {
      for (const [emitter, event] of waits) emitter.off(event, done);
    };
    const done = () => {
      settled = true;
      detach();
      resolve();
    };
    for (const [emitter, event] of waits) emitter.on(event, done);
    // Minipass calls an 'end' listener at once when the stream has already ended, before the later ones are added.
    if (settled) detach();
  });
}

/**
 * Reads a tar stream (gzip-compressed or not) entry by entry, calling `onEntry` in archive order; a file's
 * `content` yields its bytes once, what the handler leaves unread is skipped.
 */
export async function readTarStream(source: AsyncIterable<Buffer>, onEntry: EntryHandler, what = "tar archive"): Promise<void> {
  // strict: every warning (bad checksum, truncation, unknown format) is an error, not a skipped entry.
  const parser = new Parser({ strict: true });
  const queue: ReadEntry[] = [];
  let failure: unknown, ended = false, wake: (() => void) | undefined, current: ReadEntry | undefined;
  let stopping = false;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  parser.on("entry", (e: ReadEntry) => {
    e.pause();
    queue.push(e);
    signal();
  });
  parser.on("error", (err: unknown) => {
    failure ??= err;
    // A handler may be waiting on the entry's bytes (a truncated archive never ends it): fail its read.
    if (!stopping && current && !current.emittedEnd) current.destroy(err instanceof Error ? err : new Error(String(err)));
    signal();
  });
  parser.on("end", () => {
    ended = true;
    signal();
  });

  const pump = (async () => {
    try {
      for await (const chunk of source) {
        if (failure) return;
        if (!parser.write(chunk)) await first([parser, "drain"], [parser, "error"]);
      }
      parser.end();
    } catch (err) {
      failure ??= err;
      signal();
    }
  })();

  try {
    for (;;) {
      if (failure) throw failure;
      const entry = queue.shift();
      if (!entry) {
        if (ended) break;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const info = entryInfo(entry);
      current = entry;
      await onEntry(info, info.type === "file" ? entry : (async function* () {})());
      // Whatever the handler did not read is drained so the parser can move to the next header.
      if (!entry.emittedEnd) {
        entry.resume();
        if (!failure) await first([entry, "end"], [entry, "error"], [parser, "error"]);
      }
    }
    await pump;
    if (failure) throw failure;
  } catch (err) {
    if (err instanceof FarsightError) throw err;
    throw corrupt(what, describe(err), err);
  } finally {
    // Stop the pump (it may wait for a drain that will never come); the abort's own error event is expected.
    stopping = true;
    if (!ended) parser.abort(new Error("stopped by the reader"));
  }
}

/** Streams a tar or tar.gz file from disk through {@link readTarStream}. */
export async function readTarFile(file: string, onEntry: EntryHandler, options: { what?: string } = {}): Promise<void> {
  const raw = createReadStream(file);
  try {
    await readTarStream(raw, onEntry, options.what ?? file);
  } finally {
    raw.destroy();
  }
}
