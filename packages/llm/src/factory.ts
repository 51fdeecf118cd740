import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { redactUrl } from "@farsight/core";
import { cacheLayer, MemoryResponseCache, SqliteResponseCache, type ResponseCache } from "./cache.js";
import { buildClient, probeOf, PROVIDER_DEFAULTS, type ClientOptions, type ProviderSpec } from "./clients.js";
import { accountingLayer, concurrencyLayer, retryLayer, timeoutLayer } from "./layers.js";
import { ManagedChatModel, type Layer } from "./managed.js";
import type { StructuredMethod } from "./methods.js";
import type { PoolTiming } from "./pool-spec.js";
import { PoolChatModel, type PoolEndpoint } from "./pool.js";
import { sequencesOf } from "./llama-cpp.js";
import { JsonlRecorder, recorderLayer } from "./recorder.js";
import { parseModelSpec, specMethods, type ModelSpec } from "./spec.js";
import { LlmStats } from "./stats.js";

/** The wrappers around a model. Every field has a default; `false` / 0 turns a wrapper off. */
export interface WrapOptions {
  /** Model id in cache keys, recordings and errors. Default: the inner model's type and name. */
  modelId?: string;
  /** Parameters that change answers (temperature, ...): part of the cache key. */
  params?: Record<string, unknown>;
  /** Shared accounting for the run. Default: a new LlmStats (read it back from `model.farsightStats`). */
  stats?: LlmStats;
  /** Response cache: true (memory, default), false, or your own store. */
  cache?: boolean | ResponseCache;
  /** Persist the cache in this SQLite file (better-sqlite3) instead of memory. */
  cacheFile?: string;
  /** Memory cache size (LRU). Default 10_000 answers. */
  cacheMaxEntries?: number;
  /** Most calls in flight at once. Default 4; 0 = unlimited. */
  maxConcurrency?: number;
  /** Deadline per attempt in ms. Default 120_000; 0 = none. */
  timeoutMs?: number;
  /** Retries on 429 / 5xx / dropped connections. Default 2. */
  retries?: number;
  /** First retry backoff in ms (doubles, with jitter). Default 500. */
  retryBaseDelayMs?: number;
  /** Longest backoff in ms. Default 10_000. */
  retryMaxDelayMs?: number;
  /** Retry our own timeouts too. Default false. */
  retryTimeouts?: boolean;
  /** Append every answered request to this JSONL file (replay it with "scripted:<file>"). */
  recordTo?: string;
  /** Structured-output methods to try, strongest first. Default: from the inner model's type. */
  methods?: readonly StructuredMethod[];
}

/** Options of {@link createChatModel}: the wrappers plus how the client is built. */
export interface ChatModelOptions extends WrapOptions, ClientOptions {
  /** Return the bare client without any wrapper (no cache, limit, retries, accounting). Default false. */
  raw?: boolean;
  /** `pool:` specs: health-probe timing (overrides a pool file's). */
  pool?: PoolTiming;
}

/**
 * Wraps any chat model in the default layers, outermost first: cache -> recorder -> concurrency limit ->
 * retries -> accounting -> timeout. Each attempt is counted (as the server sees it), cache hits are not.
 */
export function wrapChatModel(inner: BaseChatModel, options: WrapOptions = {}): ManagedChatModel {
  const stats = options.stats ?? new LlmStats();
  const modelId = options.modelId ?? `${inner.getName()}:${String((inner as unknown as { model?: string }).model ?? "")}`;
  const layers = outerLayers(options, stats, modelId);
  const maxConcurrency = options.maxConcurrency ?? 4;
  if (maxConcurrency > 0) layers.push(concurrencyLayer(maxConcurrency));
  const retries = retryLayers(options, stats);
  layers.push(...retries, ...attemptLayers(stats, options.timeoutMs ?? 120_000, modelId));
  return new ManagedChatModel(inner, layers, { modelId, stats, ...(options.methods ? { methods: options.methods } : {}) });
}

/** Cache and recorder: what answers or watches whole requests, outermost. */
function outerLayers(options: WrapOptions, stats: LlmStats, modelId: string): Layer[] {
  const layers: Layer[] = [];
  const cache = options.cacheFile
    ? new SqliteResponseCache(options.cacheFile)
    : options.cache === false
      ? undefined
      : typeof options.cache === "object"
        ? options.cache
        : new MemoryResponseCache(options.cacheMaxEntries);
  if (cache) layers.push(cacheLayer(cache, modelId, options.params ?? {}, stats));
  if (options.recordTo) layers.push(recorderLayer(new JsonlRecorder(options.recordTo), modelId));
  return layers;
}

function retryLayers(options: WrapOptions, stats: LlmStats): Layer[] {
  const retries = options.retries ?? 2;
  if (retries <= 0) return [];
  return [retryLayer({ retries, baseDelayMs: options.retryBaseDelayMs, maxDelayMs: options.retryMaxDelayMs, retryTimeouts: options.retryTimeouts, stats })];
}

/** Accounting and timeout: around each attempt that reaches a server, innermost. */
function attemptLayers(stats: LlmStats, timeoutMs: number, modelId: string): Layer[] {
  return [accountingLayer(stats), ...(timeoutMs > 0 ? [timeoutLayer(timeoutMs, modelId)] : [])];
}

/**
 * Spec string -> LangChain chat model wrapped in cache, limits, retries and accounting (see
 * {@link MODEL_SPEC_FORMS}); `null` for "none". Client-side retries are off so that counts are ours.
 */
export async function createChatModel(spec: string, options: ChatModelOptions = {}): Promise<BaseChatModel | null> {
  const parsed = parseModelSpec(spec);
  if (parsed.provider === "none") return null;
  const env = options.env ?? process.env;
  const temperature = options.temperature ?? 0;
  if (parsed.provider === "pool") return createPoolModel(spec, parsed, options, env, temperature);
  const inner = await buildClient(spec, parsed, { ...options, temperature }, env);
  if (options.raw) return inner;
  const defaults = PROVIDER_DEFAULTS[parsed.provider];
  return wrapChatModel(inner, {
    methods: methodsOf(parsed),
    ...options,
    // The id goes into cache keys, recordings and error messages: never with credentials in it.
    modelId: options.modelId ?? redactUrl(spec),
    params: { temperature, maxTokens: options.maxTokens ?? null, ...options.params },
    // An in-process model runs as many calls as its context has sequences; more would only wait inside it, on the clock of the timeout.
    maxConcurrency: options.maxConcurrency ?? (parsed.provider === "llama-cpp" ? sequencesOf(options.llamaCpp ?? {}) : defaults.maxConcurrency),
    timeoutMs: options.timeoutMs ?? defaults.timeoutMs,
  });
}

/** The methods a spec's model tries, strongest first: its provider's (a pool's shared ones), from `?structured=` on. */
function methodsOf(parsed: ModelSpec): StructuredMethod[] {
  const chain = specMethods(parsed);
  return parsed.structured ? chain.slice(chain.indexOf(parsed.structured)) : chain;
}

/**
 * A `pool:` spec: one client per endpoint, each behind its own accounting and timeout (every attempt counted
 * where it went), routed by a {@link PoolChatModel}; around the pool the cache, the recorder and the retries,
 * and one structured-output method state for all endpoints (see the README: why shared).
 */
async function createPoolModel(
  spec: string,
  parsed: Extract<ModelSpec, { provider: "pool" }>,
  options: ChatModelOptions,
  env: Record<string, string | undefined>,
  temperature: number,
): Promise<BaseChatModel> {
  const stats = options.stats ?? new LlmStats();
  const endpoints = await Promise.all(
    parsed.endpoints.map(async (member): Promise<PoolEndpoint> => {
      const memberSpec = parseModelSpec(member.spec) as ProviderSpec;
      const id = redactUrl(member.spec);
      const client = await buildClient(member.spec, memberSpec, { ...options, temperature }, env);
      const defaults = PROVIDER_DEFAULTS[member.provider];
      const timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
      return {
        id,
        model: new ManagedChatModel(client, attemptLayers(stats, timeoutMs, id), { modelId: id, stats }),
        maxConcurrency: member.maxConcurrency ?? options.maxConcurrency ?? defaults.maxConcurrency,
        probe: probeOf(memberSpec, options, env),
      };
    }),
  );
  const modelId = options.modelId ?? redactUrl(spec);
  const timing = { probeIntervalMs: parsed.probeIntervalMs, probeMaxIntervalMs: parsed.probeMaxIntervalMs, probeTimeoutMs: parsed.probeTimeoutMs, ...options.pool };
  const pool = new PoolChatModel(endpoints, { id: modelId, stats, ...timing });
  if (options.raw) return pool;
  const params = { temperature, maxTokens: options.maxTokens ?? null, ...options.params };
  const layers = [...outerLayers({ ...options, params }, stats, modelId), ...retryLayers(options, stats)];
  return new ManagedChatModel(pool, layers, { modelId, stats, methods: options.methods ?? methodsOf(parsed) });
}

/** The model spec of a run: FARSIGHT_LLM when set, else "none" (everything runs without a model). */
export function defaultModelSpec(env: Record<string, string | undefined> = process.env): string {
  return env.FARSIGHT_LLM?.trim() || "none";
}
