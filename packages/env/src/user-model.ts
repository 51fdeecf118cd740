/**
 * The user model a preset learns from its training log: the predicted world the train-time env pays, and the
 * completer of ground truths a dataset does not ship (MovieLens, KuaiRand). `mf` (matrix factorisation),
 * `deepfm` (DeepFM on ids and side features), `ensemble`: MF and DeepFM models of several seeds whose
 * per-cell disagreement (std across members) is the uncertainty DORL / MOPO subtract from the reward,
 * `deepfm-ensemble`: EasyRL4Rec's N DeepFMs (`deepfm-ensemble.ts`), or `deepfm-ips`: DeepFM weighted by
 * inverse propensities (`deepfm-ips.ts`; Coat ships them).
 */
import { FarsightError } from "@farsight/core";
import type { Dataset, RatingLog } from "./data/dataset.js";
import { memberStats, trainDeepFM, type DeepFMOptions, type TrainedDeepFM } from "./deepfm.js";
import { trainDeepFMEnsemble } from "./deepfm-ensemble.js";
import { trainIpsDeepFM, type IpsDeepFMOptions, type IpsWeights } from "./deepfm-ips.js";
import { datasetFeatures, type SideFeatures } from "./features.js";
import { rmse, trainMF, type MFOptions, type TrainedMF } from "./learned.js";
import type { MFFactors } from "./mf-sparse.js";

export const USER_MODELS = ["mf", "deepfm", "ensemble", "deepfm-ensemble", "deepfm-ips"] as const;
/** Which model predicts a user's rating of an item. */
export type UserModelKind = (typeof USER_MODELS)[number];

export interface UserModelOptions {
  /**
   * `mf` (default, the earlier behaviour), `deepfm`, `ensemble` (MF and DeepFM members), `deepfm-ensemble`
   * (`members` DeepFMs) or `deepfm-ips` (needs the dataset's propensities).
   */
  readonly kind: UserModelKind;
  /** MF options (all kinds that train MF). */
  readonly mf: Partial<MFOptions>;
  /** DeepFM options (all kinds that train DeepFM). */
  readonly deepfm: Partial<DeepFMOptions>;
  /** `deepfm-ensemble`: number of DeepFM members (EasyRL4Rec: 5). */
  readonly members: number;
  /** `deepfm-ips`: the weight clip and normalisation (its `deepfm` is the `deepfm` above). */
  readonly ips: Partial<Omit<IpsDeepFMOptions, "deepfm">>;
  /**
   * `ensemble`: seeds of each model, so 2 gives 2 MF + 2 DeepFM members (EasyRL4Rec's ensemble has 5
   * DeepFMs; two kinds disagree where the data leaves a cell open, which is what the penalty needs).
   */
  readonly seedsPerKind: number;
  /**
   * lambda of the uncertainty penalty: the predicted world pays `prediction - lambda * std` where std is
   * the members' per-cell std (DORL / MOPO's penalty on a static matrix). 0 (default) pays the prediction.
   * Needs members: `ensemble`, `deepfm-ensemble` with `members` > 1, or `deepfm` with `deepfm.ensemble` > 1.
   */
  readonly uncertaintyPenalty: number;
}

export const DEFAULT_USER_MODEL: UserModelOptions = { kind: "mf", mf: {}, deepfm: {}, members: 5, ips: {}, seedsPerKind: 2, uncertaintyPenalty: 0 };

/** What a dataset adds beyond its log for some user models. */
export interface UserModelData {
  /** P(rated) per users x items cell, row-major (Coat's propensities.ascii); `deepfm-ips` needs it. */
  readonly propensities?: Float32Array;
  /** Where the data came from, for the error when propensities are missing (e.g. `preset movielens-100k`). */
  readonly source?: string;
}

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
  /** `deepfm-ips`: the weights it was fitted with (how many were clipped). */
  readonly ips?: Omit<IpsWeights, "weights">;
}

/** Normalises the `userModel` option of a preset (a kind name or options). */
export function userModelOptions(spec: UserModelKind | Partial<UserModelOptions> | undefined, mf?: Partial<MFOptions>): UserModelOptions {
  const o = typeof spec === "string" ? { kind: spec } : (spec ?? {});
  const merged = { ...DEFAULT_USER_MODEL, ...o, mf: { ...mf, ...o.mf } };
  if (!(USER_MODELS as readonly string[]).includes(merged.kind)) {
    throw new FarsightError("env/bad-option", `unknown user model "${merged.kind as string}"; known: ${USER_MODELS.join(", ")}`, { kind: merged.kind });
  }
  if (!Number.isInteger(merged.members) || merged.members < 1) {
    throw new FarsightError("env/bad-option", `user model members must be an integer >= 1, got ${merged.members}`, { value: merged.members });
  }
  if (!Number.isInteger(merged.seedsPerKind) || merged.seedsPerKind < 1) {
    throw new FarsightError("env/bad-option", `user model seedsPerKind must be an integer >= 1, got ${merged.seedsPerKind}`, { value: merged.seedsPerKind });
  }
  if (!(merged.uncertaintyPenalty >= 0)) {
    throw new FarsightError("env/bad-option", `uncertaintyPenalty must be a number >= 0, got ${merged.uncertaintyPenalty}`, { value: merged.uncertaintyPenalty });
  }
  return merged;
}

/** The error of a `deepfm-ips` user model asked of data without propensities. */
export function noPropensitiesError(source: string | undefined): FarsightError {
  const what = source ?? "this data";
  return new FarsightError("env/no-propensities", `user model deepfm-ips needs exposure propensities and ${what} has none (Coat ships them as propensities.ascii); use --user-model deepfm there`, { source: what });
}

/** Trains the chosen user model on a log. */
export async function trainUserModel(log: RatingLog, numUsers: number, numItems: number, features: SideFeatures, spec?: UserModelKind | Partial<UserModelOptions>, data: UserModelData = {}): Promise<TrainedUserModel> {
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
  if (o.kind === "deepfm-ensemble") {
    const e = await trainDeepFMEnsemble(log, numUsers, numItems, features, { members: o.members, deepfm: o.deepfm });
    return { ...base, predicted: e.predicted, globalMean: e.globalMean, trainRmse: e.trainRmse, members: o.members, deepfm: e.members[0]!, ...(o.members > 1 ? { uncertainty: e.uncertainty } : {}) };
  }
  if (o.kind === "deepfm-ips") {
    if (!data.propensities) throw noPropensitiesError(data.source);
    const { deepfm, ips } = await trainIpsDeepFM(log, numUsers, numItems, features, data.propensities, { ...o.ips, deepfm: o.deepfm });
    return { ...base, predicted: deepfm.predicted, globalMean: deepfm.globalMean, trainRmse: deepfm.trainRmse, members: deepfm.options.ensemble, deepfm, ips: { clipped: ips.clipped, maxRawWeight: ips.maxRawWeight }, ...(deepfm.uncertainty ? { uncertainty: deepfm.uncertainty } : {}) };
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
    throw new FarsightError("env/bad-option", `uncertaintyPenalty ${lambda} needs a user model with several members (kind "ensemble", "deepfm-ensemble" with members > 1, or "deepfm" with deepfm.ensemble > 1); "${model.kind}" with ${model.members} member(s) has no disagreement to penalise`, { kind: model.kind, lambda });
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
  const trained = await trainUserModel(ds.train, ds.numUsers, ds.catalog.numItems, datasetFeatures(ds), { ...o, mf: { ...o.mf, seed }, deepfm: { ...o.deepfm, seed } }, { ...(ds.propensities ? { propensities: ds.propensities } : {}), source: `dataset ${ds.name}` });
  return { matrix: trained.predicted };
}
