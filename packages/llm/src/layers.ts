import type { BaseMessage } from "@langchain/core/messages";
import { httpStatusOf, isTimeoutError, LlmTimeoutError } from "./errors.js";
import { combineSignals } from "./invoke.js";
import type { Layer } from "./managed.js";
import { usageOf } from "./messages.js";
import { sleep } from "./scripted.js";
import type { LlmStats } from "./stats.js";

/**
 * Counts every call that reaches the model: calls, in flight, latency, tokens from the answer's usage, and
 * failures (timeouts apart). Put it inside the retry layer so each attempt counts, as the server sees it.
 */
export function accountingLayer(stats: LlmStats): Layer {
  return async (call, next) => {
    const started = performance.now();
    stats.recordCallStart();
    let answer: BaseMessage;
    try {
      answer = await next(call);
    } catch (err) {
      stats.recordCallFailure(isTimeoutError(err));
      throw err;
    }
    stats.recordCallEnd(performance.now() - started, usageOf(answer));
    return answer;
  };
}

/**
 * Bounds one attempt to `timeoutMs`. The inner call gets an aborting signal, and the layer also stops waiting
 * by itself, so a client that ignores signals cannot hang a run.
 */
export function timeoutLayer(timeoutMs: number, modelId: string): Layer {
  return async (call, next) => {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new LlmTimeoutError(timeoutMs, modelId)), timeoutMs);
    const signal = combineSignals(call.signal, deadline.signal)!;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(deadline.signal.aborted ? deadline.signal.reason : signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([next({ ...call, signal }), aborted]);
    } catch (err) {
      throw deadline.signal.aborted ? deadline.signal.reason : err;
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener("abort", onAbort);
      aborted.catch(() => undefined);
    }
  };
}

export interface RetryOptions {
  /** Extra attempts after the first. Default 2. */
  retries?: number;
  /** First backoff in ms; doubles each retry, with jitter in [50%, 100%]. Default 500. */
  baseDelayMs?: number;
  /** Upper bound of one backoff (also caps a server's Retry-After). Default 10_000. */
  maxDelayMs?: number;
  /** Also retry our own timeouts. Default false: a model that timed out once usually does again. */
  retryTimeouts?: boolean;
  stats?: LlmStats;
}

/** Rate limits, server errors and dropped connections are worth another try; bad requests are not. */
export function isRetryable(err: unknown, retryTimeouts = false): boolean {
  if (isTimeoutError(err)) return retryTimeouts;
  const status = httpStatusOf(err);
  if (status !== undefined) return status === 429 || status === 408 || status >= 500;
  return isConnectionError(err);
}

const CONNECTION_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);

/** A dropped or refused connection, however deep the client wrapped it (OpenAI SDK: APIConnectionError > TypeError > code). */
export function isConnectionError(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== "object" || depth > 4) return false;
  const e = err as { name?: string; code?: unknown; cause?: unknown };
  if (e.name === "APIConnectionError" || err.constructor?.name === "APIConnectionError") return true;
  if (typeof e.code === "string" && CONNECTION_CODES.has(e.code)) return true;
  return isConnectionError(e.cause, depth + 1);
}

/** Retries retryable failures with exponential backoff; honours a server's Retry-After header (seconds). */
export function retryLayer(options: RetryOptions = {}): Layer {
  const retries = options.retries ?? 2;
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 10_000;
  return async (call, next) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await next(call);
      } catch (err) {
        if (attempt >= retries || call.signal?.aborted || !isRetryable(err, options.retryTimeouts)) throw err;
        options.stats?.recordRetry();
        const retryAfter = retryAfterMs(err);
        const backoff = base * 2 ** attempt * (0.5 + Math.random() / 2);
        await sleep(Math.min(max, retryAfter ?? backoff), call.signal);
      }
    }
  };
}

function retryAfterMs(err: unknown): number | undefined {
  const headers = (err as { headers?: Headers | Record<string, string> } | undefined)?.headers;
  if (!headers) return undefined;
  const value = typeof (headers as Headers).get === "function" ? (headers as Headers).get("retry-after") : (headers as Record<string, string>)["retry-after"];
  const seconds = value ? Number(value) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** A counting semaphore: at most `limit` holders at once, FIFO, waiting callers can be aborted. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`concurrency limit must be >= 1, got ${limit}`);
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active < this.limit) {
      this.active++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(wake);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(wake);
    });
    // The releasing holder handed its slot over, so `active` is unchanged.
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const nextWaiter = this.waiting.shift();
      if (nextWaiter) nextWaiter();
      else this.active--;
    };
  }
}

/** At most `limit` calls past this layer at once (shared by every call of the model it wraps). */
export function concurrencyLayer(limit: number): Layer {
  const semaphore = new Semaphore(limit);
  return async (call, next) => {
    const release = await semaphore.acquire(call.signal);
    try {
      return await next(call);
    } finally {
      release();
    }
  };
}
