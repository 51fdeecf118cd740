/**
 * `Idempotency-Key` for run requests: the first request with a key on a thread runs, and its answer is kept in
 * the store (beside the thread records, so every replica sees it); a retry with the same key and the same
 * request gets that answer again and runs nothing. The key is checked under the thread's lock, so two
 * requests with one key never both run: a duplicate that arrives while the first runs gets 409
 * `server/thread-busy`, one that arrives after gets the first's answer. Only successful answers are kept: a
 * request that failed may be retried with the same key.
 */
import { createHash } from "node:crypto";
import type { BaseStore } from "@langchain/langgraph-checkpoint";
import { HttpError } from "./served-graph.js";

const NAMESPACE = ["farsight", "server", "idempotency"];

interface Kept {
  readonly thread_id: string;
  readonly key: string;
  /** sha256 of the route and the request body: the same key on another request is refused. */
  readonly fingerprint: string;
  readonly response: Record<string, unknown>;
  readonly created_at: string;
}

/** The key of a request (`Idempotency-Key` header), checked; undefined without one. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (!key || !/^[\x21-\x7e]{1,200}$/.test(key)) throw new HttpError(422, "server/bad-request", `Idempotency-Key must be 1-200 printable ASCII characters without spaces, got ${JSON.stringify(key)}`);
  return key;
}

export const fingerprintOf = (route: string, body: unknown) => createHash("sha256").update(`${route}\n${JSON.stringify(body)}`).digest("hex");

export class IdempotencyRecords {
  constructor(private readonly store: BaseStore) {}

  /** The kept answer to `key` on the thread, if a request with it succeeded; 409 when that was another request. */
  async answer(threadId: string, key: string, fingerprint: string): Promise<Record<string, unknown> | undefined> {
    const item = await this.store.get(NAMESPACE, `${threadId}/${key}`);
    if (!item) return undefined;
    const kept = item.value as unknown as Kept;
    if (kept.fingerprint !== fingerprint) {
      throw new HttpError(409, "server/idempotency-conflict", `Idempotency-Key ${JSON.stringify(key)} was used on thread ${threadId} for another request; use a new key for a new request`, { key });
    }
    return kept.response;
  }

  async keep(threadId: string, key: string, fingerprint: string, response: Record<string, unknown>): Promise<void> {
    const kept: Kept = { thread_id: threadId, key, fingerprint, response, created_at: new Date().toISOString() };
    await this.store.put(NAMESPACE, `${threadId}/${key}`, { ...kept }, false);
  }

  async deleteThread(threadId: string): Promise<void> {
    for (;;) {
      const page = await this.store.search(NAMESPACE, { filter: { thread_id: threadId }, limit: 500 });
      for (const i of page) await this.store.delete(NAMESPACE, i.key);
      if (page.length < 500) break;
    }
  }
}
