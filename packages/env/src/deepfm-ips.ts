/**
 * IPS-weighted DeepFM (inverse propensity scoring; Schnabel, Swaminathan, Singh, Chandak, Joachims, ICML
 * 2016, "Recommendations as Treatments"). A user rates what they chose to rate: Coat's training log holds
 * self-selected coats, and users select coats they like, so the log over-represents high ratings (Coat's
 * train.ascii: 27% ones; its random-exposure test.ascii: 40%). Weighting each rating's squared error by
 * 1 / P(rated), the propensity of that (user, item) cell, makes the training loss an unbiased estimate of the
 * error over all cells, so the model learns the ratings of coats users did not pick too.
 *
 * Coat ships the propensities (`propensities.ascii`, 290 x 300, the creators' learned P(observed); they sum
 * to 6,962 against 6,960 observed ratings). Rarely rated cells have tiny propensities (0.004 among Coat's
 * observed cells, a weight of 245), and a handful of such ratings would dominate the loss: weights are
 * clipped at `maxWeight` (default 100, i.e. propensities below 0.01 count as 0.01; 53 of Coat's 6,960 training
 * ratings are clipped), the usual bias-for-variance trade of clipped IPS. The clipped weights are then
 * scaled to mean 1 over the log (self-normalised), so DeepFM's per-rating L2 and learning rate mean what they
 * mean unweighted. The clip was set before any test rating was looked at (a round bound near the 99th
 * percentile of the training log's weights, 96), and was not tuned.
 */
import { FarsightError } from "@farsight/core";
import type { RatingLog } from "./data/dataset.js";
import { trainDeepFM, type DeepFMOptions, type TrainedDeepFM } from "./deepfm.js";
import type { SideFeatures } from "./features.js";

/** Options of {@link trainIpsDeepFM}. */
export interface IpsDeepFMOptions {
  /** Largest weight 1 / propensity (propensities below 1 / maxWeight are read as 1 / maxWeight). */
  readonly maxWeight: number;
  /** Scale the clipped weights to mean 1 over the log (the L2 and learning rate keep their meaning). */
  readonly normalize: boolean;
  /** Options of the DeepFM (all of `DeepFMOptions`, `ensemble` included). */
  readonly deepfm: Partial<DeepFMOptions>;
}

export const DEFAULT_IPS_DEEPFM: IpsDeepFMOptions = { maxWeight: 100, normalize: true, deepfm: {} };

/** Per-rating IPS weights of a log and how many were clipped. */
export interface IpsWeights {
  readonly weights: Float32Array;
  /** Ratings whose weight 1 / propensity exceeded `maxWeight`. */
  readonly clipped: number;
  /** Largest weight before clipping. */
  readonly maxRawWeight: number;
}

/**
 * The weight of every rating of `log`: min(1 / propensity(user, item), maxWeight), scaled to mean 1 when
 * `normalize`. `propensities` is users x items, row-major; a non-finite or non-positive propensity on a rated
 * cell is an error (the loader checks the whole matrix; this checks what the log touches).
 */
export function ipsWeights(log: RatingLog, propensities: Float32Array, numItems: number, partial: Partial<IpsDeepFMOptions> = {}): IpsWeights {
  const o = { ...DEFAULT_IPS_DEEPFM, ...partial };
  if (!(o.maxWeight >= 1 && Number.isFinite(o.maxWeight))) {
    throw new FarsightError("env/bad-option", `IPS maxWeight must be a finite number >= 1 (a weight is 1 / propensity >= 1), got ${o.maxWeight}`, { value: o.maxWeight });
  }
  const weights = new Float32Array(log.user.length);
  let clipped = 0, maxRawWeight = 0, sum = 0;
  for (let j = 0; j < weights.length; j++) {
    const cell = log.user[j]! * numItems + log.item[j]!;
    const p = propensities[cell];
    if (p === undefined || !(p > 0 && p <= 1)) {
      throw new FarsightError("env/bad-propensities", `propensity of user ${log.user[j]}, item ${log.item[j]} is ${p}; IPS needs a probability in (0, 1] for every rated cell`, { user: log.user[j], item: log.item[j], value: p });
    }
    const raw = 1 / p;
    maxRawWeight = Math.max(maxRawWeight, raw);
    if (raw > o.maxWeight) clipped++;
    weights[j] = Math.min(raw, o.maxWeight);
    sum += weights[j]!;
  }
  if (o.normalize && weights.length > 0) {
    const scale = weights.length / sum;
    for (let j = 0; j < weights.length; j++) weights[j]! *= scale;
  }
  return { weights, clipped, maxRawWeight };
}

/** A trained IPS DeepFM: the DeepFM and the weights it was fitted with. */
export interface TrainedIpsDeepFM {
  readonly deepfm: TrainedDeepFM;
  readonly ips: IpsWeights;
  readonly options: IpsDeepFMOptions;
}

/** Trains DeepFM on `log` with every rating's squared error weighted by its clipped inverse propensity. */
export async function trainIpsDeepFM(log: RatingLog, numUsers: number, numItems: number, features: SideFeatures, propensities: Float32Array, partial: Partial<IpsDeepFMOptions> = {}): Promise<TrainedIpsDeepFM> {
  const o: IpsDeepFMOptions = { ...DEFAULT_IPS_DEEPFM, ...partial };
  if (propensities.length !== numUsers * numItems) {
    throw new FarsightError("env/bad-propensities", `propensities have ${propensities.length} cells, expected ${numUsers} users x ${numItems} items`, { cells: propensities.length, numUsers, numItems });
  }
  const ips = ipsWeights(log, propensities, numItems, o);
  const deepfm = await trainDeepFM(log, numUsers, numItems, features, o.deepfm, ips.weights);
  return { deepfm, ips, options: o };
}
