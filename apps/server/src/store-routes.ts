/**
 * LangGraph Platform's store routes (`PUT`/`GET`/`DELETE /store/items`, `POST /store/items/search`,
 * `POST /store/namespaces`) over the server's own LangGraph store, apart from HTTP: what `client.store`
 * of `@langchain/langgraph-sdk` calls.
 *
 * The same answers on every storage. The stores differ underneath (SqliteStore joins labels with `.` and
 * compares filters strictly; PostgresStore joins them with `:`, matches a prefix with `LIKE 'a:b%'`, so
 * `["notes"]` would also find `["notesx"]`, compares filters as text, and drops namespaces deeper than
 * `max_depth` instead of cutting them), so labels are held to what both take and the matching is finished
 * here: a namespace prefix matches whole labels, a filter value matches by JSON equality, `max_depth` cuts.
 *
 * The server's own namespaces (first label `farsight...`: thread and run records, kept answers, the shared
 * reflection pool that steers every later session) can be read but not written: a client that could put
 * or delete there could forge a run's record or plant a reflection (403 `server/reserved-namespace`).
 */
import type { BaseStore, Item } from "@langchain/langgraph-checkpoint";
import { HttpError } from "./served-graph.js";
import type { Body } from "./run-requests.js";

/** A label is 1-128 characters without `.` `:` (the stores' separators), `%` `_` `\` (PostgreSQL LIKE) or control characters. */
const labelOk = (label: string) => label.length >= 1 && label.length <= 128 && !/[.:%_\\]|\p{Cc}/u.test(label);
/** Items fetched from the store at a time while a search is finished here (see the module comment). */
const PAGE = 500;

const bad = (message: string, got?: unknown) => new HttpError(422, "server/bad-request", message, got === undefined ? {} : { got });

/** The item as LangGraph Platform answers it. */
function itemView(i: Item & { score?: number | undefined }): Record<string, unknown> {
  return {
    namespace: i.namespace,
    key: i.key,
    value: i.value,
    created_at: new Date(i.createdAt).toISOString(),
    updated_at: new Date(i.updatedAt).toISOString(),
    ...(i.score !== undefined && i.score !== null ? { score: i.score } : {}),
  };
}

function intIn(v: unknown, name: string, fallback: number, min: number, max: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw bad(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`, v);
  return v;
}

/** Leaves out what this server does not do rather than ignoring it. */
function refuse(b: Body, field: string, why: string): void {
  if (b[field] !== undefined && b[field] !== null) throw bad(`${field} is not supported: ${why}; leave it out`, b[field]);
}

export class StoreRoutes {
  constructor(
    private readonly store: BaseStore,
    /** The write boundary's redaction: a label or key that holds a known secret is refused (values are redacted by the store). */
    private readonly redact: (text: string) => string = (t) => t,
  ) {}

  /** `PUT /store/items` `{ namespace, key, value }`: creates or replaces the item. */
  async put(b: Body): Promise<void> {
    const namespace = this.writable(this.namespaceOf(b["namespace"], "namespace"));
    const key = this.keyOf(b["key"]);
    const value = b["value"];
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad("value must be a JSON object", value);
    refuse(b, "ttl", "items do not expire on this server");
    if (b["index"] !== undefined && b["index"] !== null && b["index"] !== false) throw bad("index is not supported: this server's store has no vector index (send false or leave it out)", b["index"]);
    await this.store.put(namespace, key, value as Record<string, unknown>);
  }

  /** `GET /store/items?namespace=a.b&key=k`: the item, or null (as LangGraph Platform answers a missing one). */
  async get(q: URLSearchParams): Promise<Record<string, unknown> | null> {
    const namespace = this.namespaceOf((q.get("namespace") ?? "").split("."), "namespace");
    const item = await this.store.get(namespace, this.keyOf(q.get("key")));
    return item ? itemView(item) : null;
  }

  /** `DELETE /store/items` `{ namespace, key }`: removes the item (nothing happens when there is none). */
  async delete(b: Body): Promise<void> {
    const namespace = this.writable(this.namespaceOf(b["namespace"], "namespace"));
    await this.store.delete(namespace, this.keyOf(b["key"]));
  }

  /**
   * `POST /store/items/search` `{ namespace_prefix, filter?, limit? (10), offset? (0) }`: items under the prefix
   * whose value holds every filter field with that exact value, most recently updated first.
   */
  async search(b: Body): Promise<{ items: Record<string, unknown>[] }> {
    const prefix = this.namespaceOf(b["namespace_prefix"], "namespace_prefix");
    const limit = intIn(b["limit"], "limit", 10, 1, 1000);
    const offset = intIn(b["offset"], "offset", 0, 0, 100_000);
    refuse(b, "query", "this server's store has no semantic or text search (use filter)");
    const filter = b["filter"] ?? {};
    if (typeof filter !== "object" || filter === null || Array.isArray(filter)) throw bad("filter must be an object of field: value", filter);
    for (const [k, v] of Object.entries(filter)) {
      if (!(typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v)))) {
        throw bad(`filter.${k} must be a string, a finite number or a boolean (exact matches on top-level fields; no operators)`, v);
      }
    }
    const wanted = Object.entries(filter).map(([k, v]) => [k, JSON.stringify(v)] as const);
    const matches = (i: Item) =>
      i.namespace.length >= prefix.length && prefix.every((p, n) => p === i.namespace[n]) && wanted.every(([k, v]) => JSON.stringify(i.value[k]) === v);
    const found: Item[] = [];
    for (let at = 0; found.length < offset + limit; at += PAGE) {
      const page = await this.store.search(prefix, { filter: filter as Record<string, unknown>, limit: PAGE, offset: at });
      found.push(...page.filter(matches));
      if (page.length < PAGE) break;
    }
    return { items: found.slice(offset, offset + limit).map(itemView) };
  }

  /**
   * `POST /store/namespaces` `{ prefix?, suffix?, max_depth?, limit? (100), offset? (0) }`: the namespaces that
   * hold items, in order; `*` in a prefix or suffix matches any label; `max_depth` cuts deeper ones (then unique).
   */
  async namespaces(b: Body): Promise<{ namespaces: string[][] }> {
    const pattern = (field: string) => (b[field] === undefined || b[field] === null ? undefined : this.namespaceOf(b[field], field, true));
    const prefix = pattern("prefix");
    const suffix = pattern("suffix");
    const maxDepth = b["max_depth"] === undefined || b["max_depth"] === null ? undefined : intIn(b["max_depth"], "max_depth", 0, 1, 100);
    const limit = intIn(b["limit"], "limit", 100, 1, 1000);
    const offset = intIn(b["offset"], "offset", 0, 0, 100_000);
    // Every namespace, matched here (a few per feature: the stores keep one row per namespace and key).
    const all: string[][] = [];
    for (let at = 0; ; at += PAGE) {
      const page = await this.store.listNamespaces({ limit: PAGE, offset: at });
      all.push(...page);
      if (page.length < PAGE) break;
    }
    const fits = (part: string[], want: string[]) => part.length === want.length && want.every((w, i) => w === "*" || w === part[i]);
    const kept = all
      .filter((ns) => (!prefix || fits(ns.slice(0, prefix.length), prefix)) && (!suffix || fits(ns.slice(-suffix.length), suffix)))
      .map((ns) => (maxDepth === undefined ? ns : ns.slice(0, maxDepth)));
    const unique = [...new Map(kept.map((ns) => [ns.join("\u0000"), ns])).values()].sort((x, y) => (x.join("\u0000") < y.join("\u0000") ? -1 : 1));
    return { namespaces: unique.slice(offset, offset + limit) };
  }

  private namespaceOf(v: unknown, field: string, wildcard = false): string[] {
    if (!Array.isArray(v) || v.length === 0 || v.length > 20) throw bad(`${field} must be a list of 1-20 labels, e.g. ["notes", "ada"]`, v);
    for (const label of v) {
      if (typeof label !== "string" || !labelOk(label)) {
        throw bad(`${field}: each label is 1-128 characters without . : % _ \\ or control characters, got ${JSON.stringify(label)}`, label);
      }
      if (!wildcard && label === "*") throw bad(`${field}: "*" is a wildcard of namespace listing, not a label`, label);
      if (this.redact(label) !== label) throw bad(`${field}: a label holds a secret (a credential this server knows); it would be written in clear`);
    }
    if (v[0] === "langgraph") throw bad(`${field}: the first label "langgraph" is LangGraph's own`, v);
    return v as string[];
  }

  private keyOf(v: unknown): string {
    if (typeof v !== "string" || v.length === 0 || v.length > 1024) throw bad(`key must be a string of 1-1024 characters, got ${JSON.stringify(v)}`, v);
    if (this.redact(v) !== v) throw bad("key holds a secret (a credential this server knows); it would be written in clear");
    return v;
  }

  /** Refuses a write under the server's own namespaces (see the module comment). */
  private writable(namespace: string[]): string[] {
    if (namespace[0]!.toLowerCase().startsWith("farsight")) {
      throw new HttpError(403, "server/reserved-namespace", `namespace ${JSON.stringify(namespace)} is the server's own (its first label starts with "farsight": thread and run records, the shared reflection pool); read it, but write your items under another first label`, { namespace });
    }
    return namespace;
  }
}
