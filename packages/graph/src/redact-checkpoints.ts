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
      // One string (a value kept as its own JSON text, as the server's session records): redacted as it is, and
      // when nothing is found the bytes go as they came, without writing the string again to compare.
      if (typeof parsed === "string") {
        const redacted = redact(parsed);
        return [type, redacted === parsed ? bytes : encoder.encode(JSON.stringify(redacted))];
      }
      const clean = JSON.stringify(redactJson(parsed, redact));
      return [type, clean === text ? bytes : encoder.encode(clean)];
    },
  };
  return checkpointer;
}
