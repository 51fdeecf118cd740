import { AsyncLocalStorage } from "node:async_hooks";
import { BaseChatModel, type BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { contentText } from "./messages.js";
import type { LlmStats } from "./stats.js";

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
}

/**
 * A LangChain chat model that sends every call through `layers` to `inner`. It is a `BaseChatModel` itself,
 * so components that take "any BaseChatModel" get the cache, limits, retries and accounting for free.
 */
export class ManagedChatModel extends BaseChatModel {
  readonly inner: BaseChatModel;
  readonly layers: readonly Layer[];
  readonly modelId: string;
  readonly farsightStats?: LlmStats;

  constructor(inner: BaseChatModel, layers: readonly Layer[], options: ManagedChatModelOptions) {
    super(options);
    this.inner = inner;
    this.layers = layers;
    this.modelId = options.modelId;
    // invokeSafely reads this property (ACCOUNTED_STATS) so that calls are not counted twice.
    this.farsightStats = options.stats;
  }

  _llmType(): string {
    // Called by BaseChatModel's constructor, before `inner` is set.
    return "farsight-managed";
  }

  override _identifyingParams(): Record<string, unknown> {
    return { model: this.modelId };
  }

  async _generate(messages: BaseMessage[], options: this["ParsedCallOptions"]): Promise<ChatResult> {
    const { signal, ...rest } = options as Record<string, unknown> & { signal?: AbortSignal };
    // LangChain bookkeeping options are not the inner model's business.
    for (const key of ["callbacks", "tags", "metadata", "runName", "runId", "configurable", "recursionLimit", "promptIndex"]) delete rest[key];
    const message = await this.run({ messages, options: rest, signal });
    return { generations: [{ text: contentText(message.content), message }] };
  }

  /** Runs one call through the layers (exposed for tests and for callers that bypass LangChain). */
  run(call: ModelCall): Promise<BaseMessage> {
    const innermost: NextLayer = async (c) => {
      const answer = await currentCallSignal.run(c.signal, () => this.inner.invoke(c.messages, { ...c.options, signal: c.signal }));
      return answer instanceof AIMessage ? answer : new AIMessage({ content: answer.content, usage_metadata: (answer as AIMessage).usage_metadata });
    };
    const chain = this.layers.reduceRight<NextLayer>((next, layer) => (c) => layer(c, next), innermost);
    return chain(call);
  }
}

/** The stats a model's wrappers count into, if it is a {@link ManagedChatModel} (e.g. from createChatModel). */
export function statsOf(model: BaseChatModel): LlmStats | undefined {
  return model instanceof ManagedChatModel ? model.farsightStats : undefined;
}
