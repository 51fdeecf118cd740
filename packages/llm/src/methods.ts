import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import { JSON_SCHEMA_OPTION } from "./invoke.js";
import { contentText } from "./messages.js";

/**
 * How a structured answer is asked for, strongest first:
 * - `json-schema`: OpenAI `response_format: {type: "json_schema"}` (constrained decoding on vLLM, llama.cpp server, OpenAI);
 * - `tools`: one forced function call whose parameters are the schema;
 * - `json-mode`: OpenAI `response_format: {type: "json_object"}` (some JSON, the schema only in the prompt);
 * - `format`: Ollama's `format` field carrying the JSON schema;
 * - `grammar`: node-llama-cpp's JSON-schema grammar (in process);
 * - `prompt`: the schema in the prompt only, parsed and repaired by us (works with every model).
 * The schema is in the prompt text with every method, so repairs and weak servers still see it.
 */
export type StructuredMethod = "json-schema" | "tools" | "json-mode" | "format" | "grammar" | "prompt";

export const STRUCTURED_METHODS: readonly StructuredMethod[] = ["json-schema", "tools", "json-mode", "format", "grammar", "prompt"];

/** The provider families that pick their methods differently. */
export type MethodFamily = "openai" | "ollama" | "llama-cpp" | "other";

/** Every method a family can use, strongest first; `prompt` is always last. */
export const METHOD_CHAINS: Readonly<Record<MethodFamily, readonly StructuredMethod[]>> = {
  openai: ["json-schema", "tools", "json-mode", "prompt"],
  ollama: ["format", "prompt"],
  "llama-cpp": ["grammar", "prompt"],
  other: ["prompt"],
};

/**
 * The methods a model will try, in order: the family's chain, or (with an override from the spec) the chain
 * starting at the override. Throws a readable error for a method the family cannot use.
 */
export function methodChain(family: MethodFamily, override?: StructuredMethod): StructuredMethod[] {
  const chain = [...METHOD_CHAINS[family]];
  if (!override) return chain;
  const at = chain.indexOf(override);
  if (at < 0) throw new Error(`structured output method "${override}" is not available for ${family} models; use one of ${chain.join(", ")}`);
  return chain.slice(at);
}

/** The family of a bare LangChain client, read from its `_llmType()` (LangChain's own provider tags). */
export function familyOf(model: BaseChatModel): MethodFamily {
  // oxlint-disable-next-line no-underscore-dangle -- LangChain's own provider tag, the stable way to tell clients apart
  const type = model._llmType();
  if (type === "openai") return "openai";
  if (type === "ollama") return "ollama";
  if (type === "farsight-llama-cpp") return "llama-cpp";
  return "other";
}

/** OpenAI's strict mode needs every property required and no additional ones, at every level. */
export function strictCompatible(schema: unknown): boolean {
  if (schema === null || typeof schema !== "object") return true;
  const s = schema as Record<string, unknown>;
  if (s.type === "object" || s.properties) {
    const props = Object.keys((s.properties as Record<string, unknown>) ?? {});
    const required = new Set((s.required as string[]) ?? []);
    if (s.additionalProperties !== false || props.some((p) => !required.has(p))) return false;
  }
  return Object.entries(s).every(([k, v]) => k === "required" || k === "enum" || k === "const" || strictCompatible(v));
}

/** Call options that make one request ask for `jsonSchema` with `method` (the LangChain clients' own options). */
export function callOptionsFor(method: StructuredMethod, name: string, jsonSchema: Record<string, unknown>): Record<string, unknown> {
  // OpenAI wants a function / schema name of [a-zA-Z0-9_-]{1,64}.
  const safeName = name.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64) || "answer";
  switch (method) {
    case "json-schema":
      return { response_format: { type: "json_schema", json_schema: { name: safeName, schema: jsonSchema, strict: strictCompatible(jsonSchema) } } };
    case "tools":
      return {
        tools: [{ type: "function", function: { name: safeName, description: `Answer with ${name}`, parameters: jsonSchema } }],
        tool_choice: { type: "function", function: { name: safeName } },
      };
    case "json-mode":
      return { response_format: { type: "json_object" } };
    case "format":
      return { format: jsonSchema };
    case "grammar":
      return { [JSON_SCHEMA_OPTION]: jsonSchema };
    case "prompt":
      return {};
  }
}

/**
 * The answer text of a structured request: the arguments of the first tool call (with `tools`), else the
 * message text. Tool arguments LangChain could not parse come back as their raw string, for repair.
 */
export function answerText(message: BaseMessage): string {
  const m = message as { tool_calls?: { args?: unknown }[]; invalid_tool_calls?: { args?: string }[] };
  const call = m.tool_calls?.[0];
  if (call) return JSON.stringify(call.args ?? {});
  const invalid = m.invalid_tool_calls?.[0];
  if (invalid) return String(invalid.args ?? "");
  return contentText(message.content);
}

/** HTTP statuses by which a server says "I do not support this request" (not "try again later"). */
const REJECTING_STATUSES = new Set([400, 404, 405, 415, 422, 501]);

/** True when an error says the server rejected the request's shape (an unsupported method), not a transient failure. */
export function isMethodRejection(status: number | undefined, message: string): boolean {
  if (status !== undefined) return REJECTING_STATUSES.has(status);
  return /response_format|json_schema|tool_choice|\btools?\b.*not supported|unsupported/i.test(message);
}

/**
 * A model's structured-output methods and which one it is at. Shared by every call of the model, so a
 * method the server rejected once is not tried again (remembered per model).
 */
export class MethodState {
  private index = 0;
  constructor(readonly chain: readonly StructuredMethod[]) {}

  get current(): StructuredMethod {
    return this.chain[Math.min(this.index, this.chain.length - 1)]!;
  }

  /** The method after `method`, if any. */
  next(method: StructuredMethod): StructuredMethod | undefined {
    const at = this.chain.indexOf(method);
    return at >= 0 && at + 1 < this.chain.length ? this.chain[at + 1] : undefined;
  }

  /** Never use methods stronger than `method` again on this model. */
  settle(method: StructuredMethod): void {
    const at = this.chain.indexOf(method);
    if (at > this.index) this.index = at;
  }
}
