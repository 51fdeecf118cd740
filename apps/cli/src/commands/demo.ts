import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { intFlag, parseFlags, type CliIO, type Command } from "../command.js";
import { buildReport } from "../report/html.js";
import { readRunDir } from "../report/read-run-dir.js";
import { formatTable, runLerlExperiment } from "./run.js";

/** Sized to finish in about 2-3 minutes on 2 cores (the demo's budget is 5). */
const DEMO_STEPS = 8000;
const DEMO_EPISODES = 300;

/**
 * `farsight demo`: LERL with the (non-LLM) saturation-aware planner and flat PPO trained on the synthetic
 * world, evaluated with random and popularity on held-out users; prints the table and writes a run directory
 * with its HTML report. Needs no model and no download.
 */
export const demoCommand: Command = {
  name: "demo",
  summary: "train LERL and flat PPO on the synthetic world, compare with baselines, write an HTML report (~2-3 min)",
  usage: [
    "Usage: farsight demo [--out DIR] [--steps N] [--episodes E] [--seed S]",
    "",
    "  --out DIR      run directory (default runs/demo-<timestamp>); the report is DIR/report.html",
    `  --steps N      training transitions per method (default ${DEMO_STEPS})`,
    `  --episodes E   held-out evaluation sessions per agent (default ${DEMO_EPISODES})`,
    "  --seed S       seed (default 0)",
    "The same as `farsight run lerl --env synthetic --planner saturation` with the demo's sizes.",
  ].join("\n"),
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parseFlags("demo", argv, { out: { type: "string" }, steps: { type: "string" }, episodes: { type: "string" }, seed: { type: "string" } });
    const out = values.out ?? join("runs", `demo-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    const steps = intFlag("steps", values.steps, DEMO_STEPS, 1);
    const episodes = intFlag("episodes", values.episodes, DEMO_EPISODES, 1);
    const seed = intFlag("seed", values.seed, 0, 0);
    io.stdout(`farsight demo: LERL (saturation-aware planner + PPO) vs flat PPO, random and popularity on the synthetic world\n`);
    io.stdout(`training ${steps} transitions per method, evaluating ${episodes} held-out sessions per agent\n`);
    const result = await runLerlExperiment(
      { env: "synthetic", planner: "saturation", llm: "none", steps, seeds: [seed], out, resume: false, batch: 32, episodes, planEvery: 1, cohort: 1, skipEval: false },
      io,
    );
    const report = buildReport(readRunDir(out), { title: "Farsight demo: LERL on the synthetic world" });
    mkdirSync(out, { recursive: true });
    const html = join(out, "report.html");
    writeFileSync(html, report.html);
    io.stdout(`\n${formatTable(result.rows)}`);
    io.stdout("Len and R_traj count the quitting step; MCD = share of recommended items in the training log's majority categories.\n");
    io.stdout(`run directory: ${out}\nreport: ${html}\ntotal time: ${result.seconds.toFixed(1)}s\n`);
    return 0;
  },
};
