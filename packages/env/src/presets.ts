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
import { calibrateTheta, COAT_WINDOW, type ThetaCalibration } from "./calibrate.js";
import { majorityCategories } from "./metrics.js";
import { kuaiSimRulesOnKuaiRand } from "./preset-kuairand-kuaisim.js";
import { checkTemperOverrides, temperRules, type TemperModel } from "./preset-temper.js";
import { resolvePresetName } from "./preset-names.js";
import { CategoryWindowRule, checkCategoryWindow, checkDistanceWindow, DistanceWindowRule, type ItemDistance, type QuitRule, type WindowCompat } from "./quit.js";
import { Simulator, type SimulatorOptions } from "./simulator.js";
import { generateSynthetic, SyntheticWorld, type SyntheticOptions } from "./synthetic.js";
import { syntheticFamily, type SyntheticFamilyMember } from "./synthetic-family.js";
import { DEFAULT_IPS_DEEPFM } from "./deepfm-ips.js";
import { completeGroundTruth, noPropensitiesError, penalizedPrediction, trainUserModel, userModelOptions, type TrainedUserModel, type UserModelKind, type UserModelOptions } from "./user-model.js";
import { columnDistances, MatrixWorld, type WorldModel } from "./world.js";
import { buildUserProfiles, type UserProfiles } from "./user-profiles.js";

export const PRESETS = ["synthetic", "coat", "movielens-100k", "movielens-1m", "kuairec", "kuairand-pure", "synthetic-kuaisim-rules", "kuairand-pure-kuaisim-rules"] as const;
export type PresetName = (typeof PRESETS)[number];

/** The presets that quit on a temper (slates of 6, KuaiSim's session rules) rather than a window. */
const TEMPER_PRESETS: ReadonlySet<PresetName> = new Set(["synthetic-kuaisim-rules", "kuairand-pure-kuaisim-rules"]);

/** Share of users held out for test in every preset by default (`sameUsers` for EasyRL4Rec's setting). */
export const DATASET_TEST_FRACTION = 0.2;

/** Default share of a held-out user's logged ratings the learned models see ({@link PresetOptions.foldIn}). */
export const DEFAULT_FOLD_IN = 0.5;

export interface PresetOptions {
  /** Data directory (see `findDataset` for the search order). */
  readonly dataDir?: string;
  /** `easyrl4rec` reproduces EasyRL4Rec's shorter look-back window (window rules only). */
  readonly compat?: WindowCompat;
  /**
   * Items of the synthetic presets' catalog, an integer in [300, 10000] (default 500): the catalog-size family
   * (`synthetic-family.ts`; what scales with the size is in the README). An error on the dataset presets.
   */
  readonly items?: number;
  /**
   * Categories of the synthetic presets, an integer in [20, 100] (default 20). Favourites per user, the category
   * quit window and the boredom decay scale with categories / 20 (README, "Catalog-size family").
   */
  readonly categories?: number;
  /**
   * Low-level overrides of the synthetic world (synthetic and synthetic-kuaisim-rules presets), applied after
   * the family's sizing and unchecked beyond the generator's own checks; `numItems` / `numCategories` here and
   * `items` / `categories` together are an error.
   */
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
   * or CIRS's `{ window: 1, threshold: 0 }`. `threshold` is the rule's threshold whatever the rule: a count
   * for category windows, the distance theta for distance windows (`theta` is accepted there too). The temper
   * rule (`synthetic-kuaisim-rules`, `kuairand-pure-kuaisim-rules`) has neither: an override there is an error.
   */
  readonly rule?: { readonly window?: number; readonly threshold?: number; readonly theta?: number };
  /**
   * The leave model of the temper presets (see `preset-temper.ts`): `lerl` (LERL's click-blind temper, the
   * default of `synthetic-kuaisim-rules`) or `kuaisim` (KuaiSim's click-driven one, the default of
   * `kuairand-pure-kuaisim-rules`). An error on the window presets.
   */
  readonly temper?: TemperModel;
  /** Share of users held out for test (default: the preset's, see README); 0 = every user trains and tests. */
  readonly testFraction?: number;
  /**
   * EasyRL4Rec's conformance setting: every user's sessions train and test, and the learned models see every
   * user's whole log (the same as `testFraction: 0`).
   */
  readonly sameUsers?: boolean;
  /**
   * With held-out users: the share of each test user's logged ratings that the learned models (the predicted
   * world, popularity, majority categories) see: the history a deployed recommender would know of a returning
   * user, which gives them MF factors. Their earliest ratings where the log has timestamps (MovieLens, Kuai),
   * else a seeded draw (Coat, synthetic); `describe.foldInOrder` says which. The rest is withheld from every learned model
   * (`EnvSetup.withheldLog`). Default 0.5; 0 makes test users cold-start.
   */
  readonly foldIn?: number;
  /** Seed of the user split and of the fold-in draw (default 0). */
  readonly splitSeed?: number;
}

export interface EnvSetup {
  readonly name: PresetName;
  readonly catalog: Catalog;
  readonly numUsers: number;
  /**
   * The log the predicted world and the popularity baseline learn from: every train user's ratings and, with
   * held-out users, the fold-in share of each test user's (see {@link PresetOptions.foldIn}).
   */
  readonly trainLog: RatingLog;
  /** Test users' logged ratings that no learned model sees (held-out users only). */
  readonly withheldLog?: RatingLog;
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
  /**
   * Every user's profile (`user-profiles.ts`): their past is `trainLog` (a training user's training log, a held-out
   * user's fold-in share, the synthetic log on the synthetic presets), plus the dataset's user features (Coat).
   * Every simulator of the preset carries it (`VecEnv.profiles`).
   */
  readonly profiles: UserProfiles;
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

/**
 * Which of a held-out user's ratings the learned models see: `earliest` (a returning user's history, then
 * the later ratings withheld; needs timestamps) or `random` (a seeded draw, for logs without time).
 */
export type FoldInOrder = "earliest" | "random";

/**
 * Splits a log for held-out users: train users' ratings stay whole; of each test user's ratings a `foldIn`
 * share (rounded) stays and the rest is withheld. The share kept is the user's earliest ratings when the log
 * has timestamps (ties broken by a seeded draw), else a seeded random draw; `order` says which ran.
 */
export function foldInLog(log: RatingLog, testUsers: Int32Array, numUsers: number, foldIn: number, seed = 0): { seen: RatingLog; withheld: RatingLog; order: FoldInOrder } {
  if (!(foldIn >= 0 && foldIn <= 1)) throw new FarsightError("env/bad-option", `foldIn must be a share in [0, 1], got ${foldIn}`, { foldIn });
  const isTest = new Uint8Array(numUsers);
  for (const u of testUsers) isTest[u] = 1;
  const rowsOf = new Map<number, number[]>();
  for (let j = 0; j < log.user.length; j++) {
    const u = log.user[j]!;
    if (!isTest[u]) continue;
    let rows = rowsOf.get(u);
    if (!rows) rowsOf.set(u, (rows = []));
    rows.push(j);
  }
  const withheld = new Uint8Array(log.user.length);
  const rng = new Rng(seed, "fold-in");
  const time = log.timestamp;
  for (const u of [...rowsOf.keys()].sort((a, b) => a - b)) {
    // Shuffled first, so that a stable sort by time breaks ties (same-second ratings) by a seeded draw.
    const rows = rng.shuffle(rowsOf.get(u)!);
    if (time) rows.sort((a, b) => time[a]! - time[b]!);
    for (const j of rows.slice(Math.round(foldIn * rows.length))) withheld[j] = 1;
  }
  const seen: number[] = [], held: number[] = [];
  for (let j = 0; j < log.user.length; j++) (withheld[j] ? held : seen).push(j);
  return { seen: pickRows(log, seen), withheld: pickRows(log, held), order: time ? "earliest" : "random" };
}

function pickRows(log: RatingLog, idx: readonly number[]): RatingLog {
  const pick = (a: ArrayLike<number>) => idx.map((j) => a[j]!);
  return {
    user: Int32Array.from(pick(log.user)),
    item: Int32Array.from(pick(log.item)),
    rating: Float32Array.from(pick(log.rating)),
    ...(log.timestamp ? { timestamp: Float64Array.from(pick(log.timestamp)) } : {}),
  };
}

/** A log restricted to some users. */
export function filterLog(log: RatingLog, users: Int32Array, numUsers: number): RatingLog {
  const keep = new Uint8Array(numUsers);
  for (const u of users) keep[u] = 1;
  const idx: number[] = [];
  for (let j = 0; j < log.user.length; j++) if (keep[log.user[j]!]) idx.push(j);
  return pickRows(log, idx);
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

/** What each preset builder fills; {@link loadPreset} assembles an {@link EnvSetup} from it. */
export interface PresetParts {
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
async function distancePreset(ds: Dataset, o: PresetOptions, defaultWindow: number, easyrl4rec: number | undefined, feedbackPositive: number): Promise<PresetParts> {
  const window = o.rule?.window ?? defaultWindow;
  const truth = await groundTruthOf(ds, o);
  const gt = truth.matrix;
  const n = ds.catalog.numItems;
  const dist = await itemDistance(truth, ds.numUsers, n);
  const { theta, thetaSource, calibration } = thetaOf(o, dist, easyrl4rec);
  // Checked here so that a bad override fails at load time, not in the first simulator.
  checkDistanceWindow({ window, theta });
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
    testFraction: DATASET_TEST_FRACTION,
    describe: {
      rule: "distance-window", window, theta, thetaSource, ...(calibration ? { calibration } : {}), maxSteps: 30, compat: o.compat ?? "none",
      groundTruth: ds.groundTruth ? "dataset matrix" : `${userModelOptions(o.userModel).kind}-completed`, ...(ds.adjusted ? { adjusted: ds.adjusted } : {}),
    },
  };
}

async function categoryPreset(ds: Dataset, o: PresetOptions, defaultWindow: number, defaultThreshold: number, positive: number): Promise<PresetParts> {
  const window = o.rule?.window ?? defaultWindow, threshold = o.rule?.threshold ?? defaultThreshold;
  if (o.rule?.theta !== undefined) throw new FarsightError("env/bad-option", `preset ${ds.name} quits on a category window, which has no distance theta; set its threshold (a count)`, { rule: o.rule });
  checkCategoryWindow({ window, threshold });
  const gt = (await groundTruthOf(ds, o)).matrix;
  return {
    dataset: ds,
    catalog: ds.catalog,
    numUsers: ds.numUsers,
    trainLog: ds.train,
    // KuaiRand-Pure's random-exposure log: held out from training, for scoring user models (bench user-model).
    ...(ds.test ? { testLog: ds.test } : {}),
    groundTruth: new MatrixWorld(ds.catalog, gt, ds.numUsers, { name: `${ds.name}-ground-truth` }),
    makeRules: () => [new CategoryWindowRule(ds.catalog, { window, threshold, compat: o.compat ?? "none" })],
    simulator: { maxSteps: 30, feedback: "rating" },
    positiveThreshold: positive,
    testFraction: DATASET_TEST_FRACTION,
    describe: { rule: "category-window", window, threshold, thresholdSource: o.rule?.threshold !== undefined || o.rule?.window !== undefined ? "given" : "EasyRL4Rec", maxSteps: 30, compat: o.compat ?? "none", ...(ds.adjusted ? { adjusted: ds.adjusted } : {}) },
  };
}

/** Keys of the generator that the family sets, so that a low-level override of one is reported. */
const FAMILY_KEYS = ["numItems", "numCategories", "favourites", "boredomDecay"] as const;

/** The family member a preset's options ask for; a size given twice (family and low-level) is an error. */
function familyOf(o: PresetOptions): { member: SyntheticFamilyMember; overridden: string[] } {
  for (const [option, key] of [["items", "numItems"], ["categories", "numCategories"]] as const) {
    if (o[option] !== undefined && o.synthetic?.[key] !== undefined) {
      throw new FarsightError("env/bad-option", `synthetic preset: ${option} (${o[option]}) and synthetic.${key} (${o.synthetic[key]}) both set the size; give ${option} only`, { option, value: o[option], [key]: o.synthetic[key] });
    }
  }
  const member = syntheticFamily({ ...(o.items !== undefined ? { items: o.items } : {}), ...(o.categories !== undefined ? { categories: o.categories } : {}) });
  return { member, overridden: FAMILY_KEYS.filter((k) => o.synthetic?.[k] !== undefined) };
}

function syntheticParts(o: PresetOptions, slate: boolean): PresetParts {
  const { member, overridden } = familyOf(o);
  const data = generateSynthetic({ ...member.world, ...o.synthetic });
  // Where a low-level override wins over the family's setting, `describe.world` holds the value that ran.
  const family = { ...member.describe, ...(overridden.length ? { overriddenBy: overridden.map((k) => `synthetic.${k}`) } : {}) };
  const world = new SyntheticWorld(data);
  const catalog = data.catalog;
  const base = {
    catalog,
    numUsers: world.numUsers,
    trainLog: syntheticLog(world, 100, data.options.seed),
    groundTruth: world,
    positiveThreshold: 1,
    testFraction: DATASET_TEST_FRACTION,
    // Clean, dense explicit feedback: weak L2 lets MF learn each user's categories (top-10 agreement ~0.96).
    mf: { l2: 0.01 },
  };
  if (!slate) {
    const window = o.rule?.window ?? member.window, threshold = o.rule?.threshold ?? 1;
    if (o.rule?.theta !== undefined) throw new FarsightError("env/bad-option", "preset synthetic quits on a category window, which has no distance theta; set its threshold (a count)", { rule: o.rule });
    checkCategoryWindow({ window, threshold });
    return {
      ...base,
      makeRules: () => [new CategoryWindowRule(catalog, { window, threshold, compat: o.compat ?? "none" })],
      simulator: { maxSteps: 30, feedback: "click" },
      describe: {
        rule: "category-window", window, threshold, ...(o.rule?.window !== undefined || o.rule?.threshold !== undefined ? { thresholdSource: "given" } : {}),
        maxSteps: 30, feedback: "click", world: data.options, family,
      },
    };
  }
  // LERL's temper by default: the setting LERL's paper ran on KuaiSim, and that of every result measured here.
  const temper = temperRules(catalog, o.temper ?? "lerl", "synthetic-kuaisim-rules");
  return {
    ...base,
    makeRules: temper.makeRules,
    simulator: { maxSteps: 100, feedback: "click", slateSize: 6, similarityPenalty: 0.2, slateReward: "mean" },
    // The family's window belongs to the category rule; the temper rules have none.
    describe: { ...temper.describe, slateSize: 6, rho: 0.2, maxSteps: 100, feedback: "click", world: data.options, family: Object.fromEntries(Object.entries(family).filter(([k]) => k !== "window")) },
  };
}

/** The dataset folder a preset reads (absolute), or undefined for the generated presets. */
function dataFolderOf(name: PresetName, o: PresetOptions): string | undefined {
  if (name === "synthetic" || name === "synthetic-kuaisim-rules") return undefined;
  return findDataset(name === "kuairand-pure-kuaisim-rules" ? "kuairand-pure" : name, o.dataDir);
}

async function buildParts(name: PresetName, o: PresetOptions, dir: string | undefined): Promise<PresetParts> {
  switch (name) {
    case "synthetic":
      return syntheticParts(o, false);
    case "synthetic-kuaisim-rules":
      return syntheticParts(o, true);
    case "coat":
      // EasyRL4Rec's theta 6 was set on this very pseudo-GT matrix: kept, for conformance.
      return distancePreset(loadCoat(dir!), o, 7, 6, 4);
    case "movielens-100k":
      return distancePreset(loadMovieLens100k(dir!), o, 7, undefined, 4);
    case "movielens-1m":
      // EasyRL4Rec's theta 75 belongs to its own completed ML-1M matrix (not public); ours is another completion.
      return distancePreset(loadMovieLens1m(dir!), o, 7, undefined, 4);
    case "kuairec":
      return categoryPreset(loadKuaiRec(dir!), o, 9, 1, 2);
    case "kuairand-pure":
      return categoryPreset(loadKuaiRandPure(dir!), o, 10, 0, 0.5);
    case "kuairand-pure-kuaisim-rules":
      return kuaiSimRulesOnKuaiRand(loadKuaiRandPure(dir!), o.mf, o.temper ?? "kuaisim", o.userModel);
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
  if (options.sameUsers && options.testFraction !== undefined && options.testFraction > 0) {
    throw new FarsightError("env/bad-option", `sameUsers evaluates on the training users, but testFraction ${options.testFraction} holds some out: choose one`, { testFraction: options.testFraction });
  }
  const splitSeed = options.splitSeed ?? 0, foldIn = options.foldIn ?? DEFAULT_FOLD_IN;
  if (options.testFraction !== undefined && !(options.testFraction >= 0 && options.testFraction < 1)) {
    throw new FarsightError("env/bad-option", `testFraction must be in [0, 1), got ${options.testFraction}`, { testFraction: options.testFraction });
  }
  if (!(foldIn >= 0 && foldIn <= 1)) throw new FarsightError("env/bad-option", `foldIn must be a share in [0, 1], got ${foldIn}`, { foldIn });
  checkTemperOverrides(name, options.rule, options.temper, TEMPER_PRESETS.has(name as PresetName));
  if (name !== "synthetic" && name !== "synthetic-kuaisim-rules") {
    for (const option of ["items", "categories"] as const) {
      if (options[option] !== undefined) throw new FarsightError("env/bad-option", `${option} sizes the synthetic presets; the catalog of ${name} is its dataset's (got ${option} ${options[option]})`, { option, value: options[option], preset: name });
    }
  }
  const dataFolder = dataFolderOf(name as PresetName, options);
  const p = await buildParts(name as PresetName, options, dataFolder);
  const testFraction = options.sameUsers ? 0 : (options.testFraction ?? p.testFraction);
  const split = splitUsers(p.numUsers, testFraction, splitSeed);
  // Held-out users: no session of a test user is simulated in training, and of their logged history the
  // learned models see only the fold-in share. With the same users (EasyRL4Rec) the whole log is seen.
  const heldOut = testFraction > 0;
  const logs = heldOut ? foldInLog(p.trainLog, split.test, p.numUsers, foldIn, splitSeed) : undefined;
  const trainLog = logs ? logs.seen : p.trainLog;
  const users = heldOut
    ? { evalUsers: "held-out", testFraction, splitSeed, foldIn, foldInOrder: logs!.order, withheldRatings: logs!.withheld.user.length }
    : { evalUsers: "same", testFraction: 0 };
  let predicted: Promise<{ world: WorldModel; model: TrainedUserModel }> | undefined;
  const ds = p.dataset;
  const profiles = buildUserProfiles({
    numUsers: p.numUsers,
    log: trainLog,
    ...(heldOut ? { testUsers: split.test } : {}),
    synthetic: !ds,
    ...(ds?.userFeatures && ds.userFeatureDim ? { features: ds.userFeatures, featureDim: ds.userFeatureDim, ...(ds.userFeatureNames ? { featureNames: ds.userFeatureNames } : {}) } : {}),
  });
  const userModel = userModelOptions(options.userModel, { ...p.mf, ...options.mf });
  // Before any training: a preset without propensities cannot weigh its log (only Coat ships them).
  if (userModel.kind === "deepfm-ips" && !ds?.propensities) throw noPropensitiesError(`preset ${name}`);
  return {
    name: name as PresetName,
    catalog: p.catalog,
    numUsers: p.numUsers,
    trainLog,
    ...(p.testLog ? { testLog: p.testLog } : {}),
    ...(logs ? { withheldLog: logs.withheld } : {}),
    groundTruth: p.groundTruth,
    makeRules: p.makeRules,
    simulator: p.simulator,
    positiveThreshold: p.positiveThreshold,
    majority: majorityCategories(p.catalog, trainLog.item),
    trainUsers: split.train,
    testUsers: split.test,
    profiles,
    // The folder the data came from is part of what produced a result (two copies of a dataset can differ).
    describe: { preset: name, ...(dataFolder ? { dataFolder } : {}), ...p.describe, ...users, userModel: userModel.kind, ...userModelDetails(userModel), userProfiles: { past: ds ? (heldOut ? "training log; held-out users: fold-in share" : "training log") : "synthetic log", features: profiles.featureDim > 0 ? `${profiles.featureDim} user feature columns` : "none" }, ...(userModel.uncertaintyPenalty ? { uncertaintyPenalty: userModel.uncertaintyPenalty } : {}), testUsers: split.test.length, trainUsers: split.train.length },
    predicted() {
      predicted ??= (async () => {
        const features = datasetFeatures(p.dataset ?? { catalog: p.catalog });
        const model = await trainUserModel(trainLog, p.numUsers, p.catalog.numItems, features, userModel, { ...(ds?.propensities ? { propensities: ds.propensities } : {}), source: `preset ${name}` });
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

/** What else produced the predicted world, beside its kind: the ensemble's size, the IPS clip. */
function userModelDetails(o: UserModelOptions): Record<string, number> {
  if (o.kind === "deepfm-ensemble") return { userModelMembers: o.members };
  if (o.kind === "deepfm-ips") return { ipsMaxWeight: o.ips.maxWeight ?? DEFAULT_IPS_DEEPFM.maxWeight };
  return {};
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
  return new Simulator(world, setup.makeRules(), { ...setup.simulator, users, profiles: setup.profiles, ...options });
}
