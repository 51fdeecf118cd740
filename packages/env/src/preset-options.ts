/**
 * The presets' names and shapes: what a caller may ask of a preset ({@link PresetOptions}), what it gets
 * ({@link EnvSetup}), and what each preset builder fills ({@link PresetParts}); `presets.ts` loads them.
 */
import type { Catalog } from "@farsight/core";
import type { Dataset, RatingLog } from "./data/dataset.js";
import type { MFOptions } from "./learned.js";
import type { TemperModel } from "./preset-temper.js";
import type { QuitRule, WindowCompat } from "./quit.js";
import type { SimulatorOptions } from "./simulator.js";
import type { SyntheticOptions } from "./synthetic.js";
import type { TrainedUserModel, UserModelKind, UserModelOptions } from "./user-model.js";
import type { WorldModel } from "./world.js";
import type { UserProfiles } from "./user-profiles.js";

export const PRESETS = ["synthetic", "coat", "movielens-100k", "movielens-1m", "kuairec", "kuairand-pure", "synthetic-kuaisim-rules", "kuairand-pure-kuaisim-rules"] as const;
export type PresetName = (typeof PRESETS)[number];

/** The presets that quit on a temper (slates of 6, KuaiSim's session rules) rather than a window. */
export const TEMPER_PRESETS: ReadonlySet<PresetName> = new Set(["synthetic-kuaisim-rules", "kuairand-pure-kuaisim-rules"]);

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
