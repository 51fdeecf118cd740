/**
 * One redaction step where the server writes: every value put into the store and every checkpoint the
 * checkpointer serialises passes through it, whatever wrote it (a reflection quoting the model's answer, an
 * error message holding a URL, metadata a client sent). It removes what `redactText` finds by shape (URL user
 * info, secret query parameters) and, byte for byte, every secret it was given: those of the `--llm` spec (the
 * password, secret query values, the Basic header built from the user info), the environment's keys and
 * tokens, the server's own token. A secret that is known is removed wherever it appears, even alone.
 */
import type { BaseStore, Operation, OperationResults } from "@langchain/langgraph-checkpoint";
import { BaseStore as Store } from "@langchain/langgraph-checkpoint";
import { redactJson } from "@farsight/core";

/** Shared with the runs' write boundary: they live in @farsight/core. */
export { secretsOf, redactorOf, redactJson } from "@farsight/core";

/** The store, with every value it is given to write redacted (reads pass through). */
class RedactingStore extends Store {
  constructor(
    private readonly inner: BaseStore,
    private readonly redact: (text: string) => string,
  ) {
    super();
  }

  override async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const clean = operations.map((op) => ("value" in op && op.value !== null && op.value !== undefined ? { ...op, value: this.clean(op.value) } : op)) as Op;
    return this.inner.batch(clean);
  }

  /**
   * A JSON copy of `value`, redacted. As at the checkpoint boundary (redact-checkpoints.ts): without a backslash
   * every string of the JSON (keys too) appears in the text as it is, and `redact` finds in one of them only what
   * it finds in the whole text; nothing found there means nothing to redact, without walking the copy.
   */
  private clean(value: unknown): unknown {
    const text = JSON.stringify(value);
    const copy: unknown = JSON.parse(text);
    return !text.includes("\\") && this.redact(text) === text ? copy : redactJson(copy, this.redact);
  }

  override start(): void | Promise<void> {
    return this.inner.start();
  }

  override stop(): void | Promise<void> {
    return this.inner.stop();
  }
}

export function redactingStore(store: BaseStore, redact: (text: string) => string): BaseStore {
  return new RedactingStore(store, redact);
}

/** Shared with the runs' checkpoints: it lives in @farsight/graph. */
export { redactCheckpoints } from "@farsight/graph";
