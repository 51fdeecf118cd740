import { FarsightError } from "@farsight/core";

/**
 * Thrown when an LLM-backed component is constructed without a model (spec "none"). The message names the
 * non-LLM implementations the user can pick instead.
 */
export class NoModelError extends Error {
  readonly component: string;
  readonly alternatives: readonly string[];

  constructor(component: string, alternatives: string[]) {
    const alt = alternatives.length ? ` Use a non-LLM alternative instead: ${alternatives.join(", ")};` : "";
    super(
      `${component} needs a language model but the model spec is "none".${alt} or give a model spec ` +
        `(e.g. "ollama:llama3.1", "openai:gpt-4o-mini", "openai-compatible:http://127.0.0.1:8000/v1#<model>", ` +
        `"llama-cpp:/path/model.gguf", "scripted:answers.jsonl").`,
    );
    this.name = "NoModelError";
    this.component = component;
    this.alternatives = alternatives;
  }
}

/** Our own per-call deadline expired (distinct from a caller's abort). */
export class LlmTimeoutError extends FarsightError {
  constructor(timeoutMs: number, model: string) {
    super("llm/timeout", `model ${model} did not answer within ${timeoutMs} ms`, { timeoutMs, model });
    this.name = "LlmTimeoutError";
  }
}

/** True for our timeout and for abort/timeout errors raised by the clients underneath. */
export function isTimeoutError(err: unknown): boolean {
  if (err instanceof LlmTimeoutError) return true;
  const e = err as { name?: string; code?: string; cause?: unknown } | undefined;
  if (e?.name === "TimeoutError" || e?.code === "llm/timeout") return true;
  return e?.cause !== undefined && e.cause !== err && isTimeoutError(e.cause);
}

/** HTTP status of a client error, if the client exposed one (OpenAI SDK: `status`, ollama-js: `status_code`). */
export function httpStatusOf(err: unknown): number | undefined {
  const e = err as { status?: unknown; status_code?: unknown; response?: { status?: unknown } } | undefined;
  const s = e?.status ?? e?.status_code ?? e?.response?.status;
  return typeof s === "number" ? s : undefined;
}

/** One line for a log or a StructuredResult: the message of an error of any shape. */
export function errorMessage(err: unknown): string {
  if (!(err instanceof Error)) return typeof err === "string" ? err : JSON.stringify(err);
  // fetch hides the useful part ("connect ECONNREFUSED 127.0.0.1:11434") in its cause.
  const cause = err.cause instanceof Error && err.cause.message && !err.message.includes(err.cause.message) ? err.cause.message : "";
  return cause ? `${err.message} (${cause})` : err.message;
}
