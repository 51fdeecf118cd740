import { BaseChatModel, type BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { FarsightError } from "@farsight/core";
import { approxTokens, contentText, promptText } from "./messages.js";

/** Answers in order, or computed from the prompt text and the 0-based call index (throw to simulate a failure). */
export type ScriptedResponses = string[] | ((promptText: string, callIndex: number) => string);

export interface ScriptedChatModelOptions extends BaseChatModelParams {
  responses: ScriptedResponses;
  /** Shown in errors and used as the model id in cache keys. Default "scripted". */
  name?: string;
  /** Wait this long before answering (to exercise timeouts and concurrency). Default 0. */
  delayMs?: number;
}

/**
 * In-memory scripted model for tests and demos. Records every prompt it receives as "role: content" lines and
 * reports approximate token usage (whitespace-separated words), so accounting can be exercised offline.
 */
export class ScriptedChatModel extends BaseChatModel {
  readonly prompts: string[] = [];
  readonly modelName: string;
  private readonly responses: ScriptedResponses;
  private readonly delayMs: number;

  constructor(opts: ScriptedChatModelOptions) {
    super(opts);
    this.responses = opts.responses;
    this.modelName = opts.name ?? "scripted";
    this.delayMs = opts.delayMs ?? 0;
  }

  _llmType(): string {
    return "farsight-scripted";
  }

  override _identifyingParams(): Record<string, unknown> {
    return { model: this.modelName };
  }

  async _generate(messages: BaseMessage[], options: this["ParsedCallOptions"]): Promise<ChatResult> {
    const text = promptText(messages);
    const index = this.prompts.length;
    this.prompts.push(text);
    if (this.delayMs > 0) await sleep(this.delayMs, options.signal);
    options.signal?.throwIfAborted();
    let answer: string;
    if (typeof this.responses === "function") {
      answer = this.responses(text, index);
    } else {
      if (index >= this.responses.length) {
        throw new FarsightError(
          "llm/scripted-exhausted",
          `scripted model "${this.modelName}" has ${this.responses.length} answers but received call #${index + 1}`,
          { model: this.modelName, calls: index + 1, prompt: text.slice(0, 200) },
        );
      }
      answer = this.responses[index]!;
    }
    const promptTokens = messages.reduce((n, m) => n + approxTokens(contentText(m.content)), 0);
    const completionTokens = approxTokens(answer);
    const message = new AIMessage({
      content: answer,
      usage_metadata: { input_tokens: promptTokens, output_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
    return { generations: [{ text: answer, message }] };
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
