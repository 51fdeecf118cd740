/**
 * The arithmetic and tables of `farsight bench serve`: each load level of the current build beside the same
 * level of the baseline build, measured in the same run, as ratios (throughput, and CPU per recommendation).
 */
import type { LoadRow } from "./serve-load.js";
import type { Breakdown } from "./breakdown.js";

export interface ComparedRow {
  readonly storage: string;
  readonly sessions: number;
  readonly current: LoadRow;
  readonly baseline?: LoadRow;
  /** current / baseline recommendations per second (NaN without a baseline). */
  readonly speedup: number;
  /** baseline / current server CPU per recommendation (NaN without a baseline). */
  readonly cpuRatio: number;
}

/** Pairs each level of `current` with the baseline's level of the same session count and storage. */
export function compareLoads(storage: string, current: readonly LoadRow[], baseline: readonly LoadRow[] = []): ComparedRow[] {
  return current.map((row) => {
    const base = baseline.find((b) => b.sessions === row.sessions);
    return {
      storage,
      sessions: row.sessions,
      current: row,
      ...(base ? { baseline: base } : {}),
      speedup: base ? row.recsPerSec / base.recsPerSec : NaN,
      cpuRatio: base ? base.serverCpuMsPerRec / row.serverCpuMsPerRec : NaN,
    };
  });
}

const f = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "-");
const times = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : "-");

/** `plan 3.2, act 4.0 (2 ms)`: mean requests per batched call and the window; `-` without batching. */
export function batchCell(row: LoadRow | undefined): string {
  const calls = Object.entries(row?.batching ?? {}).filter(([, b]) => b.batches > 0);
  if (!calls.length) return "-";
  return `${calls.map(([call, b]) => `${call} ${b.meanBatch.toFixed(1)}`).join(", ")} (${calls[0]![1].windowMs} ms)`;
}

/** A markdown table of compared rows (what the README shows). */
export function loadTable(rows: readonly ComparedRow[], baselineName?: string): string {
  const b = baselineName ?? "baseline";
  const head = ["storage", "sessions", "recs/s", "p50 ms", "p99 ms", "CPU ms/rec", `${b} recs/s`, `${b} p50 ms`, `${b} p99 ms`, `${b} CPU ms/rec`, "speed-up", "CPU ratio", "mean batch (window)"];
  const lines = [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`];
  for (const r of rows) {
    const c = r.current;
    const o = r.baseline;
    lines.push(`| ${[r.storage, r.sessions, f(c.recsPerSec, 0), f(c.p50Ms), f(c.p99Ms), f(c.serverCpuMsPerRec, 2), f(o?.recsPerSec ?? NaN, 0), f(o?.p50Ms ?? NaN), f(o?.p99Ms ?? NaN), f(o?.serverCpuMsPerRec ?? NaN, 2), times(r.speedup), times(r.cpuRatio), batchCell(c)].join(" | ")} |`);
  }
  return lines.join("\n");
}

/** A markdown table of breakdowns side by side (one column pair per storage), per step, with the total. */
export function breakdownTable(breakdowns: readonly Breakdown[]): string {
  const head = ["part", ...breakdowns.flatMap((b) => [`${b.storage} wall ms`, `${b.storage} CPU ms`])];
  const lines = [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`];
  const parts = breakdowns[0]?.parts.map((p) => p.part) ?? [];
  for (const part of parts) {
    const cells = breakdowns.flatMap((b) => {
      const p = b.parts.find((x) => x.part === part);
      return [f(p?.wallMs ?? NaN, 2), f(p?.cpuMs ?? NaN, 2)];
    });
    lines.push(`| ${[part, ...cells].join(" | ")} |`);
  }
  lines.push(`| **total per step** | ${breakdowns.flatMap((b) => [f(b.roundTripMs, 2), f(b.serverCpuMs, 2)]).join(" | ")} |`);
  lines.push(`| **CPU per step, profiler off** | ${breakdowns.flatMap((b) => ["", f(b.plainCpuMs, 2)]).join(" | ")} |`);
  return lines.join("\n");
}
