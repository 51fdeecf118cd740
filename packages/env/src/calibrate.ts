/**
 * Calibration of a distance window's threshold to a dataset's own item distances.
 *
 * A distance threshold is only meaningful next to the distances it is compared with: EasyRL4Rec's theta 6
 * suits Coat's pseudo-GT columns, while an MF-completed MovieLens matrix has columns of another scale (at
 * theta 30 every ML-100k session ended at step 2 whatever the agent did). The rule here carries Coat's
 * *behaviour* over instead of its number: theta is chosen so that a uniformly random new item lies within
 * theta of at least one of N uniformly random window items as often as it does on Coat with EasyRL4Rec's
 * setting (N 7, theta 6). A random agent then meets the quit rule about as often per step as on Coat, and
 * what an agent shows decides how long users stay.
 */
import { quantile, Rng } from "@farsight/core";
import { itemDistanceOf, type ItemDistance } from "./quit.js";

/**
 * Within-window quit chance of EasyRL4Rec's Coat setting (window 7, theta 6 on `coat_pseudoGT_ratingM.ascii`):
 * the share of (new item, 7 window items) draws, all uniform with the window items different from the new one,
 * whose nearest window item is closer than 6. Measured with {@link windowQuitChance} over 400,000 draws, seed 0
 * (0.1053; the Coat test re-measures it, and recovers theta 6 from it, when the data is present).
 */
export const COAT_WINDOW_QUIT_CHANCE = 0.1053;

/** EasyRL4Rec's Coat window, the window the calibration chance refers to. */
export const COAT_WINDOW = 7;

/** Draws of the calibration (the quantile's standard error is then below 0.2% of the chance). */
export const CALIBRATION_SAMPLES = 50_000;

/** Distance from a random new item to its nearest of `window` random other items, `samples` times. */
export function nearestWindowDistances(distance: ItemDistance, window: number, samples: number, seed: number): Float64Array {
  const n = distance.numItems;
  if (n < 2) return new Float64Array(0);
  const rng = new Rng(seed, "calibrate/window");
  const out = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    const a = rng.int(n);
    let nearest = Infinity;
    for (let k = 0; k < window; k++) {
      // Uniform over the other n - 1 items: a repeat of the new item is a separate matter (distance 0).
      let b = rng.int(n - 1);
      if (b >= a) b++;
      const d = itemDistanceOf(distance, a, b);
      if (d < nearest) nearest = d;
    }
    out[s] = nearest;
  }
  return out;
}

/** Share of random draws in which a new item is closer than theta to one of `window` random other items. */
export function windowQuitChance(distance: ItemDistance, window: number, theta: number, samples = CALIBRATION_SAMPLES, seed = 0): number {
  const d = nearestWindowDistances(distance, window, samples, seed);
  let hit = 0;
  for (const x of d) if (x < theta) hit++;
  return d.length ? hit / d.length : 0;
}

/** How a calibrated threshold was derived, for `describe` and reports. */
export interface ThetaCalibration {
  readonly theta: number;
  /** The within-window quit chance the threshold reproduces. */
  readonly chance: number;
  readonly window: number;
  readonly samples: number;
  readonly seed: number;
  /** One sentence a person can check. */
  readonly rule: string;
}

/**
 * The threshold under which a random new item meets a random window of `window` items with probability
 * `chance` (default: Coat's, {@link COAT_WINDOW_QUIT_CHANCE}): the `chance`-quantile of the nearest-window-item
 * distance over `samples` seeded draws.
 */
export function calibrateTheta(distance: ItemDistance, window: number, o: { chance?: number; samples?: number; seed?: number } = {}): ThetaCalibration {
  const chance = o.chance ?? COAT_WINDOW_QUIT_CHANCE, samples = o.samples ?? CALIBRATION_SAMPLES, seed = o.seed ?? 0;
  const theta = quantile(nearestWindowDistances(distance, window, samples, seed), chance);
  return {
    theta,
    chance,
    window,
    samples,
    seed,
    rule:
      `theta = the ${(100 * chance).toFixed(2)}% quantile of the distance from a random item to the nearest of ${window} random others ` +
      `(${samples} draws, seed ${seed}): a random new item then quits as often as on Coat with EasyRL4Rec's window 7, theta 6`,
  };
}
