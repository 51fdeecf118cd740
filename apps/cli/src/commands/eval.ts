import { evaluate, loadPreset, PRESETS, USER_MODELS, type EvalMode } from "@farsight/env";
import { agentChoice, agentNames, resolveAgent } from "../agents.js";
import { userSplit } from "../report/protocol.js";
import { choiceFlag, intFlag, parseFlags, type CliIO, type Command } from "../command.js";
import { PRESET_FLAGS, PRESET_FLAGS_USAGE, presetOptionsFrom, quitRuleLine } from "../preset-flags.js";
import { ThrottledProgress } from "../progress.js";

const MODES: readonly EvalMode[] = ["FB", "NX_0", "NX_10"];
const TABLE = ["len", "r_traj", "r_each", "ctr", "item_coverage", "category_coverage", "ild", "category_entropy", "mcd"];

/** `farsight eval`: an agent on a preset's test-time simulator, N episodes per seed. */
export const evalCommand: Command = {
  name: "eval",
  summary: "evaluate an agent on an environment preset (Len, R_traj, R_each, diversity...)",
  get usage() {
    return [
      "Usage: farsight eval --env <preset> --agent <spec> --episodes N --seed S [--seeds K] [--mode FB|NX_0|NX_10]",
      "                     [--compat easyrl4rec] [--batch B] [--user-model mf|deepfm|ensemble] [--data-dir DIR]",
      "                     [--quit-window N] [--quit-threshold X] [--same-users] [--json]",
      "",
      `Presets: ${PRESETS.join(", ")} (default synthetic)`,
      "Agents:",
      ...agentNames().map(([n, s]) => `  ${n.padEnd(12)} ${s}`),
      "",
      "  --episodes N   episodes per seed (default 1000)",
      "  --seed S       first seed (default 0); --seeds K runs seeds S..S+K-1 (default 1)",
      "  --mode         FB (repeats allowed), NX_0 (no repeats), NX_10 (no repeats, no quitting, 10 steps)",
      "  --compat       easyrl4rec: EasyRL4Rec's shorter look-back window (window quit rules)",
      "  --batch B      concurrent sessions (default 256)",
      "  --user-model   the predicted world greedy / round-robin score with: mf (default), deepfm, ensemble",
      "  --data-dir     where datasets are (else $FARSIGHT_DATA_DIR, ~/.farsight/data, <repo>/../shared/data)",
      ...PRESET_FLAGS_USAGE,
      "  --json         one JSON object: { metrics: {len, r_traj, ..., <name>_std}, config }",
      "Runs longer than 2 s show progress on stderr (at most one line every 2 s).",
      "Metrics count the quitting step in len and r_traj (as EasyRL4Rec). Sessions run on the preset's test users",
      "(\"held-out users\" when disjoint from the train users, \"same users\" otherwise). No agent, random included,",
      "shows an item twice in a session.",
    ].join("\n");
  },
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parseFlags("eval", argv, {
      env: { type: "string" },
      agent: { type: "string" },
      episodes: { type: "string" },
      seed: { type: "string" },
      seeds: { type: "string" },
      mode: { type: "string" },
      compat: { type: "string" },
      batch: { type: "string" },
      "user-model": { type: "string" },
      "data-dir": { type: "string" },
      json: { type: "boolean" },
      ...PRESET_FLAGS,
    });
    const env = choiceFlag("env", values.env, PRESETS, "synthetic");
    const agentSpec = values.agent ?? "random";
    // The spec is checked (name and argument) before the data loads.
    const choice = agentChoice(agentSpec);
    const episodes = intFlag("episodes", values.episodes, 1000, 1);
    const seed = intFlag("seed", values.seed, 0, 0);
    const nSeeds = intFlag("seeds", values.seeds, 1, 1);
    const mode = choiceFlag("mode", values.mode, MODES, "FB");
    const compat = choiceFlag("compat", values.compat, ["none", "easyrl4rec"] as const, "none");
    const batch = intFlag("batch", values.batch, 256, 1);
    const userModel = choiceFlag("user-model", values["user-model"], USER_MODELS, "mf");
    const dataDir = values["data-dir"];
    const setup = await loadPreset(env, { compat, userModel, ...presetOptionsFrom(values), ...(dataDir ? { dataDir } : {}) });
    const seeds = Array.from({ length: nSeeds }, (_, k) => seed + k);
    const t0 = Date.now();
    const split = userSplit(setup);
    const progress = new ThrottledProgress(io.stderr);
    const what = `eval ${env} / ${agentSpec}`;
    const result = await evaluate(setup, (s) => resolveAgent(agentSpec, setup, s), {
      episodes, seeds, batchSize: batch, simulator: { mode },
      onProgress: (p) => progress.update(p.episodesDone, p.episodesTotal, what),
    });
    progress.finish(episodes * seeds.length, episodes * seeds.length, what);
    const config = {
      env, agent: agentSpec, eval: choice, users: split.label, sharedUsers: split.shared, noRepeatWithinSession: true,
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
