/**
 * Progress output for long experiment work: on a terminal one line redrawn in place (bar, percentage, the caller's
 * text, elapsed time and ETA), cut to the terminal's width so it never wraps into a scroll of half-lines; in a
 * pipe or a log, one plain line per tenth of the work.
 */
import { progressBar } from "@farsight/graph";
import type { LabIO } from "../io.js";

/** "42s", "3m05s", "1h02m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** Time left at the average rate so far; unknown ("?") before any work is done. */
export function eta(done: number, total: number, elapsedMs: number): string {
  if (done <= 0 || elapsedMs <= 0) return "?";
  return formatDuration(((total - done) * elapsedMs) / done);
}

/** Cuts `line` to `columns - 1` characters (the last column would make some terminals wrap), with an ellipsis. */
export function fitToWidth(line: string, columns: number | undefined): string {
  if (!columns || columns < 20 || line.length < columns) return line;
  return `${line.slice(0, columns - 2)}…`;
}

export interface ProgressOptions {
  /** Terminal width; default: stdout's columns when it is a terminal. */
  readonly columns?: number;
  /** Clock (tests). */
  readonly now?: () => number;
}

/** Returns `show(text, done, final?)` for work of `total` units labelled `label`. */
export function makeProgress(io: LabIO, label: string, total: number, options: ProgressOptions = {}) {
  const now = options.now ?? Date.now;
  const started = now();
  let lastPlain = -1;
  return (text: string, doneRaw: number, final = false) => {
    const done = Math.min(doneRaw, total); // the last chunk may overshoot the budget
    const elapsed = now() - started;
    const timing = final ? `${formatDuration(elapsed)}` : `${formatDuration(elapsed)}, ETA ${eta(done, total, elapsed)}`;
    if (io.isTTY) {
      const columns = options.columns ?? io.columns ?? process.stdout.columns;
      const bar = progressBar(done / total, columns && columns < 100 ? 10 : 24); // a narrow terminal keeps room for the numbers
      io.write(`\r\x1b[2K${fitToWidth(`${label} ${bar} ${timing} | ${text}`, columns)}${final ? "\n" : ""}`);
    } else {
      const tenth = Math.floor((10 * done) / total);
      if (final && lastPlain >= 10) return;
      if (tenth !== lastPlain || final) io.write(`${label} ${Math.round((100 * done) / total)}% (${timing}) ${text}\n`);
      lastPlain = tenth;
    }
  };
}

/**
 * Throttled progress lines on stderr for long commands (`eval` with many episodes): silent for the first
 * `afterMs` (short runs print nothing), then at most one line every `everyMs`, and a last line when a run
 * that printed anything finishes. stdout stays the result alone, so `--json` output remains one object.
 */
export interface ThrottleOptions {
  readonly afterMs?: number;
  readonly everyMs?: number;
  /** The clock (tests pass their own). */
  readonly now?: () => number;
}

export class ThrottledProgress {
  private readonly start: number;
  private last = -Infinity;
  private printed = false;
  private readonly now: () => number;
  private readonly afterMs: number;
  private readonly everyMs: number;

  constructor(private readonly write: (line: string) => void, o: ThrottleOptions = {}) {
    this.now = o.now ?? Date.now;
    this.afterMs = o.afterMs ?? 2000;
    this.everyMs = o.everyMs ?? 2000;
    this.start = this.now();
  }

  /** Offers a progress line; it is written only when the throttle allows. */
  update(done: number, total: number, what: string): void {
    const t = this.now();
    if (t - this.start < this.afterMs || t - this.last < this.everyMs) return;
    this.last = t;
    this.printed = true;
    this.write(this.line(done, total, what, t));
  }

  /** The closing line, only when progress was shown. */
  finish(done: number, total: number, what: string): void {
    if (this.printed) this.write(this.line(done, total, what, this.now()));
  }

  private line(done: number, total: number, what: string, t: number): string {
    const s = (t - this.start) / 1000;
    const eta = done > 0 && done < total ? `, about ${Math.ceil((s * (total - done)) / done)} s left` : "";
    return `${what}: ${done}/${total} (${Math.floor((100 * done) / Math.max(1, total))}%) after ${s.toFixed(0)} s${eta}\n`;
  }
}
