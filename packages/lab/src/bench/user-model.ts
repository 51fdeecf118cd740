/**
 * `bench user-model`: how well each user model predicts ratings it never saw. Every model is trained on a
 * preset's training log (what its predicted world learns from) and scored on the preset's test log (Coat:
 * test.ascii, ratings of randomly assigned coats, so a model fitted to self-selected ratings is judged on the
 * ratings of all coats), once per seed: test RMSE and MAE per seed, with the mean and a Student-t 95% interval
 * over seeds. The global mean of the training ratings is the baseline (it has no seed).
 */
import { constantRmse, loadPreset, rmse, USER_MODELS, type RatingLog, type TrainedUserModel, type UserModelKind } from "@farsight/env";
import { FarsightError } from "@farsight/core";
import { ci95, type Interval } from "../stats/student-t.js";

/** Options of {@link runUserModelBench}. */
export interface UserModelBenchOptions {
  /** Preset with a test log (coat). */
  readonly env: string;
  /** Seeds of every model; each seed trains every model once. */
  readonly seeds: readonly number[];
  /** User models to score. */
  readonly models: readonly UserModelKind[];
  /** DeepFM members of `deepfm-ensemble` (default 5, EasyRL4Rec's). */
  readonly members?: number;
  readonly dataDir?: string;
  /** Called after each (seed, model) with its scores. */
  readonly onResult?: (seed: number, kind: UserModelKind, scores: UserModelScores) => void;
}

/** Held-out scores of one trained model. */
export interface UserModelScores {
  readonly rmse: number;
  readonly mae: number;
  /** Mean of the members' per-cell std over the test cells (models with members), else undefined. */
  readonly meanStd?: number;
  /** DeepFM models: the epoch early stopping kept (first member). */
  readonly epochs?: number;
}

/** One model's row: per-seed values and their interval. */
export interface UserModelRow {
  readonly kind: UserModelKind;
  readonly perSeed: readonly UserModelScores[];
  readonly rmse: Interval;
  readonly mae: Interval;
}

/** A model's test RMSE minus DeepFM's on the same seed (same initial weights and early-stopping split). */
export interface UserModelDifference {
  readonly kind: UserModelKind;
  readonly perSeed: readonly number[];
  readonly rmse: Interval;
}

export interface UserModelBenchResult {
  readonly env: string;
  readonly seeds: readonly number[];
  readonly members: number;
  readonly rows: readonly UserModelRow[];
  /** Paired by seed against `deepfm` (when it was scored): below 0 is better than one DeepFM. */
  readonly differences: readonly UserModelDifference[];
  /** Test RMSE and MAE of predicting the training log's global mean. */
  readonly globalMean: { readonly rmse: number; readonly mae: number };
}

function mae(matrix: Float32Array, numItems: number, log: RatingLog): number {
  let s = 0;
  for (let j = 0; j < log.user.length; j++) s += Math.abs(matrix[log.user[j]! * numItems + log.item[j]!]! - log.rating[j]!);
  return s / log.user.length;
}

function scoresOf(model: TrainedUserModel, test: RatingLog): UserModelScores {
  let meanStd: number | undefined;
  if (model.uncertainty) {
    let s = 0;
    for (let j = 0; j < test.user.length; j++) s += model.uncertainty[test.user[j]! * model.numItems + test.item[j]!]!;
    meanStd = s / test.user.length;
  }
  return {
    rmse: rmse(model.predicted, model.numItems, test),
    mae: mae(model.predicted, model.numItems, test),
    ...(meanStd !== undefined ? { meanStd } : {}),
    ...(model.deepfm ? { epochs: model.deepfm.epochs[0]! } : {}),
  };
}

/** Trains and scores every model on every seed. */
export async function runUserModelBench(o: UserModelBenchOptions): Promise<UserModelBenchResult> {
  for (const m of o.models) {
    if (!(USER_MODELS as readonly string[]).includes(m)) throw new FarsightError("env/bad-option", `unknown user model "${m}"; known: ${USER_MODELS.join(", ")}`, { kind: m });
  }
  const members = o.members ?? 5;
  const perSeed = new Map<UserModelKind, UserModelScores[]>(o.models.map((m) => [m, []]));
  let globalMean = { rmse: NaN, mae: NaN };
  for (const seed of o.seeds) {
    for (const kind of o.models) {
      const setup = await loadPreset(o.env, { ...(o.dataDir ? { dataDir: o.dataDir } : {}), userModel: { kind, members, mf: { seed }, deepfm: { seed } } });
      if (!setup.testLog) throw new FarsightError("env/bad-option", `bench user-model: preset ${o.env} has no test log to score on (coat has one)`, { env: o.env });
      const { model } = await setup.predicted();
      const scores = scoresOf(model, setup.testLog);
      perSeed.get(kind)!.push(scores);
      const mu = new Float32Array(model.predicted.length).fill(model.globalMean);
      globalMean = { rmse: constantRmse(model.globalMean, setup.testLog), mae: mae(mu, model.numItems, setup.testLog) };
      o.onResult?.(seed, kind, scores);
    }
  }
  const rows = o.models.map((kind) => {
    const xs = perSeed.get(kind)!;
    return { kind, perSeed: xs, rmse: ci95(xs.map((s) => s.rmse)), mae: ci95(xs.map((s) => s.mae)) };
  });
  const base = rows.find((r) => r.kind === "deepfm");
  const differences = base
    ? rows.filter((r) => r.kind !== "deepfm").map((r) => {
      const perSeedDiff = r.perSeed.map((s, k) => s.rmse - base.perSeed[k]!.rmse);
      return { kind: r.kind, perSeed: perSeedDiff, rmse: ci95(perSeedDiff) };
    })
    : [];
  return { env: o.env, seeds: o.seeds, members, rows, differences, globalMean };
}

const MODEL_LABELS: Record<UserModelKind, string> = {
  mf: "MF",
  deepfm: "DeepFM",
  ensemble: "ensemble (2 MF + 2 DeepFM)",
  "deepfm-ensemble": "DeepFM ensemble",
  "deepfm-ips": "IPS DeepFM (clip 100)",
};

const fmt = (i: Interval) => (Number.isNaN(i.halfWidth) ? i.mean.toFixed(4) : `${i.mean.toFixed(4)} ± ${i.halfWidth.toFixed(4)}`);

/** The README table: mean ± 95% CI over seeds, then the per-seed values. */
export function formatUserModelTable(r: UserModelBenchResult): string {
  const label = (k: UserModelKind) => (k === "deepfm-ensemble" ? `${MODEL_LABELS[k]} (${r.members} members)` : MODEL_LABELS[k]);
  const lines = [
    `| model | test RMSE (mean ± 95% CI) | test MAE | RMSE per seed (${r.seeds.join(", ")}) | mean member std on test cells |`,
    "|---|---:|---:|---|---:|",
    ...r.rows.map((row) => {
      const stds = row.perSeed.map((s) => s.meanStd).filter((s): s is number => s !== undefined);
      return `| ${label(row.kind)} | ${fmt(row.rmse)} | ${fmt(row.mae)} | ${row.perSeed.map((s) => s.rmse.toFixed(4)).join(" ")} | ${stds.length ? (stds.reduce((a, b) => a + b, 0) / stds.length).toFixed(4) : "-"} |`;
    }),
    `| global mean (no seed) | ${r.globalMean.rmse.toFixed(4)} | ${r.globalMean.mae.toFixed(4)} | - | - |`,
  ];
  if (r.differences.length > 0) {
    const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(4)}`;
    lines.push(
      "",
      `| test RMSE minus DeepFM's, same seed | mean ± 95% CI | per seed (${r.seeds.join(", ")}) |`,
      "|---|---:|---|",
      ...r.differences.map((d) => `| ${label(d.kind)} | ${Number.isNaN(d.rmse.halfWidth) ? signed(d.rmse.mean) : `${signed(d.rmse.mean)} ± ${d.rmse.halfWidth.toFixed(4)}`} | ${d.perSeed.map(signed).join(" ")} |`),
    );
  }
  return lines.join("\n") + "\n";
}
