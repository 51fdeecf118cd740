/**
 * `farsight bench serve` over HTTP: the same load (1, 16, 64, 256 concurrent sessions...) against a
 * `farsight serve` process of the current build and, in the same run, of a baseline build (baseline-build.ts),
 * on SQLite and on PostgreSQL, each build on a database of its own. Builds alternate level by level, so a
 * change in the machine's load falls on both; and which build goes first alternates too (with `rounds: 2` each
 * level is A B B A), because the build measured second in a pair scored up to 1.4x the first with the same code on
 * both sides (an A/A run at load 6-8, 2026-12-07).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { cpuMsOf, httpLoad, startServeProcess, type LoadRow } from "./serve-load.js";
import { batchCell, compareLoads, type ComparedRow } from "./serve-report.js";

export type BenchStorage = "sqlite" | "postgres";

export interface ServeBenchOptions {
  /** The current build's CLI (`apps/cli/dist/bin.js`). */
  readonly bin: string;
  /** An older build's CLI, loaded the same way in the same run. */
  readonly baseline?: { readonly name: string; readonly bin: string };
  readonly storages: readonly BenchStorage[];
  /** Where PostgreSQL databases are created (one per build, dropped after); needed for `postgres`. */
  readonly postgresUrl?: string;
  readonly sessions: readonly number[];
  /** Recommendations per level. */
  readonly requests: number;
  /** Recommendations answered untimed at each level before the clock starts (see `httpLoad`). Default 0. */
  readonly warmup?: number;
  /** Measurements per build and level, the first build alternating (2 = A B B A); rows are their means. Default 1. */
  readonly rounds?: number;
  /** `farsight serve` flags besides the storage (--env, --policy, --max-steps). */
  readonly serveArgs: readonly string[];
  readonly numUsers: number;
  readonly say?: (line: string) => void;
}

/** A level that could not be measured (e.g. a server that answered errors under that load). */
export interface LevelFailure {
  readonly storage: BenchStorage;
  readonly build: string;
  readonly sessions: number;
  readonly error: string;
}

/**
 * Runs every level; a level that fails is reported in `failures` (and left out of the rows) rather than ending
 * the run, so the levels measured before and after it are kept.
 */
export async function benchServe(o: ServeBenchOptions): Promise<{ rows: ComparedRow[]; failures: LevelFailure[] }> {
  const out: ComparedRow[] = [];
  const failures: LevelFailure[] = [];
  for (const storage of o.storages) {
    const builds = [{ name: "current", bin: o.bin }, ...(o.baseline ? [o.baseline] : [])];
    const rows = new Map<string, LoadRow[]>(builds.map((b) => [b.name, []]));
    const rounds = Math.max(1, o.rounds ?? 1);
    for (const [level, n] of o.sessions.entries()) {
      // This level's measurements per build, averaged into one row each once every round is in.
      const measured = new Map<string, LoadRow[]>(builds.map((b) => [b.name, []]));
      for (let round = 0; round < rounds; round++) {
        for (const build of pairOrder(builds, level + round)) {
          // A fresh server and database per measurement: each starts from the same empty state.
          const where = await scratchStorage(storage, o.postgresUrl);
          const server = await startServeProcess(build.bin, [...o.serveArgs, ...where.flags]);
          try {
            const row = await httpLoad(server.url, n, o.requests, o.numUsers, () => cpuMsOf(server.child.pid!), o.warmup ?? 0);
            measured.get(build.name)!.push(row);
            o.say?.(`  ${storage.padEnd(8)} ${build.name.padEnd(10)} ${String(n).padStart(3)} sessions: ${row.recsPerSec.toFixed(0).padStart(5)} recs/s  p50 ${row.p50Ms.toFixed(1)} ms  p99 ${row.p99Ms.toFixed(1)} ms  server CPU ${row.serverCpuMsPerRec.toFixed(2)} ms/rec  client CPU ${row.clientCpuMsPerRec?.toFixed(2) ?? "-"} ms/rec  batch ${batchCell(row)}`);
          } catch (err) {
            const error = err instanceof Error ? err.message : String(err);
            failures.push({ storage, build: build.name, sessions: n, error });
            o.say?.(`  ${storage.padEnd(8)} ${build.name.padEnd(10)} ${String(n).padStart(3)} sessions: FAILED: ${error}`);
          } finally {
            await server.stop();
            await where.drop();
          }
        }
      }
      for (const build of builds) {
        const got = measured.get(build.name)!;
        if (got.length) rows.get(build.name)!.push(meanLoadRow(got));
      }
    }
    out.push(...compareLoads(storage, rows.get("current")!, o.baseline ? rows.get(o.baseline.name)! : []));
  }
  return { rows: out, failures };
}

/** The builds in the order measured at a turn: the first build alternates, so neither is always first. */
export function pairOrder<B>(builds: readonly B[], turn: number): B[] {
  return turn % 2 === 0 ? [...builds] : [...builds].reverse();
}

/** The mean of several measurements of one build at one level (latencies and rates averaged; batching: the last). */
export function meanLoadRow(rows: readonly LoadRow[]): LoadRow {
  if (rows.length === 1) return rows[0]!;
  const mean = (f: (r: LoadRow) => number) => rows.reduce((a, r) => a + f(r), 0) / rows.length;
  const last = rows[rows.length - 1]!;
  return {
    sessions: last.sessions,
    recommendations: rows.reduce((a, r) => a + r.recommendations, 0),
    recsPerSec: mean((r) => r.recsPerSec),
    p50Ms: mean((r) => r.p50Ms),
    p95Ms: mean((r) => r.p95Ms),
    p99Ms: mean((r) => r.p99Ms),
    serverCpuMsPerRec: mean((r) => r.serverCpuMsPerRec),
    ...(last.batching ? { batching: last.batching } : {}),
  };
}

/** An empty SQLite directory or PostgreSQL database for one server, and how to remove it. */
export async function scratchStorage(kind: BenchStorage, postgresUrl?: string): Promise<{ flags: string[]; spec: string; drop(): Promise<void> }> {
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "farsight-bench-serve-"));
    return { flags: ["--state-dir", dir], spec: `sqlite:${join(dir, "server.sqlite")}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (!postgresUrl) throw new Error("bench serve: --storage postgres needs --postgres URL");
  const name = `farsight_bench_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(postgresUrl);
  u.pathname = `/${name}`;
  return {
    flags: ["--postgres", u.toString()],
    spec: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
