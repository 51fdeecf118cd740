/**
 * `farsight bench policy`: per available TF.js backend, the act latency of a policy at batch 1 (p50, p99)
 * and batch 256 (p50), the time of one gradient step, and end-to-end training throughput in env
 * transitions per second, on the synthetic world (default 500 items). PPO runs every encoder (mean, gru,
 * transformer with LERL's d = 64) except on cpu; A2C and DQN the mean encoder. Also reports CPU time, because on a
 * shared machine wall-clock figures include waiting for the cores.
 */
import { performance } from "node:perf_hooks";
import { quantile } from "@farsight/core";
import { loadPreset, Simulator } from "@farsight/env";
import {
  availableBackends,
  initBackend,
  type AlgorithmName,
  type EncoderKind,
  contextFromEnv,
  createAlgorithm,
  emptyHistory,
  readHistory,
  RolloutBuffer,
  trainPolicy,
} from "@farsight/rl-policy/tf";
import type { CliIO } from "../command.js";
import { JSON_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import type { BenchTarget } from "./registry.js";

interface Row {
  backend: string;
  algo: AlgorithmName;
  encoder: EncoderKind;
  act_b1_p50_ms: number;
  act_b1_p99_ms: number;
  act_b256_p50_ms: number;
  update_step_ms: number;
  train_steps_per_sec: number;
  train_steps_per_cpu_sec: number;
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

const ENCODERS = ["mean", "gru", "transformer"] as const satisfies readonly EncoderKind[];

const table = defineCommand({
  command: "bench policy",
  description: [
    "Per available TF.js backend: act latency at batch 1 (p50, p99) and 256 (p50), the time of one gradient step and training throughput " +
      "in env transitions per second on the synthetic world; wall-clock and CPU time.",
  ],
  flags: {
    calls: { kind: "int", min: 10, default: 300, help: "act calls per latency measurement." },
    "train-steps": { kind: "int", min: 64, default: 1600, help: "env transitions of the training-throughput measurement." },
    backends: { kind: "list", choices: ["tensorflow", "wasm", "cpu"], placeholder: "NAME,...", defaultHelp: "every available one", help: "TF.js backends to measure." },
    encoders: { kind: "list", choices: ENCODERS, placeholder: "NAME,...", defaultHelp: "mean,gru,transformer; mean only on cpu (3-5x slower)", help: "PPO's state encoders (A2C and DQN run mean)." },
    algos: { kind: "list", choices: ["ppo", "a2c", "dqn"] as const satisfies readonly AlgorithmName[], default: ["ppo", "a2c", "dqn"], placeholder: "NAME,...", help: "algorithms." },
    ...JSON_FLAG,
  },
});

export const policyBench: BenchTarget = {
  name: "policy",
  summary: "RL policy act latency (batch 1, 256), update step, training env steps/s, per TF.js backend",
  table,
  async run(argv: string[], io: CliIO, json: boolean) {
    const { values } = parseCommand(table, argv);
    const { calls, algos } = values;
    const trainSteps = values["train-steps"];
    const backends = values.backends ?? (await availableBackends());
    // The cpu backend is 3-5x slower: by default it runs the mean encoder only.
    const encodersFor = (backend: string): EncoderKind[] => values.encoders ?? (backend === "cpu" ? ["mean"] : [...ENCODERS]);
    const setup = await loadPreset("synthetic");
    const rows: Row[] = [];
    for (const backend of backends) {
      const report = await initBackend([backend as "wasm"]);
      if (!json) io.stdout(`${report.summary}\n`);
      for (const algo of algos) {
        for (const encoder of algo === "ppo" ? encodersFor(backend) : (["mean"] as EncoderKind[])) {
          const make = (batchSize: number) => new Simulator(setup.groundTruth, setup.makeRules(), { ...setup.simulator, users: setup.trainUsers, batchSize, autoReset: true, seed: 1 });
          const env1 = make(1);
          const a = createAlgorithm({ algorithm: algo, context: contextFromEnv(env1), policy: { seed: 1, encoder: encoder === "transformer" ? { kind: encoder, itemDim: 64 } : { kind: encoder } }, dqn: { learningStarts: 64 } });
          const p = a.policy;
          // Act latency at batch 1: a real mid-session history from the env.
          env1.reset();
          const h1 = readHistory(env1, emptyHistory(1, p.options.historyLength, env1.numItems));
          for (let i = 0; i < 20; i++) p.act({ history: h1, deterministic: true });
          const lat1 = Array.from({ length: calls }, () => time(() => p.act({ history: h1, deterministic: true })));
          const env256 = make(256);
          env256.reset();
          const h256 = readHistory(env256, emptyHistory(256, p.options.historyLength, env256.numItems));
          for (let i = 0; i < 3; i++) p.act({ history: h256, deterministic: true });
          const lat256 = Array.from({ length: Math.max(10, Math.floor(calls / 10)) }, () => time(() => p.act({ history: h256, deterministic: true })));
          // One gradient step: PPO/A2C on a 64-transition rollout, DQN on a 64-transition replay batch.
          let updateMs = NaN;
          if (a.onPolicy) {
            const buf = new RolloutBuffer(1, 64, { historyLength: p.options.historyLength, slateSize: 1, actionDim: p.actionDim, numItems: env1.numItems });
            const h64 = readHistory(env256, emptyHistory(64, p.options.historyLength, env256.numItems));
            const r = p.act({ history: h64, withValue: true });
            buf.addAction(h64, r.slates, r.action, r.logProb, r.value, r.mask);
            buf.addOutcome(new Float32Array(64).fill(0.5), new Uint8Array(64), new Float32Array(64).fill(0.5));
            buf.finish(new Float32Array(64), 0.9, 0.95);
            // PPO's update is epochs x minibatches; with 64 transitions and minibatch 64 one epoch is one step.
            const once = () => (a.kind === "ppo" ? (a as unknown as { options: { epochs: number } }).options.epochs : 1);
            a.update(buf);
            updateMs = quantile(Array.from({ length: 5 }, () => time(() => a.update(buf)) / once()), 0.5);
          } else {
            // DQN trains once per observed batch after `learningStarts` (64 here): time one observe + step.
            const h64 = readHistory(env256, emptyHistory(64, p.options.historyLength, env256.numItems));
            const step = { history: h64, slates: p.act({ history: h64 }).slates, rewards: new Float32Array(64), dones: new Uint8Array(64), next: h64, nextMask: null };
            a.observe(step);
            updateMs = quantile(Array.from({ length: 5 }, () => time(() => a.observe(step))), 0.5);
          }
          a.dispose();
          p.dispose();
          // End-to-end training throughput with 32 sessions.
          const envTrain = make(32);
          const t = createAlgorithm({ algorithm: algo, context: contextFromEnv(envTrain), policy: { seed: 1, encoder: encoder === "transformer" ? { kind: encoder, itemDim: 64 } : { kind: encoder } } });
          const c0 = process.cpuUsage();
          const summary = await trainPolicy(envTrain, t, { totalSteps: trainSteps });
          const cpu = process.cpuUsage(c0);
          t.dispose();
          t.policy.dispose();
          const row: Row = {
            backend: report.backend,
            algo,
            encoder,
            act_b1_p50_ms: quantile(lat1, 0.5),
            act_b1_p99_ms: quantile(lat1, 0.99),
            act_b256_p50_ms: quantile(lat256, 0.5),
            update_step_ms: updateMs,
            train_steps_per_sec: summary.stepsPerSecond,
            train_steps_per_cpu_sec: summary.envSteps / ((cpu.user + cpu.system) / 1e6),
          };
          rows.push(row);
          if (!json) {
            io.stdout(
              `  ${row.backend.padEnd(10)} ${algo} ${encoder.padEnd(11)} act b=1 p50 ${row.act_b1_p50_ms.toFixed(3)} ms  p99 ${row.act_b1_p99_ms.toFixed(3)} ms  ` +
                `b=256 p50 ${row.act_b256_p50_ms.toFixed(2)} ms  update step ${row.update_step_ms.toFixed(1)} ms  ` +
                `train ${Math.round(row.train_steps_per_sec)} steps/s (${Math.round(row.train_steps_per_cpu_sec)} per CPU-s)\n`,
            );
          }
        }
      }
    }
    await initBackend();
    return { rows, items: setup.catalog.numItems, calls, trainSteps };
  },
};
