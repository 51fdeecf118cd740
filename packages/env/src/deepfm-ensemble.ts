/**
 * An ensemble of N DeepFM user models, EasyRL4Rec's world model (5 DeepFMs by default, each trained on the
 * whole log from its own seed). The members' per-cell mean is the predicted rating the train-time env pays;
 * their per-cell (population) std is the uncertainty DORL / MOPO subtract from it (`penalizedPrediction`).
 *
 * Members differ only in their seed: the initial embeddings, the order of the mini-batches and the 10% of the
 * log each holds out for early stopping. Where the log pins a cell down they agree; where it leaves a cell
 * open (a user with few ratings, an item nobody like them rated) they drift apart, which is the signal the
 * penalty needs. Unlike the `ensemble` kind (MF and DeepFM members), all members here are one model class,
 * as in EasyRL4Rec.
 */
import { FarsightError } from "@farsight/core";
import type { RatingLog } from "./data/dataset.js";
import { memberStats, trainDeepFM, type DeepFMOptions, type TrainedDeepFM } from "./deepfm.js";
import type { SideFeatures } from "./features.js";
import { rmse } from "./learned.js";

/** Options of {@link trainDeepFMEnsemble}. */
export interface DeepFMEnsembleOptions {
  /** Number of DeepFM members (EasyRL4Rec's `n_models`: 5). */
  readonly members: number;
  /** Options of every member (their `ensemble` and `seed` are set per member). */
  readonly deepfm: Partial<DeepFMOptions>;
  /**
   * Seed of each member; default `deepfm.seed * 1000 + m` for member m (distinct for any base seed). Given
   * explicitly, it must have `members` entries; repeating a seed repeats a member exactly.
   */
  readonly memberSeeds?: readonly number[];
}

export const DEFAULT_DEEPFM_ENSEMBLE: DeepFMEnsembleOptions = { members: 5, deepfm: {} };

/** A trained ensemble: the mean prediction, the members' std, and each member. */
export interface TrainedDeepFMEnsemble {
  /** Per-cell mean of the members, users x items. */
  readonly predicted: Float32Array;
  /** Per-cell population std across the members (all zeros for one member). */
  readonly uncertainty: Float32Array;
  readonly numUsers: number;
  readonly numItems: number;
  readonly globalMean: number;
  /** Training RMSE of the mean prediction. */
  readonly trainRmse: number;
  /** The seed each member was trained with. */
  readonly memberSeeds: readonly number[];
  /** The members, in seed order. */
  readonly members: readonly TrainedDeepFM[];
  readonly options: DeepFMEnsembleOptions;
}

/** The seeds of an ensemble's members, checked. */
export function ensembleSeeds(o: DeepFMEnsembleOptions): number[] {
  if (!Number.isInteger(o.members) || o.members < 1) {
    throw new FarsightError("env/bad-option", `deepfm-ensemble members must be an integer >= 1, got ${o.members}`, { value: o.members });
  }
  if (o.memberSeeds === undefined) return Array.from({ length: o.members }, (_v, m) => (o.deepfm.seed ?? 0) * 1000 + m);
  if (o.memberSeeds.length !== o.members || o.memberSeeds.some((s) => !Number.isInteger(s))) {
    throw new FarsightError("env/bad-option", `deepfm-ensemble memberSeeds must be ${o.members} integers (one per member), got [${o.memberSeeds.join(", ")}]`, { members: o.members });
  }
  return [...o.memberSeeds];
}

/**
 * Trains `members` DeepFMs on `log`, one seed each, and returns their mean and std.
 *
 * @param weights per-rating weights passed to every member (IPS); see `trainDeepFM`.
 */
export async function trainDeepFMEnsemble(log: RatingLog, numUsers: number, numItems: number, features: SideFeatures, partial: Partial<DeepFMEnsembleOptions> = {}, weights?: Float32Array): Promise<TrainedDeepFMEnsemble> {
  const o: DeepFMEnsembleOptions = { ...DEFAULT_DEEPFM_ENSEMBLE, ...partial };
  const seeds = ensembleSeeds(o);
  const members: TrainedDeepFM[] = [];
  // One member at a time: trainDeepFM's own `ensemble` would derive seeds itself; here each seed is named.
  for (const seed of seeds) members.push(await trainDeepFM(log, numUsers, numItems, features, { ...o.deepfm, ensemble: 1, seed }, weights));
  const { mean, std } = memberStats(members.map((m) => m.predicted));
  return {
    predicted: mean,
    uncertainty: std ?? new Float32Array(mean.length),
    numUsers,
    numItems,
    globalMean: members[0]!.globalMean,
    trainRmse: rmse(mean, numItems, log),
    memberSeeds: seeds,
    members,
    options: o,
  };
}
