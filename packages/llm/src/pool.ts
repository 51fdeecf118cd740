import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { AIMessageChunk, BaseMessage } from "@langchain/core/messages";
import type { ChatGenerationChunk, ChatResult } from "@langchain/core/outputs";
import { FarsightError } from "@farsight/core";
import { errorMessage, httpStatusOf, isTimeoutError } from "./errors.js";
import { isConnectionError } from "./layers.js";
import { ManagedChatModel, splitOptions, streamChunks, type ModelCall } from "./managed.js";
import { contentText, usageOf } from "./messages.js";
import type { PoolTiming } from "./pool-spec.js";
import type { LlmStats } from "./stats.js";

/** One endpoint of a {@link PoolChatModel}. */
export interface PoolEndpoint {
  /** The endpoint's spec with credentials redacted: its name in stats, errors and summaries. */
  id: string;
  /** Its client wrapped in its own accounting and timeout layers (the pool's model holds cache and retries). */
  model: ManagedChatModel;
  /** Most requests in flight at this endpoint; 0 = no limit. */
  maxConcurrency: number;
  /** The cheap request that says the server is alive: GET /v1/models (OpenAI-compatible), /api/tags (Ollama). */
  probe: { url: string; headers?: Record<string, string> };
}

export interface PoolOptions extends PoolTiming {
  /** The pool's name in errors (its spec, credentials redacted). */
  id: string;
  /** Where per-endpoint counts go (`stats.endpoints`), shared with the endpoints' accounting layers. */
  stats: LlmStats;
  /** Fetch for the health probes. Default: global fetch. */
  fetch?: typeof fetch;
}

/** Every endpoint of a pool is down, or failed this request: names each one with its state and last error. */
export class PoolUnavailableError extends FarsightError {
  /** A server-side condition ("service unavailable"): the retry layer around the pool tries again after a backoff. */
  readonly status = 503;
  constructor(pool: string, endpoints: { id: string; state: string; lastError?: string }[], cause?: unknown) {
    const lines = endpoints.map((e) => `${e.id}: ${e.state}${e.lastError ? ` (last error: ${e.lastError})` : ""}`);
    super("llm/pool-unavailable", `no endpoint of ${pool} could answer the request:\n  ${lines.join("\n  ")}`, { pool, endpoints }, { cause });
    this.name = "PoolUnavailableError";
  }
}

type Endpoint = PoolEndpoint & {
  index: number;
  busy: number;
  down: boolean;
  /** Wait before the next probe while down. */
  probeDelay: number;
  /** When a probe last brought the endpoint back (performance.now()), to tell a flapping endpoint. */
  recoveredAt: number;
  timer?: ReturnType<typeof setTimeout>;
};

/**
 * Several endpoints of one model behind one LangChain chat model. Each request goes to the least busy endpoint
 * that is up and has a free slot (fewest requests in flight; ties in turn), and waits for a slot when all are
 * full. An attempt that fails because its endpoint died (connection refused or reset, timeout, HTTP 5xx; 429
 * moves on without marking the endpoint down) is sent to another endpoint, each endpoint at most once per
 * request; the dead endpoint is marked down and probed with exponential backoff until it answers again. Errors
 * that are the request's own (HTTP 400, a caller's abort, an answer already partly streamed) are not retried
 * elsewhere. When no endpoint is left, the request fails with a {@link PoolUnavailableError}.
 */
export class PoolChatModel extends BaseChatModel {
  readonly id: string;
  private readonly endpoints: Endpoint[];
  private readonly stats: LlmStats;
  private readonly timing: Required<PoolTiming>;
  private readonly fetchProbe: typeof fetch;
  private waiters: (() => void)[] = [];
  private nextIndex = 0;
  private closed = false;

  constructor(endpoints: readonly PoolEndpoint[], options: PoolOptions) {
    super({});
    if (endpoints.length === 0) throw new FarsightError("llm/pool-empty", `${options.id}: a pool needs at least one endpoint`, { pool: options.id });
    this.id = options.id;
    this.stats = options.stats;
    this.timing = {
      probeIntervalMs: options.probeIntervalMs ?? 1000,
      probeMaxIntervalMs: options.probeMaxIntervalMs ?? 30_000,
      probeTimeoutMs: options.probeTimeoutMs ?? 5000,
    };
    this.fetchProbe = options.fetch ?? fetch;
    this.endpoints = endpoints.map((e, index) => ({ ...e, index, busy: 0, down: false, probeDelay: this.timing.probeIntervalMs, recoveredAt: -Infinity }));
    for (const e of this.endpoints) this.stats.endpoint(e.id);
  }

  _llmType(): string {
    return "farsight-pool";
  }

  async _generate(messages: BaseMessage[], options: this["ParsedCallOptions"]): Promise<ChatResult> {
    const { signal, rest } = splitOptions(options);
    const message = await this.send({ messages, options: rest, signal });
    return { generations: [{ text: contentText(message.content), message }] };
  }

  override async *_streamResponseChunks(messages: BaseMessage[], options: this["ParsedCallOptions"], runManager?: CallbackManagerForLLMRun): AsyncGenerator<ChatGenerationChunk> {
    const { signal, rest } = splitOptions(options);
    yield* streamChunks((onChunk) => this.send({ messages, options: rest, signal, onChunk }), runManager);
  }

  /** Each endpoint's id, whether requests go to it now, and (while down) the wait before its next probe. */
  get states(): { id: string; up: boolean; probeDelayMs?: number }[] {
    return this.endpoints.map((e) => ({ id: e.id, up: !e.down, ...(e.down ? { probeDelayMs: e.probeDelay } : {}) }));
  }

  /** Sends one call to the least busy live endpoint, failing over to the others when its endpoint dies. */
  async send(call: ModelCall): Promise<BaseMessage> {
    const tried = new Set<Endpoint>();
    let lastError: unknown;
    for (;;) {
      const e = await this.acquire(tried, call.signal);
      if (!e) throw this.unavailable(lastError);
      const counts = this.stats.endpoint(e.id);
      counts.start();
      this.stats.recordEndpoint();
      const started = performance.now();
      let streamed = false;
      try {
        const forward = call.onChunk;
        const onChunk = forward
          ? (chunk: AIMessageChunk) => {
              streamed = true; // from here on a failover would repeat what the caller already has
              forward(chunk);
            }
          : undefined;
        const answer = await e.model.run(onChunk ? { ...call, onChunk } : call);
        counts.success(performance.now() - started, usageOf(answer));
        this.stats.recordEndpoint();
        return answer;
      } catch (err) {
        const why = streamed || call.signal?.aborted ? undefined : failoverReason(err);
        if (why !== undefined) tried.add(e);
        if (why === "dead") this.markDown(e);
        const failover = why !== undefined && this.endpoints.some((x) => !x.down && !tried.has(x));
        counts.failure(errorMessage(err), { failover, timeout: isTimeoutError(err) });
        this.stats.recordEndpoint(failover);
        if (why === undefined) throw err;
        lastError = err;
      } finally {
        this.release(e);
      }
    }
  }

  /** Probes every endpoint now (down or not) and waits for the answers; an endpoint that does not answer is marked down. */
  async probeAll(): Promise<void> {
    await Promise.all(this.endpoints.map((e) => this.probe(e)));
  }

  /** Stops the probe timers (they never keep a process alive; this is for tidy tests and long-lived hosts). */
  close(): void {
    this.closed = true;
    for (const e of this.endpoints) clearTimeout(e.timer);
  }

  /** The least busy endpoint that is up, untried and has a free slot; waits while all such are full; undefined when none is left. */
  private async acquire(tried: Set<Endpoint>, signal?: AbortSignal): Promise<Endpoint | undefined> {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const live = this.endpoints.filter((e) => !e.down && !tried.has(e));
      if (live.length === 0) return undefined;
      const free = live.filter((e) => e.maxConcurrency <= 0 || e.busy < e.maxConcurrency);
      if (free.length > 0) {
        const least = Math.min(...free.map((e) => e.busy));
        const n = this.endpoints.length;
        // Ties go round-robin: the first least busy endpoint at or after the one after the last pick.
        const pick = free.filter((e) => e.busy === least).sort((a, b) => ((a.index - this.nextIndex + n) % n) - ((b.index - this.nextIndex + n) % n))[0]!;
        this.nextIndex = (pick.index + 1) % n;
        pick.busy++;
        return pick;
      }
      await this.changed(signal);
    }
  }

  private release(e: Endpoint): void {
    e.busy--;
    this.wake();
  }

  /** Resolves at the next release or state change (every waiter re-checks, in the order they came). */
  private changed(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(signal!.reason);
      };
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(wake);
    });
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  private markDown(e: Endpoint): void {
    if (e.down) return;
    e.down = true;
    const counts = this.stats.endpoint(e.id);
    counts.state = "down";
    counts.downs++;
    this.stats.recordEndpoint();
    // An endpoint that answers its probe but fails its requests again would come back every probeIntervalMs and
    // cost a failed attempt each time: if it fails again soon after coming back, it waits twice as long as before.
    const flapping = performance.now() - e.recoveredAt < this.timing.probeMaxIntervalMs;
    e.probeDelay = flapping ? Math.min(this.timing.probeMaxIntervalMs, e.probeDelay * 2) : this.timing.probeIntervalMs;
    this.scheduleProbe(e);
    this.wake(); // waiters for this endpoint's slots must look elsewhere
  }

  private scheduleProbe(e: Endpoint): void {
    if (this.closed) return;
    clearTimeout(e.timer);
    e.timer = setTimeout(() => void this.probe(e), e.probeDelay);
    e.timer.unref?.();
  }

  /** One health probe: any HTTP answer below 500 means the server is alive (a 404 for /v1/models too). */
  private async probe(e: Endpoint): Promise<void> {
    const counts = this.stats.endpoint(e.id);
    counts.probes++;
    let problem: string | undefined;
    try {
      const res = await this.fetchProbe(e.probe.url, { headers: e.probe.headers, signal: AbortSignal.timeout(this.timing.probeTimeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 500) problem = `health probe GET ${e.probe.url}: HTTP ${res.status}`;
    } catch (err) {
      problem = `health probe GET ${e.probe.url}: ${errorMessage(err)}`;
    }
    if (problem === undefined) {
      if (e.down) {
        e.down = false;
        counts.state = "up";
        counts.recoveries++;
        e.recoveredAt = performance.now();
        clearTimeout(e.timer);
        this.wake();
      }
    } else {
      counts.probeFailures++;
      counts.lastError = problem;
      if (!e.down) this.markDown(e);
      else {
        e.probeDelay = Math.min(this.timing.probeMaxIntervalMs, e.probeDelay * 2);
        this.scheduleProbe(e);
      }
    }
    this.stats.recordEndpoint();
  }

  private unavailable(cause: unknown): PoolUnavailableError {
    const endpoints = this.endpoints.map((e) => {
      const counts = this.stats.endpoint(e.id);
      return { id: e.id, state: e.down ? "down" : "up", ...(counts.lastError ? { lastError: counts.lastError } : {}) };
    });
    return new PoolUnavailableError(this.id, endpoints, cause);
  }
}

/**
 * Why an attempt's failure should move the request to another endpoint: "dead" (connection refused or reset,
 * our timeout, HTTP 5xx or 408: the endpoint is marked down), "busy" (HTTP 429: it stays up), or undefined for
 * an error that is the request's own and would fail anywhere (HTTP 400, an unparsable answer).
 */
export function failoverReason(err: unknown): "dead" | "busy" | undefined {
  if (isTimeoutError(err)) return "dead";
  const status = httpStatusOf(err);
  if (status !== undefined) return status === 429 ? "busy" : status >= 500 || status === 408 ? "dead" : undefined;
  return isConnectionError(err) ? "dead" : undefined;
}

/** The pool under a model from `createChatModel("pool:...")` (or the pool itself), else undefined. */
export function poolOf(model: BaseChatModel): PoolChatModel | undefined {
  if (model instanceof PoolChatModel) return model;
  return model instanceof ManagedChatModel && model.inner instanceof PoolChatModel ? model.inner : undefined;
}
