/**
 * `farsight bench learn`: its flags, read into @farsight/lab's {@link LearnOptions}; the grid itself (training,
 * evaluation, intervals over seeds, run directory, report) is lab's `runLearnBench`.
 */
import { EVAL_MODES, PRESETS, type EvalMode, type PresetName } from "@farsight/env";
import { DEFAULT_LEARN_MODES, DEFAULT_LEARN_STEPS, FALLBACK_LEARN_STEPS, fmtDuration, formatPresetTable, knownMethods, LEARNED, OFFLINE, OFFLINE_TERMINALS, runLearnBench, USER_STATE_MODES, type LearnerSettings, type LearnOptions } from "@farsight/lab";
import { intFlag, listFlag, UsageError, type CliIO } from "../command.js";
import { DATA_DIR_FLAG, JSON_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { labIO } from "../lab-io.js";
import { PRESET_FLAG_TABLE, presetOptionsFrom } from "../preset-flags.js";
import type { BenchTarget } from "./registry.js";

export { aggregateRows, knownMethods, learnUserSplit as userSplit, LEARNED, OFFLINE, runLearnBench, type LearnOptions, type LearnResults, type LearnRow, type SeedResult } from "@farsight/lab";

/**
 * `--seeds 5` is seeds 0..4; `--seeds 0,3,7` (any value with a comma) is that list, and a trailing comma makes a list
 * of one (`--seeds 14,` is seed 14 alone: without a comma 14 is a count), so one seed of a list can be rerun.
 */
export function parseSeeds(value: string | undefined): number[] {
  if (value === undefined) return [0, 1, 2, 3, 4];
  const bad = () => new UsageError(`--seeds must be a count (e.g. 5 for seeds 0..4) or a comma-separated list of integers >= 0, got "${value}"`);
  // Digits only: `Number()` would take "1e1", "0x5" and "" as seeds.
  const digits = (s: string) => (/^\d+$/.test(s.trim()) ? Number(s) : NaN);
  if (!value.includes(",")) {
    const n = digits(value);
    if (!Number.isSafeInteger(n) || n < 1) throw bad();
    return Array.from({ length: n }, (_, i) => i);
  }
  const parts = value.split(",");
  if (parts.length === 2 && parts[1]!.trim() === "") parts.pop();
  const seeds = parts.map(digits);
  if (seeds.length === 0 || seeds.some((s) => !Number.isSafeInteger(s))) throw bad();
  if (new Set(seeds).size !== seeds.length) throw new UsageError(`--seeds lists a seed twice: "${value}"`);
  return seeds;
}

/** `--steps 8000` for every preset, `--steps synthetic=8000,coat=15000` per preset, or both (`8000,coat=15000`). */
export function parseSteps(value: string | undefined, presets: readonly string[]): Record<string, number> {
  let fallback: number | undefined;
  const given: Record<string, number> = {};
  for (const part of listFlag("steps", value, [])) {
    const eq = part.indexOf("=");
    const name = eq < 0 ? undefined : part.slice(0, eq);
    const n = intFlag("steps", eq < 0 ? part : part.slice(eq + 1), 0, 1);
    if (name === undefined) fallback = n;
    else if (!(PRESETS as readonly string[]).includes(name)) throw new UsageError(`--steps: unknown preset "${name}"; known: ${PRESETS.join(", ")}`);
    else given[name] = n;
  }
  return Object.fromEntries(presets.map((p) => [p, given[p] ?? fallback ?? DEFAULT_LEARN_STEPS[p] ?? FALLBACK_LEARN_STEPS]));
}

export function parseLearnArgs(argv: string[]): LearnOptions {
  const { values, given } = parseCommand(LEARN_TABLE, argv);
  const preset = presetOptionsFrom(given);
  const testFraction = values["test-fraction"];
  const known = knownMethods();
  const methods = values.methods;
  const unknown = methods.filter((m) => !known.includes(m));
  if (unknown.length || methods.length === 0) throw new UsageError(`--methods: unknown method(s) ${unknown.join(", ") || "(none given)"}; known: ${known.join(", ")}`);
  // Every ratio column divides by random on the same seed: random always runs.
  if (!methods.includes("random")) methods.push("random");
  const modes = values.mode;
  if (modes.length === 0) throw new UsageError(`--mode: no mode given; known: ${EVAL_MODES.join(", ")}`);
  // One object for the learners' settings beyond their algorithm: a new learner option is read here, beside these.
  const learner: LearnerSettings = {
    ...(values["repeat-logit"] !== undefined ? { repeatLogit: values["repeat-logit"] } : {}),
    ...(values["offline-epochs"] !== undefined ? { offlineEpochs: values["offline-epochs"] } : {}),
    ...(values["category-logit"] === "on" ? { categoryLogit: true } : {}),
    ...(given["offline-terminals"] ? { offlineTerminals: values["offline-terminals"] } : {}),
  };
  const presets = values.env;
  const badPreset = presets.filter((p) => !(PRESETS as readonly string[]).includes(p));
  if (badPreset.length || presets.length === 0) throw new UsageError(`--env: unknown preset(s) ${badPreset.join(", ") || "(none given)"}; known: ${PRESETS.join(", ")}`);
  return {
    methods: [...new Set(methods)],
    presets: [...new Set(presets)] as PresetName[],
    seeds: parseSeeds(values.seeds),
    steps: parseSteps(values.steps, presets),
    episodes: values.episodes,
    batch: values.batch,
    out: values.out ?? `runs/bench-learn-${new Date().toISOString().replace(/[:.]/g, "-")}`,
    ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
    ...(testFraction !== undefined ? { testFraction } : {}),
    ...(Object.keys(preset).length ? { preset } : {}),
    ...(given["user-state"] ? { userState: values["user-state"] } : {}),
    ...(values.verbose ? { verbose: true } : {}),
    command: ["farsight bench learn", ...argv].join(" "),
    modes: [...new Set(modes)] as EvalMode[],
    ...(Object.keys(learner).length ? { learner } : {}),
  };
}

/** The flags of `farsight bench learn`. */
export const LEARN_TABLE = defineCommand({
  command: "bench learn",
  description: ["Trains and evaluates methods x presets x seeds at fixed budgets: mean ± 95% CI over seeds, results.json, results.md (README tables), report.html."],
  flags: {
    methods: {
      kind: "list", default: ["ppo", "a2c", "dqn", "random", "popularity", "round-robin"], placeholder: "NAME,...",
      help: `online: ${LEARNED.join(", ")}; offline, from the log alone: ${OFFLINE.join(", ")}; baselines: the agents of \`farsight eval\` (logging: the logging policy; random always runs).`,
    },
    mode: {
      kind: "list", choices: EVAL_MODES, default: [...DEFAULT_LEARN_MODES], placeholder: "MODE,...",
      help: "evaluation modes, each trained and evaluated in its own: FB (repeats allowed), NX_0 (no repeats), NX_10 (10 steps).",
    },
    "repeat-logit": { kind: "number", placeholder: "W", defaultHelp: "off", help: "start of the learned repeat logit of ppo, a2c, reinforce, dqn (e.g. -10 for FB)." },
    "category-logit": {
      kind: "choice", choices: ["off", "on"], default: "off", placeholder: "off|on",
      help: "ppo, a2c, reinforce: a learned logit per item category from the last 4 items and user affinity.",
    },
    "offline-epochs": { kind: "int", min: 1, placeholder: "E", defaultHelp: "10", help: "passes over the training log for bc, bcq, cql, crr." },
    "offline-terminals": {
      kind: "choice", choices: OFFLINE_TERMINALS, default: "quit-rule", placeholder: "T",
      help: "bc, bcq, cql, crr: logged steps where the quit rule fires are terminal, or session ends only.",
    },
    verbose: { kind: "boolean", help: "offline methods: a progress line per epoch with its losses and mean Q (default: first, last)." },
    env: { kind: "list", default: ["synthetic"], placeholder: "PRESET,...", help: `presets (${PRESETS.join(", ")}); one whose dataset is missing is skipped with a message.` },
    seeds: { kind: "string", placeholder: "K|A,B", defaultHelp: "5, i.e. seeds 0..4", help: "a count (5 = seeds 0..4) or a comma-separated list (`14,` is seed 14 alone); each seed trains and evaluates." },
    steps: {
      kind: "string", placeholder: "N|P=N,...", defaultHelp: "synthetic=8000, coat=15000, else 8000",
      help: "training transitions per method and seed; per preset with name=N (`8000,coat=15000` sets both).",
    },
    episodes: { kind: "int", min: 1, default: 300, placeholder: "E", help: "evaluation sessions per seed." },
    batch: { kind: "int", min: 1, default: 32, placeholder: "B", help: "concurrent training sessions." },
    "test-fraction": {
      kind: "number", min: 0, max: 1, exclusiveMax: true, placeholder: "F", defaultHelp: "0.2",
      help: "hold out this share of users for evaluation in every preset (the table says which users it evaluated on).",
    },
    out: { kind: "path", placeholder: "DIR", defaultHelp: "runs/bench-learn-<time>", help: "run directory: results.json, results.md, curves.jsonl, config.json, report.html." },
    "user-state": {
      kind: "choice", choices: USER_STATE_MODES, default: "off", placeholder: "off|on|both",
      help: "learned policies read the user's logged past and features (on), not (off), or both as two rows.",
    },
    ...DATA_DIR_FLAG,
    ...PRESET_FLAG_TABLE,
    ...JSON_FLAG,
  },
  exclusive: [{ flags: ["test-fraction", "same-users"], why: "--same-users evaluates on the training users" }],
  notes: [
    "Learned policies are evaluated twice, greedy and sampled. Every table names its mode: in FB random and the learned policies may " +
      "repeat (the policies train without a repeat mask there too); in NX modes nothing repeats. The ranking baselines and logging never repeat.",
  ],
});

export const learnBench: BenchTarget = {
  name: "learn",
  summary: "train and evaluate methods x presets x seeds at fixed budgets: mean ± 95% CI, results.json, report.html",
  table: LEARN_TABLE,
  async run(argv: string[], io: CliIO, json: boolean) {
    const o = parseLearnArgs(argv);
    // Progress on stderr (stdout holds the tables, or the one JSON object); a skipped preset is said in both modes.
    const result = await runLearnBench(o, labIO(io, { quiet: json, progress: "stderr" }));
    if (!json) {
      for (const p of result.bench.presets) io.stdout(formatPresetTable(result, p) + "\n");
      for (const s of result.bench.skipped) io.stdout(`${s.preset}: skipped (${s.reason})\n\n`);
      io.stdout(`wrote ${o.out}/results.json, results.md, curves.jsonl, report.html (${fmtDuration(result.bench.seconds * 1000)})\n`);
    }
    return result as unknown as Record<string, unknown>;
  },
};
