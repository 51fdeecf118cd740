/**
 * The sweep's tables in PostgreSQL, beside pg-boss's own schema. Every write is an upsert on a key that names the
 * spec and the job, so a job that runs twice (its worker judged dead while it still ran, or a retry after a crash
 * between writing and settling) leaves one row per job and per method, never two.
 */
import type pg from "pg";

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS farsight_sweep (
  spec_hash text PRIMARY KEY,
  name text NOT NULL,
  spec jsonb NOT NULL,
  jobs integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS farsight_sweep_job (
  spec_hash text NOT NULL REFERENCES farsight_sweep (spec_hash),
  job_id text NOT NULL,
  job jsonb NOT NULL,
  attempt integer NOT NULL,
  worker text NOT NULL,
  seconds double precision NOT NULL,
  curves jsonb NOT NULL,
  finished_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (spec_hash, job_id)
);
CREATE TABLE IF NOT EXISTS farsight_sweep_result (
  spec_hash text NOT NULL,
  job_id text NOT NULL,
  method text NOT NULL,
  preset text NOT NULL,
  budget integer NOT NULL,
  seed integer NOT NULL,
  metrics jsonb NOT NULL,
  PRIMARY KEY (spec_hash, job_id, method),
  FOREIGN KEY (spec_hash, job_id) REFERENCES farsight_sweep_job (spec_hash, job_id)
);
CREATE TABLE IF NOT EXISTS farsight_sweep_claim (
  id bigserial PRIMARY KEY,
  spec_hash text NOT NULL,
  job_id text NOT NULL,
  attempt integer NOT NULL,
  worker text NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now()
);
`;

/** Creates the tables when missing (idempotent; two workers starting at once are serialised by an advisory lock). */
export async function ensureSchema(pool: pg.Pool): Promise<void> {
  // One connection for the lock, the DDL and the unlock: an advisory lock belongs to its session.
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtext('farsight_sweep_schema'))");
    try {
      await client.query(SCHEMA_SQL);
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext('farsight_sweep_schema'))");
    }
  } finally {
    client.release();
  }
}
