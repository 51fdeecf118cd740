/**
 * A sweep on PostgreSQL with three worker processes, one of them SIGKILLed while it runs a job: every job's result
 * is stored exactly once, the killed job is claimed again by another worker (after the short visibility timeout
 * this test sets), and the sweep's tables equal those of a serial run of the same spec, row for row.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { checkSweepSpec, expandJobs, runSweepJob, sweepTables, type JobResult } from "@farsight/lab";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueSweep, readPgSweep } from "./queue.js";
import { freshDatabase, POSTGRES_SKIP_REASON, POSTGRES_URL, REQUIRE_POSTGRES } from "@farsight/testing/postgres";

const bin = resolve(dirname(fileURLToPath(import.meta.url)), "../../../apps/cli/dist/bin.js");

if (!POSTGRES_URL) console.log(`[sweep-queue] PostgreSQL sweep test skipped: ${POSTGRES_SKIP_REASON}`);

describe("PostgreSQL when CI requires it", () => {
  it.runIf(REQUIRE_POSTGRES && !POSTGRES_URL)("FARSIGHT_REQUIRE_POSTGRES=1 needs FARSIGHT_TEST_POSTGRES_URL", () => {
    expect.fail(`FARSIGHT_REQUIRE_POSTGRES=1 but ${POSTGRES_SKIP_REASON}`);
  });
});

// 8 tiny LERL jobs (two budgets x four seeds), a second or two each: enough that every worker claims some while w0
// is killed holding one, and each is run twice (queue and serial).
const SPEC = checkSweepSpec({ name: "queue-test", methods: ["lerl"], presets: ["synthetic"], seeds: [0, 1, 2, 3], budgets: [64, 128], episodes: 6, lerl: { planners: ["noisy-oracle:1"], batch: 16 } });

describe.skipIf(!POSTGRES_URL)("farsight worker on a PostgreSQL queue", () => {
  let db: { url: string; drop(): Promise<void> };
  let tmp: string;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    db = await freshDatabase(POSTGRES_URL!);
    tmp = mkdtempSync(join(tmpdir(), "farsight-sweep-queue-"));
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await db?.drop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("stores every job once, retries the killed worker's job elsewhere, and equals a serial run", async () => {
    const started = Date.now();
    const sent = await enqueueSweep(db.url, SPEC, { visibilitySeconds: 4, retries: 2 });
    expect(sent).toMatchObject({ jobs: 8, queued: 8, finished: 0 });
    // Queuing again while the jobs wait adds none.
    expect((await enqueueSweep(db.url, SPEC, { visibilitySeconds: 4, retries: 2 })).queued).toBe(0);

    // Three workers, each with its own run-directory root, as if on three machines.
    const exits = [0, 1, 2].map((i) => {
      const child = spawn(process.execPath, [bin, "worker", "--queue", db.url, "--out", join(tmp, `w${i}`), "--until-empty", "--poll", "0.5", "--maintenance-interval", "1", "--name", `w${i}`], { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr!.on("data", (d) => (stderr += String(d)));
      children.push(child);
      return new Promise<{ code: number | null; signal: string | null; stderr: string }>((done) => child.on("exit", (code, signal) => done({ code, signal, stderr })));
    });

    // Kill w0 while it holds a job: its claim is recorded and the job has no result yet.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    let killed: string | undefined;
    for (let tries = 0; tries < 600 && !killed; tries++) {
      const r = await client.query<{ job_id: string }>(
        "SELECT c.job_id FROM farsight_sweep_claim c WHERE c.worker = 'w0' AND NOT EXISTS (SELECT 1 FROM farsight_sweep_job j WHERE j.job_id = c.job_id) ORDER BY c.id DESC LIMIT 1",
      ).catch(() => ({ rows: [] as { job_id: string }[] }));
      if (r.rows[0]) {
        killed = r.rows[0].job_id;
        children[0]!.kill("SIGKILL");
      } else await sleep(100);
    }
    expect(killed).toBeDefined();
    const ended = await Promise.all(exits);
    console.log(`[sweep-queue] queue run with 3 workers: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(ended[0]!.signal).toBe("SIGKILL");
    // A worker that fails shows its stderr in the diff.
    expect(ended.slice(1).map((e) => ({ code: e.code, stderr: e.code === 0 ? "" : e.stderr }))).toEqual([{ code: 0, stderr: "" }, { code: 0, stderr: "" }]);

    // Exactly once: 8 job records, and per job one row per method (5 for a LERL job with one planner).
    const jobs = await client.query<{ job_id: string; attempt: number; worker: string }>("SELECT job_id, attempt, worker FROM farsight_sweep_job");
    expect(jobs.rows.map((r) => r.job_id).sort()).toEqual(expandJobs(SPEC).map((j) => j.id).sort());
    const rows = await client.query<{ n: string; distinct_keys: string }>("SELECT count(*) AS n, count(DISTINCT (job_id, method)) AS distinct_keys FROM farsight_sweep_result");
    expect(rows.rows[0]).toEqual({ n: "40", distinct_keys: "40" });

    // The killed job was claimed again, by another worker, and that attempt's result is the one stored.
    const claims = await client.query<{ worker: string; attempt: number }>("SELECT worker, attempt FROM farsight_sweep_claim WHERE job_id = $1 ORDER BY id", [killed]);
    expect(claims.rows[0]).toEqual({ worker: "w0", attempt: 1 });
    expect(claims.rows.length).toBeGreaterThanOrEqual(2);
    const record = jobs.rows.find((r) => r.job_id === killed)!;
    expect(record.worker).not.toBe("w0");
    expect(record.attempt).toBeGreaterThanOrEqual(2);
    await client.end();

    // The aggregate equals a serial run of the same spec in this process, row for row.
    const stored = await readPgSweep(db.url, SPEC.name);
    expect(stored.retries).toBeGreaterThanOrEqual(1);
    const serial: JobResult[] = [];
    const t0 = Date.now();
    for (const job of expandJobs(SPEC)) serial.push(await runSweepJob(job, { root: join(tmp, "serial") }));
    console.log(`[sweep-queue] serial run: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const perSeed = (rs: readonly JobResult[]) => rs.flatMap((r) => r.rows).sort((a, b) => `${a.jobId} ${a.method}`.localeCompare(`${b.jobId} ${b.method}`));
    expect(perSeed(stored.results)).toEqual(perSeed(serial));
    expect(sweepTables(SPEC, stored.results)).toEqual(sweepTables(SPEC, serial));
  }, 420_000);
});
