/**
 * One LERL training run in a process of its own (started by lerl-process.ts): training takes the CPU for
 * seconds to minutes in long synchronous stretches, which in the server's process would stall every request.
 * Receives `{ preset, dataDir?, steps, seed }`, sends `{ kind: "progress" }` messages as it trains and one
 * `{ kind: "done", result }` or `{ kind: "error", message }`; the server kills it to cancel.
 */
import { loadPreset, type PresetName } from "@farsight/env";
import { trainLerl } from "@farsight/graph";
import { SaturationAwarePlanner } from "@farsight/planner";
import { initBackend } from "@farsight/rl-policy";

interface Job {
  readonly preset: PresetName;
  readonly dataDir?: string;
  readonly steps: number;
  readonly seed: number;
}

const send = (message: unknown) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

process.once("message", (job: Job) => {
  void (async () => {
    try {
      await initBackend();
      const setup = await loadPreset(job.preset, job.dataDir ? { dataDir: job.dataDir } : {});
      const r = await trainLerl({ setup, planner: new SaturationAwarePlanner({ seed: job.seed }), steps: job.steps, seed: job.seed, onProgress: (p) => void send({ kind: "progress", progress: p }) });
      const result = r.state;
      r.algorithm.dispose();
      r.algorithm.policy.dispose();
      await send({ kind: "done", result });
      process.exit(0);
    } catch (err) {
      await send({ kind: "error", message: err instanceof Error ? err.message : String(err), code: (err as { code?: unknown }).code });
      process.exit(1);
    }
  })();
});
