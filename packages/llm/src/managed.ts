import { AsyncLocalStorage } from "node:async_hooks";
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import { BaseChatModel, type BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk, type BaseMessage, type BaseMessageLike } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import { RunnableLambda, type Runnable } from "@langchain/core/runnables";
import { convertToOpenAITool } from "@langchain/core/utils/function_calling";
import { z } from "zod";
import { contentText } from "./messages.js";
import { familyOf, methodChain, MethodState, type StructuredMethod } from "./methods.js";
import type { LlmStats } from "./stats.js";
import { structured } from "./structured.js";

/**
 * The abort signal of the call being sent to the inner model, for clients that do not forward LangChain's
 * signal to their HTTP request (ChatOllama): their `fetch` reads it here (see `signalAwareFetch`).
 */
export const currentCallSignal = new AsyncLocalStorage<AbortSignal | undefined>();

/** A fetch that also aborts when the current call's signal does, so a timed-out request really ends. */
export const signalAwareFetch: typeof fetch = (input, init) => {
  const callSignal = currentCallSignal.getStore();
  if (!callSignal) return fetch(input, init);
  const signal = init?.signal ? AbortSignal.any([init.signal, callSignal]) : callSignal;
  return fetch(input, { ...init, signal });
};

/** One request on its way through the layers to the model. */
export interface ModelCall {
  readonly messages: BaseMessage[];
  /** Call options handed to the model (stop words, the JSON schema option, ...), without `signal`. */
  readonly options: Record<string, unknown>;
  readonly signal?: AbortSignal;
  /** Set by `stream()`: the innermost call streams and hands each chunk here (the layers still see one call). */
  readonly onChunk?: (chunk: AIMessageChunk) => void;
}

/** Sends a call further in (to the next layer, finally the model). */
export type NextLayer = (call: ModelCall) => Promise<BaseMessage>;

/**
 * A wrapper around a model call: may answer itself (cache), wait (limit), repeat (retry), bound (timeout),
 * observe (accounting, recorder). Layers compose like middleware; the first in a list is the outermost.
 */
export type Layer = (call: ModelCall, next: NextLayer) => Promise<BaseMessage>;

export interface ManagedChatModelOptions extends BaseChatModelParams {
  /** Model id in cache keys, recordings and errors, e.g. the spec string. */
  modelId: string;
  /** Stats the layers count into; `structured` / `complete` then do not count the same calls twice. */
  stats?: LlmStats;
  /** Structured-output methods to try, strongest first. Default: from the inner model's type (see methods.ts). */
  methods?: readonly StructuredMethod[];
}

/** LangChain's `withStructuredOutput` method names and ours. */
const LANGCHAIN_METHODS: Record<string, StructuredMethod> = { jsonSchema: "json-schema", functionCalling: "tools", jsonMode: "json-mode" };

/**
 * A LangChain chat model that sends every call through `layers` to `inner`. It is a `BaseChatModel` itself,
 * so components that take "any BaseChatModel" get the cache, limits, retries and accounting for free.
 */
export class ManagedChatModel extends BaseChatModel {
  readonly inner: BaseChatModel;
  readonly layers: readonly Layer[];
  readonly modelId: string;
  readonly farsightStats?: LlmStats;
  /** Where this model stands in its structured-output methods (a rejected method is not tried again). */
  readonly methodState: MethodState;

  constructor(inner: BaseChatModel, layers: readonly Layer[], options: ManagedChatModelOptions) {
    const { methods, stats, modelId, ...params } = options;
    super(params);
    this.inner = inner;
    this.layers = layers;
    this.modelId = modelId;
    this.methodState = new MethodState(methods ?? methodChain(familyOf(inner)));
    // invokeSafely reads this property (ACCOUNTED_STATS) so that calls are not counted twice.
    this.farsightStats = stats;
  }

  _llmType(): string {
    // Called by BaseChatModel's constructor, before `inner` is set.
    return "farsight-managed";
  }

  override _identifyingParams(): Record<string, unknown> {
    return { model: this.modelId };
  }

  async _generate(messages: BaseMessage[], options: this["ParsedCallOptions"]): Promise<ChatResult> {
    const { signal, rest } = splitOptions(options);
    const message = await this.run({ messages, options: rest, signal });
    return { generations: [{ text: contentText(message.content), message }] };
  }

  /**
   * Token streaming: the provider's chunks pass through as they arrive, while the call still goes through
   * every layer (a cache hit, or a client that does not stream, yields the whole answer as one chunk).
   */
  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const { signal, rest } = splitOptions(options);
    yield* streamChunks((onChunk) => this.run({ messages, options: rest, signal, onChunk }), runManager);
  }

  /** Tools in OpenAI's format go to the inner client as call options, through every layer. */
  override bindTools(tools: Parameters<NonNullable<BaseChatModel["bindTools"]>>[0], kwargs?: Record<string, unknown>): Runnable<BaseLanguageModelInput, AIMessageChunk> {
    return this.withConfig({ tools: tools.map((t) => convertToOpenAITool(t)), ...kwargs } as Partial<this["ParsedCallOptions"]>) as unknown as Runnable<BaseLanguageModelInput, AIMessageChunk>;
  }

  /**
   * LangChain's `withStructuredOutput` on Farsight's path: the model's native method (or the `method` asked
   * for: "jsonSchema", "functionCalling", "jsonMode"), validation, repairs and downgrades of `structured()`.
   * Throws when no valid answer came back (LangChain's contract); `includeRaw` returns `{ raw, parsed }`.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override withStructuredOutput(outputSchema: any, config?: { name?: string; method?: string; includeRaw?: boolean }): any {
    const isZod = outputSchema instanceof z.ZodType;
    const schema: z.ZodType = isZod ? outputSchema : z.record(z.string(), z.unknown());
    const method = config?.method ? LANGCHAIN_METHODS[config.method] ?? (config.method as StructuredMethod) : undefined;
    const name = config?.name ?? (isZod ? "answer" : String((outputSchema as { title?: unknown }).title ?? "answer"));
    return RunnableLambda.from(async (input: BaseLanguageModelInput) => {
      const r = await structured(this, schema, toPromptInput(input), {
        name,
        stats: this.farsightStats,
        ...(method ? { method } : {}),
        ...(isZod ? {} : { jsonSchema: outputSchema as Record<string, unknown> }),
      });
      if (!r.ok) throw new Error(`${this.modelId}: no valid ${name} (${r.reason}: ${r.error})`);
      return config?.includeRaw ? { raw: new AIMessage(r.raw), parsed: r.value } : r.value;
    });
  }

  /** Runs one call through the layers (exposed for tests and for callers that bypass LangChain). */
  run(call: ModelCall): Promise<BaseMessage> {
    const innermost: NextLayer = async (c) => {
      const options = { ...c.options, signal: c.signal };
      const answer = await currentCallSignal.run(c.signal, async () => {
        if (!c.onChunk) return this.inner.invoke(c.messages, options);
        let all: AIMessageChunk | undefined;
        for await (const chunk of await this.inner.stream(c.messages, options)) {
          c.onChunk(chunk);
          all = all ? all.concat(chunk) : chunk;
        }
        return all ?? new AIMessageChunk("");
      });
      return toAIMessage(answer);
    };
    const chain = this.layers.reduceRight<NextLayer>((next, layer) => (c) => layer(c, next), innermost);
    return chain(call);
  }
}

/**
 * LangChain's stream of a call that hands its chunks to `onChunk` as they arrive: yields each chunk, then
 * rethrows the call's error after the chunks that came before it. A call that never streamed (a cache hit, a
 * client without streaming) yields its whole answer as one chunk.
 */
export async function* streamChunks(
  start: (onChunk: (chunk: AIMessageChunk) => void) => Promise<BaseMessage>,
  runManager?: CallbackManagerForLLMRun,
): AsyncGenerator<ChatGenerationChunk> {
  const queue: AIMessageChunk[] = [];
  let wake: (() => void) | undefined;
  let streamed = false;
  const state = { finished: false }; // set by the call's completion, read by the loop below
  const done = start((chunk) => {
    streamed = true;
    queue.push(chunk);
    wake?.();
  }).finally(() => {
    state.finished = true;
    wake?.();
  });
  done.catch(() => undefined); // rethrown below, after the chunks that came before the error
  while (!state.finished || queue.length > 0) {
    if (queue.length === 0) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (state.finished || queue.length > 0) resolve();
      });
      wake = undefined;
      continue;
    }
    const chunk = queue.shift()!;
    const text = contentText(chunk.content);
    yield new ChatGenerationChunk({ text, message: chunk });
    await runManager?.handleLLMNewToken(text);
  }
  const answer = await done; // rethrows the call's error
  if (!streamed) {
    yield new ChatGenerationChunk({ text: contentText(answer.content), message: toChunk(toAIMessage(answer)) });
  }
}

/** An answer as a plain AIMessage, keeping tool calls and usage (chunks and subclasses included). */
export function toAIMessage(answer: BaseMessage): AIMessage {
  if (answer instanceof AIMessage) return answer;
  const a = answer as AIMessageChunk;
  return new AIMessage({
    content: a.content,
    ...(a.tool_calls?.length ? { tool_calls: a.tool_calls } : {}),
    ...(a.invalid_tool_calls?.length ? { invalid_tool_calls: a.invalid_tool_calls } : {}),
    ...(a.usage_metadata ? { usage_metadata: a.usage_metadata } : {}),
    response_metadata: a.response_metadata ?? {},
  });
}

function toChunk(message: AIMessage): AIMessageChunk {
  return new AIMessageChunk({
    content: message.content,
    ...(message.tool_calls?.length ? { tool_calls: message.tool_calls } : {}),
    ...(message.usage_metadata ? { usage_metadata: message.usage_metadata } : {}),
    response_metadata: message.response_metadata,
  });
}

/** LangChain bookkeeping options are not the inner model's business; the signal travels apart. */
export function splitOptions(options: object): { signal?: AbortSignal; rest: Record<string, unknown> } {
  const { signal, ...rest } = options as Record<string, unknown> & { signal?: AbortSignal };
  for (const key of ["callbacks", "tags", "metadata", "runName", "runId", "configurable", "recursionLimit", "promptIndex", "ls_structured_output_format"]) delete rest[key];
  return { signal, rest };
}

/** A Runnable's input as `structured()`'s prompt. */
function toPromptInput(input: BaseLanguageModelInput): string | BaseMessageLike[] {
  if (typeof input === "string") return input;
  if (Array.isArray(input)) return input as BaseMessageLike[];
  return (input as { toChatMessages(): BaseMessage[] }).toChatMessages();
}

/** The stats a model's wrappers count into, if it is a {@link ManagedChatModel} (e.g. from createChatModel). */
export function statsOf(model: BaseChatModel): LlmStats | undefined {
  return model instanceof ManagedChatModel ? model.farsightStats : undefined;
}
