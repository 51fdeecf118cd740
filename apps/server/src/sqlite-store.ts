/**
 * A LangGraph `BaseStore` in a SQLite file: the embedded counterpart of `PostgresStore`, so the reflection pool
 * and the server's thread records survive a restart without a database server. LangGraph ships a SQLite
 * checkpointer but no SQLite store.
 *
 * Supported: get, put, delete, search by namespace prefix with exact-match `filter` on top-level value fields,
 * limit/offset, and listing namespaces. Not supported: vector search (`query`), comparison operators in filters.
 */
import Database from "better-sqlite3";
import {
  BaseStore, type GetOperation, type Item, type ListNamespacesOperation, type Operation, type OperationResults,
  type PutOperation, type SearchItem, type SearchOperation,
} from "@langchain/langgraph-checkpoint";
import { FarsightError } from "@farsight/core";

/** Namespaces are stored joined by this character, which LangGraph forbids inside a namespace label. */
const SEP = ".";

interface Row {
  namespace: string;
  key: string;
  value: string;
  created_at: string;
  updated_at: string;
}

export class SqliteStore extends BaseStore {
  private readonly db: Database.Database;

  /** Opens (creating when missing) the store's table in `path` (a file, or ":memory:"). */
  constructor(path: string) {
    super();
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS farsight_store (namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, " +
        "created_at TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (namespace, key))",
    );
  }

  override async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    return operations.map((op) => this.run(op)) as OperationResults<Op>;
  }

  override stop(): void {
    if (this.db.open) this.db.close();
  }

  private run(op: Operation): unknown {
    if ("namespacePrefix" in op) return this.searchOp(op);
    if ("matchConditions" in op || ("limit" in op && "offset" in op && !("key" in op))) return this.listOp(op as ListNamespacesOperation);
    if ("value" in op) return this.putOp(op as PutOperation);
    return this.getOp(op as GetOperation);
  }

  private item(r: Row): Item {
    return { namespace: r.namespace.split(SEP), key: r.key, value: JSON.parse(r.value) as Record<string, unknown>, createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at) };
  }

  private getOp(op: GetOperation): Item | null {
    const r = this.db.prepare("SELECT * FROM farsight_store WHERE namespace = ? AND key = ?").get(op.namespace.join(SEP), op.key) as Row | undefined;
    return r ? this.item(r) : null;
  }

  private putOp(op: PutOperation): void {
    const ns = op.namespace.join(SEP);
    if (op.value === null) {
      this.db.prepare("DELETE FROM farsight_store WHERE namespace = ? AND key = ?").run(ns, op.key);
      return;
    }
    const now = new Date().toISOString();
    this.db
      .prepare(
        "INSERT INTO farsight_store (namespace, key, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?) " +
          "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      )
      .run(ns, op.key, JSON.stringify(op.value), now, now);
  }

  private searchOp(op: SearchOperation): SearchItem[] {
    if (op.query) throw new FarsightError("server/store-no-vector-search", "SqliteStore has no vector search; use PostgreSQL (--postgres) with an index", {});
    const prefix = op.namespacePrefix.join(SEP);
    const rows = this.db
      .prepare("SELECT * FROM farsight_store WHERE namespace = ? OR namespace LIKE ? ESCAPE '\\' ORDER BY updated_at DESC, key")
      .all(prefix, `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}${prefix ? SEP : ""}%`) as Row[];
    const filter = Object.entries(op.filter ?? {});
    for (const [, v] of filter) {
      if (v !== null && typeof v === "object") throw new FarsightError("server/store-filter", "SqliteStore filters are exact matches on top-level fields", { filter: op.filter });
    }
    const offset = op.offset ?? 0;
    return rows
      .map((r) => this.item(r))
      .filter((it) => filter.every(([k, v]) => it.value[k] === v))
      .slice(offset, offset + (op.limit ?? 10))
      .map((it) => ({ ...it, score: undefined }));
  }

  private listOp(op: ListNamespacesOperation): string[][] {
    const rows = this.db.prepare("SELECT DISTINCT namespace FROM farsight_store ORDER BY namespace").all() as { namespace: string }[];
    let spaces = rows.map((r) => r.namespace.split(SEP));
    for (const c of op.matchConditions ?? []) {
      const match = (ns: string[]) => {
        const part = c.matchType === "prefix" ? ns.slice(0, c.path.length) : ns.slice(-c.path.length);
        return part.length === c.path.length && c.path.every((p, i) => p === "*" || p === part[i]);
      };
      spaces = spaces.filter(match);
    }
    if (op.maxDepth !== undefined) spaces = [...new Map(spaces.map((ns) => ns.slice(0, op.maxDepth)).map((ns) => [ns.join(SEP), ns])).values()];
    return spaces.slice(op.offset, op.offset + op.limit);
  }
}
