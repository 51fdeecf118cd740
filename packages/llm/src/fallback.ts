import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { answerRecord, collectCalls, type PendingCall } from "./answer-records.js";
import { errorMessage } from "./errors.js";
import type { QualitySample } from "./quality.js";
import type { AnswerOutcome, LlmStats } from "./stats.js";
import type { StructuredResult } from "./structured.js";

/**
 * A readable model id for provenance: the spec of a managed model (createChatModel), a client's model name,
 * else the class name.
 */
export function modelIdOf(model: BaseChatModel): string {
  const m = model as unknown as { modelId?: unknown; model?: unknown; modelName?: unknown };
  for (const id of [m.modelId, m.model, m.modelName]) if (typeof id === "string" && id) return id;
  return model.getName();
}

/**
 * What a component made of one model request: a usable value, or why not. `calls`: the model calls behind it, when
 * the run records answers (`structured` / `complete` results carry them; `attemptOf` copies them here).
 */
export type Attempt<T> = ({ ok: true; value: T; repairs?: number; cached?: boolean } | { ok: false; reason: string }) & { calls?: readonly PendingCall[] };

/** A component's answer and where it came from. */
export interface Answered<T> {
  value: T;
  /** model (first try), repaired, cache, or fallback. */
  outcome: AnswerOutcome;
  /** The model's id, for provenance (also on fallbacks: the model that failed). */
  model: string;
  /** Why the fallback answered. */
  reason?: string;
}

/** Who is asking: the component name under which answers and fallbacks are counted. */
export interface FallbackContext {
  component: string;
  model: BaseChatModel;
  stats?: LlmStats;
  /** A cancelled run is not a model failure: settle() rethrows instead of falling back. */
  signal?: AbortSignal;
  /** How the quality guards see one of the model's answers (see `LlmStats.recordSample`); fallbacks are not sampled. */
  sample?: (value: any, index: number) => QualitySample | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** The session of the `index`-th answer, for answer records (fallbacks included; `sample`'s session otherwise). */
  session?: (index: number) => string | undefined;
  /** What the `index`-th answer was asked, for answer records (see `AnswerRecord.input`). */
  input?: (index: number) => unknown;
}

/**
 * A `structured()` result as an Attempt, through the component's own validation (e.g. "the categories must
 * be candidates"); the failure reason names what went wrong and the start of the model's error.
 */
export function attemptOf<T, U = T>(result: StructuredResult<T>, validate?: (value: T) => Attempt<U>): Attempt<U> {
  const calls = result.calls ? { calls: result.calls } : {};
  if (!result.ok) return { ok: false, reason: `model answer unusable (${result.reason}): ${result.error.slice(0, 200)}`, ...calls };
  const checked = validate ? validate(result.value) : ({ ok: true, value: result.value as unknown as U } as Attempt<U>);
  if (!checked.ok) return { ...checked, ...calls };
  return { ...checked, repairs: result.repairs, cached: result.cached, ...calls };
}

/** The outcome of a usable attempt. */
function outcomeOf(a: { repairs?: number; cached?: boolean }): AnswerOutcome {
  if (a.cached) return "cache";
  return (a.repairs ?? 0) > 0 ? "repaired" : "model";
}

/**
 * Call, validate, fall back, count, record provenance, for a batch of attempts: the usable ones are kept,
 * the others are answered by `fallback` (called once with all of them, in order), and every answer is
 * counted per component in `stats` (model / repaired / cache / fallback; fallbacks with their reason).
 */
export async function settle<T>(
  ctx: FallbackContext,
  attempts: readonly Attempt<T>[],
  fallback: (failed: readonly { index: number; reason: string }[]) => Promise<readonly T[]> | readonly T[],
): Promise<Answered<T>[]> {
  ctx.signal?.throwIfAborted();
  const model = modelIdOf(ctx.model);
  const out: Answered<T>[] = Array.from({ length: attempts.length });
  const failed: { index: number; reason: string }[] = [];
  attempts.forEach((a, index) => {
    if (a.ok) out[index] = { value: a.value, outcome: outcomeOf(a), model };
    else failed.push({ index, reason: a.reason });
  });
  const backups = failed.length ? await fallback(failed) : [];
  failed.forEach((f, j) => {
    ctx.stats?.recordFallback(ctx.component, f.reason);
    out[f.index] = { value: backups[j]!, outcome: "fallback", model, reason: f.reason };
  });
  // Answers settled from one request's calls (a cohort) share them: each record says by how many.
  const shared = new Map<readonly PendingCall[], number>();
  for (const a of attempts) if (a.calls?.length) shared.set(a.calls, (shared.get(a.calls) ?? 0) + 1);
  out.forEach((a, i) => {
    ctx.stats?.recordAnswer(ctx.component, a.outcome);
    const sample = a.outcome !== "fallback" && ctx.sample && ctx.stats ? ctx.sample(a.value, i) : undefined;
    if (sample) ctx.stats!.recordSample(ctx.component, sample);
    if (!ctx.stats?.recordingAnswers) return;
    const calls = attempts[i]!.calls ?? [];
    const session = ctx.session?.(i) ?? sample?.session;
    const input = ctx.input?.(i);
    ctx.stats.recordAnswerRecord(
      answerRecord({
        role: ctx.component, model, outcome: a.outcome, value: a.value, calls, sharedBy: shared.get(calls) ?? 1,
        ...(session !== undefined ? { session } : {}), ...(a.reason !== undefined ? { reason: a.reason } : {}), ...(sample ? { key: sample.key } : {}),
        ...(input !== undefined ? { input } : {}),
      }),
    );
  });
  return out;
}

/**
 * One request with a fallback: `ask` may return a failed attempt or throw (both fall back, with the
 * reason); a cancelled run rethrows. The answer says where it came from and is counted in `ctx.stats`.
 */
export async function withFallback<T>(
  ctx: FallbackContext,
  ask: () => Promise<Attempt<T>>,
  fallback: (reason: string) => Promise<T> | T,
): Promise<Answered<T>> {
  // Every model call `ask` makes (however many requests) belongs to this one answer's record.
  const { result, calls } = await collectCalls(ctx.stats?.recordingAnswers === true, async () => {
    try {
      return await ask();
    } catch (err) {
      ctx.signal?.throwIfAborted();
      return { ok: false, reason: `model call failed: ${errorMessage(err)}` } as Attempt<T>;
    }
  });
  const attempt: Attempt<T> = calls.length ? { ...result, calls } : result;
  const [answered] = await settle(ctx, [attempt], async ([f]) => [await fallback(f!.reason)]);
  return answered!;
}

/** Share of a component's answers by outcome, as fractions (all 0 before the first answer). */
export function answerShares(c: { answers: number; model: number; repaired: number; cache: number; fallback: number }): Record<AnswerOutcome, number> {
  const n = Math.max(1, c.answers);
  return { model: c.model / n, repaired: c.repaired / n, cache: c.cache / n, fallback: c.fallback / n };
}

/** "planner/llm-category: 20 answers, 70% model, 10% repaired, 0% cache, 20% fallback" per component. */
export function formatAnswerShares(byComponent: Record<string, { answers: number; model: number; repaired: number; cache: number; fallback: number }>): string[] {
  const pct = (x: number) => `${Math.round(100 * x)}%`;
  return Object.entries(byComponent).map(([component, c]) => {
    const s = answerShares(c);
    return `${component}: ${c.answers} answers, ${pct(s.model)} model, ${pct(s.repaired)} repaired, ${pct(s.cache)} cache, ${pct(s.fallback)} fallback`;
  });
}
