import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, type BaseMessage, type BaseMessageLike } from "@langchain/core/messages";
import { z } from "zod";
import { collectCalls, type PendingCall } from "./answer-records.js";
import { invokeSafely } from "./invoke.js";
import { extractJson } from "./json.js";
import { contentText, toMessages } from "./messages.js";
import { answerText, callOptionsFor, familyOf, isMethodRejection, methodChain, MethodState, type StructuredMethod } from "./methods.js";
import type { LlmStats } from "./stats.js";

export interface StructuredOptions {
  /** Name of the schema shown to the model and in errors, e.g. "category_plan". Default "answer". */
  name?: string;
  /** Repair requests after an invalid answer (each quotes the validation error). Default 2. */
  maxRepairs?: number;
  stats?: LlmStats;
  signal?: AbortSignal;
  /** Deadline per model call in ms, on top of the model wrappers' own. Default: none here. */
  timeoutMs?: number;
  /** Replaces the default instruction line placed before the JSON schema. */
  instructions?: string;
  /** Start at this method for this request (default: where the model is, see {@link methodStateOf}). */
  method?: StructuredMethod;
  /** The JSON schema shown and enforced, when it is not derived from the zod schema. */
  jsonSchema?: Record<string, unknown>;
}

/**
 * What `structured` got. `method` is the structured-output method of the last model call; `cached` says the
 * valid answer came from the response cache.
 */
export type StructuredResult<T> = (
  | { ok: true; value: T; raw: string; repairs: number; method: StructuredMethod; cached: boolean }
  | { ok: false; reason: "invalid-json" | "truncated" | "schema" | "timeout" | "error"; error: string; raw?: string; repairs: number; method: StructuredMethod }
) & {
  /** The model calls of this request, when the run records answers (`LlmStats.recordAnswersTo`); `attemptOf` carries them on. */
  calls?: PendingCall[];
};

const methodStates = new WeakMap<BaseChatModel, MethodState>();

/**
 * The structured-output methods of a model and where it stands in them, shared by all its calls. A managed
 * model (createChatModel) carries its own, built from the spec; any other model gets one from its type.
 */
export function methodStateOf(model: BaseChatModel): MethodState {
  const own = (model as { methodState?: unknown }).methodState;
  if (own instanceof MethodState) return own;
  let state = methodStates.get(model);
  if (!state) {
    state = new MethodState(methodChain(familyOf(model)));
    methodStates.set(model, state);
  }
  return state;
}

const schemaCache = new WeakMap<z.ZodType, Record<string, unknown>>();

/** The JSON schema of a zod schema, as shown to the model (without the `$schema` URL, which only costs tokens). */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  let js = schemaCache.get(schema);
  if (!js) {
    try {
      js = z.toJSONSchema(schema, { unrepresentable: "any" }) as Record<string, unknown>;
      delete js.$schema;
    } catch (err) {
      // e.g. a transform without an output type: the model gets less guidance, zod still validates.
      js = { description: `schema not representable as JSON schema (${(err as Error).message})` };
    }
    schemaCache.set(schema, js);
  }
  return js;
}

/** Zod issues as one short line each: `path: message`. */
export function formatZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 8)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
}

/**
 * Asks `model` for JSON matching `schema` with the strongest structured-output method the model supports
 * (json_schema, tools, json mode, Ollama's format, llama-cpp's grammar; see {@link StructuredMethod}); the
 * instructions and the JSON schema are in the prompt as well, so models without native support work too. A
 * method the server rejects (HTTP 400/404/422/501) or visibly ignores (no JSON at all) is replaced by the next
 * weaker one, and the model remembers that. The JSON is validated with zod; an invalid answer gets up to
 * `maxRepairs` repair requests quoting the error. Never throws for a bad answer or a failed call: returns
 * `ok: false` for the caller's fallback.
 */
export async function structured<S extends z.ZodType>(
  model: BaseChatModel,
  schema: S,
  messages: string | BaseMessageLike[],
  options: StructuredOptions = {},
): Promise<StructuredResult<z.infer<S>>> {
  const { result, calls } = await collectCalls(options.stats?.recordingAnswers === true, () => structuredRequest(model, schema, messages, options));
  return calls.length ? { ...result, calls } : result;
}

async function structuredRequest<S extends z.ZodType>(
  model: BaseChatModel,
  schema: S,
  messages: string | BaseMessageLike[],
  options: StructuredOptions,
): Promise<StructuredResult<z.infer<S>>> {
  const name = options.name ?? "answer";
  const maxRepairs = Math.max(0, options.maxRepairs ?? 2);
  const jsonSchema = options.jsonSchema ?? jsonSchemaOf(schema);
  const conversation = withInstructions(toMessages(messages), name, jsonSchema, options.instructions);
  const state = methodStateOf(model);
  let method = options.method && state.chain.includes(options.method) ? options.method : state.current;
  const stats = options.stats;
  let repairs = 0;
  let first = true;
  for (;;) {
    stats?.recordMethod(method);
    const answer = await invokeSafely(model, conversation, {
      stats,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      callOptions: callOptionsFor(method, name, jsonSchema),
    });
    if (first) stats?.recordRequest(!answer.ok || !isCacheHit(answer.message));
    first = false;
    if (answer.call) answer.call.record.method = method;
    const weaker = state.next(method);
    if (!answer.ok) {
      if (weaker && answer.reason === "error" && !options.signal?.aborted) {
        if (isMethodRejection(answer.status, answer.error)) {
          // The server refuses this kind of request: never send it again.
          stats?.recordDowngrade();
          state.settle(weaker);
          method = weaker;
          continue;
        }
        if (ignoredSchema(method, answer.cause)) {
          // The OpenAI SDK parses json_schema answers itself and throws on text: the server ignored the
          // schema (constrained decoding never yields prose), so it will again.
          stats?.recordDowngrade();
          state.settle(weaker);
          method = weaker;
          continue;
        }
      }
      return { ok: false, reason: answer.reason, error: answer.error, repairs, method };
    }
    const raw = answerText(answer.message);
    const cutAt = truncatedAt(answer.message);
    if (cutAt !== undefined) stats?.recordTruncation();
    const verdict = validate(schema, raw, name, cutAt);
    if (answer.call) Object.assign(answer.call.record, { answer: raw, validation: verdict.ok ? "valid" : `${verdict.reason}: ${verdict.error}` });
    if (verdict.ok) {
      if (!options.method) state.settle(method); // a weaker method that worked where a stronger one was ignored: keep it
      const cached = isCacheHit(answer.message);
      return { ok: true, value: verdict.value as z.infer<S>, raw, repairs, method, cached };
    }
    stats?.recordInvalidAnswer();
    if (repairs >= maxRepairs) return { ok: false, reason: verdict.reason, error: verdict.error, raw, repairs, method };
    repairs++;
    stats?.recordRepair();
    if (verdict.reason === "invalid-json" && weaker && method !== "prompt" && method !== "grammar") {
      // A constraining method that still produced no JSON was ignored: the repair asks the weaker way, and
      // without a single bracket in the answer (not a cut-off object) the model stays on the weaker way.
      // A grammar cannot be ignored (and a cut answer is "truncated", not here): its repair keeps the grammar,
      // which is what lets a small model that cannot follow prose instructions answer at all.
      stats?.recordDowngrade();
      if (!/[[{]/.test(raw)) state.settle(weaker);
      method = weaker;
    }
    conversation.push(new AIMessage(raw), new HumanMessage(repairRequest(name, verdict.error)));
  }
}

function ignoredSchema(method: StructuredMethod, cause: unknown): boolean {
  return method === "json-schema" && cause instanceof SyntaxError;
}

type Verdict = { ok: true; value: unknown } | { ok: false; reason: "invalid-json" | "truncated" | "schema"; error: string };

/** The token budget an answer stopped at (finish reason "length", OpenAI's and our llama-cpp adapter's), else undefined. */
export function truncatedAt(message: BaseMessage): number | "unknown" | undefined {
  const meta = (message.response_metadata ?? {}) as Record<string, unknown>;
  const reason = meta.finish_reason ?? meta.finishReason ?? meta.done_reason;
  if (reason !== "length") return undefined;
  const max = meta.max_tokens;
  return typeof max === "number" ? max : "unknown";
}

function validate(schema: z.ZodType, raw: string, name: string, cutAt?: number | "unknown"): Verdict {
  const json = extractJson(raw);
  if (!json.ok && cutAt !== undefined) {
    const budget = cutAt === "unknown" ? "its token limit" : `its token limit (${cutAt} tokens)`;
    return { ok: false, reason: "truncated", error: `the answer was cut at ${budget} before its JSON ended (${json.error})` };
  }
  if (!json.ok) return { ok: false, reason: "invalid-json", error: `the answer is not valid JSON: ${json.error}` };
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) return { ok: false, reason: "schema", error: `the JSON does not match the ${name} schema: ${formatZodError(parsed.error)}` };
  return { ok: true, value: parsed.data };
}

function instructionText(name: string, jsonSchema: Record<string, unknown>, instructions?: string): string {
  const head =
    instructions ??
    `Answer with a single JSON value "${name}" that matches the JSON schema below. Reply with the JSON only: no prose, no code fences.`;
  return `${head}\nJSON schema of ${name}:\n${JSON.stringify(jsonSchema)}`;
}

/** Appends the instructions to the last user message (or adds one), so single-turn templates still see them. */
function withInstructions(messages: BaseMessage[], name: string, jsonSchema: Record<string, unknown>, instructions?: string): BaseMessage[] {
  const text = instructionText(name, jsonSchema, instructions);
  const last = messages[messages.length - 1];
  if (last && last.getType() === "human" && typeof last.content === "string") {
    return [...messages.slice(0, -1), new HumanMessage(`${contentText(last.content)}\n\n${text}`)];
  }
  return [...messages, new HumanMessage(text)];
}

function repairRequest(name: string, error: string): string {
  return `Your previous answer was rejected: ${error}.\nReply again with only the corrected JSON for ${name}, matching the schema given above.`;
}

/** Text completion with the same accounting and timeout handling as {@link structured}; never throws. */
export async function complete(
  model: BaseChatModel,
  messages: string | BaseMessageLike[],
  options: { stats?: LlmStats; signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<({ ok: true; text: string; cached?: true } | { ok: false; reason: "timeout" | "error"; error: string }) & { calls?: PendingCall[] }> {
  const { result: answer, calls } = await collectCalls(options.stats?.recordingAnswers === true, () => invokeSafely(model, toMessages(messages), options));
  const recorded = calls.length ? { calls } : {};
  options.stats?.recordRequest(!answer.ok || !isCacheHit(answer.message));
  if (!answer.ok) return { ok: false, reason: answer.reason, error: answer.error, ...recorded };
  return { ok: true, text: answer.text, ...(isCacheHit(answer.message) ? { cached: true } : {}), ...recorded };
}

/** True for an answer the response cache served (see cacheLayer). */
export function isCacheHit(message: BaseMessage): boolean {
  return (message.response_metadata as Record<string, unknown> | undefined)?.farsightCacheHit === true;
}
