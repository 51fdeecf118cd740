import { evaluate, loadPreset, type EvalMode } from "@farsight/env";
import { agentChoice, agentMayRepeat, agentNames, resolveAgent, userSplit, ThrottledProgress } from "@farsight/lab";
import type { CliIO, Command } from "../command.js";
import { DATA_DIR_FLAG, ENV_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { renderHelp } from "../help.js";
import { PRESET_FLAG_TABLE, presetOptionsFrom, quitRuleLine } from "../preset-flags.js";

const MODES = ["FB", "NX_0", "NX_10"] as const satisfies readonly EvalMode[];
const TABLE = ["len", "r_traj", "r_each", "ctr", "item_coverage", "category_coverage", "ild", "category_entropy", "mcd"];

const spec = defineCommand({
  command: "eval",
  description: ["Evaluates an agent on a preset's test-time simulator (the ground truth, the preset's test users), N episodes per seed."],
  flags: {
    ...ENV_FLAG,
    agent: { kind: "string", default: "random", placeholder: "SPEC", help: "the agent: a name or name:arg (see Agents below)." },
    episodes: { kind: "int", min: 1, default: 1000, help: "episodes per seed." },
    seed: { kind: "int", min: 0, default: 0, placeholder: "S", help: "first seed." },
    seeds: { kind: "int", min: 1, default: 1, placeholder: "K", help: "runs seeds S..S+K-1." },
    mode: {
      kind: "choice", choices: MODES, default: "NX_0", placeholder: "MODE", help: "evaluation mode.",
      choiceHelp: { FB: "repeats allowed (random and policies may repeat)", NX_0: "no repeats", NX_10: "no repeats, no quitting, exactly 10 steps" },
    },
    compat: { kind: "choice", choices: ["none", "easyrl4rec"], default: "none", placeholder: "NAME", help: "easyrl4rec: EasyRL4Rec's shorter look-back window (window quit rules)." },
    batch: { kind: "int", min: 1, default: 256, placeholder: "B", help: "concurrent sessions." },
    ...DATA_DIR_FLAG,
    ...PRESET_FLAG_TABLE,
    json: { kind: "boolean", help: "one JSON object: { metrics: {len, r_traj, ..., <name>_std}, config }." },
  },
  get notes() {
    return [
      // Names padded past the longest (oracle-quit-aware): two spaces before every description keep it one column when wrapped.
      `Agents:\n${agentNames().map(([n, s], _i, all) => `  ${n.padEnd(Math.max(...all.map(([m]) => m.length)) + 1)} ${s}`).join("\n")}`,
      "Runs longer than 2 s show progress on stderr (at most one line every 2 s). Metrics count the quitting step in len and r_traj (as EasyRL4Rec). " +
        "Sessions run on the preset's test users (\"held-out users\" when disjoint from the train users, \"same users\" otherwise). " +
        "In FB, random and saved policies may repeat an item (a repeat can end the session); the ranking baselines and logging never do.",
    ];
  },
});

/** `farsight eval`: an agent on a preset's test-time simulator, N episodes per seed. */
export const evalCommand: Command = {
  name: "eval",
  summary: "evaluate an agent on an environment preset (Len, R_traj, R_each, diversity...)",
  get usage() {
    return renderHelp(spec);
  },
  tables: [spec],
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, given } = parseCommand(spec, argv);
    const { env, agent: agentSpec, episodes, mode, compat, batch } = values;
    // The spec is checked (name and argument) before the data loads.
    const choice = agentChoice(agentSpec);
    const seed = values.seed;
    const nSeeds = values.seeds;
    const dataDir = values["data-dir"];
    const setup = await loadPreset(env, { compat, ...presetOptionsFrom(given), ...(dataDir ? { dataDir } : {}) });
    const seeds = Array.from({ length: nSeeds }, (_, k) => seed + k);
    const t0 = Date.now();
    const split = userSplit(setup);
    const progress = new ThrottledProgress(io.stderr);
    const what = `eval ${env} / ${agentSpec}`;
    const result = await evaluate(setup, (s) => resolveAgent(agentSpec, setup, s, mode), {
      episodes, seeds, batchSize: batch, mode,
      onProgress: (p) => progress.update(p.episodesDone, p.episodesTotal, what),
    });
    progress.finish(episodes * seeds.length, episodes * seeds.length, what);
    const config = {
      env, agent: agentSpec, eval: choice, users: split.label, sharedUsers: split.shared, noRepeatWithinSession: !agentMayRepeat(agentSpec, mode),
      episodes, seeds, mode, compat, batch, ...setup.describe, seconds: (Date.now() - t0) / 1000,
    };
    if (values.json) {
      io.stdout(JSON.stringify({ metrics: result.metrics, config }) + "\n");
      return 0;
    }
    io.stdout(`${env} / ${agentSpec} (${choice}) / ${mode}${compat !== "none" ? ` / compat ${compat}` : ""}: ${result.metrics.episodes} episodes, seeds ${seeds.join(",")}, ${split.label} (${split.testUsers} test, ${split.trainUsers} train)\n`);
    io.stdout(`  ${quitRuleLine(setup.describe)}\n`);
    for (const m of TABLE) {
      const v = result.metrics[m]!, s = result.metrics[`${m}_std`];
      io.stdout(`  ${m.padEnd(18)} ${v.toFixed(4).padStart(10)}${s !== undefined && Number.isFinite(s) ? `  ± ${s.toFixed(4)}` : ""}\n`);
    }
    return 0;
  },
};
