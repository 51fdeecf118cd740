/**
 * `llm-records.jsonl`: every answer an LLM component of a run settled (`--record`), one @farsight/llm
 * `AnswerRecord` per line: role, session, the model calls (prompt, answer or error, validation verdict, method,
 * latency, tokens), whether the model's answer was used, and the fallback's reason. Written through the runs'
 * write boundary (`redactForWrite`: no spec credential or known secret reaches the file), appended synchronously
 * so a killed run keeps every answer it paid for. The reader summarises the file per role for `farsight report`.
 */
import { appendFileSync, closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { FarsightError, redactForWrite } from "@farsight/core";
import type { AnswerRecord, AnswerSink } from "@farsight/llm";
import { readRunFile } from "./safe-read.js";

/** The answer records' file name inside a run directory. */
export const LLM_RECORDS_FILE = "llm-records.jsonl";

function writeError(path: string, err: unknown, what: string): FarsightError {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new FarsightError(
    "lab/llm-record-write",
    `the answer records ${path} ${what}: ${code}. The run stops rather than lose them; free the disk or fix the directory's permissions, or run without --record`,
    { file: path },
    { cause: err },
  );
}

/**
 * A sink (for `LlmStats.recordAnswersTo`) appending each record to `<dir>/llm-records.jsonl`. The file is opened
 * once here, so a directory that cannot take it fails before any model call; a later failed write throws
 * `lab/llm-record-write` from the component's request, which stops the run.
 */
export function llmRecordSink(dir: string): AnswerSink {
  const path = join(dir, LLM_RECORDS_FILE);
  try {
    closeSync(openSync(path, "a"));
  } catch (err) {
    throw writeError(path, err, "cannot be opened for appending");
  }
  return (record: AnswerRecord) => {
    const line = redactForWrite(JSON.stringify(record)) + "\n";
    try {
      appendFileSync(path, line);
    } catch (err) {
      throw writeError(path, err, "could not be written (the model did answer)");
    }
  };
}

/** A prompt and the answer it got, for the report's examples. */
export interface AnswerExample {
  readonly session?: string;
  readonly outcome: string;
  /** The last message of the answer's first call (the request itself; the system prompt is left out), cut to a page's share. */
  readonly prompt: string;
  /** The model's last answer (or the call's error), cut. */
  readonly answer: string;
  readonly reason?: string;
}

/** One role's figures over its recorded answers. */
export interface RoleAnswers {
  readonly role: string;
  readonly answers: number;
  /** Model calls (a cohort call counted once). */
  readonly calls: number;
  /** Share of answers that used the model's answer (model, repaired or cache). */
  readonly validShare: number;
  readonly fallbackShare: number;
  /** Fallback reasons grouped by their gist (details such as ids cut), most frequent first. */
  readonly fallbackReasons: readonly { reason: string; count: number }[];
  /** Share of structured calls whose answer failed validation (before any repair); NaN without structured calls. */
  readonly invalidCallShare: number;
  /** Distinct answers / valid answers with a key (what the quality guards compare); NaN without any. */
  readonly distinctShare: number;
  readonly sessions: number;
  /** Mean latency of an answer (all its calls), in ms. */
  readonly meanLatencyMs: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly examples: readonly AnswerExample[];
}

/** What `llm-records.jsonl` holds, per role (in order of first appearance). */
export interface LlmAnswersSummary {
  readonly records: number;
  readonly roles: readonly RoleAnswers[];
}

const PROMPT_CHARS = 700;
const ANSWER_CHARS = 400;
const EXAMPLES = 3;

/** The gist of a fallback reason: up to its first ": ", bracketed lists and quoted text elided, so reasons that differ only in ids count together. */
export function reasonGist(reason: string): string {
  const head = reason.split(": ")[0]!;
  return head.replace(/\[[^\]]*\]/g, "[…]").replace(/"[^"]*"/g, "\"…\"").slice(0, 120);
}

const cut = (text: string, n: number) => (text.length > n ? `${text.slice(0, n)}…` : text);

class RoleTally {
  answers = 0;
  calls = 0;
  valid = 0;
  structuredCalls = 0;
  invalidCalls = 0;
  latency = 0;
  promptTokens = 0;
  completionTokens = 0;
  readonly keys = new Set<string>();
  keyed = 0;
  readonly sessions = new Set<string>();
  readonly reasons = new Map<string, number>();
  readonly examples: AnswerExample[] = [];
  private readonly exampleKeys = new Set<string>();

  add(r: AnswerRecord): void {
    this.answers++;
    const calls = Array.isArray(r.calls) ? r.calls : [];
    this.calls += calls.length / Math.max(1, r.sharedBy ?? 1);
    for (const c of calls) {
      if (typeof c.validation !== "string") continue;
      this.structuredCalls++;
      if (c.validation !== "valid") this.invalidCalls++;
    }
    if (r.valid) this.valid++;
    else {
      const gist = reasonGist(String(r.reason ?? "no reason given"));
      this.reasons.set(gist, (this.reasons.get(gist) ?? 0) + 1);
    }
    if (r.valid && typeof r.key === "string") {
      this.keyed++;
      this.keys.add(r.key);
    }
    if (typeof r.session === "string") this.sessions.add(r.session);
    if (Number.isFinite(r.latencyMs)) this.latency += r.latencyMs;
    this.promptTokens += Number.isFinite(r.promptTokens) ? r.promptTokens! : 0;
    this.completionTokens += Number.isFinite(r.completionTokens) ? r.completionTokens! : 0;
    this.maybeExample(r, calls);
  }

  /** Examples: the first answers with distinct keys (up to {@link EXAMPLES} - 1) and the first fallback. */
  private maybeExample(r: AnswerRecord, calls: AnswerRecord["calls"]): void {
    if (calls.length === 0) return;
    const kind = r.valid ? `valid:${r.key ?? ""}` : "fallback";
    if (this.exampleKeys.has(kind)) return;
    if (r.valid && this.examples.filter((e) => e.outcome !== "fallback").length >= EXAMPLES - 1) return;
    this.exampleKeys.add(kind);
    const first = calls[0]!;
    const last = calls[calls.length - 1]!;
    const request = Array.isArray(first.messages) ? first.messages[first.messages.length - 1] : undefined;
    this.examples.push({
      ...(typeof r.session === "string" ? { session: r.session } : {}),
      outcome: String(r.outcome),
      prompt: cut(String(request?.content ?? ""), PROMPT_CHARS),
      answer: cut(String(last.answer ?? last.error ?? ""), ANSWER_CHARS),
      ...(r.reason !== undefined ? { reason: cut(String(r.reason), ANSWER_CHARS) } : {}),
    });
  }

  summary(role: string): RoleAnswers {
    const n = Math.max(1, this.answers);
    return {
      role,
      answers: this.answers,
      calls: Math.round(this.calls),
      validShare: this.valid / n,
      fallbackShare: (this.answers - this.valid) / n,
      fallbackReasons: [...this.reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
      invalidCallShare: this.structuredCalls ? this.invalidCalls / this.structuredCalls : NaN,
      distinctShare: this.keyed ? this.keys.size / this.keyed : NaN,
      sessions: this.sessions.size,
      meanLatencyMs: this.latency / n,
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      examples: this.examples,
    };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads `llm-records.jsonl` of `dir` into per-role figures: null when the run recorded none. A line that does not
 * parse or is not a record is reported through `problem` (with its line number) and skipped.
 */
export function readLlmRecords(dir: string, problem: (message: string, line: number) => void): LlmAnswersSummary | null {
  const text = readRunFile(dir, LLM_RECORDS_FILE);
  if (text === null) return null;
  const tallies = new Map<string, RoleTally>();
  let records = 0;
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (err) {
      problem(`not valid JSON: ${(err as Error).message}`, i + 1);
      return;
    }
    if (!isObject(v) || typeof v.role !== "string" || !v.role || typeof v.valid !== "boolean" || !Array.isArray(v.calls)) {
      problem(`expected an answer record { "role", "valid", "calls", ... }`, i + 1);
      return;
    }
    records++;
    let t = tallies.get(v.role);
    if (!t) tallies.set(v.role, (t = new RoleTally()));
    t.add(v as unknown as AnswerRecord);
  });
  return { records, roles: [...tallies].map(([role, t]) => t.summary(role)) };
}

/** One line per role for a terminal: "planner/llm-category: 40 answers (41 calls), 90% valid, 10% fallback (...), distinct 35%". */
export function formatLlmAnswers(s: LlmAnswersSummary): string[] {
  const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(100 * x)}%` : "-");
  return s.roles.map((r) => {
    const reasons = r.fallbackReasons.slice(0, 2).map((x) => `${x.count}x ${x.reason}`).join("; ");
    return `${r.role}: ${r.answers} answers (${r.calls} calls, ${r.sessions} sessions), ${pct(r.validShare)} valid, ${pct(r.fallbackShare)} fallback` +
      `${reasons ? ` (${reasons})` : ""}, distinct answers ${pct(r.distinctShare)}, invalid calls ${pct(r.invalidCallShare)}`;
  });
}
