/**
 * The flags every CLI run that uses a language model shares (--llm, --timeout, --retries, --max-fallback-rate)
 * and their reading into @farsight/lab's {@link LlmRunOptions}; the preflight request, slow-call warnings and
 * the fallback-rate check are lab's (re-exported here for the commands).
 */
import { defaultModelSpec } from "@farsight/llm";
import type { LlmRunOptions } from "@farsight/lab";
import { defineCommand, defineFlags, flagValues, type RawFlags } from "./flag-table.js";

export { checkCollapse } from "@farsight/lab";
export { answerLines, answerRecord, checkFallbackRate, fallbackLabel, LlmRunError, modelOptions, preflight, watchSlowCalls, worstComponent, type LlmRunOptions } from "@farsight/lab";

/** The flags every LLM run takes: spread into a command's flag table. */
export const LLM_RUN_FLAGS = defineFlags({
  llm: {
    kind: "string", placeholder: "SPEC", group: "Language model", defaultHelp: "$FARSIGHT_LLM, else none",
    help:
      "model spec, e.g. ollama:llama3.1, openai:gpt-4o-mini, openai-compatible:http://127.0.0.1:8000/v1#<model>, scripted:<file.jsonl>, " +
      "or several servers as one: pool:<spec>[?concurrency=N],<spec>,... or pool:<file.json> (least-busy routing, failover).",
  },
  timeout: { kind: "int", min: 1, placeholder: "MS", group: "Language model", defaultHelp: "the provider's, 10 s to 10 min", help: "deadline per model call." },
  retries: { kind: "int", min: 0, group: "Language model", defaultHelp: "the provider's, 2", help: "retries of a call on 429 / 5xx / dropped connections." },
  "max-fallback-rate": {
    kind: "number", min: 0, max: 1, default: 0.2, placeholder: "R", group: "Language model",
    help: "exit 1 when a component's share of fallback answers exceeds R (1 accepts every fallback, and then a model that fails the preflight request only gets a warning).",
  },
  "accept-collapse": {
    kind: "boolean", group: "Language model",
    help: "do not exit 1 when a role collapsed (>= 90% of its answers the same across sessions, or reflections repeating each other); the table and results.json show the guard's figures either way.",
  },
});

/** `--record` of the runs that keep their LLM answers (run lerl, run ilrec, billp). */
export const RECORD_FLAG = defineFlags({
  record: {
    kind: "boolean", group: "Language model",
    help: "write every LLM answer (prompt, answer, validation, fallback reason, role, session, timing, tokens) to llm-records.jsonl in the run directory (redacted); farsight report shows them per role. run lerl also records a non-LLM planner's plans with their requests (no model calls): a teacher for farsight distill.",
  },
});

const LLM_RUN_TABLE = defineCommand({ command: "llm", flags: LLM_RUN_FLAGS });


/** Reads the shared flags as given (raw); `--llm` falls back to FARSIGHT_LLM, then "none". */
export function llmRunOptions(given: RawFlags<typeof LLM_RUN_FLAGS>, env = process.env): LlmRunOptions {
  const v = flagValues(LLM_RUN_TABLE, given);
  return {
    spec: v.llm ?? defaultModelSpec(env),
    ...(v.timeout !== undefined ? { timeoutMs: v.timeout } : {}),
    ...(v.retries !== undefined ? { retries: v.retries } : {}),
    maxFallbackRate: v["max-fallback-rate"],
    ...(v["accept-collapse"] ? { acceptCollapse: true } : {}),
  };
}
