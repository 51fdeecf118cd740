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
    const clean = operations.map((op) =>
      "value" in op && op.value !== null && op.value !== undefined
        ? { ...op, value: redactJson(JSON.parse(JSON.stringify(op.value)), this.redact) }
        : op,
    ) as Op;
    return this.inner.batch(clean);
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
