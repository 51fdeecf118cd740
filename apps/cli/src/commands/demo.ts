import { join } from "node:path";
import { buildReport, FLAT_GREEDY, formatTable, lerlName, readRunDir, runLerlExperiment, sessionVerdict, verdictLegend, verdictLine, wrap, writeFileAtomic } from "@farsight/lab";
import type { CliIO, Command } from "../command.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { renderHelp } from "../help.js";
import { labIO } from "../lab-io.js";

/**
 * Sized so that install, build and demo finish within 3 minutes on 2 idle cores, and equal to the LERL budget
 * of `farsight evidence --scale quick`, whose 5-seed results (docs/evidence.md) back the demo's one-seed table.
 */
const DEMO_STEPS = 4000;
const DEMO_EPISODES = 300;
/**
 * The planner quality of the demo's oracle row. Chosen on the selection seeds 100-104 only
 * (`farsight evidence --scale quick --sweeps lerl-quality --presets synthetic --seeds 100,101,102,103,104`,
 * docs/evidence-selection.md): there no q of the grid beat flat PPO at the demo's budget (q = 1: +0.09
 * [-0.33, 0.50] R_traj), so the demo shows q = 1, the quit-aware oracle itself, as the upper reference of what
 * planning alone can buy here, labelled an oracle, beside the honest planner. On the reported seeds 0-4 LERL wins
 * from q = 0.75 (docs/evidence.md); the demo's verdict line says what this seed shows.
 */
export const DEMO_ORACLE_Q = 1;
/**
 * The demo's rows: reflection-guided sees only what LERL's LLM planner would see (history and reflections);
 * noisy-oracle:Q is the planner-quality reference. `--with-oracle` adds oracle-saturation.
 */
export const DEMO_PLANNERS: readonly string[] = ["reflection-guided", `noisy-oracle:${DEMO_ORACLE_Q}`];

/**
 * `farsight demo`: LERL with the reflection-guided planner (non-LLM) and with a planner of the quality where LERL
 * wins, and flat PPO, trained on the synthetic world, evaluated (flat PPO greedy and sampled) with random and
 * popularity on the preset's test users; prints the table, who won each LERL-vs-flat comparison with its interval,
 * and writes a run directory with its HTML report. Needs no model and no download.
 */
const spec = defineCommand({
  command: "demo",
  description: [
    "Trains LERL (reflection-guided planner + PPO, and the quit-aware oracle planner as the upper reference) and flat PPO on the synthetic world, evaluates them with random and popularity " +
      "on the preset's test users, prints the table and who won (with a 95% interval of the difference), and writes a run directory with its HTML report. Needs no model and no download.",
  ],
  flags: {
    out: { kind: "path", placeholder: "DIR", defaultHelp: "runs/demo-<timestamp>", help: "run directory; the report is DIR/report.html." },
    steps: { kind: "int", min: 1, default: DEMO_STEPS, help: "training transitions per method." },
    episodes: { kind: "int", min: 2, default: DEMO_EPISODES, placeholder: "E", help: "evaluation sessions per agent." },
    seed: { kind: "int", min: 0, default: 0, placeholder: "S", help: "seed." },
    "with-oracle": {
      kind: "boolean",
      help: "also train LERL with oracle-saturation, a planner that reads the simulator's quit rule (a reference: under it no synthetic session can end early; ~15 s more).",
    },
  },
  notes: [
    `The same as \`farsight run lerl --env synthetic --planner ${DEMO_PLANNERS.join(",")} --steps ${DEMO_STEPS}\` with the demo's sizes. ` +
      "reflection-guided sees only the session's history and the reflections of finished sessions; " +
      `noisy-oracle:${DEMO_ORACLE_Q} is an ORACLE of quality q = ${DEMO_ORACLE_Q} (it reads the quit rule): the upper reference of what planning can buy; where LERL wins and where it does not: docs/evidence.md.`,
  ],
});

export const demoCommand: Command = {
  name: "demo",
  summary: "train LERL and flat PPO on the synthetic world, say who won (with an interval), write an HTML report (~1 min)",
  get usage() {
    return renderHelp(spec);
  },
  tables: [spec],
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parseCommand(spec, argv);
    const out = values.out ?? join("runs", `demo-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    const { steps, episodes, seed } = values;
    const planners: string[] = [...DEMO_PLANNERS, ...(values["with-oracle"] ? ["oracle-saturation"] : [])];
    io.stdout(`farsight demo: LERL (reflection-guided planner; and the oracle planner of quality q = ${DEMO_ORACLE_Q} as the upper reference${planners.includes("oracle-saturation") ? "; and oracle-saturation" : ""}) vs flat PPO, random and popularity on the synthetic world\n`);
    io.stdout(`training ${steps} transitions per method, evaluating ${episodes} sessions per agent\n`);
    const result = await runLerlExperiment(
      { env: "synthetic", planners, llm: "none", steps, seeds: [seed], out, resume: false, batch: 32, episodes, planEvery: 1, cohort: 1, skipEval: false },
      labIO(io),
    );
    const run = readRunDir(out);
    writeFileAtomic(join(out, "report.html"), buildReport(run, { title: "Farsight demo: LERL on the synthetic world" }).html);
    io.stdout(`\n${formatTable(result.rows)}`);
    io.stdout(`${wrap(result.note)}\nMCD = share of recommended items in the training log's majority categories.\n\n`);
    // Who won: each LERL row against flat PPO (greedy, as LERL acts greedily inside its plan).
    const verdicts = planners.map((p) => sessionVerdict(run.episodes ?? [], lerlName(p), FLAT_GREEDY));
    io.stdout(`Who won (R_traj per session):\n${verdicts.map((v) => `  ${verdictLine(v)}`).join("\n")}\n`);
    io.stdout(`${wrap(verdictLegend(verdicts[0]!, seed))}\n`);
    io.stdout(`run directory: ${out}\nreport: ${join(out, "report.html")}\nevidence over 5 seeds: docs/evidence.md\ntotal time: ${result.seconds.toFixed(1)}s\n`);
    return 0;
  },
};
