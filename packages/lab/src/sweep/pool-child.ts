/**
 * A worker process of the local pool (./local-pool.ts): the shared worker loop over a queue that is the parent
 * process, reached over IPC. Arguments: the run directories' root, then optionally the data directory.
 */
import type { JobResult } from "./job.js";
import type { FromChild, ToChild } from "./local-pool.js";
import { runWorker, type ClaimedJob, type JobQueue } from "./worker.js";

const [root, dataDir] = process.argv.slice(2);
if (!root || !process.send) {
  process.stderr.write("pool-child: run by the local sweep pool (fork with IPC), with the runs root as first argument\n");
  process.exit(2);
}

const send = (m: FromChild) => new Promise<void>((resolve, reject) => process.send!(m, undefined, {}, (e) => (e ? reject(e) : resolve())));
const next = () => new Promise<ToChild>((resolve) => process.once("message", (m: ToChild) => resolve(m)));

const queue: JobQueue = {
  async claim(): Promise<ClaimedJob | undefined> {
    const reply = next();
    await send({ type: "claim" });
    const m = await reply;
    return m.type === "job" ? { job: m.job, attempt: m.attempt } : undefined;
  },
  async finish(_claim: ClaimedJob, result: JobResult) {
    await send({ type: "result", result });
  },
  async fail(claim: ClaimedJob, error: Error) {
    await send({ type: "failed", job: claim.job.id, error: error.message });
  },
};

await runWorker(queue, { root, ...(dataDir ? { dataDir } : {}) });
process.disconnect();
// The TF.js backend may keep handles open; the work is done and every message sent.
process.exit(0);
