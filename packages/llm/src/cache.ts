import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { AIMessage } from "@langchain/core/messages";
import { FarsightError } from "@farsight/core";
import type { Layer, ModelCall } from "./managed.js";
import { contentText, messagesToJson } from "./messages.js";
import type { LlmStats } from "./stats.js";

/** Where answers are kept between identical requests. Values are answer texts. */
export interface ResponseCache {
  get(key: string): string | undefined;
  set(key: string, answer: string): void;
  readonly size: number;
  close?(): void;
}

/** Least-recently-used in-memory cache (a Map keeps insertion order; a hit re-inserts). */
export class MemoryResponseCache implements ResponseCache {
  private readonly entries = new Map<string, string>();
  constructor(readonly maxEntries = 10_000) {}

  get(key: string): string | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, answer: string): void {
    this.entries.delete(key);
    this.entries.set(key, answer);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

interface SqliteStatement {
  get(...args: unknown[]): unknown;
  run(...args: unknown[]): unknown;
}
interface SqliteDb {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  pragma(sql: string): unknown;
  close(): void;
}

/** A persistent cache in a SQLite file (better-sqlite3), so a rerun of an experiment costs no model calls. */
export class SqliteResponseCache implements ResponseCache {
  private readonly db: SqliteDb;
  private readonly getStmt: SqliteStatement;
  private readonly setStmt: SqliteStatement;
  private readonly countStmt: SqliteStatement;

  constructor(readonly file: string) {
    const require = createRequire(import.meta.url);
    try {
      mkdirSync(dirname(file), { recursive: true });
      const Database = require("better-sqlite3") as new (file: string) => SqliteDb;
      this.db = new Database(file);
    } catch (err) {
      if ((err as { code?: string }).code === "MODULE_NOT_FOUND" && /better-sqlite3/.test((err as Error).message)) {
        throw new FarsightError("llm/cache-open", `the SQLite response cache "${file}" needs better-sqlite3, an optional peer of @farsight/llm: npm install better-sqlite3 (or use the in-memory cache)`, { file }, { cause: err });
      }
      throw new FarsightError("llm/cache-open", `cannot open the LLM response cache "${file}": ${(err as Error).message}`, { file }, { cause: err });
    }
    this.db.pragma("journal_mode = WAL");
    this.db.exec("CREATE TABLE IF NOT EXISTS llm_cache (key TEXT PRIMARY KEY, answer TEXT NOT NULL, created_at INTEGER NOT NULL)");
    this.getStmt = this.db.prepare("SELECT answer FROM llm_cache WHERE key = ?");
    this.setStmt = this.db.prepare("INSERT OR REPLACE INTO llm_cache (key, answer, created_at) VALUES (?, ?, ?)");
    this.countStmt = this.db.prepare("SELECT COUNT(*) AS n FROM llm_cache");
  }

  get(key: string): string | undefined {
    return (this.getStmt.get(key) as { answer: string } | undefined)?.answer;
  }

  set(key: string, answer: string): void {
    this.setStmt.run(key, answer, Date.now());
  }

  get size(): number {
    return (this.countStmt.get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}

/** The cache key of a call: model id + messages (role and text) + parameters + call options (stop, schema). */
export function cacheKey(modelId: string, params: Record<string, unknown>, call: ModelCall): string {
  const payload = JSON.stringify({ model: modelId, params, options: call.options, messages: messagesToJson(call.messages) });
  return createHash("sha256").update(payload).digest("hex");
}

/**
 * Answers a repeated request from `cache` without calling the model (counted as a cache hit, no tokens).
 * Only successful answers are stored, so a failure is retried the next time.
 */
export function cacheLayer(cache: ResponseCache, modelId: string, params: Record<string, unknown>, stats?: LlmStats): Layer {
  return async (call, next) => {
    const key = cacheKey(modelId, params, call);
    const hit = cache.get(key);
    if (hit !== undefined) {
      stats?.recordCacheHit();
      return decodeAnswer(hit);
    }
    const answer = await next(call);
    cache.set(key, encodeAnswer(answer));
    return answer;
  };
}

/** Marks a stored answer that carries tool calls (plain answers stay plain text, as in older caches). */
const TOOL_CALLS_PREFIX = "\u0000farsight-tool-calls:";

function encodeAnswer(answer: AIMessage | { content: AIMessage["content"]; tool_calls?: unknown[] }): string {
  const toolCalls = (answer as AIMessage).tool_calls;
  if (!toolCalls?.length) return contentText(answer.content);
  return TOOL_CALLS_PREFIX + JSON.stringify({ content: contentText(answer.content), tool_calls: toolCalls });
}

function decodeAnswer(stored: string): AIMessage {
  const response_metadata = { farsightCacheHit: true };
  if (!stored.startsWith(TOOL_CALLS_PREFIX)) return new AIMessage({ content: stored, response_metadata });
  const { content, tool_calls } = JSON.parse(stored.slice(TOOL_CALLS_PREFIX.length)) as { content: string; tool_calls: AIMessage["tool_calls"] };
  return new AIMessage({ content, tool_calls, response_metadata });
}
