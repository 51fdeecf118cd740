/**
 * `farsight bench user-model`: held-out RMSE and MAE of the user models (MF, DeepFM, the MF + DeepFM ensemble,
 * the DeepFM ensemble, IPS DeepFM) and of the global mean, trained on a preset's training log and scored on its
 * test log (Coat: train.ascii / test.ascii), per seed with mean and 95% CI over seeds. The work is
 * `runUserModelBench` in @farsight/lab; this parses flags and prints.
 */
import { formatUserModelTable, runUserModelBench } from "@farsight/lab";
import { PRESETS, USER_MODELS, type UserModelKind } from "@farsight/env";
import { UsageError, type CliIO } from "../command.js";
import { DATA_DIR_FLAG, JSON_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import type { BenchTarget } from "./registry.js";

const table = defineCommand({
  command: "bench user-model",
  description: ["Held-out RMSE and MAE of the user models and of the global mean, trained on a preset's training log and scored on its test log, over seeds 1..K (per seed, mean and 95% CI)."],
  flags: {
    env: { kind: "choice", choices: PRESETS, default: "coat", placeholder: "PRESET", help: "environment preset; it needs a test log (coat has one)." },
    seeds: { kind: "int", min: 1, default: 5, placeholder: "K", help: "seeds 1..K." },
    // Checked below, so an unknown name is named as a user model.
    models: { kind: "list", default: USER_MODELS, placeholder: "NAME,...", help: `user models to score (${USER_MODELS.join(", ")}).` },
    members: { kind: "int", min: 1, default: 5, placeholder: "N", help: "DeepFM members of deepfm-ensemble (EasyRL4Rec: 5)." },
    ...DATA_DIR_FLAG,
    ...JSON_FLAG,
  },
});

export const userModelBench: BenchTarget = {
  name: "user-model",
  summary: "held-out RMSE of the user models over seeds, 95% CIs (coat)",
  table,
  async run(argv: string[], io: CliIO, json: boolean) {
    const { values } = parseCommand(table, argv);
    const models = values.models as UserModelKind[];
    for (const m of models) if (!(USER_MODELS as readonly string[]).includes(m)) throw new UsageError(`--models: unknown user model "${m}"; known: ${USER_MODELS.join(", ")}`);
    const seeds = Array.from({ length: values.seeds }, (_v, k) => k + 1);
    const result = await runUserModelBench({
      env: values.env,
      seeds,
      models,
      members: values.members,
      ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
      onResult: (seed, kind, s) => {
        if (!json) io.stderr(`seed ${seed} ${kind.padEnd(15)} test RMSE ${s.rmse.toFixed(4)} MAE ${s.mae.toFixed(4)}${s.epochs !== undefined ? ` (epoch kept ${s.epochs})` : ""}\n`);
      },
    }).catch((err: unknown) => {
      if (err instanceof Error && /has no test log/.test(err.message)) throw new UsageError(err.message);
      throw err;
    });
    if (!json) {
      io.stdout(`${values.env} held-out test log, seeds ${seeds.join(",")}: mean ± 95% CI over seeds (Student t)\n`);
      io.stdout(formatUserModelTable(result));
    }
    return { target: "user-model", ...result };
  },
};
