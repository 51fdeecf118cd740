/**
 * `farsight bench serve`: what serving costs per recommendation. The work is in @farsight/server's bench
 * modules; this file reads the flags and prints.
 *
 * - `--breakdown`: one session step after step against a server in this process, every part of a step timed
 *   (graph scheduling, checkpoint read and write, serialisation, plan, act, validation, records, JSON, HTTP).
 * - otherwise: recommendations per second, p50/p99 and server CPU per recommendation at each `--sessions` level
 *   over HTTP against a `farsight serve` child process, per `--storage`; with `--baseline REF` the same load
 *   against a build of that commit (built once into ~/.cache/farsight/bench-serve/<sha>) in the same run.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchServe, breakdownTable, buildBaseline, loadTable, presetSession, redactUrl, scratchStorage, serveBreakdown, type BenchStorage, type Breakdown } from "@farsight/server";
import { intFlag, UsageError, type CliIO } from "../command.js";
import { ENV_FLAG, JSON_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import type { BenchTarget } from "./registry.js";

const table = defineCommand({
  command: "bench serve",
  description: [
    "Serving cost per recommendation: recs/s, p50/p99 and server CPU over HTTP at each --sessions level, " +
      "per --storage, beside a --baseline build in the same run; or, with --breakdown, where a step's time goes.",
  ],
  flags: {
    storage: { kind: "list", default: ["sqlite"], placeholder: "S,...", help: "sqlite and/or postgres (postgres needs --postgres)." },
    postgres: { kind: "string", placeholder: "URL", defaultHelp: "none: sqlite only", help: "a postgres:// URL; a database per server is created there and dropped." },
    baseline: { kind: "string", placeholder: "REF", defaultHelp: "none: this build only", help: "a git commit to load the same way in the same run (built once, cached)." },
    breakdown: { kind: "boolean", help: "time the parts of a step (one session, server in process) instead." },
    policy: { kind: "path", placeholder: "DIR", defaultHelp: "none: the preset's predicted world model recommends", help: "a policy checkpoint to serve." },
    ...ENV_FLAG,
    sessions: { kind: "list", default: ["1", "16", "64", "256"], placeholder: "N,...", help: "concurrent sessions of each level (1 to 1024 each)." },
    requests: { kind: "int", min: 10, default: 640, help: "recommendations per level." },
    warmup: { kind: "int", min: 0, default: 0, placeholder: "N", help: "recommendations answered untimed at each level first (a fresh server's start-up)." },
    rounds: { kind: "int", min: 1, default: 1, placeholder: "N", help: "measurements per build and level, the first build alternating (2: A B B A); means." },
    steps: { kind: "int", min: 10, default: 200, help: "steps timed by --breakdown (after 20 untimed)." },
    ...JSON_FLAG,
  },
});

export const serveBench: BenchTarget = {
  name: "serve",
  summary: "serving: recs/s, p50/p99, CPU/rec at 1-256 sessions vs a --baseline; --breakdown per step",
  table,
  async run(argv: string[], io: CliIO, json: boolean) {
    const { values } = parseCommand(table, argv);
    const say = (line: string) => json || io.stdout(line + "\n");
    const storages = values.storage.map((s) => {
      if (s !== "sqlite" && s !== "postgres") throw new UsageError(`--storage takes sqlite and postgres, got "${s}"`);
      return s as BenchStorage;
    });
    if (values.postgres !== undefined && !/^postgres(ql)?:\/\//.test(values.postgres)) throw new UsageError(`--postgres must be a postgres:// URL, got "${redactUrl(values.postgres)}"`);
    if (storages.includes("postgres") && !values.postgres) throw new UsageError("--storage postgres needs --postgres URL (a server where databases may be created)");
    const levels = values.sessions.map((v) => intFlag("sessions", v, 1, 1, 1024));
    // Sessions long enough that the load is recommendations, not session starts.
    const maxSteps = 200;
    const session = await presetSession({ preset: values.env, maxSteps, ...(values.policy ? { policyDir: values.policy } : {}) });
    const recommender = String(session.describe?.["recommender"]);
    try {
      if (values.breakdown) {
        const breakdowns: Breakdown[] = [];
        for (const s of storages) {
          const where = await scratchStorage(s, values.postgres);
          try {
            breakdowns.push(await serveBreakdown({ session, storage: where.spec, steps: values.steps }));
          } finally {
            await where.drop();
          }
        }
        say(`bench serve --breakdown: ${values.env}, recommender ${recommender}, ${values.steps} steps of one session, ms per step`);
        say(breakdownTable(breakdowns));
        for (const b of breakdowns) {
          const calls = Object.entries(b.batching ?? {}).map(([call, st]) => `${call} ${st.meanBatch.toFixed(1)} per call`);
          if (calls.length) say(`  ${b.storage}: micro-batching ${calls.join(", ")} (window ${Object.values(b.batching!)[0]!.windowMs} ms)`);
        }
        return { preset: values.env, recommender, breakdowns };
      }
      // From dist/bench/ and from src/bench/ (under vitest) alike: the built binary and the repository.
      const bin = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));
      const repoDir = join(dirname(bin), "..", "..", "..");
      const baseline = values.baseline ? buildBaseline({ ref: values.baseline, repoDir, onStep: (w) => say(`  baseline: ${w}`) }) : undefined;
      say(`bench serve: ${values.env}, recommender ${recommender}, ${values.requests} recommendations per level${values.warmup ? ` after ${values.warmup} untimed` : ""}${baseline ? `, baseline ${values.baseline} (${baseline.sha.slice(0, 10)})` : ""}`);
      const { rows, failures } = await benchServe({
        bin,
        ...(baseline ? { baseline: { name: values.baseline!, bin: baseline.bin } } : {}),
        storages,
        ...(values.postgres ? { postgresUrl: values.postgres } : {}),
        sessions: levels,
        requests: values.requests,
        warmup: values.warmup,
        rounds: values.rounds,
        serveArgs: ["--env", values.env, "--max-steps", String(maxSteps), ...(values.policy ? ["--policy", values.policy] : [])],
        numUsers: session.numUsers,
        say,
      });
      say(loadTable(rows, values.baseline));
      for (const f of failures) say(`  not measured: ${f.storage} ${f.build} at ${f.sessions} sessions (${f.error})`);
      return { preset: values.env, recommender, baseline: baseline ? { ref: values.baseline, sha: baseline.sha } : null, rows, failures };
    } finally {
      session.dispose();
    }
  },
};
