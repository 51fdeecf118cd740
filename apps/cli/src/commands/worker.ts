/**
 * `farsight worker --queue URL`: claims sweep jobs from the PostgreSQL queue and runs them (@farsight/sweep-postgres's
 * runPgWorker, the worker loop of @farsight/lab). Start one per core on every machine that reaches the database.
 */
import { loadSweepQueue } from "../sweep-queue.js";
import { join } from "node:path";
import { UsageError, type CliIO, type Command } from "../command.js";
import { DATA_DIR_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { renderHelp } from "../help.js";
import { labIO } from "../lab-io.js";

const table = defineCommand({
  command: "worker",
  description: [
    "Claims jobs of `farsight sweep SPEC --queue URL` from PostgreSQL and runs them, one at a time, writing each job's run " +
      "directory under --out and its per-seed rows and curve summary into the database. A job whose worker dies is " +
      "retried by another worker once its visibility timeout (set by `farsight sweep`) has passed.",
  ],
  flags: {
    queue: { kind: "string", placeholder: "URL", required: "the PostgreSQL URL the sweep was queued in", help: "a PostgreSQL URL (postgresql://host/db; PGPASSWORD is read)." },
    out: { kind: "path", placeholder: "DIR", default: join("runs", "sweep-worker"), help: "root of this worker's run directories (<DIR>/<spec hash>/<job id>/)." },
    "until-empty": { kind: "boolean", help: "leave when no job is waiting or running (default: keep waiting for new sweeps)." },
    poll: { kind: "number", min: 0.5, default: 2, placeholder: "S", help: "seconds between polls of an empty queue." },
    "maintenance-interval": { kind: "int", min: 1, default: 30, placeholder: "S", help: "seconds between passes that put abandoned jobs back in the queue." },
    name: { kind: "string", placeholder: "NAME", defaultHelp: "host:pid", help: "this worker's name in the claims and results." },
    ...DATA_DIR_FLAG,
  },
  notes: ["Start one worker per core: a worker runs one job at a time."],
});

export const workerCommand: Command = {
  name: "worker",
  summary: "claim and run sweep jobs from a PostgreSQL queue (farsight sweep SPEC --queue URL)",
  get usage() {
    return renderHelp(table);
  },
  tables: [table],
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommand({ ...table, positionals: true }, argv);
    if (positionals.length) throw new UsageError(`farsight worker: unexpected argument "${positionals[0]}"`);
    const { runPgWorker } = await loadSweepQueue();
    const s = await runPgWorker(values.queue, {
      out: values.out,
      untilEmpty: values["until-empty"],
      pollSeconds: values.poll,
      maintenanceSeconds: values["maintenance-interval"],
      ...(values.name ? { name: values.name } : {}),
      ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
      io: labIO(io),
    });
    io.stdout(`worker: ${s.finished} jobs finished, ${s.failed} failed\n`);
    return 0;
  },
};
