/**
 * Presets: a dataset, its ground-truth world, its quit rule and simulator settings, with the anchors'
 * parameters (table in the README). `loadPreset(name)` returns an {@link EnvSetup}; `makeSimulator`
 * builds the test-time (ground truth) or train-time (predicted world model) simulator from it.
 */
import { FarsightError, Rng, type Catalog } from "@farsight/core";
import { loadCoat } from "./data/coat.js";
import type { Dataset, RatingLog } from "./data/dataset.js";
import { loadKuaiRandPure, loadKuaiRec } from "./data/kuai.js";
import { loadMovieLens1m, loadMovieLens100k } from "./data/movielens.js";
import { findDataset } from "./datadir.js";
import { datasetFeatures } from "./features.js";
import { columnDistancesTf, tfjsAvailable, type MFOptions } from "./learned.js";
import { columnEmbeddings, type MFFactors } from "./mf-sparse.js";
import { majorityCategories } from "./metrics.js";
import { kuaiSimRulesOnKuaiRand } from "./preset-kuairand-kuaisim.js";
import { resolvePresetName } from "./preset-names.js";
import { CategoryWindowRule, DistanceWindowRule, TemperRule, type ItemDistance, type QuitRule, type WindowCompat } from "./quit.js";
import { Simulator, type SimulatorOptions } from "./simulator.js";
import { generateSynthetic, SyntheticWorld, type SyntheticOptions } from "./synthetic.js";
import { completeGroundTruth, penalizedPrediction, trainUserModel, userModelOptions, type TrainedUserModel, type UserModelKind, type UserModelOptions } from "./user-model.js";
import { columnDistances, MatrixWorld, type WorldModel } from "./world.js";

export const PRESETS = ["synthetic", "coat", "movielens-100k", "movielens-1m", "kuairec", "kuairand-pure", "synthetic-kuaisim-rules", "kuairand-pure-kuaisim-rules"] as const;
export type PresetName = (typeof PRESETS)[number];

export interface PresetOptions {
  /** Data directory (see `findDataset` for the search order). */
  readonly dataDir?: string;
  /** `easyrl4rec` reproduces EasyRL4Rec's shorter look-back window (window rules only). */
  readonly compat?: WindowCompat;
  /** Overrides of the synthetic world (synthetic and synthetic-kuaisim-rules presets). */
  readonly synthetic?: Partial<SyntheticOptions>;
  /** Options of the learned world model (predicted env, MF-completed ground truths). */
  readonly mf?: Partial<MFOptions>;
  /**
   * The user model of the predicted world and of completed ground truths: `mf` (default), `deepfm`, or
   * `ensemble`, or options with `uncertaintyPenalty` (see `UserModelOptions`).
   */
  readonly userModel?: UserModelKind | Partial<UserModelOptions>;
  /**
   * Overrides of the preset's window rule, e.g. DORL's paper setting on KuaiRec `{ window: 4, threshold: 0 }`
   * or CIRS's `{ window: 1, threshold: 0 }`.
   */
  readonly rule?: { readonly window?: number; readonly threshold?: number; readonly theta?: number };
  /** Share of users held out for test (default: the preset's, see README). */
  readonly testFraction?: number;
  /** Seed of the user split. */
  readonly splitSeed?: number;
}

export interface EnvSetup {
  readonly name: PresetName;
  readonly catalog: Catalog;
  readonly numUsers: number;
  /** The log the predicted world and the popularity baseline learn from. */
  readonly trainLog: RatingLog;
  readonly testLog?: RatingLog;
  readonly groundTruth: WorldModel;
  /** Fresh quit-rule instances (rules hold per-slot state, so every simulator needs its own). */
  makeRules(): QuitRule[];
  /** Simulator settings of the preset (slate size, feedback kind, step limit...). */
  readonly simulator: Partial<SimulatorOptions>;
  /** Feedback at or above which an item counts as a positive in CTR. */
  readonly positiveThreshold: number;
  /** Majority categories of the training log, for MCD. */
  readonly majority: Uint8Array;
  readonly trainUsers: Int32Array;
  readonly testUsers: Int32Array;
  /** Trains (once) and returns the predicted world model from the training log. */
  predicted(): Promise<{ world: WorldModel; model: TrainedUserModel }>;
  /** Parameters that define the preset, for reports. */
  readonly describe: Record<string, unknown>;
}

/** Splits users 0..n-1 into train and test (a seeded shuffle); testFraction 0 puts every user in both. */
export function splitUsers(numUsers: number, testFraction: number, seed = 0): { train: Int32Array; test: Int32Array } {
  const all = Int32Array.from({ length: numUsers }, (_, u) => u);
  if (testFraction <= 0) return { train: all, test: all };
  const order = new Rng(seed, "user-split").shuffle(all.slice());
  const nTest = Math.max(1, Math.round(numUsers * testFraction));
  return { test: order.slice(0, nTest).sort(), train: order.slice(nTest).sort() };
}

/** A log restricted to some users. */
export function filterLog(log: RatingLog, users: Int32Array, numUsers: number): RatingLog {
  const keep = new Uint8Array(numUsers);
  for (const u of users) keep[u] = 1;
  const idx: number[] = [];
  for (let j = 0; j < log.user.length; j++) if (keep[log.user[j]!]) idx.push(j);
  const pick = (a: ArrayLike<number>) => idx.map((j) => a[j]!);
  return {
    user: Int32Array.from(pick(log.user)),
    item: Int32Array.from(pick(log.item)),
    rating: Float32Array.from(pick(log.rating)),
    ...(log.timestamp ? { timestamp: Float64Array.from(pick(log.timestamp)) } : {}),
  };
}

/**
 * A synthetic interaction log: each user rates random items with a noisy satisfaction score, the base
 * click probability + N(0, 0.05^2) clipped to [0, 1] (explicit feedback, like a rating or a watch ratio;
 * 0/1 clicks on 1 in 5 items are too sparse for MF to learn who likes which category).
 */
function syntheticLog(world: SyntheticWorld, perUser: number, seed: number): RatingLog {
  const rng = new Rng(seed, "synthetic-log");
  const n = world.numUsers * perUser;
  const user = new Int32Array(n), item = new Int32Array(n), rating = new Float32Array(n);
  for (let u = 0, j = 0; u < world.numUsers; u++) {
    for (const i of rng.sample(world.numItems, Math.min(perUser, world.numItems))) {
      user[j] = u;
      item[j] = i;
      rating[j++] = Math.min(1, Math.max(0, world.baseProbability(u, i) + 0.05 * rng.normal()));
    }
  }
  return { user, item, rating };
}

interface Parts {
  dataset?: Dataset;
  catalog: Catalog;
  numUsers: number;
  trainLog: RatingLog;
  testLog?: RatingLog;
  groundTruth: WorldModel;
  makeRules: () => QuitRule[];
  simulator: Partial<SimulatorOptions>;
  positiveThreshold: number;
  testFraction: number;
  /** The preset's MF settings for the predicted world (user options override them). */
  mf?: Partial<MFOptions>;
  describe: Record<string, unknown>;
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

async function distancePreset(ds: Dataset, o: PresetOptions, defaultWindow: number, defaultTheta: number, feedbackPositive: number): Promise<Parts> {
  const window = o.rule?.window ?? defaultWindow, theta = o.rule?.theta ?? defaultTheta;
  const truth = await groundTruthOf(ds, o);
  const gt = truth.matrix;
  const n = ds.catalog.numItems;
  const dist = await itemDistance(truth, ds.numUsers, n);
  return {
    dataset: ds,
    catalog: ds.catalog,
    numUsers: ds.numUsers,
    trainLog: ds.train,
    ...(ds.test ? { testLog: ds.test } : {}),
    groundTruth: new MatrixWorld(ds.catalog, gt, ds.numUsers, {
      name: `${ds.name}-ground-truth`,
      ...(ds.itemFeatures ? { itemEmbeddings: ds.itemFeatures, embeddingDim: ds.itemFeatureDim ?? 0 } : {}),
    }),
    makeRules: () => [new DistanceWindowRule(dist, { window, theta, compat: o.compat ?? "none" })],
    simulator: { maxSteps: 30, feedback: "rating" },
    positiveThreshold: feedbackPositive,
    testFraction: 0,
    describe: { rule: "distance-window", window, theta, maxSteps: 30, compat: o.compat ?? "none", groundTruth: ds.groundTruth ? "dataset matrix" : `${userModelOptions(o.userModel).kind}-completed`, ...(ds.adjusted ? { adjusted: ds.adjusted } : {}) },
  };
}

async function categoryPreset(ds: Dataset, o: PresetOptions, defaultWindow: number, defaultThreshold: number, positive: number): Promise<Parts> {
  const window = o.rule?.window ?? defaultWindow, threshold = o.rule?.threshold ?? defaultThreshold;
  const gt = (await groundTruthOf(ds, o)).matrix;
  return {
    dataset: ds,
    catalog: ds.catalog,
    numUsers: ds.numUsers,
    trainLog: ds.train,
    groundTruth: new MatrixWorld(ds.catalog, gt, ds.numUsers, { name: `${ds.name}-ground-truth` }),
    makeRules: () => [new CategoryWindowRule(ds.catalog, { window, threshold, compat: o.compat ?? "none" })],
    simulator: { maxSteps: 30, feedback: "rating" },
    positiveThreshold: positive,
    testFraction: 0,
    describe: { rule: "category-window", window, threshold, maxSteps: 30, compat: o.compat ?? "none", ...(ds.adjusted ? { adjusted: ds.adjusted } : {}) },
  };
}

function syntheticParts(o: PresetOptions, slate: boolean): Parts {
  const data = generateSynthetic(o.synthetic);
  const world = new SyntheticWorld(data);
  const catalog = data.catalog;
  const base = {
    catalog,
    numUsers: world.numUsers,
    trainLog: syntheticLog(world, 100, data.options.seed),
    groundTruth: world,
    positiveThreshold: 1,
    testFraction: 0.2,
    // Clean, dense explicit feedback: weak L2 lets MF learn each user's categories (top-10 agreement ~0.96).
    mf: { l2: 0.01 },
  };
  if (!slate) {
    return {
      ...base,
      makeRules: () => [new CategoryWindowRule(catalog, { window: 4, threshold: 1, compat: o.compat ?? "none" })],
      simulator: { maxSteps: 30, feedback: "click" },
      describe: { rule: "category-window", window: 4, threshold: 1, maxSteps: 30, feedback: "click", world: data.options },
    };
  }
  return {
    ...base,
    makeRules: () => [new TemperRule(catalog, { initial: 20 })],
    simulator: { maxSteps: 100, feedback: "click", slateSize: 6, similarityPenalty: 0.2, slateReward: "mean" },
    describe: { rule: "temper", initialTemper: 20, slateSize: 6, rho: 0.2, maxSteps: 100, feedback: "click", world: data.options },
  };
}

/** The dataset folder a preset reads (absolute), or undefined for the generated presets. */
function dataFolderOf(name: PresetName, o: PresetOptions): string | undefined {
  if (name === "synthetic" || name === "synthetic-kuaisim-rules") return undefined;
  return findDataset(name === "kuairand-pure-kuaisim-rules" ? "kuairand-pure" : name, o.dataDir);
}

async function buildParts(name: PresetName, o: PresetOptions, dir: string | undefined): Promise<Parts> {
  switch (name) {
    case "synthetic":
      return syntheticParts(o, false);
    case "synthetic-kuaisim-rules":
      return syntheticParts(o, true);
    case "coat":
      return distancePreset(loadCoat(dir!), o, 7, 6, 4);
    case "movielens-100k":
      // theta 75 is EasyRL4Rec's for ML-1M's 6,040 users; distances grow with sqrt(users): 75 * sqrt(943/6040) ~ 30.
      return distancePreset(loadMovieLens100k(dir!), o, 7, 30, 4);
    case "movielens-1m":
      return distancePreset(loadMovieLens1m(dir!), o, 7, 75, 4);
    case "kuairec":
      return categoryPreset(loadKuaiRec(dir!), o, 9, 1, 2);
    case "kuairand-pure":
      return categoryPreset(loadKuaiRandPure(dir!), o, 10, 0, 0.5);
    case "kuairand-pure-kuaisim-rules":
      return kuaiSimRulesOnKuaiRand(loadKuaiRandPure(dir!), o.mf);
    default:
      throw new FarsightError("env/unknown-preset", `unknown environment preset "${name as string}"; known: ${PRESETS.join(", ")}`, { name });
  }
}

/** Loads a preset's data and worlds (a deprecated name, see {@link DEPRECATED_PRESETS}, warns and loads its replacement). */
export async function loadPreset(requested: string, options: PresetOptions = {}): Promise<EnvSetup> {
  const name = resolvePresetName(requested);
  if (!(PRESETS as readonly string[]).includes(name)) {
    throw new FarsightError("env/unknown-preset", `unknown environment preset "${name}"; known: ${PRESETS.join(", ")}`, { name });
  }
  const dataFolder = dataFolderOf(name as PresetName, options);
  const p = await buildParts(name as PresetName, options, dataFolder);
  const split = splitUsers(p.numUsers, options.testFraction ?? p.testFraction, options.splitSeed ?? 0);
  // The log is the users' history before any simulated session: it covers every user (as EasyRL4Rec's
  // logs do). The user split decides whose sessions are simulated at train time and at test time.
  const trainLog = p.trainLog;
  let predicted: Promise<{ world: WorldModel; model: TrainedUserModel }> | undefined;
  const userModel = userModelOptions(options.userModel, { ...p.mf, ...options.mf });
  return {
    name: name as PresetName,
    catalog: p.catalog,
    numUsers: p.numUsers,
    trainLog,
    ...(p.testLog ? { testLog: p.testLog } : {}),
    groundTruth: p.groundTruth,
    makeRules: p.makeRules,
    simulator: p.simulator,
    positiveThreshold: p.positiveThreshold,
    majority: majorityCategories(p.catalog, trainLog.item),
    trainUsers: split.train,
    testUsers: split.test,
    // The folder the data came from is part of what produced a result (two copies of a dataset can differ).
    describe: { preset: name, ...(dataFolder ? { dataFolder } : {}), ...p.describe, userModel: userModel.kind, ...(userModel.uncertaintyPenalty ? { uncertaintyPenalty: userModel.uncertaintyPenalty } : {}), testUsers: split.test.length, trainUsers: split.train.length },
    predicted() {
      predicted ??= (async () => {
        const features = datasetFeatures(p.dataset ?? { catalog: p.catalog });
        const model = await trainUserModel(trainLog, p.numUsers, p.catalog.numItems, features, userModel);
        const pays = penalizedPrediction(model, userModel.uncertaintyPenalty);
        let min = Infinity;
        for (const v of pays) if (v < min) min = v;
        // EasyRL4Rec's simulated env pays pred - min(pred) so that rewards are non-negative.
        const gtWorld = p.groundTruth;
        const world = new MatrixWorld(p.catalog, pays, p.numUsers, {
          name: `${name}-predicted`,
          offset: -min,
          ...(gtWorld.itemEmbeddings ? { itemEmbeddings: gtWorld.itemEmbeddings, embeddingDim: gtWorld.embeddingDim } : {}),
        });
        return { world, model };
      })();
      return predicted;
    },
  };
}

/** Which simulator of a preset: see {@link makeSimulator}. */
export type SimulatorRole = "test" | "train" | "train-gt";

/**
 * A simulator for a preset, always with the preset's quit rule:
 * - `test`: the ground truth on the held-out test users;
 * - `train`: the predicted world model on the train users (the rule still reads ground-truth item distances,
 *   as EasyRL4Rec's simulated env uses the true env's quit signal);
 * - `train-gt`: the ground truth on the train users, for simulators that are themselves the training world
 *   (KuaiSim-style training, the synthetic users whose boredom a static predicted matrix cannot show).
 */
export async function makeSimulator(setup: EnvSetup, which: SimulatorRole, options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const shared = which === "train" ? (await setup.predicted()).world : setup.groundTruth;
  const world = shared.fork?.() ?? shared;
  const users = which === "test" ? setup.testUsers : setup.trainUsers;
  return new Simulator(world, setup.makeRules(), { ...setup.simulator, users, ...options });
}
