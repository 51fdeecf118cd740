import { existsSync } from "node:fs";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { FarsightError, redactUrl } from "@farsight/core";
import { cacheLayer, MemoryResponseCache, SqliteResponseCache, type ResponseCache } from "./cache.js";
import { accountingLayer, concurrencyLayer, retryLayer, timeoutLayer } from "./layers.js";
import { LlamaCppChatModel, type LlamaBackend, type LlamaCppOptions } from "./llama-cpp.js";
import { ManagedChatModel, signalAwareFetch, type Layer } from "./managed.js";
import { methodChain, type StructuredMethod } from "./methods.js";
import { JsonlRecorder, loadScriptedModel, recorderLayer } from "./recorder.js";
import { checkedChatFetch } from "./server-check.js";
import { methodFamily, parseModelSpec, type ModelSpec } from "./spec.js";
import { LlmStats } from "./stats.js";
import { resolveGgufPath } from "./models/registry.js";

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
export interface ChatModelOptions extends WrapOptions {
  /** Sampling temperature. Default 0 (reproducible runs, useful cache). */
  temperature?: number;
  /** Longest answer in tokens. Default: the provider's. */
  maxTokens?: number;
  /** API key for openai / openai-compatible. Default OPENAI_API_KEY. */
  apiKey?: string;
  /** Environment to read variables from. Default process.env. */
  env?: Record<string, string | undefined>;
  /** Return the bare client without any wrapper (no cache, limit, retries, accounting). Default false. */
  raw?: boolean;
  /** llama-cpp: context size, GPU, and (for tests) an injected backend. */
  llamaCpp?: LlamaCppOptions & { backend?: LlamaBackend | (() => Promise<LlamaBackend>) };
}

/**
 * Wraps any chat model in the default layers, outermost first: cache -> recorder -> concurrency limit ->
 * retries -> accounting -> timeout. Each attempt is counted (as the server sees it), cache hits are not.
 */
export function wrapChatModel(inner: BaseChatModel, options: WrapOptions = {}): ManagedChatModel {
  const stats = options.stats ?? new LlmStats();
  const modelId = options.modelId ?? `${inner.getName()}:${String((inner as unknown as { model?: string }).model ?? "")}`;
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
  const maxConcurrency = options.maxConcurrency ?? 4;
  if (maxConcurrency > 0) layers.push(concurrencyLayer(maxConcurrency));
  const retries = options.retries ?? 2;
  if (retries > 0) {
    layers.push(
      retryLayer({ retries, baseDelayMs: options.retryBaseDelayMs, maxDelayMs: options.retryMaxDelayMs, retryTimeouts: options.retryTimeouts, stats }),
    );
  }
  layers.push(accountingLayer(stats));
  const timeoutMs = options.timeoutMs ?? 120_000;
  if (timeoutMs > 0) layers.push(timeoutLayer(timeoutMs, modelId));
  return new ManagedChatModel(inner, layers, { modelId, stats, ...(options.methods ? { methods: options.methods } : {}) });
}

/** Per-provider defaults where one size does not fit all (a local CPU model is slow and serial). */
const PROVIDER_DEFAULTS: Record<Exclude<ModelSpec["provider"], "none">, { maxConcurrency: number; timeoutMs: number }> = {
  openai: { maxConcurrency: 8, timeoutMs: 60_000 },
  "openai-compatible": { maxConcurrency: 4, timeoutMs: 120_000 },
  ollama: { maxConcurrency: 2, timeoutMs: 120_000 },
  "llama-cpp": { maxConcurrency: 1, timeoutMs: 600_000 },
  scripted: { maxConcurrency: 8, timeoutMs: 10_000 },
};

/**
 * Spec string -> LangChain chat model wrapped in cache, limits, retries and accounting (see
 * {@link MODEL_SPEC_FORMS}); `null` for "none". Client-side retries are off so that counts are ours.
 */
export async function createChatModel(spec: string, options: ChatModelOptions = {}): Promise<BaseChatModel | null> {
  const parsed = parseModelSpec(spec);
  if (parsed.provider === "none") return null;
  const env = options.env ?? process.env;
  const temperature = options.temperature ?? 0;
  const inner = await buildClient(spec, parsed, options, env, temperature);
  if (options.raw) return inner;
  const defaults = PROVIDER_DEFAULTS[parsed.provider];
  return wrapChatModel(inner, {
    methods: methodChain(methodFamily(parsed.provider), parsed.structured),
    ...options,
    // The id goes into cache keys, recordings and error messages: never with credentials in it.
    modelId: options.modelId ?? redactUrl(spec),
    params: { temperature, maxTokens: options.maxTokens ?? null, ...options.params },
    maxConcurrency: options.maxConcurrency ?? defaults.maxConcurrency,
    timeoutMs: options.timeoutMs ?? defaults.timeoutMs,
  });
}

/**
 * LangChain's provider factory, `initChatModel` of the `langchain` package, when it is installed: an optional
 * peer, since with its LangGraph dependencies it is 19 MB of the 68 MB `core + llm + planner` would install.
 * Without it the provider's own class is built with the same fields (for the providers here that is what
 * `initChatModel` does too), so the two paths give the same client.
 */
export async function initChatModel(model: string, fields: Record<string, unknown> & { modelProvider: "openai" | "ollama" }, load: (specifier: string) => Promise<unknown> = importOptional): Promise<BaseChatModel> {
  const universal = (await load("langchain/chat_models/universal")) as { initChatModel(model: string, fields: object): Promise<unknown> } | null;
  if (universal) return (await universal.initChatModel(model, fields)) as BaseChatModel;
  const { modelProvider, ...rest } = fields;
  if (modelProvider === "openai") {
    const { ChatOpenAI } = (await load("@langchain/openai")) as typeof import("@langchain/openai");
    return new ChatOpenAI({ model, ...rest }) as unknown as BaseChatModel;
  }
  const { ChatOllama } = (await load("@langchain/ollama")) as typeof import("@langchain/ollama");
  return new ChatOllama({ model, ...rest }) as unknown as BaseChatModel;
}

/** `import(specifier)`, or null when the package is not installed (any other failure is thrown). */
async function importOptional(specifier: string): Promise<unknown> {
  try {
    return await import(specifier);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if ((code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && String((err as Error).message).includes(specifier.split("/")[0]!)) return null;
    throw err;
  }
}

async function buildClient(
  spec: string,
  parsed: Exclude<ModelSpec, { provider: "none" }>,
  options: ChatModelOptions,
  env: Record<string, string | undefined>,
  temperature: number,
): Promise<BaseChatModel> {
  switch (parsed.provider) {
    case "openai": {
      const apiKey = options.apiKey ?? env.OPENAI_API_KEY;
      if (!apiKey) throw new FarsightError("llm/no-api-key", `${redactUrl(spec)} needs an API key: set OPENAI_API_KEY (or pass apiKey)`, { spec: redactUrl(spec) });
      return initChatModel(parsed.model, { modelProvider: "openai", apiKey, temperature, maxTokens: options.maxTokens, maxRetries: 0 });
    }
    case "openai-compatible":
      return initChatModel(parsed.model, {
        modelProvider: "openai",
        // Local servers ignore the key, but the client insists on one.
        apiKey: options.apiKey ?? env.OPENAI_API_KEY ?? "not-needed",
        configuration: { baseURL: parsed.baseURL, fetch: checkedChatFetch(parsed.baseURL) },
        temperature,
        maxTokens: options.maxTokens,
        maxRetries: 0,
      });
    case "ollama":
      return initChatModel(parsed.model, {
        modelProvider: "ollama",
        baseUrl: parsed.host ?? normalizeOllamaHost(env.OLLAMA_HOST) ?? "http://127.0.0.1:11434",
        temperature,
        numPredict: options.maxTokens,
        maxRetries: 0,
        // ChatOllama does not hand its signal to the HTTP request; without this a timed-out request stays open.
        fetch: signalAwareFetch,
      });
    case "llama-cpp": {
      // A path, a registry name (llama-cpp:smollm2) or nothing (FARSIGHT_GGUF, else the fetched default model).
      const path = options.llamaCpp?.backend ? (parsed.path ?? "injected-backend") : resolveGgufPath(parsed.path, env);
      if (!options.llamaCpp?.backend && !existsSync(path)) {
        throw new FarsightError("llm/gguf-missing", `${spec}: no GGUF model file at "${path}"`, { spec, path });
      }
      return new LlamaCppChatModel({
        ...options.llamaCpp,
        modelPath: path,
        temperature: options.llamaCpp?.temperature ?? temperature,
        maxTokens: options.llamaCpp?.maxTokens ?? options.maxTokens,
      });
    }
    case "scripted":
      return loadScriptedModel(parsed.file);
  }
}

function normalizeOllamaHost(host: string | undefined): string | undefined {
  if (!host) return undefined;
  return /^https?:\/\//.test(host) ? host : `http://${host}`;
}

/** The model spec of a run: FARSIGHT_LLM when set, else "none" (everything runs without a model). */
export function defaultModelSpec(env: Record<string, string | undefined> = process.env): string {
  return env.FARSIGHT_LLM?.trim() || "none";
}
