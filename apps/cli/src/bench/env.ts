/**
 * `farsight bench env`: simulator user-steps per second (one slate per session per step), single thread,
 * at batch sizes 1, 64 and 1024, for the `coat` and `synthetic` presets. Slates are random items drawn
 * beforehand, so the figure is the simulator's own cost (feedback, quit rule, history, auto-reset).
 * Both wall-clock and CPU-time rates are reported: on a shared machine the CPU-time rate is the
 * single-thread figure, the wall-clock rate the one a user sees.
 */
import { performance } from "node:perf_hooks";
import { Rng } from "@farsight/core";
import { loadPreset, makeSimulator, type EnvSetup } from "@farsight/env";
import type { CliIO } from "../command.js";
import { DATA_DIR_FLAG, JSON_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { PRESET_FLAG_TABLE, presetOptionsFrom } from "../preset-flags.js";
import type { BenchTarget } from "./registry.js";

const BATCHES = [1, 64, 1024];

interface Rate {
  /** User-steps per second of wall-clock time. */
  stepsPerSec: number;
  /** User-steps per second of this process's CPU time (robust to other processes sharing the cores). */
  stepsPerCpuSec: number;
  steps: number;
}

async function measure(setup: EnvSetup, batch: number, seconds: number): Promise<Rate> {
  const sim = await makeSimulator(setup, "test", { batchSize: batch, autoReset: true, seed: 1 });
  const K = sim.slateSize, N = sim.numItems;
  // 64 pre-drawn slate batches, cycled: no RNG or allocation inside the timed loop.
  const rng = new Rng(7, "bench");
  const pool = Array.from({ length: 64 }, () => Int32Array.from({ length: batch * K }, () => rng.int(N)));
  sim.reset();
  for (let w = 0; w < 200; w++) sim.step(pool[w % 64]!); // warm-up (JIT)
  let steps = 0, j = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    for (let r = 0; r < 50; r++) sim.step(pool[j++ & 63]!);
    steps += 50 * batch;
    t = performance.now();
  }
  const cpu = process.cpuUsage(c0);
  return { stepsPerSec: steps / ((t - t0) / 1000), stepsPerCpuSec: steps / ((cpu.user + cpu.system) / 1e6), steps };
}

const table = defineCommand({
  command: "bench env",
  description: ["Simulator user-steps per second (one slate per session per step), single thread, at batch sizes 1, 64 and 1024; wall-clock and CPU-time rates."],
  flags: {
    seconds: { kind: "number", min: 0, exclusiveMin: true, default: 2, placeholder: "S", help: "measuring time per case." },
    presets: { kind: "list", default: ["coat", "synthetic"], placeholder: "NAME,...", help: "presets to measure; one whose data is missing is skipped with a message." },
    ...DATA_DIR_FLAG,
    ...PRESET_FLAG_TABLE,
    ...JSON_FLAG,
  },
});

export const envBench: BenchTarget = {
  name: "env",
  summary: "simulator user-steps/s at batch 1, 64, 1024 (coat, synthetic)",
  table,
  async run(argv: string[], io: CliIO, json: boolean) {
    const { values, given } = parseCommand(table, argv);
    const { seconds, presets } = values;
    const preset = presetOptionsFrom(given);
    const results: { preset: string; batch: number; steps_per_sec: number; steps_per_cpu_sec: number }[] = [];
    const skipped: Record<string, string> = {};
    for (const name of presets) {
      let setup: EnvSetup;
      try {
        setup = await loadPreset(name, { ...preset, ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}) });
      } catch (err) {
        skipped[name] = (err as Error).message;
        if (!json) io.stderr(`bench env: skipping ${name}: ${(err as Error).message}\n`);
        continue;
      }
      for (const batch of BATCHES) {
        const r = await measure(setup, batch, seconds);
        results.push({ preset: name, batch, steps_per_sec: Math.round(r.stepsPerSec), steps_per_cpu_sec: Math.round(r.stepsPerCpuSec) });
        if (!json) {
          const m = (x: number) => (x / 1e6).toFixed(3).padStart(8);
          io.stdout(`${name.padEnd(10)} batch ${String(batch).padStart(5)}  ${m(r.stepsPerSec)} M user-steps/s wall  ${m(r.stepsPerCpuSec)} M per CPU-second\n`);
        }
      }
    }
    return { target: "env", seconds_per_case: seconds, results, skipped };
  },
};
