import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@langchain/langgraph-sdk";
import { captureIO } from "../capture-io.js";
import { serveCommand } from "./serve.js";
import { serveBench } from "../bench/serve.js";
import { trainCommand } from "./train.js";
// The server package's test helper: a fresh database per test file on the CI's PostgreSQL.
import { freshDatabase } from "@farsight/testing/postgres";

const bin = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));
const postgres = process.env.FARSIGHT_TEST_POSTGRES_URL || undefined;
if (!postgres) console.log("[serve] farsight serve --postgres skipped: FARSIGHT_TEST_POSTGRES_URL is not set (.ci/run sets it)");

let dir: string;
let policyDir: string;
const children: ChildProcess[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "farsight-serve-"));
  policyDir = join(dir, "ppo");
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

/** Runs `farsight serve ...` and resolves with its URL and the process once it listens. */
function serve(args: string[]): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [bin, "serve", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let err = "";
  child.stderr!.on("data", (d) => (err += String(d)));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = /^listening (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (m) resolve({ url: m[1]!, child, stderr: () => err });
    });
    child.once("exit", (code) => reject(new Error(`farsight serve exited (${code}): ${err}`)));
  });
}

const stop = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.once("exit", (code) => resolve(code)), child.kill("SIGTERM")));
const promptOf = (v: unknown) => (v as { __interrupt__?: { value: { step: number; slate: number[] } }[] }).__interrupt__?.[0]?.value;

describe("farsight serve", () => {
  it("refuses to listen on a non-loopback address without a bearer token, before loading anything", async () => {
    const saved = process.env["FARSIGHT_SERVER_TOKEN"];
    delete process.env["FARSIGHT_SERVER_TOKEN"];
    try {
      await expect(serveCommand.run(["--host", "0.0.0.0", "--memory", "--port", "0"], captureIO())).rejects.toThrow(/not a loopback address.*--auth-token/);
    } finally {
      if (saved !== undefined) process.env["FARSIGHT_SERVER_TOKEN"] = saved;
    }
  });

  it("serves a policy trained by `farsight train` on 127.0.0.1, and stops cleanly on SIGTERM", async () => {
    expect(await trainCommand.run(["--env", "synthetic", "--algo", "ppo", "--steps", "320", "--batch", "32", "--seed", "1", "--eval-episodes", "0", "--out", policyDir], captureIO())).toBe(0);
    const { url, child, stderr } = await serve(["--policy", policyDir, "--memory", "--max-steps", "3"]);
    const client = new Client({ apiUrl: url });
    const assistants = await client.assistants.search();
    expect(assistants.map((a) => a.graph_id)).toEqual(["session", "billp", "lerl"]);
    const assistant = assistants[0];
    expect(assistant!.metadata).toMatchObject({ preset: "synthetic", recommender: expect.stringMatching(/^policy:ppo /), planner: "saturation-aware" });
    const t = await client.threads.create();
    const first = promptOf(await client.runs.wait(t.thread_id, "session", { input: { userId: 0 } }))!;
    expect(first.slate).toHaveLength(1);
    const second = promptOf(await client.runs.wait(t.thread_id, "session", { command: { resume: { feedback: [1] } } }))!;
    expect(second.step).toBe(1);
    expect(second.slate).not.toEqual(first.slate);
    expect(stderr()).toMatch(/state in memory: threads are lost when the server stops/);
    expect(await stop(child)).toBe(0);
  });

  it.skipIf(!postgres)("keeps its threads in PostgreSQL with --postgres: a second server on the same database continues them", async () => {
    const db = await freshDatabase(postgres!);
    try {
      const a = await serve(["--postgres", db.url, "--max-steps", "4"]);
      const client = new Client({ apiUrl: a.url });
      const t = await client.threads.create();
      const first = promptOf(await client.runs.wait(t.thread_id, "session", { input: { userId: 7 } }))!;
      expect(a.stderr()).toMatch(/state in postgres postgresql:\/\/\S*@127\.0\.0\.1:\d+\/farsight_test_/);
      expect(await stop(a.child)).toBe(0);
      const b = await serve(["--postgres", db.url, "--max-steps", "4"]);
      const again = new Client({ apiUrl: b.url });
      expect((await again.threads.getState(t.thread_id)).tasks[0]!.interrupts[0]!.value).toEqual(first);
      expect(promptOf(await again.runs.wait(t.thread_id, "session", { command: { resume: { feedback: [0] } } }))!.step).toBe(1);
      expect(await stop(b.child)).toBe(0);
    } finally {
      await db.drop();
    }
  });

  it("bench serve loads HTTP at each concurrency, and --breakdown times the parts of a step", async () => {
    const io = captureIO();
    const r = (await serveBench.run(["--policy", policyDir, "--sessions", "1,3", "--requests", "12", "--warmup", "4"], io, true)) as {
      rows: { storage: string; sessions: number; current: { recommendations: number; p50Ms: number; p99Ms: number; serverCpuMsPerRec: number } }[];
    };
    expect(r.rows.map((h) => [h.storage, h.sessions, h.current.recommendations])).toEqual([["sqlite", 1, 12], ["sqlite", 3, 12]]);
    for (const h of r.rows) expect(h.current.p99Ms).toBeGreaterThanOrEqual(h.current.p50Ms);
    const b = (await serveBench.run(["--policy", policyDir, "--breakdown", "--steps", "10"], io, true)) as {
      breakdowns: { storage: string; parts: { part: string; wallMs: number; cpuMs: number }[]; roundTripMs: number; plainCpuMs: number }[];
    };
    expect(b.breakdowns[0]!.plainCpuMs).toBeGreaterThan(0); // the second pass, profiler off, ran
    const parts = b.breakdowns[0]!.parts;
    expect(parts.map((p) => p.part)).toEqual(["graph scheduling", "checkpoint read", "checkpoint write", "state serialisation", "plan", "act", "feedback validation", "thread records and lock", "JSON", "HTTP, routing and the rest"]);
    // Every part a step always goes through took time; the parts add up to the round trip.
    for (const p of parts.slice(0, 8)) expect({ [p.part]: p.wallMs > 0 }).toEqual({ [p.part]: true });
    expect(parts.reduce((a, p) => a + p.wallMs, 0)).toBeCloseTo(b.breakdowns[0]!.roundTripMs, 6);
    expect(io.out).toBe("");
  });

  it("refuses what it cannot serve before it listens, saying why", async () => {
    await expect(serveCommand.run(["--postgres", "mysql://x", "--port", "0"], captureIO())).rejects.toThrow(/--postgres must be a postgres:\/\/ or postgresql:\/\/ URL/);
    await expect(serveCommand.run(["--memory", "--state-dir", dir], captureIO())).rejects.toThrow(/--state-dir and --memory cannot be used together/);
    await expect(serveCommand.run(["--policy", dir, "--memory", "--port", "0"], captureIO())).rejects.toThrow(/holds no policy: expected .*policy\.json/);
    await expect(serveCommand.run(["--port", "70000"], captureIO())).rejects.toThrow(/--port must be an integer >= 0 and <= 65535/);
  });
});
