import { quantile } from "@farsight/core";

/** Whether a pool sends requests to an endpoint: `up` (also before the first request) or `down` until a probe answers. */
export type EndpointState = "up" | "down";

/** Plain-JSON view of one pool endpoint's accounting (see {@link EndpointCounts}). */
export interface EndpointSnapshot {
  state: EndpointState;
  /** The last error of a request or a probe, while the endpoint is down or after it failed; undefined when none. */
  lastError?: string;
  /** Attempts sent to this endpoint (each failover attempt counts at the endpoint that got it). */
  requests: number;
  successes: number;
  /** Attempts that ended in an error, failovers included. */
  failures: number;
  /** Of the failures, the ones handed on to another endpoint (the request itself did not fail). */
  failovers: number;
  timeouts: number;
  promptTokens: number;
  completionTokens: number;
  inFlight: number;
  maxInFlight: number;
  /** Health probes sent while the endpoint was down, and how many of them failed. */
  probes: number;
  probeFailures: number;
  /** Times the endpoint was marked down, and times a probe brought it back. */
  downs: number;
  recoveries: number;
  /** Latency of successful attempts in ms (NaN before the first). */
  latencyP50Ms: number;
  latencyMeanMs: number;
}

/**
 * One pool endpoint's counts. `requests = successes + failures + inFlight` at all times, and over a pool's
 * endpoints the successes add up to the requests the pool answered.
 */
export class EndpointCounts {
  state: EndpointState = "up";
  lastError: string | undefined;
  requests = 0;
  successes = 0;
  failures = 0;
  failovers = 0;
  timeouts = 0;
  promptTokens = 0;
  completionTokens = 0;
  inFlight = 0;
  maxInFlight = 0;
  probes = 0;
  probeFailures = 0;
  downs = 0;
  recoveries = 0;
  private readonly latencies: number[] = [];

  /** An attempt was sent to the endpoint. */
  start(): void {
    this.requests++;
    this.inFlight++;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
  }

  /** An attempt came back with an answer after `latencyMs`, with the usage the server reported. */
  success(latencyMs: number, usage?: { promptTokens?: number; completionTokens?: number }): void {
    this.inFlight--;
    this.successes++;
    this.latencies.push(latencyMs);
    this.promptTokens += usage?.promptTokens ?? 0;
    this.completionTokens += usage?.completionTokens ?? 0;
  }

  /** An attempt failed; `failover`: the request goes on to another endpoint. */
  failure(error: string, options: { failover: boolean; timeout: boolean }): void {
    this.inFlight--;
    this.failures++;
    if (options.failover) this.failovers++;
    if (options.timeout) this.timeouts++;
    this.lastError = error;
  }

  /** The counts as plain JSON, with p50 / mean latency of the answered attempts. */
  snapshot(): EndpointSnapshot {
    const n = this.latencies.length;
    return {
      state: this.state,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      requests: this.requests,
      successes: this.successes,
      failures: this.failures,
      failovers: this.failovers,
      timeouts: this.timeouts,
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      probes: this.probes,
      probeFailures: this.probeFailures,
      downs: this.downs,
      recoveries: this.recoveries,
      latencyP50Ms: quantile(this.latencies, 0.5),
      latencyMeanMs: n === 0 ? NaN : this.latencies.reduce((a, b) => a + b, 0) / n,
    };
  }
}

/** One line per endpoint for a run summary, e.g. `endpoint <id>: up, 23 requests, 23 ok, 0 failed (0 failed over), ...`. */
export function formatEndpointStats(endpoints: Record<string, EndpointSnapshot>): string[] {
  return Object.entries(endpoints).map(([id, e]) => {
    const latency = Number.isFinite(e.latencyP50Ms) ? `p50 ${Math.round(e.latencyP50Ms)} ms` : "none answered";
    const down = e.state === "down" ? ` (${e.lastError ?? "no answer"})` : "";
    return (
      `endpoint ${id}: ${e.state}${down}, ${e.requests} request${e.requests === 1 ? "" : "s"}, ${e.successes} ok, ${e.failures} failed (${e.failovers} failed over), ` +
      `${e.promptTokens} + ${e.completionTokens} tokens, ${latency}, ${e.downs} down / ${e.recoveries} back`
    );
  });
}
