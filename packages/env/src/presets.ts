/**
 * Presets: a dataset, its ground-truth world, its quit rule and simulator settings, with the anchors'
 * parameters (table in the README). `loadPreset(name)` returns an {@link EnvSetup}; `makeSimulator`
 * builds the test-time (ground truth) or train-time (predicted world model) simulator from it. The parts of each
 * preset are built in `preset-synthetic.ts`, `preset-datasets.ts` and `preset-kuairand-kuaisim.ts`; the user
 * split and fold-in in `user-split.ts`; the options and shapes in `preset-options.ts`.
 */
import { FarsightError } from "@farsight/core";
import { loadCoat } from "./data/coat.js";
import { loadKuaiRandPure, loadKuaiRec } from "./data/kuai.js";
import { loadMovieLens1m, loadMovieLens100k } from "./data/movielens.js";
import { findDataset } from "./datadir.js";
import { datasetFeatures } from "./features.js";
import { majorityCategories } from "./metrics.js";
import { kuaiSimRulesOnKuaiRand } from "./preset-kuairand-kuaisim.js";
import { checkTemperOverrides } from "./preset-temper.js";
import { resolvePresetName } from "./preset-names.js";
import { Simulator, type SimulatorOptions } from "./simulator.js";
import { DEFAULT_IPS_DEEPFM } from "./deepfm-ips.js";
import { noPropensitiesError, penalizedPrediction, trainUserModel, userModelOptions, type TrainedUserModel, type UserModelOptions } from "./user-model.js";
import { MatrixWorld, type WorldModel } from "./world.js";
import { buildUserProfiles } from "./user-profiles.js";
import { DEFAULT_FOLD_IN, PRESETS, TEMPER_PRESETS, type EnvSetup, type PresetName, type PresetOptions, type PresetParts } from "./preset-options.js";
import { foldInLog, splitUsers } from "./user-split.js";
import { syntheticParts } from "./preset-synthetic.js";
import { categoryPreset, distancePreset } from "./preset-datasets.js";

export { PRESETS, DATASET_TEST_FRACTION, DEFAULT_FOLD_IN, type PresetName, type PresetOptions, type EnvSetup, type PresetParts } from "./preset-options.js";
export { splitUsers, foldInLog, filterLog, type FoldInOrder } from "./user-split.js";

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
