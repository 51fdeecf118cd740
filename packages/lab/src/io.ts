/**
 * Where the experiment layer writes while it works. A script passes `{ write: (t) => process.stdout.write(t) }`
 * (or nothing: silent); the CLI passes its stdout and stderr. Results are returned, never only printed.
 */
export interface LabIO {
  /** Progress and information lines ("[seed 0] evaluating on 300 sessions..."); each ends with a newline, except a terminal bar redrawn in place. */
  write(text: string): void;
  /** Warnings and diagnostics (a slow model, a skipped preset); kept apart so a caller can print results alone on `write`. Default: `write`. */
  warn?(text: string): void;
  /** True when `write` goes to a terminal: progress bars redraw one line in place instead of printing a line per tenth. */
  readonly isTTY?: boolean;
  /** The terminal's width, for progress bars (default: the process's stdout columns when a terminal). */
  readonly columns?: number;
}

/** Writes nothing: the default of every function that takes a {@link LabIO}. */
export const SILENT: LabIO = { write: () => {} };

/** `io.warn`, or `io.write` when the caller keeps one stream. */
export function warnOf(io: LabIO): (text: string) => void {
  return io.warn ? (t) => io.warn!(t) : (t) => io.write(t);
}
