/**
 * Throttled progress lines on stderr for long commands (`eval` with many episodes): silent for the first
 * `afterMs` (short runs print nothing), then at most one line every `everyMs`, and a last line when a run
 * that printed anything finishes. stdout stays the result alone, so `--json` output remains one object.
 */
export interface ProgressOptions {
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

  constructor(private readonly write: (line: string) => void, o: ProgressOptions = {}) {
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
