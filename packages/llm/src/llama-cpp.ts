import { BaseChatModel, type BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { FarsightError } from "@farsight/core";
import { DEFAULT_MAX_ITEMS, DEFAULT_MAX_STRING, schemaTokenBudget } from "./budget.js";
import { JSON_SCHEMA_OPTION } from "./invoke.js";
import { compactJsonGrammar } from "./compact-grammar.js";
import { contentText } from "./messages.js";

/** node-llama-cpp's chat history items (the subset we produce). */
export type LlamaChatHistoryItem = { type: "system"; text: string } | { type: "user"; text: string } | { type: "model"; response: string[] };

/** The part of node-llama-cpp's `LlamaChatSession` the adapter uses: the boundary its unit tests fake. */
export interface LlamaSessionLike {
  setChatHistory(history: LlamaChatHistoryItem[]): void;
  prompt(text: string, options: { grammar?: unknown; maxTokens?: number; temperature?: number; signal?: AbortSignal }): Promise<string>;
}

/** A loaded model: a chat session per context sequence, a JSON-schema grammar factory and a tokenizer. */
export interface LlamaBackend {
  /** The first sequence's chat session. */
  session: LlamaSessionLike;
  /**
   * One session per sequence of the context (`session` first), decoded together by llama.cpp when several calls
   * run at once. Absent: `session` alone.
   */
  sessions?: readonly LlamaSessionLike[];
  /** A grammar that forces the output to match the JSON schema. */
  grammarForJsonSchema(schema: Record<string, unknown>): Promise<unknown>;
  countTokens(text: string): number;
  dispose?(): Promise<void>;
}

export interface LlamaCppOptions {
  /** Context window in tokens. Default 4096. */
  contextSize?: number;
  /** node-llama-cpp's `gpu` option: false (default, CPU), "auto", "cuda", "vulkan", "metal". */
  gpu?: false | "auto" | "cuda" | "vulkan" | "metal";
  /** Sampling temperature. Default 0. */
  temperature?: number;
  /**
   * Longest answer in tokens of a call without a JSON schema. Default 256 (the roles' answers are short; a CPU model
   * that rambles costs seconds per 100 tokens). A call with a schema gets the schema's budget instead
   * (`schemaTokenBudget`: the longest answer the grammar allows), so a valid answer is never cut.
   */
  maxTokens?: number;
  /**
   * CPU threads of the context. Default 1: llama.cpp's worker threads spin while they wait for each other, so on
   * a machine whose cores are busy with other work (CI, a training run beside the model) more threads are far
   * slower. Measured on a 2-core machine at load 12 with SmolLM2-135M: 16 tokens took 1.6 s with 1 thread,
   * 10.5 s with 2, 337 s with node-llama-cpp's default (4). Raise it on an idle machine with free cores.
   */
  threads?: number;
  /**
   * Sequences of the context: calls that decode at once, batched by llama.cpp into shared forward passes; further
   * calls wait in arrival order for a free sequence. Default 1 (one call at a time). Each sequence has its own
   * `contextSize` of KV cache (SmolLM2-135M: about 23 KB per token, 94 MB per 4096-token sequence).
   */
  sequences?: number;
  /**
   * Constrain structured calls with the JSON-schema grammar. Default true; false leaves the model to the prompt
   * and `structured()`'s repair turns (what `farsight bench llm` compares against).
   */
  constrain?: boolean;
}

export interface LlamaCppChatModelOptions extends BaseChatModelParams, LlamaCppOptions {
  /** Path of the GGUF file (shown in errors and used as the model id). */
  modelPath: string;
  /** A backend or a loader for one; default: load `modelPath` with node-llama-cpp on first use. */
  backend?: LlamaBackend | (() => Promise<LlamaBackend>);
}

/**
 * A LangChain chat model running a GGUF model in process through node-llama-cpp. When a call carries a JSON
 * schema (as `structured()` calls do), generation is constrained by the library's JSON-schema grammar, so
 * the answer parses by construction. Each sequence of the context serves one call at a time; with `sequences` > 1
 * that many calls decode together and the rest queue (see {@link SequenceQueue}).
 */
export class LlamaCppChatModel extends BaseChatModel {
  readonly modelPath: string;
  private readonly temperature: number;
  private readonly maxTokens: number;
  private readonly constrain: boolean;
  private backendPromise?: Promise<LlamaBackend>;
  private readonly loadBackend: () => Promise<LlamaBackend>;
  private readonly grammars = new Map<string, Promise<unknown>>();

  constructor(options: LlamaCppChatModelOptions) {
    super(options);
    this.modelPath = options.modelPath;
    this.temperature = options.temperature ?? 0;
    this.maxTokens = options.maxTokens ?? 256;
    this.constrain = options.constrain ?? true;
    const backend = options.backend;
    this.loadBackend =
      typeof backend === "function" ? backend : backend ? async () => backend : () => sharedBackend(options.modelPath, options);
  }

  _llmType(): string {
    return "farsight-llama-cpp";
  }

  override _identifyingParams(): Record<string, unknown> {
    return { model: this.modelPath, temperature: this.temperature, maxTokens: this.maxTokens, constrain: this.constrain };
  }

  async _generate(messages: BaseMessage[], options: this["ParsedCallOptions"]): Promise<ChatResult> {
    const backend = await (this.backendPromise ??= this.loadBackend());
    const { history, prompt } = toLlamaHistory(messages);
    const schema = (options as Record<string, unknown>)[JSON_SCHEMA_OPTION] as Record<string, unknown> | undefined;
    const grammar = schema && this.constrain ? await this.grammarFor(backend, schema) : undefined;
    // Under a grammar the answer is at most as long as the schema allows: budget exactly that, so nothing valid is cut.
    const maxTokens = grammar !== undefined && schema ? schemaTokenBudget(grammarSchema(schema), { fallback: this.maxTokens }) : this.maxTokens;
    // The queue belongs to the backend: models that share a loaded file (see sharedBackend) share its sequences.
    let queue = queues.get(backend);
    if (!queue) queues.set(backend, (queue = new SequenceQueue(backend.sessions?.length ? backend.sessions : [backend.session])));
    const answer = await queue.run((session) => {
      // Each call sets the whole history, so a sequence carries nothing over from the call before it (nor from its failure).
      session.setChatHistory(history);
      return session.prompt(prompt, { grammar, maxTokens, temperature: this.temperature, signal: options.signal });
    }, options.signal);
    const promptTokens = messages.reduce((n, m) => n + backend.countTokens(contentText(m.content)), 0);
    const completionTokens = backend.countTokens(answer);
    // A generation that used its whole budget stopped there: say so as OpenAI does ("length"), so a cut-off JSON is
    // reported as truncation, not as a model that cannot write JSON.
    const cut = completionTokens >= maxTokens;
    const message = new AIMessage({
      content: answer,
      usage_metadata: { input_tokens: promptTokens, output_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      response_metadata: { finish_reason: cut ? "length" : "stop", max_tokens: maxTokens },
    });
    return { generations: [{ text: answer, message }] };
  }

  /** Frees the model and its context, for every model sharing them (the next call loads it again). */
  async dispose(): Promise<void> {
    const backend = await this.backendPromise;
    this.backendPromise = undefined;
    for (const [key, loaded] of loadedBackends) if ((await loaded.catch(() => undefined)) === backend) loadedBackends.delete(key);
    await backend?.dispose?.();
  }

  private grammarFor(backend: LlamaBackend, schema: Record<string, unknown>): Promise<unknown> {
    // Per-request schemas (candidate enums) make many grammars: keep the most recent ones, least recently used out.
    const key = JSON.stringify(schema);
    let grammar = this.grammars.get(key);
    if (grammar) this.grammars.delete(key);
    else grammar = backend.grammarForJsonSchema(grammarSchema(schema));
    this.grammars.set(key, grammar);
    if (this.grammars.size > MAX_GRAMMARS) this.grammars.delete(this.grammars.keys().next().value!);
    return grammar;
  }
}

/** Grammars kept per model (each a compiled GBNF; a per-request schema makes one per candidate set). */
const MAX_GRAMMARS = 64;
/** Longest free-text string the grammar lets a model write where the schema sets no `maxLength`. */
export const GRAMMAR_MAX_STRING = DEFAULT_MAX_STRING;
/** Longest list of scalars (ids, titles) the grammar lets a model write where the schema sets no `maxItems`. */
export const GRAMMAR_MAX_ITEMS = DEFAULT_MAX_ITEMS;

/**
 * The schema the grammar is built from. node-llama-cpp 3.22's grammar knows `oneOf` but not `anyOf` (what zod
 * writes for unions): an `anyOf` became a grammar that lets the model answer `null`, which SmolLM2 did at once.
 * For a grammar the two mean the same (choose one branch), so `anyOf` becomes `oneOf`. Strings without a
 * `maxLength` get {@link GRAMMAR_MAX_STRING}: a small model otherwise rambles inside a "rationale" until
 * `maxTokens` cuts the JSON off mid-string; lists of scalars without `maxItems` get {@link GRAMMAR_MAX_ITEMS}
 * (SmolLM2 counted "1, 2, 3, ..." past 48 in a BiLLP plan). Lists of objects (a cohort's plans) are not capped.
 * zod still validates the answer against the caller's schema.
 */
export function grammarSchema(schema: unknown): Record<string, unknown> {
  return rewrite(schema) as Record<string, unknown>;
}

function rewrite(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewrite);
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    // "enum"/"const" values are data, not schemas.
    out[key === "anyOf" ? "oneOf" : key] = key === "enum" || key === "const" ? value : rewrite(value);
  }
  const isString = out.type === "string" || (Array.isArray(out.type) && out.type.includes("string"));
  if (isString && out.type === "string" && out.maxLength === undefined && out.enum === undefined && out.const === undefined && out.format === undefined) {
    out.maxLength = GRAMMAR_MAX_STRING;
  }
  const items = out.items as Record<string, unknown> | undefined;
  const objectItems = items?.type === "object" || items?.properties !== undefined;
  if (out.type === "array" && out.maxItems === undefined && !objectItems) out.maxItems = GRAMMAR_MAX_ITEMS;
  return out;
}

/** Messages -> node-llama-cpp history plus the final user prompt (which must be a human message). */
export function toLlamaHistory(messages: BaseMessage[]): { history: LlamaChatHistoryItem[]; prompt: string } {
  const last = messages[messages.length - 1];
  if (!last || last.getType() !== "human") {
    throw new FarsightError("llm/llama-cpp-prompt", "llama-cpp models need the conversation to end with a user message", {
      lastRole: last?.getType(),
    });
  }
  const history: LlamaChatHistoryItem[] = messages.slice(0, -1).map((m) => {
    const text = contentText(m.content);
    const role = m.getType();
    if (role === "system") return { type: "system", text };
    if (role === "ai") return { type: "model", response: [text] };
    return { type: "user", text };
  });
  return { history, prompt: contentText(last.content) };
}

/**
 * The sequences of one context and the callers waiting for one: at most one call per sequence runs (so at most
 * `sessions.length` at once), the others wait in arrival order; a caller that aborts while waiting leaves the
 * queue. A failed call gives its sequence back like a successful one: its error is its caller's alone.
 */
export class SequenceQueue {
  private readonly free: LlamaSessionLike[];
  private readonly waiting: { start: (s: LlamaSessionLike) => void }[] = [];

  constructor(readonly sessions: readonly LlamaSessionLike[]) {
    if (sessions.length === 0) throw new FarsightError("llm/llama-cpp-load", "a llama-cpp context needs at least one sequence (a backend with no session)", {});
    this.free = [...sessions];
  }

  /** Calls waiting for a sequence now. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `call` on a free sequence, waiting (in arrival order) for one when all are busy. */
  async run<T>(call: (session: LlamaSessionLike) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const session = await this.acquire(signal);
    try {
      signal?.throwIfAborted();
      return await call(session);
    } finally {
      this.release(session);
    }
  }

  private acquire(signal?: AbortSignal): Promise<LlamaSessionLike> {
    signal?.throwIfAborted();
    const session = this.free.pop();
    if (session) return Promise.resolve(session);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      const waiter = {
        start: (s: LlamaSessionLike) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(s);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private release(session: LlamaSessionLike): void {
    const next = this.waiting.shift();
    if (next) next.start(session);
    else this.free.push(session);
  }
}

const queues = new WeakMap<LlamaBackend, SequenceQueue>();
const loadedBackends = new Map<string, Promise<LlamaBackend>>();

/**
 * One loaded backend per (file, context options) in a process: a run builds several chat models for the same
 * file (a CLI command, each test, each bench role), and loading a GGUF costs seconds and its size in memory.
 */
export function sharedBackend(modelPath: string, options: LlamaCppOptions = {}): Promise<LlamaBackend> {
  const key = JSON.stringify([modelPath, options.contextSize ?? 4096, options.gpu ?? false, options.threads ?? 1, sequencesOf(options)]);
  let loaded = loadedBackends.get(key);
  if (!loaded) {
    loaded = loadNodeLlamaCppBackend(modelPath, options);
    loadedBackends.set(key, loaded);
    loaded.catch(() => loadedBackends.delete(key)); // a failed load is retried by the next caller
  }
  return loaded;
}

/** The context's sequence count: an integer >= 1 (default 1). */
export function sequencesOf(options: LlamaCppOptions): number {
  return Math.max(1, Math.floor(options.sequences ?? 1));
}

/** Loads a GGUF file with node-llama-cpp (an optional dependency, imported only when needed). */
export async function loadNodeLlamaCppBackend(modelPath: string, options: LlamaCppOptions = {}): Promise<LlamaBackend> {
  // A variable specifier keeps TypeScript and bundlers from requiring the optional package at build time.
  const specifier = "node-llama-cpp";
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let lib: any;
  try {
    lib = await import(specifier);
  } catch (err) {
    throw new FarsightError(
      "llm/llama-cpp-missing",
      `llama-cpp:${modelPath} needs the optional dependency node-llama-cpp, which is not installed ` +
        `(${(err as Error).message}). Install it (pnpm add node-llama-cpp) or serve the model with llama.cpp's ` +
        `llama-server and use "openai-compatible:http://127.0.0.1:8080/v1#<model>".`,
      { modelPath },
    );
  }
  try {
    const llama = await lib.getLlama({ build: "never", gpu: options.gpu ?? false });
    const model = await llama.loadModel({ modelPath });
    const sequences = sequencesOf(options);
    const context = await model.createContext({ contextSize: options.contextSize ?? 4096, sequences, threads: Math.max(1, Math.floor(options.threads ?? 1)) });
    const sessions = Array.from({ length: sequences }, () => new lib.LlamaChatSession({ contextSequence: context.getSequence() }) as LlamaSessionLike);
    return {
      session: sessions[0]!,
      sessions,
      async grammarForJsonSchema(schema) {
        try {
          const pretty = await llama.createGrammarForJsonSchema(schema);
          // One line of JSON: the same answers in a third of the tokens (see compact-grammar.ts).
          return new lib.LlamaGrammar(llama, {
            grammar: compactJsonGrammar(pretty.grammar),
            stopGenerationTriggers: pretty.stopGenerationTriggers,
            trimWhitespaceSuffix: true,
          });
        } catch {
          // Schemas beyond the grammar's subset still get "some valid JSON"; zod validates the rest.
          return llama.getGrammarFor("json");
        }
      },
      countTokens: (text) => model.tokenize(text).length,
      async dispose() {
        await context.dispose();
        await model.dispose();
      },
    };
  } catch (err) {
    throw new FarsightError("llm/llama-cpp-load", `cannot load the GGUF model "${modelPath}": ${(err as Error).message}`, { modelPath }, { cause: err });
  }
}
