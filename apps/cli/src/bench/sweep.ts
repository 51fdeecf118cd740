/**
 * `farsight bench sweep`: the local pool's speed-up. The same CPU-bound sweep (LERL jobs, one per seed) runs on 1
 * worker process, then on N, each in a fresh temporary directory (no job is skipped); the figure is the ratio of the
 * two wall-clock times, measured in one run so that other load on the machine weighs on both. Its load average is
 * printed beside it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { checkSweepSpec, runLocalSweep } from "@farsight/lab";
import type { CliIO } from "../command.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import type { BenchTarget } from "./registry.js";

const table = defineCommand({
  command: "bench sweep",
  description: ["Wall-clock time of one CPU-bound local sweep (LERL on synthetic, one job per seed) on 1 worker process and on --workers, and their ratio."],
  flags: {
    workers: { kind: "int", min: 2, default: 2, placeholder: "N", help: "worker processes of the second run." },
    jobs: { kind: "int", min: 2, default: 4, placeholder: "N", help: "jobs (seeds) of the sweep; a multiple of --workers balances the pool." },
    steps: { kind: "int", min: 32, default: 3000, placeholder: "N", help: "training transitions per job." },
    episodes: { kind: "int", min: 1, default: 50, placeholder: "N", help: "evaluation sessions per row and job." },
  },
});

export const sweepBench: BenchTarget = {
  name: "sweep",
  summary: "local sweep pool: 1 worker process against N on the same CPU-bound sweep, and the speed-up",
  table,
  async run(argv: string[], io: CliIO, json: boolean) {
    const { values } = parseCommand(table, argv);
    const spec = checkSweepSpec({ name: "bench-sweep", methods: ["lerl"], presets: ["synthetic"], seeds: Array.from({ length: values.jobs }, (_, i) => i), budgets: [values.steps], episodes: values.episodes, lerl: { planners: ["noisy-oracle:1"] } });
    const timed = async (workers: number) => {
      const dir = mkdtempSync(join(tmpdir(), "farsight-bench-sweep-"));
      try {
        const load = loadavg()[0]!;
        const s = await runLocalSweep(spec, { out: dir, workers });
        return { workers, seconds: s.seconds, jobs: s.finished, load1Before: load, load1After: loadavg()[0]! };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const one = await timed(1);
    if (!json) io.stdout(`1 worker:  ${one.seconds.toFixed(1)} s for ${one.jobs} jobs (load ${one.load1Before.toFixed(2)} -> ${one.load1After.toFixed(2)})\n`);
    const many = await timed(values.workers);
    const speedup = one.seconds / many.seconds;
    if (!json) {
      io.stdout(`${many.workers} workers: ${many.seconds.toFixed(1)} s for ${many.jobs} jobs (load ${many.load1Before.toFixed(2)} -> ${many.load1After.toFixed(2)})\n`);
      io.stdout(`speed-up: ${speedup.toFixed(2)}x with ${many.workers} workers (command: farsight bench sweep ${argv.join(" ")})\n`);
    }
    return { target: "sweep", spec, runs: [one, many], speedup };
  },
};
