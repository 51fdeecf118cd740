import {
  AIMessage,
  coerceMessageLikeToMessage,
  HumanMessage,
  type BaseMessage,
  type BaseMessageLike,
} from "@langchain/core/messages";

/** A prompt as callers write it: one user string or a list of messages. */
export type Prompt = string | BaseMessageLike[];

/** A prompt as a list of LangChain messages. */
export function toMessages(prompt: Prompt): BaseMessage[] {
  if (typeof prompt === "string") return [new HumanMessage(prompt)];
  return prompt.map((m) => coerceMessageLikeToMessage(m));
}

/** Role name used in prompt texts, recordings and cache keys: system, human, ai, tool, ... */
export function roleOf(message: BaseMessage): string {
  return message.getType();
}

/** The text of a message's content (text parts joined; non-text parts ignored). */
export function contentText(content: BaseMessage["content"] | undefined): string {
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;
  return content
    .map((part) => {
      if (typeof part === "string") return part;
      const p = part as { type?: string; text?: unknown };
      return typeof p.text === "string" ? p.text : "";
    })
    .join("");
}

/** Messages as "role: content" lines: what {@link ScriptedChatModel.prompts} records and recorders key on. */
export function promptText(messages: readonly BaseMessage[]): string {
  return messages.map((m) => `${roleOf(m)}: ${contentText(m.content)}`).join("\n");
}

/** Plain JSON for recordings and cache keys. */
export function messagesToJson(messages: readonly BaseMessage[]): { role: string; content: string }[] {
  return messages.map((m) => ({ role: roleOf(m), content: contentText(m.content) }));
}

/** Token usage reported on an answer, if the client reported any. */
export function usageOf(message: BaseMessage): { promptTokens: number; completionTokens: number } | undefined {
  const usage = (message as AIMessage).usage_metadata;
  if (!usage) return undefined;
  return { promptTokens: usage.input_tokens ?? 0, completionTokens: usage.output_tokens ?? 0 };
}

/** Rough token count (whitespace-separated words) for models that report none, e.g. scripted ones. */
export function approxTokens(text: string): number {
  const t = text.trim();
  return t === "" ? 0 : t.split(/\s+/).length;
}
