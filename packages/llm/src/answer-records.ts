/**
 * Answer records: for every answer a component settles (see `settle` / `withFallback`), the model calls it took
 * (prompt, raw answer or error, validation verdict, method, latency, tokens), whether the answer was valid, the
 * fallback's reason, the session and the role. A run turns them on with `LlmStats.recordAnswersTo(sink)`; the sink
 * (a run directory's `llm-records.jsonl` in @farsight/lab) receives one {@link AnswerRecord} per answer.
 *
 * Calls are collected through an AsyncLocalStorage call log, so no component has to pass them by hand: every model
 * call made through `invokeSafely` (which `structured` and `complete` use) lands in each call log open around it.
 * `structured` and `complete` open one per request and return its calls; `attemptOf` carries them onto the attempt;
 * `withFallback` opens one around its `ask`. Nothing is collected while no sink is set (no overhead then).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { BaseMessage } from "@langchain/core/messages";
import { messagesToJson } from "./messages.js";
import type { AnswerOutcome } from "./stats.js";

/** One model call of an answer. */
export interface ModelCallRecord {
  /** The conversation sent ({role, content}); for a repair call, only the messages after the previous call's (see `continues`). */
  messages: { role: string; content: string }[];
  /** True when `messages` continue the previous call's conversation (a repair turn: the answer and the request to fix it). */
  continues?: true;
  /** The model's answer text (a tool call's arguments for the tools method). */
  answer?: string;
  /** Why the call gave no answer (timeout, HTTP error, ...). */
  error?: string;
  /** The structured-output method (json-schema, tools, grammar, prompt, ...); absent for text requests. */
  method?: string;
  /** `structured`'s verdict on the answer: "valid", or the reason and error ("schema: the JSON does not match ..."). */
  validation?: string;
  /** Served by the response cache. */
  cached?: true;
  latencyMs: number;
  promptTokens?: number;
  completionTokens?: number;
}

/** One answer of a component, as a run's `llm-records.jsonl` holds it. */
export interface AnswerRecord {
  /** ISO time the answer was settled. */
  time: string;
  /** The component (role) that asked, e.g. "planner/llm-category", "reflector/llm", "critic/llm". */
  role: string;
  /** The session the answer was for, when the component says. */
  session?: string;
  /** The model's id (credentials redacted by the spec's own id). */
  model: string;
  /** model, repaired, cache or fallback. */
  outcome: AnswerOutcome;
  /** True when the model's answer was used (the outcome is not "fallback"). */
  valid: boolean;
  /** Why the fallback answered. */
  reason?: string;
  /** The answer's identity as the quality guards see it (distinct answers), for the model's answers. */
  key?: string;
  /** The value the component used (the plan, the reflection, the score; the fallback's on a fallback). */
  value?: unknown;
  /**
   * What the component was asked, as it states it (the planner: its plan request without item history), so that
   * recorded answers can train a model of the role (`farsight distill`). Absent when the component does not say.
   */
  input?: unknown;
  /** The model calls made for this answer, in order (none when the answer came without a call). */
  calls: ModelCallRecord[];
  /** Answers settled from the same calls (a cohort request answers several sessions); absent when 1. */
  sharedBy?: number;
  /** Sum of the calls' latencies. */
  latencyMs: number;
  /** Sums of the calls' tokens, where the provider reported them. */
  promptTokens?: number;
  completionTokens?: number;
}

/** Receives every answer record of a run (a sink may throw: the run then stops with its error). */
export type AnswerSink = (record: AnswerRecord) => void;

/** A call as it is collected: the messages as sent, the rest filled in when it ends. */
export interface PendingCall {
  readonly sent: readonly BaseMessage[];
  record: Omit<ModelCallRecord, "messages" | "continues">;
}

const logs = new AsyncLocalStorage<readonly PendingCall[][]>();

/**
 * Runs `fn` with a call log open (when `on`): returns its result and the calls made inside it (also those made by
 * nested scopes). With `on` false, `fn` runs as it is and the list is empty.
 */
export async function collectCalls<T>(on: boolean, fn: () => Promise<T>): Promise<{ result: T; calls: PendingCall[] }> {
  if (!on) return { result: await fn(), calls: [] };
  const mine: PendingCall[] = [];
  const result = await logs.run([...(logs.getStore() ?? []), mine], fn);
  return { result, calls: mine };
}

/** A model call starting: put into every open call log; undefined when none is open. */
export function startCall(sent: readonly BaseMessage[]): PendingCall | undefined {
  const open = logs.getStore();
  if (!open || open.length === 0) return undefined;
  // A copy: structured() appends its repair turns to the same array after the call.
  const call: PendingCall = { sent: [...sent], record: { latencyMs: 0 } };
  for (const log of open) log.push(call);
  return call;
}

/** The calls of an answer as records: a repair call keeps only the messages it adds to the previous one. */
export function callRecords(calls: readonly PendingCall[]): ModelCallRecord[] {
  return calls.map((c, i) => {
    const before = i > 0 ? calls[i - 1]!.sent : undefined;
    const continues = before !== undefined && before.length < c.sent.length && before.every((m, j) => c.sent[j] === m || sameMessage(m, c.sent[j]!));
    const messages = messagesToJson(continues ? c.sent.slice(before.length) : c.sent);
    return { messages, ...(continues ? { continues: true as const } : {}), ...c.record };
  });
}

function sameMessage(a: BaseMessage, b: BaseMessage): boolean {
  return a.getType() === b.getType() && JSON.stringify(a.content) === JSON.stringify(b.content);
}

/** The record of one settled answer (sums of latency and tokens over its calls). */
export function answerRecord(a: {
  role: string;
  session?: string;
  model: string;
  outcome: AnswerOutcome;
  reason?: string;
  key?: string;
  value: unknown;
  input?: unknown;
  calls: readonly PendingCall[];
  sharedBy?: number;
}): AnswerRecord {
  const calls = callRecords(a.calls);
  const sum = (k: "promptTokens" | "completionTokens") => (calls.some((c) => c[k] !== undefined) ? calls.reduce((n, c) => n + (c[k] ?? 0), 0) : undefined);
  const promptTokens = sum("promptTokens");
  const completionTokens = sum("completionTokens");
  return {
    time: new Date().toISOString(),
    role: a.role,
    ...(a.session !== undefined ? { session: a.session } : {}),
    model: a.model,
    outcome: a.outcome,
    valid: a.outcome !== "fallback",
    ...(a.reason !== undefined ? { reason: a.reason } : {}),
    ...(a.key !== undefined ? { key: a.key } : {}),
    ...(a.value !== undefined ? { value: a.value } : {}),
    ...(a.input !== undefined ? { input: a.input } : {}),
    calls,
    ...(a.sharedBy !== undefined && a.sharedBy > 1 ? { sharedBy: a.sharedBy } : {}),
    latencyMs: Math.round(calls.reduce((n, c) => n + c.latencyMs, 0)),
    ...(promptTokens !== undefined ? { promptTokens } : {}),
    ...(completionTokens !== undefined ? { completionTokens } : {}),
  };
}
