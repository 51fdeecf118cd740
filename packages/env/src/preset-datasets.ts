/**
 * The dataset presets' parts: the ground-truth matrix (the dataset's own, or an MF completion of its log) and
 * its quit rule, a distance window whose theta is given, EasyRL4Rec's, or calibrated to the matrix
 * (Coat, MovieLens), or a category window (KuaiRec, KuaiRand-Pure).
 */
import { FarsightError } from "@farsight/core";
import type { Dataset } from "./data/dataset.js";
import { columnDistancesTf, tfjsAvailable } from "./learned.js";
import { columnEmbeddings, type MFFactors } from "./mf-sparse.js";
import { calibrateTheta, COAT_WINDOW, type ThetaCalibration } from "./calibrate.js";
import { DATASET_TEST_FRACTION, type PresetOptions, type PresetParts } from "./preset-options.js";
import { CategoryWindowRule, checkCategoryWindow, checkDistanceWindow, DistanceWindowRule, type ItemDistance } from "./quit.js";
import { completeGroundTruth, userModelOptions } from "./user-model.js";
import { columnDistances, MatrixWorld } from "./world.js";

/** The parts every dataset preset takes as they are from its dataset: the catalog, the users and the logs. */
export function datasetLogParts(ds: Dataset): Pick<PresetParts, "dataset" | "catalog" | "numUsers" | "trainLog" | "testLog"> {
  return {
    dataset: ds,
    catalog: ds.catalog,
    numUsers: ds.numUsers,
    trainLog: ds.train,
    ...(ds.test ? { testLog: ds.test } : {}),
  };
}

/**
 * The ground-truth matrix: the dataset's own, or an MF completion of its log (MovieLens, KuaiRand), as
 * EasyRL4Rec does. Completions are unclipped and trained on the sparse engine, so that item distances come
 * exactly from the factors ({@link columnEmbeddings}) instead of an O(users x items^2) pass.
 */
async function groundTruthOf(ds: Dataset, o: PresetOptions): Promise<{ matrix: Float32Array; factors?: MFFactors }> {
  if (ds.groundTruth) return { matrix: ds.groundTruth };
  return completeGroundTruth(ds, o.userModel, o.mf);
}

/** Item distances between ground-truth columns: exact loops for small matrices, factors or TF.js beyond. */
async function itemDistance(gt: { matrix: Float32Array; factors?: MFFactors }, numUsers: number, n: number): Promise<ItemDistance> {
  if (gt.factors) return { kind: "embedding", numItems: n, ...columnEmbeddings(gt.factors, numUsers, n) };
  if (numUsers * n * n <= 2e9 || !(await tfjsAvailable())) return { kind: "matrix", numItems: n, values: columnDistances(gt.matrix, numUsers, n) };
  return { kind: "matrix", numItems: n, values: await columnDistancesTf(gt.matrix, numUsers, n) };
}

/**
 * The distance threshold of a preset: given (an override), EasyRL4Rec's where it was set on this very matrix
 * (Coat's pseudo-GT), else calibrated to the matrix's own distances ({@link calibrateTheta}, always with
 * Coat's window so that theta measures distance whatever window is chosen).
 */
function thetaOf(o: PresetOptions, dist: ItemDistance, easyrl4rec: number | undefined): { theta: number; thetaSource: string; calibration?: ThetaCalibration } {
  const given = o.rule?.theta ?? o.rule?.threshold;
  if (given !== undefined) return { theta: given, thetaSource: "given" };
  if (easyrl4rec !== undefined) return { theta: easyrl4rec, thetaSource: "EasyRL4Rec" };
  const calibration = calibrateTheta(dist, COAT_WINDOW);
  return { theta: calibration.theta, thetaSource: "calibrated", calibration };
}

/** `easyrl4rec`: EasyRL4Rec's theta when it was set on the same ground-truth matrix as ours (Coat), else undefined. */
export async function distancePreset(ds: Dataset, o: PresetOptions, defaultWindow: number, easyrl4rec: number | undefined, feedbackPositive: number): Promise<PresetParts> {
  const window = o.rule?.window ?? defaultWindow;
  const truth = await groundTruthOf(ds, o);
  const gt = truth.matrix;
  const n = ds.catalog.numItems;
  const dist = await itemDistance(truth, ds.numUsers, n);
  const { theta, thetaSource, calibration } = thetaOf(o, dist, easyrl4rec);
  // Checked here so that a bad override fails at load time, not in the first simulator.
  checkDistanceWindow({ window, theta });
  return {
    ...datasetLogParts(ds),
    groundTruth: new MatrixWorld(ds.catalog, gt, ds.numUsers, {
      name: `${ds.name}-ground-truth`,
      ...(ds.itemFeatures ? { itemEmbeddings: ds.itemFeatures, embeddingDim: ds.itemFeatureDim ?? 0 } : {}),
    }),
    makeRules: () => [new DistanceWindowRule(dist, { window, theta, compat: o.compat ?? "none" })],
    simulator: { maxSteps: 30, feedback: "rating" },
    positiveThreshold: feedbackPositive,
    testFraction: DATASET_TEST_FRACTION,
    describe: {
      rule: "distance-window", window, theta, thetaSource, ...(calibration ? { calibration } : {}), maxSteps: 30, compat: o.compat ?? "none",
      groundTruth: ds.groundTruth ? "dataset matrix" : `${userModelOptions(o.userModel).kind}-completed`, ...(ds.adjusted ? { adjusted: ds.adjusted } : {}),
    },
  };
}

export async function categoryPreset(ds: Dataset, o: PresetOptions, defaultWindow: number, defaultThreshold: number, positive: number): Promise<PresetParts> {
  const window = o.rule?.window ?? defaultWindow, threshold = o.rule?.threshold ?? defaultThreshold;
  if (o.rule?.theta !== undefined) throw new FarsightError("env/bad-option", `preset ${ds.name} quits on a category window, which has no distance theta; set its threshold (a count)`, { rule: o.rule });
  checkCategoryWindow({ window, threshold });
  const gt = (await groundTruthOf(ds, o)).matrix;
  return {
    // KuaiRand-Pure's random-exposure log (testLog): held out from training, to score user models (bench user-model).
    ...datasetLogParts(ds),
    groundTruth: new MatrixWorld(ds.catalog, gt, ds.numUsers, { name: `${ds.name}-ground-truth` }),
    makeRules: () => [new CategoryWindowRule(ds.catalog, { window, threshold, compat: o.compat ?? "none" })],
    simulator: { maxSteps: 30, feedback: "rating" },
    positiveThreshold: positive,
    testFraction: DATASET_TEST_FRACTION,
    describe: { rule: "category-window", window, threshold, thresholdSource: o.rule?.threshold !== undefined || o.rule?.window !== undefined ? "given" : "EasyRL4Rec", maxSteps: 30, compat: o.compat ?? "none", ...(ds.adjusted ? { adjusted: ds.adjusted } : {}) },
  };
}
