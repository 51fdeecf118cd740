/**
 * `farsight bench serve` over HTTP: the same load (1, 16, 64, 256 concurrent sessions...) against a
 * `farsight serve` process of the current build and, in the same run, of a baseline build (baseline-build.ts),
 * on SQLite and on PostgreSQL, each build on a database of its own. Builds alternate level by level, so a
 * change in the machine's load falls on both.
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
    for (const n of o.sessions) {
      for (const build of builds) {
        // A fresh server and database per level: each level starts from the same empty state.
        const where = await scratchStorage(storage, o.postgresUrl);
        const server = await startServeProcess(build.bin, [...o.serveArgs, ...where.flags]);
        try {
          const row = await httpLoad(server.url, n, o.requests, o.numUsers, () => cpuMsOf(server.child.pid!), o.warmup ?? 0);
          rows.get(build.name)!.push(row);
          o.say?.(`  ${storage.padEnd(8)} ${build.name.padEnd(10)} ${String(n).padStart(3)} sessions: ${row.recsPerSec.toFixed(0).padStart(5)} recs/s  p50 ${row.p50Ms.toFixed(1)} ms  p99 ${row.p99Ms.toFixed(1)} ms  server CPU ${row.serverCpuMsPerRec.toFixed(2)} ms/rec  batch ${batchCell(row)}`);
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
    out.push(...compareLoads(storage, rows.get("current")!, o.baseline ? rows.get(o.baseline.name)! : []));
  }
  return { rows: out, failures };
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
