/**
 * The PostgreSQL server the tests use: `.ci/run` starts one on 127.0.0.1 and exports its URL as
 * FARSIGHT_TEST_POSTGRES_URL (and FARSIGHT_REQUIRE_POSTGRES=1, which turns a missing URL into a failure).
 * Each test file gets its own database, dropped at the end. A subpath of its own (`@farsight/testing/postgres`),
 * so that only the tests that need PostgreSQL load `pg` (an optional peer of this package).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const POSTGRES_URL = process.env.FARSIGHT_TEST_POSTGRES_URL || undefined;
export const REQUIRE_POSTGRES = process.env.FARSIGHT_REQUIRE_POSTGRES === "1";
export const POSTGRES_SKIP_REASON = "FARSIGHT_TEST_POSTGRES_URL is not set (.ci/run starts a PostgreSQL server and sets it; or run .ci/postgres start)";

/** A new, empty database on the test server; `drop()` removes it. */
export async function freshDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `farsight_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
