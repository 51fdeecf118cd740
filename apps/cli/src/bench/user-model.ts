/**
 * `farsight bench user-model`: test RMSE of the user models (MF, DeepFM, the MF + DeepFM ensemble) and of
 * the global mean, trained on a preset's training log and scored on its test log (Coat: train.ascii /
 * test.ascii, the split the preset uses), over several seeds, with mean and std across seeds.
 */
import { mean, std } from "@farsight/core";
import { constantRmse, loadPreset, PRESETS, rmse, USER_MODELS, type UserModelKind } from "@farsight/env";
import { UsageError, type CliIO } from "../command.js";
import { DATA_DIR_FLAG, JSON_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import type { BenchTarget } from "./registry.js";

const table = defineCommand({
  command: "bench user-model",
  description: ["Test RMSE of the user models (MF, DeepFM, the MF + DeepFM ensemble) and of the global mean, trained on a preset's training log and scored on its test log, over seeds 1..K (mean and std across seeds)."],
  flags: {
    env: { kind: "choice", choices: PRESETS, default: "coat", placeholder: "PRESET", help: "environment preset; it needs a test log (coat has one)." },
    seeds: { kind: "int", min: 1, default: 5, placeholder: "K", help: "seeds 1..K." },
    // Checked below, so an unknown name is named as a user model.
    models: { kind: "list", default: USER_MODELS, placeholder: "NAME,...", help: `user models to score (${USER_MODELS.join(", ")}).` },
    ...DATA_DIR_FLAG,
    ...JSON_FLAG,
  },
});

export const userModelBench: BenchTarget = {
  name: "user-model",
  summary: "test RMSE of MF, DeepFM and their ensemble over seeds (coat)",
  table,
  async run(argv: string[], io: CliIO, json: boolean) {
    const { values } = parseCommand(table, argv);
    const env = values.env;
    const nSeeds = values.seeds;
    const models = values.models as UserModelKind[];
    for (const m of models) if (!(USER_MODELS as readonly string[]).includes(m)) throw new UsageError(`--models: unknown user model "${m}"; known: ${USER_MODELS.join(", ")}`);
    const seeds = Array.from({ length: nSeeds }, (_v, k) => k + 1);
    const rows: Record<string, number[]> = Object.fromEntries(models.map((m) => [m, []]));
    const epochs: number[] = [];
    let globalMean = NaN;
    for (const seed of seeds) {
      for (const kind of models) {
        const setup = await loadPreset(env, { ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}), userModel: { kind, mf: { seed }, deepfm: { seed } } });
        if (!setup.testLog) throw new UsageError(`bench user-model: preset ${env} has no test log to score on (coat has one)`);
        const { model } = await setup.predicted();
        const score = rmse(model.predicted, model.numItems, setup.testLog);
        rows[kind]!.push(score);
        if (kind === "deepfm") epochs.push(model.deepfm!.epochs[0]!);
        globalMean = constantRmse(model.globalMean, setup.testLog);
        if (!json) io.stderr(`seed ${seed} ${kind.padEnd(8)} test RMSE ${score.toFixed(4)}\n`);
      }
    }
    const summary = Object.fromEntries(Object.entries(rows).map(([k, xs]) => [k, { mean: mean(xs), std: std(xs), perSeed: xs }]));
    if (!json) {
      io.stdout(`${env} test RMSE over seeds ${seeds.join(",")} (mean ± std across seeds)\n`);
      for (const [k, s] of Object.entries(summary)) io.stdout(`  ${k.padEnd(10)} ${s.mean.toFixed(4)} ± ${s.std.toFixed(4)}   per seed ${s.perSeed.map((x) => x.toFixed(4)).join(" ")}\n`);
      io.stdout(`  ${"mean".padEnd(10)} ${globalMean.toFixed(4)}   (global mean of the training ratings)\n`);
      if (epochs.length > 0) io.stdout(`  DeepFM kept epochs (early stopping): ${epochs.join(" ")}\n`);
    }
    return { target: "user-model", env, seeds, rmse: summary, globalMeanRmse: globalMean, deepfmEpochs: epochs };
  },
};
