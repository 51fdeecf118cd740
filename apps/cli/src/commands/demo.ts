import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildReport, formatTable, readRunDir, runLerlExperiment, wrap } from "@farsight/lab";
import type { CliIO, Command } from "../command.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { renderHelp } from "../help.js";
import { labIO } from "../lab-io.js";
import type { PlannerChoice } from "./run.js";

/** Sized so that install, build and demo finish in about 2 minutes on 2 cores. */
const DEMO_STEPS = 8000;
const DEMO_EPISODES = 300;
/**
 * The demo's planner sees only what LERL's LLM planner would see (history and reflections). The quit-rule
 * oracle is opt-in (--with-oracle): each LERL row costs one more training (~15 s of CPU at the default
 * budget), and the demo must stay within about 2 minutes with install and build on a fresh clone.
 */
export const DEMO_PLANNERS: readonly PlannerChoice[] = ["reflection-guided"];

/**
 * `farsight demo`: LERL with the reflection-guided planner (non-LLM) and flat PPO trained on the synthetic
 * world, evaluated (flat PPO greedy and sampled) with random and popularity on the preset's test users; prints
 * the table and writes a run directory with its HTML report. Needs no model and no download.
 */
const spec = defineCommand({
  command: "demo",
  description: [
    "Trains LERL (reflection-guided planner + PPO) and flat PPO on the synthetic world, evaluates them with random and popularity " +
      "on the preset's test users, prints the table and writes a run directory with its HTML report. Needs no model and no download.",
  ],
  flags: {
    out: { kind: "path", placeholder: "DIR", defaultHelp: "runs/demo-<timestamp>", help: "run directory; the report is DIR/report.html." },
    steps: { kind: "int", min: 1, default: DEMO_STEPS, help: "training transitions per method." },
    episodes: { kind: "int", min: 1, default: DEMO_EPISODES, placeholder: "E", help: "evaluation sessions per agent." },
    seed: { kind: "int", min: 0, default: 0, placeholder: "S", help: "seed." },
    "with-oracle": {
      kind: "boolean",
      help: "also train LERL with oracle-saturation, a planner that reads the simulator's quit rule (a reference: under it no synthetic session can end early; ~15 s more).",
    },
  },
  notes: [
    `The same as \`farsight run lerl --env synthetic --planner ${DEMO_PLANNERS.join(",")}\` with the demo's sizes. ` +
      "reflection-guided sees only the session's history and the reflections of finished sessions.",
  ],
});

export const demoCommand: Command = {
  name: "demo",
  summary: "train LERL and flat PPO on the synthetic world, compare with baselines, write an HTML report (~1 min)",
  get usage() {
    return renderHelp(spec);
  },
  tables: [spec],
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parseCommand(spec, argv);
    const out = values.out ?? join("runs", `demo-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    const { steps, episodes, seed } = values;
    const planners: PlannerChoice[] = [...DEMO_PLANNERS, ...(values["with-oracle"] ? (["oracle-saturation"] as const) : [])];
    io.stdout(`farsight demo: LERL (reflection-guided planner + PPO${planners.includes("oracle-saturation") ? "; and the quit-rule oracle" : ""}) vs flat PPO, random and popularity on the synthetic world\n`);
    io.stdout(`training ${steps} transitions per method, evaluating ${episodes} sessions per agent\n`);
    const result = await runLerlExperiment(
      { env: "synthetic", planners, llm: "none", steps, seeds: [seed], out, resume: false, batch: 32, episodes, planEvery: 1, cohort: 1, skipEval: false },
      labIO(io),
    );
    const report = buildReport(readRunDir(out), { title: "Farsight demo: LERL on the synthetic world" });
    mkdirSync(out, { recursive: true });
    const html = join(out, "report.html");
    writeFileSync(html, report.html);
    io.stdout(`\n${formatTable(result.rows)}`);
    io.stdout(`${wrap(result.note)}\nMCD = share of recommended items in the training log's majority categories.\n`);
    io.stdout(`run directory: ${out}\nreport: ${html}\ntotal time: ${result.seconds.toFixed(1)}s\n`);
    return 0;
  },
};
