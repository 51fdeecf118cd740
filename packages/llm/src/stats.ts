import { AnswerSamples, type QualitySample, type QualitySummary } from "./quality.js";
import { quantile } from "@farsight/core";
import { EndpointCounts, type EndpointSnapshot } from "./endpoint-stats.js";
import type { AnswerRecord, AnswerSink } from "./answer-records.js";

/** Where one component's answers came from; the four counts add up to `answers`. */
export interface ComponentAnswers {
  answers: number;
  /** Valid at the first try, fresh from the model. */
  model: number;
  /** Valid after one or more repair requests. */
  repaired: number;
  /** Served by the response cache (an earlier answer of the model to the same request). */
  cache: number;
  /** The model gave nothing usable: the component's non-LLM fallback answered. */
  fallback: number;
}

/** How an answer of a component was obtained (see {@link ComponentAnswers}). */
export type AnswerOutcome = "model" | "repaired" | "cache" | "fallback";

/** Plain-JSON view of an {@link LlmStats}, safe to log, stream as progress or write to a report. */
export interface LlmStatsSnapshot {
  /** Requests made by components (a structured or text request counts once, whatever retries and repairs it took). */
  requests: number;
  /** Of those, the ones that reached a model (not answered by the cache). */
  modelRequests: number;
  calls: number;
  cacheHits: number;
  failures: number;
  timeouts: number;
  retries: number;
  repairs: number;
  invalidAnswers: number;
  /** Answers the model stopped at its token budget (finish reason "length"); each is also an invalid answer when its JSON was cut. */
  truncations: number;
  fallbacks: number;
  fallbacksByComponent: Record<string, number>;
  /** Model calls per structured-output method (json-schema, tools, json-mode, format, grammar, prompt). */
  methods: Record<string, number>;
  /** Times a model was moved to a weaker structured-output method (the server rejected or ignored one). */
  downgrades: number;
  answersByComponent: Record<string, ComponentAnswers>;
  promptTokens: number;
  completionTokens: number;
  inFlight: number;
  maxInFlight: number;
  /** Failed attempts an endpoint pool handed on to another endpoint (each is also one of `failures`). */
  failovers: number;
  /** Per endpoint of a `pool:` model, keyed by the endpoint's spec (credentials redacted); empty without a pool. */
  endpoints: Record<string, EndpointSnapshot>;
  /** Quality guards per component: distinct answers, category entropy, repeated texts, score spread (model answers only). */
  quality: Record<string, QualitySummary>;
  /** Latency of successful model calls in milliseconds (NaN before the first call). */
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyMeanMs: number;
}

/** What changed, for listeners that stream progress. */
export type LlmStatsEvent =
  | "call-start"
  | "call-end"
  | "failure"
  | "cache-hit"
  | "retry"
  | "repair"
  | "invalid-answer"
  | "fallback"
  | "answer"
  | "endpoint";

/**
 * Accounting for a run: one instance is shared by every wrapper and every component of the run, so the
 * numbers add up to what the model servers saw. `calls` counts requests that reached a model (retries
 * included, cache hits excluded); `failures` counts those that ended in an error (timeouts included).
 */
export class LlmStats {
  requests = 0;
  modelRequests = 0;
  calls = 0;
  cacheHits = 0;
  failures = 0;
  timeouts = 0;
  retries = 0;
  repairs = 0;
  /** Answers that were not valid JSON or did not match the schema (each one, before repair). */
  invalidAnswers = 0;
  /** Answers cut at the token budget (see {@link LlmStatsSnapshot.truncations}). */
  truncations = 0;
  fallbacks = 0;
  promptTokens = 0;
  completionTokens = 0;
  inFlight = 0;
  maxInFlight = 0;
  failovers = 0;
  /** Pool endpoints' counts (see {@link endpoint}). */
  readonly endpoints = new Map<string, EndpointCounts>();
  readonly fallbacksByComponent: Record<string, number> = {};
  readonly methods: Record<string, number> = {};
  downgrades = 0;
  readonly answersByComponent: Record<string, ComponentAnswers> = {};
  /** The last few fallback reasons, newest last, for a progress line or a report. */
  readonly recentFallbacks: { component: string; reason: string }[] = [];
  /** Samples of the model's answers per component (see `recordSample`). */
  readonly quality = new Map<string, AnswerSamples>();
  private readonly latencies: number[] = [];
  private answerSink: AnswerSink | undefined;
  private readonly listeners = new Set<(event: LlmStatsEvent, stats: LlmStats) => void>();

  /** Components call this when an LLM answer was unusable and they used their non-LLM fallback. */
  recordFallback(component: string, reason: string): void {
    this.fallbacks++;
    this.fallbacksByComponent[component] = (this.fallbacksByComponent[component] ?? 0) + 1;
    this.recentFallbacks.push({ component, reason });
    if (this.recentFallbacks.length > 20) this.recentFallbacks.shift();
    this.emit("fallback");
  }

  /**
   * Hands every answer the run's components settle from now on to `sink`, as an {@link AnswerRecord} (prompt,
   * answer, validation, fallback reason, role, session, timing, tokens); `undefined` stops. A sink that throws
   * stops the component's request with that error (a recording asked for is not dropped silently).
   */
  recordAnswersTo(sink: AnswerSink | undefined): void {
    this.answerSink = sink;
  }

  /** True while a sink receives answer records: the call logs that feed them are only kept then. */
  get recordingAnswers(): boolean {
    return this.answerSink !== undefined;
  }

  /** One settled answer's record (from `settle`), passed to the sink. */
  recordAnswerRecord(record: AnswerRecord): void {
    this.answerSink?.(record);
  }

  /** One answer of the model (not a fallback's) as the quality guards see it. */
  recordSample(component: string, sample: QualitySample): void {
    let q = this.quality.get(component);
    if (!q) this.quality.set(component, (q = new AnswerSamples()));
    q.add(sample);
  }

  /** A component's request (structured or text) got its first answer or error; `sent`: it reached a model (no cache hit). */
  recordRequest(sent: boolean): void {
    this.requests++;
    if (sent) this.modelRequests++;
  }

  /** One model call asked for structured output with `method`. */
  recordMethod(method: string): void {
    this.methods[method] = (this.methods[method] ?? 0) + 1;
  }

  /** A model moved to a weaker structured-output method. */
  recordDowngrade(): void {
    this.downgrades++;
  }

  /** Where one answer of `component` came from (a fallback also calls {@link recordFallback}). */
  recordAnswer(component: string, outcome: AnswerOutcome): void {
    const c = (this.answersByComponent[component] ??= { answers: 0, model: 0, repaired: 0, cache: 0, fallback: 0 });
    c.answers++;
    c[outcome]++;
    this.emit("answer");
  }

  /** A request is about to reach a model. */
  recordCallStart(): void {
    this.calls++;
    this.inFlight++;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    this.emit("call-start");
  }

  /** A request came back with an answer. */
  recordCallEnd(latencyMs: number, usage?: { promptTokens?: number; completionTokens?: number }): void {
    this.inFlight--;
    this.latencies.push(latencyMs);
    this.promptTokens += usage?.promptTokens ?? 0;
    this.completionTokens += usage?.completionTokens ?? 0;
    this.emit("call-end");
  }

  /** A request ended in an error (`timeout` for our own per-call deadline). */
  recordCallFailure(timeout: boolean): void {
    this.inFlight--;
    this.failures++;
    if (timeout) this.timeouts++;
    this.emit("failure");
  }

  /** The counts of pool endpoint `id` (created on first use); call {@link recordEndpoint} after changing them. */
  endpoint(id: string): EndpointCounts {
    let counts = this.endpoints.get(id);
    if (!counts) {
      counts = new EndpointCounts();
      this.endpoints.set(id, counts);
    }
    return counts;
  }

  /** A pool endpoint's counts or state changed; `failover`: an attempt there failed and its request moved on. */
  recordEndpoint(failover = false): void {
    if (failover) this.failovers++;
    this.emit("endpoint");
  }

  recordCacheHit(): void {
    this.cacheHits++;
    this.emit("cache-hit");
  }

  recordRetry(): void {
    this.retries++;
    this.emit("retry");
  }

  recordRepair(): void {
    this.repairs++;
    this.emit("repair");
  }

  /** An answer stopped at its token budget. */
  recordTruncation(): void {
    this.truncations++;
  }

  recordInvalidAnswer(): void {
    this.invalidAnswers++;
    this.emit("invalid-answer");
  }

  /** Latency quantile of successful calls in milliseconds, q in [0, 1]; NaN before the first call. */
  latencyQuantile(q: number): number {
    return quantile(this.latencies, q);
  }

  /** Every counter plus p50 / p95 latency, as plain JSON. */
  snapshot(): LlmStatsSnapshot {
    const n = this.latencies.length;
    return {
      requests: this.requests,
      modelRequests: this.modelRequests,
      calls: this.calls,
      cacheHits: this.cacheHits,
      failures: this.failures,
      timeouts: this.timeouts,
      retries: this.retries,
      repairs: this.repairs,
      invalidAnswers: this.invalidAnswers,
      truncations: this.truncations,
      fallbacks: this.fallbacks,
      fallbacksByComponent: { ...this.fallbacksByComponent },
      methods: { ...this.methods },
      downgrades: this.downgrades,
      answersByComponent: Object.fromEntries(Object.entries(this.answersByComponent).map(([k, v]) => [k, { ...v }])),
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      failovers: this.failovers,
      endpoints: Object.fromEntries([...this.endpoints].map(([id, e]) => [id, e.snapshot()])),
      quality: Object.fromEntries([...this.quality].map(([k, q]) => [k, q.summary()])),
      latencyP50Ms: this.latencyQuantile(0.5),
      latencyP95Ms: this.latencyQuantile(0.95),
      latencyMeanMs: n === 0 ? NaN : this.latencies.reduce((a, b) => a + b, 0) / n,
    };
  }

  /** Calls `listener` after every change (e.g. to stream progress); returns the unsubscribe function. */
  subscribe(listener: (event: LlmStatsEvent, stats: LlmStats) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: LlmStatsEvent): void {
    for (const listener of this.listeners) listener(event, this);
  }
}
