/**
 * One redaction step where the server writes: every value put into the store and every checkpoint the
 * checkpointer serialises passes through it, whatever wrote it (a reflection quoting the model's answer, an
 * error message holding a URL, metadata a client sent). It removes what `redactText` finds by shape (URL user
 * info, secret query parameters) and, byte for byte, every secret it was given: those of the `--llm` spec (the
 * password, secret query values, the Basic header built from the user info), the environment's keys and
 * tokens, the server's own token. A secret that is known is removed wherever it appears, even alone.
 */
import type { BaseCheckpointSaver, BaseStore, Operation, OperationResults } from "@langchain/langgraph-checkpoint";
import { BaseStore as Store } from "@langchain/langgraph-checkpoint";
import { REDACTED, redactText } from "@farsight/core";

/** Names whose values are secrets (query parameters, environment variables), `_` and `-` ignored. */
const SECRET_NAME = /key|token|secret|password|passwd|pwd|credential|signature|^auth(orization)?$|^sig$/i;
const URL_IN_TEXT = /\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'<>`#]+/g;
/** Shorter values are not taken as secrets (they would redact ordinary words). */
const MIN_SECRET = 6;

/**
 * The secrets of model specs (or any text holding URLs) and of an environment: URL passwords, the Basic
 * header value a client builds from the user info, values of secret-named query parameters, and values of
 * secret-named environment variables (`OPENAI_API_KEY`...).
 */
export function secretsOf(texts: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const out = new Set<string>();
  for (const text of texts) {
    for (const [raw] of text.matchAll(URL_IN_TEXT)) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        continue;
      }
      if (url.password) {
        const [user, password] = [decodeURIComponent(url.username), decodeURIComponent(url.password)];
        out.add(password).add(url.password).add(Buffer.from(`${user}:${password}`).toString("base64"));
      }
      for (const [name, value] of url.searchParams) if (value && SECRET_NAME.test(name.replace(/[-_]/g, ""))) out.add(value);
    }
  }
  for (const [name, value] of Object.entries(env)) if (value && SECRET_NAME.test(name.replace(/[-_]/g, ""))) out.add(value);
  return [...out].filter((s) => s.length >= MIN_SECRET);
}

/** A function that redacts a text: by shape (`redactText`), then every given secret wherever it appears. */
export function redactorOf(secrets: readonly string[]): (text: string) => string {
  // Longest first: a secret that contains another is removed whole.
  const known = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = redactText(text);
    for (const s of known) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  };
}

/** A copy of a JSON value with every string (keys too) redacted. */
export function redactJson(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactJson(v, redact));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactJson(v, redact)]));
  return value;
}

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
      const clean = JSON.stringify(redactJson(JSON.parse(text), redact));
      return [type, clean === text ? bytes : encoder.encode(clean)];
    },
  };
  return checkpointer;
}
