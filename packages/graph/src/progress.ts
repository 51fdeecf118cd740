/**
 * One-line renderings of {@link LerlProgress} for terminals (a bar) and logs (plain text).
 */
import type { LerlProgress } from "./nodes.js";

const fmt = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : "-");

/** "steps 3200/6000 | sessions 118 | R 5.31 | len 17.2 | updates 5 | pool 118 | llm 0 calls | 12.3s". */
export function formatLerlProgress(p: LerlProgress, totalSteps?: number): string {
  const parts = [
    `steps ${p.envSteps}${totalSteps ? `/${totalSteps}` : ""}`,
    `sessions ${p.sessionsFinished}`,
    `R ${fmt(p.meanRecentReturn)}`,
    `len ${fmt(p.meanRecentLength, 1)}`,
    `updates ${p.updates}`,
    `pool ${p.poolSize}`,
    // The mean latency is over answered calls; when every call failed there is none (not "0ms").
    `llm ${p.llmCalls} calls${p.llmCalls > 0 ? (p.llmLatencyMs > 0 ? ` ${fmt(p.llmLatencyMs, 0)}ms avg` : " (none answered)") : ""}`,
    `${(p.elapsedMs / 1000).toFixed(1)}s`,
  ];
  return parts.join(" | ");
}

/** A text progress bar of `width` cells for a fraction in [0, 1]. */
export function progressBar(fraction: number, width = 24): string {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return `[${"#".repeat(full)}${".".repeat(width - full)}] ${String(Math.round(f * 100)).padStart(3)}%`;
}
