import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import { errorMessage, httpStatusOf, isTimeoutError } from "./errors.js";
import { startCall, type PendingCall } from "./answer-records.js";
import { contentText, usageOf } from "./messages.js";
import type { LlmStats } from "./stats.js";

/** Property a wrapped model carries when it already accounts its calls into a stats object. */
export const ACCOUNTED_STATS = "farsightStats";

/** Call option carrying the JSON schema an answer must follow; adapters that can enforce it (llama-cpp) do. */
export const JSON_SCHEMA_OPTION = "farsightJsonSchema";

export interface InvokeOptions {
  stats?: LlmStats;
  signal?: AbortSignal;
  /** Deadline for this one call, on top of any deadline of the model's wrappers. */
  timeoutMs?: number;
  /** The JSON schema an answer must follow, for adapters that enforce it themselves (llama-cpp's grammar). */
  jsonSchema?: Record<string, unknown>;
  /** Extra call options for the client (e.g. `response_format`, `tools`, Ollama's `format`). */
  callOptions?: Record<string, unknown>;
}

/** `call`: this call in the answer records being collected (see answer-records.ts), when a run records them. */
export type InvokeResult =
  | { ok: true; text: string; message: BaseMessage; call?: PendingCall }
  | { ok: false; reason: "timeout" | "error"; error: string; status?: number; cause?: unknown; call?: PendingCall };

/**
 * One model call that never throws: counts it into `stats` unless the model's own wrappers already count
 * into the same object, applies an optional deadline, and classifies failures as timeout or error.
 */
export async function invokeSafely(model: BaseChatModel, messages: BaseMessage[], options: InvokeOptions = {}): Promise<InvokeResult> {
  const stats = options.stats;
  const accountHere = stats !== undefined && (model as unknown as Record<string, unknown>)[ACCOUNTED_STATS] !== stats;
  const deadline = options.timeoutMs !== undefined ? AbortSignal.timeout(options.timeoutMs) : undefined;
  const signal = combineSignals(options.signal, deadline);
  const started = performance.now();
  const call = startCall(messages);
  if (accountHere) stats.recordCallStart();
  try {
    const callOptions: Record<string, unknown> = { ...options.callOptions, signal };
    if (options.jsonSchema) callOptions[JSON_SCHEMA_OPTION] = options.jsonSchema;
    const message = await model.invoke(messages, callOptions);
    const latencyMs = performance.now() - started;
    const usage = usageOf(message);
    if (accountHere) stats.recordCallEnd(latencyMs, usage);
    const text = contentText(message.content);
    if (call) {
      const cached = (message.response_metadata as Record<string, unknown> | undefined)?.farsightCacheHit === true;
      call.record = { answer: text, latencyMs: Math.round(latencyMs), ...(usage ? usage : {}), ...(cached ? { cached: true } : {}) };
    }
    return { ok: true, text, message, ...(call ? { call } : {}) };
  } catch (err) {
    const timeout = deadline?.aborted === true || isTimeoutError(err);
    if (accountHere) stats.recordCallFailure(timeout);
    const error = options.signal?.aborted && !timeout ? `aborted by the caller: ${errorMessage(err)}` : errorMessage(err);
    if (call) call.record = { error: `${timeout ? "timeout" : "error"}: ${error}`, latencyMs: Math.round(performance.now() - started) };
    const recorded = call ? { call } : {};
    if (options.signal?.aborted && !timeout) return { ok: false, reason: "error", error, ...recorded };
    const status = httpStatusOf(err);
    return { ok: false, reason: timeout ? "timeout" : "error", error, ...(status !== undefined ? { status } : {}), cause: err, ...recorded };
  }
}

/** A signal that aborts when any of the given ones does (undefined when none is given). */
export function combineSignals(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}
