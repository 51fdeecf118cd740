/**
 * What every experiment that uses a language model shares, so that no run hides a fallback: one preflight
 * request, warnings while calls are slow, and the per-component answer shares with the fallback-rate check.
 * (The CLI's flags --llm, --timeout, --retries and --max-fallback-rate fill {@link LlmRunOptions}.)
 */
import {
  answerShares,
  formatQuality,
  isCollapsed,
  checkSchema,
  DEFAULT_CHECK_PROMPT,
  formatAnswerShares,
  formatEndpointStats,
  structured,
  type ComponentAnswers,
  type LlmStats,
} from "@farsight/llm";
import { FarsightError } from "@farsight/core";
import { warnOf, type LabIO } from "../io.js";

/** How an experiment uses its model. */
export interface LlmRunOptions {
  /** The model spec (`@farsight/llm`'s createChatModel), "none" for no model. */
  spec: string;
  /** Deadline per model call (default: the provider's). */
  timeoutMs?: number;
  /** Retries of a call on 429 / 5xx / dropped connections (default: the provider's). */
  retries?: number;
  /** A component whose share of fallback answers exceeds this fails the run ({@link checkFallbackRate}); 1 accepts every fallback. */
  maxFallbackRate: number;
  /** Accept a collapsed role (the same answer for >= 90% of sessions, see {@link checkCollapse}) instead of failing the run. Default false. */
  acceptCollapse?: boolean;
}

/** createChatModel options from the run's options. */
export function modelOptions(o: LlmRunOptions, stats: LlmStats) {
  return { stats, ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}), ...(o.retries !== undefined ? { retries: o.retries } : {}) };
}

/**
 * Thrown when the model cannot answer (`lab/llm-unusable`) or fell back too often (`lab/llm-fallback-rate`):
 * an outcome the run checks for, so the CLI prints the message (it names the model) without a stack-trace hint.
 */
export class LlmRunError extends FarsightError {
  readonly expected = true;
}

/**
 * One structured request (the `farsight llm check` question) through the run's own model, so a dead or
 * schema-blind model stops the run before any training. With --max-fallback-rate 1 it only warns.
 * The request goes through the model's layers (its call is counted in the run's calls, not in `requests`).
 */
export async function preflight(model: Parameters<typeof structured>[0], o: LlmRunOptions, io: LabIO): Promise<void> {
  const r = await structured(model, checkSchema, DEFAULT_CHECK_PROMPT, { name: "recommendation", maxRepairs: 1 });
  if (r.ok) return;
  const why = `${r.reason}: ${r.error.slice(0, 300)}`;
  if (o.maxFallbackRate >= 1) {
    warnOf(io)(`warning: model ${o.spec} did not answer the preflight request (${why}); continuing because --max-fallback-rate 1 accepts a run answered by the fallbacks\n`);
    return;
  }
  throw new LlmRunError(
    "lab/llm-unusable",
    `model ${o.spec} cannot answer (preflight request: ${why}), so every LLM answer of this run would be a fallback (100%). ` +
      `Check the model with \`farsight llm check ${o.spec}\`, or pass --max-fallback-rate 1 to run on the fallbacks knowingly.`,
  );
}

/**
 * Warnings (the CLI: stderr) while model calls are slow: after `slowMs` without the run finishing a call, one line
 * per finished call (at most every `everyMs`) and a "still waiting" line while calls hang. Returns `stop`.
 */
export function watchSlowCalls(stats: LlmStats, spec: string, io: LabIO, options: { slowMs?: number; everyMs?: number; now?: () => number } = {}): () => void {
  const slowMs = options.slowMs ?? 5_000;
  const everyMs = options.everyMs ?? 5_000;
  const clock = options.now ?? (() => performance.now());
  let lastEvent = clock();
  let lastPrint = -Infinity;
  const warn = warnOf(io);
  const line = (what: string) => {
    lastPrint = clock();
    const s = stats.snapshot();
    const mean = Number.isFinite(s.latencyMeanMs) ? `${(s.latencyMeanMs / 1000).toFixed(1)}s avg` : "none answered yet";
    warn(`llm ${spec}: ${what}; ${s.calls} calls (${s.failures} failed, ${mean}), ${s.fallbacks} fallbacks\n`);
  };
  const unsubscribe = stats.subscribe((event) => {
    if (event !== "call-end" && event !== "failure") return;
    const now = clock();
    const slow = now - lastEvent >= slowMs || (stats.latencyQuantile(0.5) >= slowMs);
    lastEvent = now;
    if (slow && now - lastPrint >= everyMs) line(event === "failure" ? "a call failed" : "a call answered");
  });
  const timer = setInterval(() => {
    const now = clock();
    if (stats.inFlight > 0 && now - lastEvent >= slowMs && now - lastPrint >= everyMs) {
      line(`waiting ${((now - lastEvent) / 1000).toFixed(0)}s for ${stats.inFlight} call(s) in flight`);
    }
  }, Math.min(slowMs, everyMs));
  timer.unref();
  return () => {
    unsubscribe();
    clearInterval(timer);
  };
}

/** The worst component: the one with the highest fallback share (undefined before any answer). */
export function worstComponent(byComponent: Record<string, ComponentAnswers>): { component: string; share: number; answers: number } | undefined {
  let worst: { component: string; share: number; answers: number } | undefined;
  for (const [component, c] of Object.entries(byComponent)) {
    const share = answerShares(c).fallback;
    if (!worst || share > worst.share) worst = { component, share, answers: c.answers };
  }
  return worst;
}

/** Per-component answer shares as printed after a run, one line each (then one per endpoint of a pool). */
export function answerLines(stats: LlmStats, spec: string): string[] {
  const lines = formatAnswerShares(stats.answersByComponent);
  const s = stats.snapshot();
  const methods = Object.entries(s.methods).map(([m, n]) => `${m} ${n}`).join(", ");
  return [
    `llm ${spec}: ${s.requests} requests (${s.modelRequests} reached the model), ${s.calls} calls, ${s.retries} retries, ${s.repairs} repairs` +
      `${methods ? `; structured output: ${methods}` : ""}${s.downgrades ? ` (${s.downgrades} downgrades)` : ""}`,
    ...lines.map((l) => `  ${l}`),
    ...Object.entries(s.quality).map(([component, q]) => `  ${component} quality: ${formatQuality(q)}${isCollapsed(q) ? " (COLLAPSED)" : ""}`),
    ...formatEndpointStats(s.endpoints).map((l) => `  ${l}`),
  ];
}

/** The answer shares for results.json: per component, counts and fractions. */
export function answerRecord(stats: LlmStats, spec: string) {
  return {
    model: spec,
    components: Object.fromEntries(Object.entries(stats.answersByComponent).map(([k, c]) => [k, { ...c, shares: answerShares(c) }])),
    /** The quality guards per component, and why a component counts as collapsed (absent when it does not). */
    quality: Object.fromEntries(
      [...stats.quality].map(([k, q]) => {
        const summary = q.summary();
        const collapsed = isCollapsed(summary);
        return [k, { ...summary, ...(collapsed ? { collapsed } : {}) }];
      }),
    ),
    stats: stats.snapshot(),
  };
}

/** "12% fallback" for a component (empty when it gave no answer). */
export function fallbackLabel(stats: LlmStats, component: string): string {
  const c = stats.answersByComponent[component];
  return c ? `${Math.round(100 * answerShares(c).fallback)}% fallback` : "no answers";
}

/** Throws {@link LlmRunError} when a component's fallback share exceeds the limit; the message names the model. */
export function checkFallbackRate(stats: LlmStats, o: LlmRunOptions): void {
  const worst = worstComponent(stats.answersByComponent);
  if (!worst || worst.share <= o.maxFallbackRate) return;
  throw new LlmRunError(
    "lab/llm-fallback-rate",
    `${worst.component} fell back on ${Math.round(100 * worst.share)}% of its ${worst.answers} answers with model ${o.spec} ` +
      `(--max-fallback-rate ${o.maxFallbackRate}); the results above say so. Check the model with \`farsight llm check ${o.spec}\` ` +
      `or pass --max-fallback-rate 1 to accept the fallbacks.`,
  );
}

/**
 * Throws {@link LlmRunError} (`lab/llm-collapsed`) when a component's model answers collapsed (`isCollapsed` of
 * @farsight/llm: >= 90% the same answer across sessions, or texts that repeat earlier ones), unless the run accepts
 * it (`acceptCollapse`, the CLI's --accept-collapse). A collapsed planner is a run on one fixed plan, whatever its
 * fallback share says.
 */
export function checkCollapse(stats: LlmStats, o: LlmRunOptions): void {
  if (o.acceptCollapse) return;
  for (const [component, q] of stats.quality) {
    const why = isCollapsed(q.summary());
    if (!why) continue;
    throw new LlmRunError(
      "lab/llm-collapsed",
      `${component} collapsed with model ${o.spec}: ${why}; the results above were produced by that one answer. ` +
        `Check the model's answers (\`farsight llm check ${o.spec}\`) or pass --accept-collapse to accept them.`,
    );
  }
}

/** The LERL table's quality figures of a component: distinct-answer share and category entropy (bits); NaN before any answer. */
export function qualityFigures(stats: LlmStats, component: string): { distinct: number; entropy: number } {
  const q = stats.quality.get(component)?.summary();
  return { distinct: q?.distinctShare ?? NaN, entropy: q?.categoryEntropyBits ?? NaN };
}
