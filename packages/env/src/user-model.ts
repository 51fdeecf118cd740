/**
 * The user model a preset learns from its training log: the predicted world the train-time env pays, and the
 * completer of ground truths a dataset does not ship (MovieLens, KuaiRand). `mf` (matrix factorisation),
 * `deepfm` (DeepFM on ids and side features), or `ensemble`: MF and DeepFM models of several seeds whose
 * per-cell disagreement (std across members) is the uncertainty DORL / MOPO subtract from the reward.
 */
import { FarsightError } from "@farsight/core";
import type { Dataset, RatingLog } from "./data/dataset.js";
import { memberStats, trainDeepFM, type DeepFMOptions, type TrainedDeepFM } from "./deepfm.js";
import { datasetFeatures, type SideFeatures } from "./features.js";
import { rmse, trainMF, type MFOptions, type TrainedMF } from "./learned.js";
import type { MFFactors } from "./mf-sparse.js";

export const USER_MODELS = ["mf", "deepfm", "ensemble"] as const;
/** Which model predicts a user's rating of an item. */
export type UserModelKind = (typeof USER_MODELS)[number];

export interface UserModelOptions {
  /** `mf` (default, the earlier behaviour), `deepfm`, or `ensemble` (MF and DeepFM members). */
  readonly kind: UserModelKind;
  /** MF options (all kinds that train MF). */
  readonly mf: Partial<MFOptions>;
  /** DeepFM options (all kinds that train DeepFM). */
  readonly deepfm: Partial<DeepFMOptions>;
  /**
   * `ensemble`: seeds of each model, so 2 gives 2 MF + 2 DeepFM members (EasyRL4Rec's ensemble has 5
   * DeepFMs; two kinds disagree where the data leaves a cell open, which is what the penalty needs).
   */
  readonly seedsPerKind: number;
  /**
   * lambda of the uncertainty penalty: the predicted world pays `prediction - lambda * std` where std is
   * the members' per-cell std (DORL / MOPO's penalty on a static matrix). 0 (default) pays the prediction.
   * Needs members: `ensemble`, or `deepfm` with `deepfm.ensemble` > 1.
   */
  readonly uncertaintyPenalty: number;
}

export const DEFAULT_USER_MODEL: UserModelOptions = { kind: "mf", mf: {}, deepfm: {}, seedsPerKind: 2, uncertaintyPenalty: 0 };

/** A trained user model: the users x items prediction and, for ensembles, the members' disagreement. */
export interface TrainedUserModel {
  readonly kind: UserModelKind;
  /** Mean prediction of the members, users x items. */
  readonly predicted: Float32Array;
  readonly numUsers: number;
  readonly numItems: number;
  /** Global mean of the training ratings (the baseline predictor). */
  readonly globalMean: number;
  /** Training RMSE of `predicted`. */
  readonly trainRmse: number;
  /** Per-cell std across members (population std), when there is more than one. */
  readonly uncertainty?: Float32Array;
  /** Number of independently trained members averaged. */
  readonly members: number;
  /** The MF model (the first one of an ensemble). */
  readonly mf?: TrainedMF;
  /** The DeepFM model (the first one of an ensemble). */
  readonly deepfm?: TrainedDeepFM;
}

/** Normalises the `userModel` option of a preset (a kind name or options). */
export function userModelOptions(spec: UserModelKind | Partial<UserModelOptions> | undefined, mf?: Partial<MFOptions>): UserModelOptions {
  const o = typeof spec === "string" ? { kind: spec } : (spec ?? {});
  const merged = { ...DEFAULT_USER_MODEL, ...o, mf: { ...mf, ...o.mf } };
  if (!(USER_MODELS as readonly string[]).includes(merged.kind)) {
    throw new FarsightError("env/bad-option", `unknown user model "${merged.kind as string}"; known: ${USER_MODELS.join(", ")}`, { kind: merged.kind });
  }
  if (!Number.isInteger(merged.seedsPerKind) || merged.seedsPerKind < 1) {
    throw new FarsightError("env/bad-option", `user model seedsPerKind must be an integer >= 1, got ${merged.seedsPerKind}`, { value: merged.seedsPerKind });
  }
  if (!(merged.uncertaintyPenalty >= 0)) {
    throw new FarsightError("env/bad-option", `uncertaintyPenalty must be a number >= 0, got ${merged.uncertaintyPenalty}`, { value: merged.uncertaintyPenalty });
  }
  return merged;
}

/** Trains the chosen user model on a log. */
export async function trainUserModel(log: RatingLog, numUsers: number, numItems: number, features: SideFeatures, spec?: UserModelKind | Partial<UserModelOptions>): Promise<TrainedUserModel> {
  const o = userModelOptions(spec);
  const base = { numUsers, numItems, kind: o.kind };
  if (o.kind === "mf") {
    const mf = await trainMF(log, numUsers, numItems, o.mf);
    return { ...base, predicted: mf.predicted, globalMean: mf.globalMean, trainRmse: mf.trainRmse, members: mf.options.ensemble, mf };
  }
  if (o.kind === "deepfm") {
    const deepfm = await trainDeepFM(log, numUsers, numItems, features, o.deepfm);
    return { ...base, predicted: deepfm.predicted, globalMean: deepfm.globalMean, trainRmse: deepfm.trainRmse, members: deepfm.options.ensemble, deepfm, ...(deepfm.uncertainty ? { uncertainty: deepfm.uncertainty } : {}) };
  }
  const mfs: TrainedMF[] = [], deepfms: TrainedDeepFM[] = [];
  for (let s = 0; s < o.seedsPerKind; s++) {
    mfs.push(await trainMF(log, numUsers, numItems, { ...o.mf, ensemble: 1, seed: (o.mf.seed ?? 0) + s }));
    deepfms.push(await trainDeepFM(log, numUsers, numItems, features, { ...o.deepfm, ensemble: 1, seed: (o.deepfm.seed ?? 0) + s }));
  }
  const { mean, std } = memberStats([...mfs, ...deepfms].map((m) => m.predicted));
  return { ...base, predicted: mean, globalMean: mfs[0]!.globalMean, trainRmse: rmse(mean, numItems, log), members: 2 * o.seedsPerKind, uncertainty: std!, mf: mfs[0]!, deepfm: deepfms[0]! };
}

/** The prediction minus lambda times the members' std, cell by cell (DORL / MOPO's uncertainty penalty). */
export function penalizedPrediction(model: TrainedUserModel, lambda: number): Float32Array {
  if (lambda === 0) return model.predicted;
  if (!model.uncertainty) {
    throw new FarsightError("env/bad-option", `uncertaintyPenalty ${lambda} needs a user model with several members (kind "ensemble", or "deepfm" with deepfm.ensemble > 1); "${model.kind}" with ${model.members} member(s) has no disagreement to penalise`, { kind: model.kind, lambda });
  }
  const out = new Float32Array(model.predicted.length);
  for (let c = 0; c < out.length; c++) out[c] = model.predicted[c]! - lambda * model.uncertainty[c]!;
  return out;
}

/**
 * The ground-truth matrix of a dataset that ships none, completed from its log by the chosen user model.
 * MF completions are unclipped and sparse-engine trained, so that item distances come exactly from the
 * factors (`columnEmbeddings`); DeepFM and ensemble completions have no factors (distances come from the
 * matrix) and are clipped to the rating range, as a ground truth should be.
 */
export async function completeGroundTruth(ds: Dataset, spec: UserModelKind | Partial<UserModelOptions> | undefined, mf: Partial<MFOptions> | undefined): Promise<{ matrix: Float32Array; factors?: MFFactors }> {
  const o = userModelOptions(spec, mf);
  const seed = 12345;
  if (o.kind === "mf") {
    const trained = await trainMF(ds.train, ds.numUsers, ds.catalog.numItems, { ensemble: 1, ...o.mf, engine: "sparse", clip: false, seed });
    return { matrix: trained.predicted, ...(trained.factors ? { factors: trained.factors } : {}) };
  }
  const trained = await trainUserModel(ds.train, ds.numUsers, ds.catalog.numItems, datasetFeatures(ds), { ...o, mf: { ...o.mf, seed }, deepfm: { ...o.deepfm, seed } });
  return { matrix: trained.predicted };
}
