/**
 * The write boundary of a LangGraph checkpointer: whatever state a graph checkpoints (a reflection quoting a
 * model's answer, an error message holding a URL), it is redacted before it reaches the database. Shared by
 * the server's checkpointers and the runs' graph.sqlite ({@link RunCheckpoints}).
 */
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { redactJson } from "@farsight/core";

/**
 * Makes the checkpointer redact what it writes, at its serialiser: every checkpoint, channel value, pending
 * write and metadata is serialised through `serde.dumpsTyped`; the JSON ones are parsed, redacted and
 * serialised again (binary values are left as they are).
 */
export function redactCheckpoints<C extends BaseCheckpointSaver>(checkpointer: C, redact: (text: string) => string): C {
  const serde = checkpointer.serde;
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  checkpointer.serde = {
    loadsTyped: (type, data) => serde.loadsTyped(type, data),
    dumpsTyped: async (data) => {
      const [type, bytes] = await serde.dumpsTyped(data);
      if (type !== "json") return [type, bytes];
      const text = decoder.decode(bytes);
      // Fast path: without a backslash every string of the JSON (keys too) appears in the text as it is, and
      // `redact` (shapes bounded by quotes, known secrets by substring) finds in one of them only what it finds
      // in the whole text; nothing found there means nothing to redact, without parsing and writing it again.
      if (!text.includes("\\") && redact(text) === text) return [type, bytes];
      const parsed: unknown = JSON.parse(text);
      // One string (the server's session records keep a value as its own JSON text): as the whole text above, a
      // string without a backslash that `redact` leaves alone goes as it came. A JSON text inside is redacted
      // string by string (a secret it escapes, `"` or `\`, is found unescaped there); other text as it is.
      if (typeof parsed === "string") {
        if (!parsed.includes("\\") && redact(parsed) === parsed) return [type, bytes];
        const inner = jsonObjectOf(parsed);
        const redacted = inner === undefined ? redact(parsed) : JSON.stringify(redactJson(inner, redact));
        return [type, redacted === parsed ? bytes : encoder.encode(JSON.stringify(redacted))];
      }
      const clean = JSON.stringify(redactJson(parsed, redact));
      return [type, clean === text ? bytes : encoder.encode(clean)];
    },
  };
  return checkpointer;
}

/** The object or array a text holds as JSON; undefined for any other text. */
function jsonObjectOf(text: string): object | undefined {
  if (!/^\s*[[{]/.test(text)) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" ? value : undefined;
  } catch {
    return undefined;
  }
}
