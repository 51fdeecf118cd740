import { existsSync } from "node:fs";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { FarsightError, redactUrl } from "@farsight/core";
import { LlamaCppChatModel, type LlamaBackend, type LlamaCppOptions } from "./llama-cpp.js";
import { signalAwareFetch } from "./managed.js";
import { resolveGgufPath } from "./models/registry.js";
import { loadScriptedModel } from "./recorder.js";
import { checkedChatFetch } from "./server-check.js";
import type { ModelSpec } from "./spec.js";
import { verifyModelFile } from "./models/verify.js";

/** How a provider's client is built (the part of `createChatModel`'s options that is not about wrappers). */
export interface ClientOptions {
  /** Sampling temperature. Default 0 (reproducible runs, useful cache). */
  temperature?: number;
  /** Longest answer in tokens. Default: the provider's. */
  maxTokens?: number;
  /** API key for openai / openai-compatible. Default OPENAI_API_KEY. */
  apiKey?: string;
  /** Environment to read variables from. Default process.env. */
  env?: Record<string, string | undefined>;
  /** llama-cpp: context size, GPU, and (for tests) an injected backend. */
  llamaCpp?: LlamaCppOptions & { backend?: LlamaBackend | (() => Promise<LlamaBackend>) };
}

/** A spec of one provider model (not "none", not a pool). */
export type ProviderSpec = Exclude<ModelSpec, { provider: "none" } | { provider: "pool" }>;

/** Per-provider defaults where one size does not fit all (a local CPU model is slow and serial). */
export const PROVIDER_DEFAULTS: Record<ProviderSpec["provider"], { maxConcurrency: number; timeoutMs: number }> = {
  openai: { maxConcurrency: 8, timeoutMs: 60_000 },
  "openai-compatible": { maxConcurrency: 4, timeoutMs: 120_000 },
  ollama: { maxConcurrency: 2, timeoutMs: 120_000 },
  "llama-cpp": { maxConcurrency: 1, timeoutMs: 600_000 },
  scripted: { maxConcurrency: 8, timeoutMs: 10_000 },
};

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
    const { ChatOpenAI } = (await loadProvider("@langchain/openai", load)) as typeof import("@langchain/openai");
    return new ChatOpenAI({ model, ...rest }) as unknown as BaseChatModel;
  }
  const { ChatOllama } = (await loadProvider("@langchain/ollama", load)) as typeof import("@langchain/ollama");
  return new ChatOllama({ model, ...rest }) as unknown as BaseChatModel;
}

/**
 * A LangChain provider package, an optional peer of @farsight/llm (a user installs the provider they use, so a
 * project that never calls a hosted model does not carry its SDK): loaded on first use, or an error naming it.
 */
export async function loadProvider(specifier: "@langchain/openai" | "@langchain/ollama", load: (specifier: string) => Promise<unknown> = importOptional): Promise<unknown> {
  const mod = await load(specifier);
  if (mod) return mod;
  throw new FarsightError(
    "llm/provider-missing",
    `this model spec needs ${specifier}, an optional peer of @farsight/llm that is not installed: npm install ${specifier}`,
    { package: specifier },
  );
}

/** `import(specifier)`, or null when the package is not installed (any other failure is thrown). */
async function importOptional(specifier: string): Promise<unknown> {
  try {
    return await import(specifier);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if ((code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && String((err as Error).message).includes(packageOf(specifier))) return null;
    throw err;
  }
}

/** The package a specifier imports from: `@scope/name` or `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return (specifier.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}

/** The bare LangChain client of one provider spec (no wrappers). */
export async function buildClient(
  spec: string,
  parsed: ProviderSpec,
  options: ClientOptions,
  env: Record<string, string | undefined>,
): Promise<BaseChatModel> {
  const temperature = options.temperature ?? 0;
  switch (parsed.provider) {
    case "openai": {
      const apiKey = options.apiKey ?? env.OPENAI_API_KEY;
      if (!apiKey) throw new FarsightError("llm/no-api-key", `${redactUrl(spec)} needs an API key: set OPENAI_API_KEY (or pass apiKey)`, { spec: redactUrl(spec) });
      return initChatModel(parsed.model, { modelProvider: "openai", apiKey, temperature, maxTokens: options.maxTokens, maxRetries: 0 });
    }
    case "openai-compatible": {
      const endpoint = splitEndpoint(parsed.baseURL);
      return initChatModel(parsed.model, {
        modelProvider: "openai",
        // Local servers ignore the key, but the client insists on one.
        apiKey: options.apiKey ?? env.OPENAI_API_KEY ?? "not-needed",
        configuration: {
          baseURL: endpoint.baseURL,
          fetch: checkedChatFetch(parsed.baseURL),
          ...(endpoint.headers ? { defaultHeaders: endpoint.headers } : {}),
          ...(endpoint.query ? { defaultQuery: endpoint.query } : {}),
        },
        temperature,
        maxTokens: options.maxTokens,
        maxRetries: 0,
      });
    }
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
      // Checked on first load against its manifest (or the registry); a stamp by size and mtime spares a rehash.
      if (!options.llamaCpp?.backend) verifyModelFile(path);
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

/**
 * The health probe of an HTTP endpoint: a cheap GET every such server answers without running the model
 * (vLLM, llama-server, LM Studio and OpenAI: /v1/models; Ollama: /api/tags), with the key a chat request sends.
 */
export function probeOf(parsed: ProviderSpec, options: ClientOptions, env: Record<string, string | undefined>): { url: string; headers?: Record<string, string> } {
  const key = options.apiKey ?? env.OPENAI_API_KEY;
  const bearer = key ? { authorization: `Bearer ${key}` } : undefined;
  switch (parsed.provider) {
    case "openai":
      return withPath(env.OPENAI_BASE_URL ?? "https://api.openai.com/v1", "models", bearer);
    case "openai-compatible":
      return withPath(parsed.baseURL, "models", bearer);
    case "ollama":
      return withPath(parsed.host ?? normalizeOllamaHost(env.OLLAMA_HOST) ?? "http://127.0.0.1:11434", "api/tags");
    default:
      throw new FarsightError("llm/pool-endpoint", `${parsed.provider} is not an HTTP endpoint a pool can probe`, { provider: parsed.provider });
  }
}

/** `base` + "/" + `path`, keeping its query (`?api_key=`); credentials in the URL become a Basic header (fetch refuses them). */
function withPath(base: string, path: string, headers?: Record<string, string>): { url: string; headers?: Record<string, string> } {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/${path}`;
  let h = headers;
  if (url.username || url.password) {
    const basic = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64");
    h = { authorization: `Basic ${basic}`, ...headers };
    url.username = "";
    url.password = "";
  }
  return { url: url.href, ...(h ? { headers: h } : {}) };
}

/**
 * An OpenAI-compatible base URL as the OpenAI client needs it: fetch refuses URLs with credentials, so user
 * info becomes a Basic `authorization` header, and the client appends paths to the base URL, so a query
 * (`?api_key=`) is sent as a default query of every request instead.
 */
export function splitEndpoint(base: string): { baseURL: string; headers?: Record<string, string>; query?: Record<string, string> } {
  const url = new URL(base);
  const headers = url.username || url.password ? { authorization: `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}` } : undefined;
  const query = url.search ? Object.fromEntries(url.searchParams) : undefined;
  url.username = "";
  url.password = "";
  url.search = "";
  return { baseURL: url.href.replace(/\/+$/, ""), ...(headers ? { headers } : {}), ...(query ? { query } : {}) };
}
