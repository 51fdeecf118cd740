/**
 * `farsight sweep SPEC | status | report`: a thin shell over @farsight/lab's sweeps (the local pool, the tables)
 * and @farsight/sweep-postgres (the queue across machines, loaded only with --queue). Flags in, a summary out.
 */
import { loadSweepQueue } from "../sweep-queue.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { redactForWrite } from "@farsight/core";
import { parseSweepSpec, readLocalResults, readLocalSpec, renderProgress, renderSweepReport, runLocalSweep, sweepProgress, writeFileAtomic, type JobResult, type SweepSpec } from "@farsight/lab";
import { UsageError, type CliIO, type Command } from "../command.js";
import { DATA_DIR_FLAG } from "../common-flags.js";
import { defineCommand, defineFlags, parseCommand } from "../flag-table.js";
import { renderHelp } from "../help.js";
import { labIO } from "../lab-io.js";

const WHERE = defineFlags({
  out: { kind: "path", placeholder: "DIR", defaultHelp: "runs/sweeps/<spec name>", help: "the local sweep's directory (sweep.json, runs/, results/)." },
  queue: { kind: "string", placeholder: "URL", defaultHelp: "none: the local sweep in --out", help: "a PostgreSQL URL (postgresql://host/db; PGPASSWORD is read): the jobs go into its queue." },
});

const runTable = defineCommand({
  command: "sweep",
  forms: ["SPEC [flags]", "status [flags]", "report [flags]"],
  positionals: true,
  description: [
    "Expands a sweep spec (JSON or YAML: name, methods, presets, seeds, budgets, episodes, lerl, ilrec, metric; see examples/sweep) " +
      "into one job per method, preset, budget and seed, each an experiment of @farsight/lab with its own run directory.",
    "Without --queue the jobs run on a local pool of worker processes (one per core); rerunning skips finished jobs. " +
      "With --queue they go into PostgreSQL, and `farsight worker --queue URL` on any machine runs them.",
  ],
  flags: {
    ...WHERE,
    workers: { kind: "int", min: 1, placeholder: "N", defaultHelp: "one per core", help: "local worker processes." },
    attempts: { kind: "int", min: 1, default: 2, placeholder: "N", help: "attempts per job before the sweep gives it up (a dead worker counts one)." },
    "visibility-timeout": { kind: "int", min: 2, max: 86_000, default: 120, placeholder: "S", help: "--queue: seconds without a heartbeat after which a claimed job counts as abandoned and is retried." },
    ...DATA_DIR_FLAG,
  },
  notes: ["`farsight sweep status` and `farsight sweep report` (`farsight sweep status --help`) read what has finished, while the sweep runs."],
});

const READ_FLAGS = defineFlags({
  ...WHERE,
  sweep: { kind: "string", placeholder: "NAME|HASH", defaultHelp: "the newest sweep", help: "--queue: which sweep of the database." },
});
const statusTable = defineCommand({
  command: "sweep status",
  description: ["Finished jobs per method, preset and budget (with --queue: also running, queued, given up and retried)."],
  flags: READ_FLAGS,
});
const reportTable = defineCommand({
  command: "sweep report",
  description: ["The tables of the finished jobs: per-seed values, mean and IQM with 95% CIs, each method against its ablation."],
  flags: { ...READ_FLAGS, file: { kind: "path", placeholder: "FILE", defaultHelp: "stdout", help: "write the markdown to FILE." } },
});

interface Read {
  readonly spec: SweepSpec;
  readonly results: JobResult[];
  readonly extra: string;
}

async function readSweep(values: { out?: string | undefined; queue?: string | undefined; sweep?: string | undefined }, io: CliIO): Promise<Read> {
  if (values.queue) {
    const { readPgSweep } = await loadSweepQueue();
    const s = await readPgSweep(values.queue, values.sweep, labIO(io));
    return { spec: s.spec, results: s.results, extra: `; ${s.running} running, ${s.queued} queued, ${s.failed} given up, ${s.retries} retried` };
  }
  if (!values.out) throw new UsageError("farsight sweep: status and report need --out DIR (a local sweep) or --queue URL");
  return { spec: readLocalSpec(values.out), results: readLocalResults(values.out), extra: "" };
}

export const sweepCommand: Command = {
  name: "sweep",
  summary: "run a sweep spec's jobs on local worker processes or a PostgreSQL queue; status and report",
  get usage() {
    return renderHelp(runTable);
  },
  tables: [runTable, statusTable, reportTable],
  helpFor: (argv) => (argv[0] === "status" ? renderHelp(statusTable) : argv[0] === "report" ? renderHelp(reportTable) : undefined),
  async run(argv: string[], io: CliIO): Promise<number> {
    if (argv[0] === "status" || argv[0] === "report") {
      const { values, positionals } = parseCommand({ ...reportTable, command: `sweep ${argv[0]}`, positionals: true }, argv.slice(1));
      if (argv[0] === "status" && values.file) throw new UsageError("farsight sweep status: --file is a flag of `sweep report`");
      if (positionals.length) throw new UsageError(`farsight sweep ${argv[0]}: unexpected argument "${positionals[0]}"`);
      const read = await readSweep(values, io);
      if (argv[0] === "status") {
        io.stdout(renderProgress(read.spec, sweepProgress(read.spec, read.results.map((r) => r.job.id)), read.extra));
        return 0;
      }
      const text = renderSweepReport(read.spec, read.results, ["farsight sweep", ...argv.map((a, i) => (argv[i - 1] === "--queue" || a.startsWith("--queue=") ? "URL" : a))].join(" "));
      if (values.file) {
        writeFileAtomic(values.file, redactForWrite(text));
        io.stdout(`report: ${values.file}\n`);
      } else io.stdout(text);
      return 0;
    }
    const { values, positionals } = parseCommand(runTable, argv);
    if (positionals.length !== 1) throw new UsageError("farsight sweep: give one SPEC file (or `status` / `report`); see `farsight sweep --help`");
    const file = positionals[0]!;
    const spec = parseSweepSpec(readFileSync(file, "utf8"), file);
    if (values.queue) {
      const { enqueueSweep } = await loadSweepQueue();
      const s = await enqueueSweep(values.queue, spec, { visibilitySeconds: values["visibility-timeout"], retries: values.attempts - 1 }, labIO(io));
      io.stdout(`sweep ${spec.name} (spec ${s.specHash}): ${s.jobs} jobs, ${s.finished} finished earlier, ${s.queued} queued now\n`);
      io.stdout("run `farsight worker --queue URL` on each machine; `farsight sweep status --queue URL` shows progress\n");
      return 0;
    }
    const out = values.out ?? join("runs", "sweeps", spec.name);
    const summary = await runLocalSweep(spec, { out, attempts: values.attempts, ...(values.workers ? { workers: values.workers } : {}), ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}), io: labIO(io) });
    const results = readLocalResults(out);
    io.stdout(renderProgress(spec, sweepProgress(spec, results.map((r) => r.job.id)), `; ${summary.retried} retried, ${summary.failed.length} given up`));
    io.stdout(`${summary.finished} jobs run on ${summary.workers} worker processes in ${summary.seconds.toFixed(1)} s; tables: farsight sweep report --out ${out}\n`);
    for (const f of summary.failed) io.stderr(`${f.error}\n`);
    return summary.failed.length ? 1 : 0;
  },
};
