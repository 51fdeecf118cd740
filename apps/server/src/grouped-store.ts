/**
 * PostgresStore with its gets and puts group-committed (group-commit.ts). The package sends one statement per
 * operation; every served run reads its thread's record and writes it back (thread records, threads.ts), so
 * at 64 sessions that is two round trips per answer. Here the gets that wait while a statement is on its way
 * go together in one SELECT, and the puts in one INSERT; searches, deletes and namespace listings go to the
 * package as before. The rows, the expiry rule and the conflict rule are the package's own (its `get`, `put`
 * and `search` read what this writes).
 */
import type pg from "pg";
import { BaseStore, type GetOperation, type Item, type Operation, type OperationResults, type PutOperation } from "@langchain/langgraph-checkpoint";
import { GroupCommit } from "./group-commit.js";

const STORE = `"public".store`;

type Get = Pick<GetOperation, "namespace" | "key">;

/** A put the grouped path takes: a value (not a delete), without a vector index (puts here carry no TTL). */
function isPlainPut(op: Operation): op is PutOperation {
  return "value" in op && op.value !== null && ((op as PutOperation).index === false || (op as PutOperation).index === undefined);
}

const isGet = (op: Operation): op is GetOperation => "key" in op && !("value" in op) && !("namespacePrefix" in op);

export class GroupedPostgresStore extends BaseStore {
  private readonly gets = new GroupCommit<Get, Item | null>((batch) => this.getMany(batch), { concurrency: 1 });
  private readonly puts = new GroupCommit<PutOperation, void>((batch) => this.putMany(batch), { concurrency: 1 });

  /** `pool`: a pool on the store's database; `indexed`: the inner store embeds values (then puts are not grouped). */
  constructor(
    private readonly inner: BaseStore,
    private readonly pool: pg.Pool,
    private readonly indexed = false,
  ) {
    super();
  }

  override async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    // One operation at a time, as the package does; a lone get or put joins the others' group.
    const results: unknown[] = [];
    for (const op of operations) {
      if (isGet(op)) results.push(await this.gets.submit({ namespace: op.namespace, key: op.key }));
      else if (!this.indexed && isPlainPut(op)) results.push(await this.puts.submit(op));
      else results.push((await this.inner.batch([op]))[0]);
    }
    return results as OperationResults<Op>;
  }

  override start(): void | Promise<void> {
    return this.inner.start();
  }

  override stop(): void | Promise<void> {
    return this.inner.stop();
  }

  private async getMany(batch: Get[]): Promise<(Item | null)[]> {
    const paths = batch.map((g) => g.namespace.join(":"));
    // A named statement: each connection parses and plans it once, not on every batch.
    const r = await this.pool.query<{ namespace_path: string; key: string; value: Record<string, unknown>; created_at: Date; updated_at: Date }>({
      name: "farsight-store-get-many",
      text: `SELECT namespace_path, key, value, created_at, updated_at FROM ${STORE}
       WHERE (namespace_path, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))
         AND (expires_at IS NULL OR expires_at > CURRENT_TIMESTAMP)`,
      values: [paths, batch.map((g) => g.key)],
    });
    const found = new Map(r.rows.map((row) => [`${row.namespace_path}\u0000${row.key}`, row]));
    return batch.map((g, i) => {
      const row = found.get(`${paths[i]}\u0000${g.key}`);
      return row ? { namespace: row.namespace_path.split(":"), key: row.key, value: row.value, createdAt: row.created_at, updatedAt: row.updated_at } : null;
    });
  }

  private async putMany(batch: PutOperation[]): Promise<void[]> {
    // One statement may not write a row twice: of two puts of one key, the later wins, as one after the other.
    const last = new Map<string, PutOperation>();
    for (const op of batch) last.set(`${op.namespace.join(":")}\u0000${op.key}`, op);
    const params: unknown[] = [];
    const rows = [...last.values()].map((op) => {
      params.push(op.namespace.join(":"), op.key, JSON.stringify(op.value));
      const n = params.length;
      return `($${n - 2}, $${n - 1}, $${n}, NULL)`;
    });
    await this.pool.query(
      `INSERT INTO ${STORE} (namespace_path, key, value, expires_at) VALUES ${rows.join(", ")}
       ON CONFLICT (namespace_path, key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at, updated_at = CURRENT_TIMESTAMP`,
      params,
    );
    return batch.map(() => undefined);
  }
}
