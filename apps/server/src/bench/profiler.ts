/**
 * Where a served step's time goes: named sections (a checkpoint write, the planner's `plan`...) marked on one
 * timeline, then every stretch of that timeline (wall time and the process's CPU time in it) is given to one
 * section: the most specific one running then, in the order the profiler was given (serialisation before the
 * checkpoint write it runs inside, which comes before LangGraph's `invoke` around it). LangGraph runs
 * checkpoint writes concurrently with each other, so sections overlap; this way nothing is counted twice and
 * no part comes out negative. Time no section covers is the caller's to name (HTTP, routing). CPU is the
 * process's, so the figures are exact only while one step runs at a time, which is how the breakdown drives it.
 */
import { performance } from "node:perf_hooks";

export interface SectionTotals {
  wallMs: number;
  cpuMs: number;
}

interface Mark {
  readonly at: number;
  readonly cpu: number;
  /** Index of the section in the priority list; +1 on entry, -1 on exit. */
  readonly section: number;
  readonly delta: 1 | -1;
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

export class Profiler {
  private marks: Mark[] = [];
  private readonly open: number[];
  /** False: `time` calls through without marking (the profiler's own cost, two cpuUsage calls a mark, is gone). */
  enabled = true;

  /** `sections`, most specific first: where two run at once, the earlier in this list gets the time. */
  constructor(private readonly sections: readonly string[]) {
    this.open = sections.map(() => 0);
  }

  /** Forgets what was timed (after a warm-up); sections running now stay open. */
  reset(): void {
    const at = performance.now();
    const cpu = cpuNow();
    this.marks = this.open.flatMap((n, section) => Array.from({ length: n }, () => ({ at, cpu, section, delta: 1 as const })));
  }

  private mark(section: number, delta: 1 | -1): void {
    this.open[section]! += delta;
    this.marks.push({ at: performance.now(), cpu: cpuNow(), section, delta });
  }

  /** Times `fn` (sync or async) as section `name`. */
  time<T>(name: string, fn: () => T): T {
    if (!this.enabled) return fn();
    const section = this.sections.indexOf(name);
    if (section < 0) throw new Error(`profiler: unknown section ${name}`);
    this.mark(section, 1);
    let out: T;
    try {
      out = fn();
    } catch (err) {
      this.mark(section, -1);
      throw err;
    }
    if (out instanceof Promise) return out.finally(() => this.mark(section, -1)) as T;
    this.mark(section, -1);
    return out;
  }

  /** Replaces `obj[method]` by a timed call of the original (instances only: the class is left alone). */
  wrap<O extends object>(obj: O, method: keyof O & string, name: string): void {
    const original = (obj[method] as (...a: unknown[]) => unknown).bind(obj);
    (obj as Record<string, unknown>)[method] = (...args: unknown[]) => this.time(name, () => original(...args));
  }

  /** Each section's share of the timeline since the last reset, up to now (the time no section covers is left out). */
  totals(): Map<string, SectionTotals> {
    const out = new Map<string, SectionTotals>(this.sections.map((s) => [s, { wallMs: 0, cpuMs: 0 }]));
    const running = this.sections.map(() => 0);
    const end: Mark = { at: performance.now(), cpu: cpuNow(), section: 0, delta: 1 };
    for (let i = 0; i < this.marks.length; i++) {
      const m = this.marks[i]!;
      running[m.section]! += m.delta;
      const next = this.marks[i + 1] ?? end;
      const owner = running.findIndex((n) => n > 0);
      if (owner < 0) continue;
      const t = out.get(this.sections[owner]!)!;
      t.wallMs += next.at - m.at;
      t.cpuMs += next.cpu - m.cpu;
    }
    return out;
  }
}
