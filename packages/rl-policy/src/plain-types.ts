// The plain types of rl-policy's public API: options, reports and progress, no tensor in them. They live here, apart
// from the TF.js code, so that the main entry's declarations never import TF.js's (whose own .d.ts do not
// type-check under TypeScript 7 with skipLibCheck false); the modules that define behaviour re-export them.
import type { EvalMode, GymEnv } from "@farsight/env";

/** A backend this package can run on. */
export type BackendName = "tensorflow" | "wasm" | "cpu";

/** What {@link initBackend} chose and why the faster ones were skipped. */
export interface BackendReport {
  readonly backend: BackendName;
  /** Backends tried before the chosen one, each with the reason it was skipped. */
  readonly skipped: readonly { readonly backend: BackendName; readonly reason: string }[];
  /** One line for a log: `TF.js backend: wasm (tensorflow skipped: @tensorflow/tfjs-node not installed)`. */
  readonly summary: string;
}

/**
 * The algorithms this package implements: online (PPO, A2C, DQN, REINFORCE) and offline, trained from a logged
 * dataset alone (behaviour cloning, discrete BCQ, CQL, CRR; see `offline/`).
 */
export type PolicyKind = "ppo" | "a2c" | "dqn" | "reinforce" | "bc" | "bcq" | "cql" | "crr";

/** Options every neural policy has (the network's shape and its inputs). */
export interface PolicyOptions {
  /** State encoder (mean / gru / transformer) and widths. */
  encoder: EncoderOptions;
  /** Interactions of history the encoder sees (L). LERL: 5 slates x 6 items = 30. */
  historyLength: number;
  /** Raw feedback is divided by this (5 for 1..5 ratings, 1 for clicks) before it enters a token. */
  feedbackScale: number;
  /** Add a learned projection of the env's item features to the item table (when the env has them). */
  useItemFeatures: boolean;
  /** Hidden widths of the MLP heads. LERL's actor: [256, 64]. */
  hidden: number[];
  /**
   * Softmax slate policy only: the policy's logits are this times the item scores that the response loss fits to
   * feedback as click logits (a temperature of 1/scale on the click model).
   */
  logitScale: number;
  /** Seeds parameter initialisation and action sampling. */
  seed: number;
  /**
   * Softmax slate policy and DQN, opt-in (absent = off): the starting value of a learned logit `w` (DQN: an offset of
   * Q, in return units) added to every item already in the history the policy reads, so a policy trained where
   * repeats are allowed (FB) can learn whether to repeat (under the distance quit rule a repeat ends the session). A
   * plain `u(s) . e_i` scorer has no direct way to say "not the item just shown". 0 starts neutral, but Adam moves a
   * single scalar about one learning rate per step, so at 15,000 steps `w` reached only -0.4 on Coat; a negative
   * start (e.g. -10) encodes the prior that repeats are unwanted, which training can undo. Off, the policy and its
   * parameters are exactly as before.
   */
  repeatLogit?: number;
  /**
   * Opt-in (absent = off): a user vector (the user's best logged items, category affinities, features and optionally
   * a per-user embedding) joined to the session state the heads read (see `user-state.ts`). Off, the policy and its
   * parameters are exactly as before.
   */
  userState?: UserStateOptions;
  /**
   * Softmax slate policy, opt-in (absent = off): a learned offset on each item's logit from its category, one
   * weight per lag for the categories of the session's newest items and one for the user's category affinity (see
   * `category-logit.ts`). Off, the policy and its parameters are exactly as before.
   */
  categoryLogit?: CategoryLogitOptions;
}

/** Policy options as callers pass them: any subset, the encoder's, the user state's and the category logit's too. */
export type PolicyOptionsInit = Partial<Omit<PolicyOptions, "encoder" | "userState" | "categoryLogit">> & {
  encoder?: Partial<EncoderOptions>;
  userState?: Partial<UserStateOptions>;
  categoryLogit?: Partial<CategoryLogitOptions>;
};

/** Options of the category logit (`PolicyOptions.categoryLogit`; absent = off). */
export interface CategoryLogitOptions {
  /** Newest session items whose categories get a learned weight each (0 = none; at most the history length). */
  lags: number;
  /** A learned weight on the user's category affinity (needs `userState` with `categories`; else ignored). */
  affinity: boolean;
}

/**
 * Which state tracker (`state-trackers/`): `mean` pooling (fastest), `gru`, or a SASRec-style causal `transformer`
 * (LERL's choice). {@link STATE_TRACKERS} lists them with a one-line summary each.
 */
export type EncoderKind = "mean" | "gru" | "transformer";

/** Options of the state encoder. */
export interface EncoderOptions {
  kind: EncoderKind;
  /** Token and item-embedding width d. */
  itemDim: number;
  /** Output state width (mean, gru); the transformer's state width is `itemDim`. */
  stateDim: number;
  /** Transformer shape (LERL: d = 64, 4 heads, 3 layers, FFN 64). */
  transformer: TransformerOptions;
}

export interface TransformerOptions {
  /** Attention heads; must divide the token width. */
  heads: number;
  layers: number;
  /** Hidden width of the position-wise feed-forward block. */
  ffnDim: number;
}

/** Options of the user-aware state (`PolicyOptions.userState`; absent = off). */
export interface UserStateOptions {
  /** The user's best logged items whose mean enters the user vector (0 = none). */
  topK: number;
  /** Project the user's features into the user token (when the env has them). */
  features: boolean;
  /** A learned per-user embedding in the user token (same-user setups; held-out users get an untrained row). */
  userEmbedding: boolean;
  /** The user's per-category preference from their whole logged past (`categoryAffinity` in "/tf"). */
  categories: boolean;
}

/** Which action distribution PPO trains. */
export type PolicyHead = "softmax" | "hyper-action";

/** PPO hyper-parameters (the defaults are the toolkit's; CleanRL's and LERL's values are noted). */
export interface PpoOptions {
  /** `softmax` (default): a distribution over items; `hyper-action`: LERL's Gaussian scoring vector. */
  policyHead: PolicyHead;
  /** Discount. LERL: 0.9. */
  gamma: number;
  /** GAE lambda: 0 = TD(0) as in LERL, 1 = Monte-Carlo. CleanRL: 0.95. */
  gaeLambda: number;
  /** Ratio clipping epsilon (also clips the value loss). CleanRL: 0.2. */
  clipEpsilon: number;
  /** Clip the value update to `clipEpsilon` (in normalised return units) around the rollout's values. CleanRL: on. */
  clipValueLoss: boolean;
  /** Passes over each rollout. CleanRL and LERL: 4. */
  epochs: number;
  /** Minibatch size (transitions). LERL: 64. */
  minibatchSize: number;
  /** Steps per slot between updates. LERL: 20 (train_every). */
  rolloutSteps: number;
  /** Adam learning rate. CleanRL: 2.5e-4 (Atari) / 3e-4 (MuJoCo). */
  learningRate: number;
  /** Anneal the learning rate linearly to 0 over the budget (needs `setProgress`, which `trainPolicy` calls). */
  annealLearningRate: boolean;
  /** Weight of the value loss. CleanRL: 0.5. */
  valueCoef: number;
  /** Entropy bonus weight. CleanRL: 0.01 (Atari); LERL: 0.001. */
  entropyCoef: number;
  /** Global gradient-norm clip. CleanRL: 0.5; LERL: 20. */
  maxGradNorm: number;
  /** Stop the update's epochs once the approximate KL of a minibatch exceeds this (null: never). CleanRL: off. */
  targetKl: number | null;
  /** Normalise advantages per minibatch (zero mean, unit std). */
  normalizeAdvantages: boolean;
  /** Let the value loss train the shared encoder and item table (false: only the critic's head). */
  criticGradient: boolean;
  /** Initial std of the hyper-action Gaussian (hyper-action head only). LERL: 0.8. */
  initStd: number;
  /**
   * Weight of the response loss: each shown item's score fitted to its feedback (HAC's behaviour loss for the
   * hyper-action, a click cross-entropy on the logits for the softmax). Dense supervision from every transition;
   * for the hyper-action it is what gives the scoring item vectors a gradient. 0 turns it off.
   */
  responseCoef: number;
}

/** DQN hyper-parameters (CleanRL's DQN defaults, scaled to short recommendation sessions). */
export interface DqnOptions {
  gamma: number;
  learningRate: number;
  /** Replay capacity in transitions. */
  bufferSize: number;
  /** Transitions sampled per gradient step. */
  batchSize: number;
  /** Transitions stored before the first update. */
  learningStarts: number;
  /** Env steps (batched) between gradient steps. */
  trainEvery: number;
  /** Gradient steps per training round. */
  gradientSteps: number;
  /** Gradient steps between target-network updates. */
  targetUpdateEvery: number;
  /**
   * Each target update moves the target network this share of the way to the online one (Polyak averaging,
   * CleanRL's `tau`); 1 is a hard copy.
   */
  targetTau: number;
  /**
   * Steps of real reward before the bootstrap (multi-step returns, as in Rainbow): the target is
   * r_t + ... + gamma^(n-1) r_t+n-1 + gamma^n Q_target(s_t+n), truncated where the session ends. 1 is plain DQN.
   */
  nStep: number;
  /** Epsilon decays linearly from `epsilonStart` to `epsilonEnd` over this fraction of the budget. */
  explorationFraction: number;
  epsilonStart: number;
  epsilonEnd: number;
  maxGradNorm: number;
  /**
   * Double DQN (van Hasselt et al. 2016): the online network picks the next slate, the target network values it.
   * Plain DQN's max over a noisy target overestimates, which here showed as training returns that rose and then fell.
   */
  double: boolean;
}

/** What is subtracted from the return: a learned V(s), the rollout's mean return, or nothing. */
export type ReinforceBaseline = "value" | "mean" | "none";

/** REINFORCE hyper-parameters. */
export interface ReinforceOptions {
  /** Discount of the Monte-Carlo return. */
  gamma: number;
  /** The baseline (see the file's comment). Default `"value"`. */
  baseline: ReinforceBaseline;
  /** Steps per slot between updates; returns are Monte-Carlo inside a rollout, completed by V(s_T) at its cut. */
  rolloutSteps: number;
  /** Transitions per gradient step; the rollout is passed over once. */
  minibatchSize: number;
  learningRate: number;
  /** Weight of the critic's loss (the critic only reads the state: it never shapes the actor). */
  valueCoef: number;
  /** Entropy bonus on the first slate position's distribution. */
  entropyCoef: number;
  maxGradNorm: number;
  /** Normalise the weights `G - b` per minibatch (not applied with `baseline: "none"`, where centring would be a baseline). */
  normalizeAdvantages: boolean;
  /** Weight of the response loss (shown items' scores fitted to their feedback, as PPO's and A2C's). 0 turns it off. */
  responseCoef: number;
}

/** Numbers an update reports (losses, entropy, gradient norm, skipped steps). */
export type UpdateStats = Record<string, number>;

/** A progress report. Episode statistics cover the episodes finished since the previous report. */
export interface TrainProgress {
  readonly envSteps: number;
  readonly totalSteps: number;
  readonly updates: number;
  readonly episodes: number;
  /** Mean return / length of episodes finished since the last report (NaN if none). */
  readonly meanReturn: number;
  readonly meanLength: number;
  readonly elapsedMs: number;
  readonly stepsPerSecond: number;
  /** Stats of the latest update. */
  readonly stats: UpdateStats;
}

export interface TrainSummary {
  readonly envSteps: number;
  readonly updates: number;
  readonly episodes: number;
  readonly elapsedMs: number;
  readonly stepsPerSecond: number;
  /** Mean return of the episodes finished in the last 20% of training. */
  readonly finalMeanReturn: number;
}

/** Options of `PPO.learn` / `A2C.learn` / `DQN.learn` / `REINFORCE.learn`; `A` is the algorithm's own options. */
export interface LearnOptions<A> {
  /** Budget in env transitions (B sessions stepping once count B). Required. */
  readonly steps: number;
  /** Seed of the policy's initialisation and sampling and of the training simulator (default 0). */
  readonly seed?: number;
  /** Concurrent training sessions (default 32). */
  readonly batchSize?: number;
  /** Policy network options (history length, encoder, `feedbackScale`...); the package defaults otherwise. */
  readonly policy?: PolicyOptionsInit;
  /** The algorithm's options (see the package README's tables); its defaults otherwise. */
  readonly algorithm?: Partial<A>;
  /** Called about ten times over the budget. */
  readonly onProgress?: (progress: TrainProgress) => void;
  /** Stops training early (between updates) when aborted; the agent keeps what it learned. */
  readonly signal?: AbortSignal;
}

/** Options of {@link TrainedAgent.evaluate}. */
export interface AgentEvaluateOptions {
  /** Episodes per seed (default 100). */
  readonly episodes?: number;
  /** Evaluation seeds (default [0]). */
  readonly seeds?: readonly number[];
  /** Greedy slates (default true) or sampled ones. */
  readonly deterministic?: boolean;
  /** FB / NX_0 / NX_10 (default: the preset's mode). */
  readonly mode?: EvalMode;
  /** The env whose preset to evaluate on (default: the env the agent learned on, or was loaded with). */
  readonly env?: GymEnv;
}

/** The online algorithms {@link createAlgorithm} builds (the offline ones: `createOfflineAlgorithm`). */
export type AlgorithmName = "ppo" | "a2c" | "dqn" | "reinforce";

/** The `format` field of every checkpoint manifest. */
export const CHECKPOINT_FORMAT = "farsight-rl-policy";

/** One tensor of a checkpoint's binary file. */
export interface CheckpointEntry {
  name: string;
  dtype: "float32" | "int32";
  shape: number[];
  /** Byte offset in the binary file. */
  offset: number;
}

/** The JSON half of a checkpoint. */
export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  kind: PolicyKind;
  policyOptions: PolicyOptions;
  algorithmOptions: Record<string, unknown>;
  /**
   * `numUsers` / `userFeatureDim` / `userFeatureNames`: present when the policy is user-aware; the users' top-k
   * logged items (`context/userOffsets`, `context/userItems`, `context/userRatings`) and features
   * (`context/userFeatures`) are then in weights.bin, so the loaded policy acts without an env's profiles.
   */
  context: { numItems: number; numCategories: number; slateSize: number; featureDim: number; numUsers?: number; userFeatureDim?: number; userFeatureNames?: readonly string[] };
  updates: number;
  weights: CheckpointEntry[];
  optimizer: CheckpointEntry[];
  savedAt: string;
  /** Free-form metadata from the caller (env preset, seed, training steps). */
  meta: Record<string, unknown>;
}

/** A2C hyper-parameters: every one but the auxiliary losses (tensor functions, in `A2COptions`). */
export interface A2CBaseOptions {
  gamma: number;
  /** GAE lambda; 1 gives the classic n-step A2C advantage. */
  gaeLambda: number;
  /** Steps per slot between updates (n in n-step A2C). */
  rolloutSteps: number;
  /** Transitions per gradient step; the rollout is passed over once (rollout size = one classic A2C step). */
  minibatchSize: number;
  learningRate: number;
  valueCoef: number;
  /** Entropy bonus on the first slate position's distribution. */
  entropyCoef: number;
  maxGradNorm: number;
  normalizeAdvantages: boolean;
  /** Let the value loss train the shared encoder and item table (false: only the critic's head). */
  criticGradient: boolean;
  /** Weight of the response loss (shown items' logits fitted to their feedback; see PPO's option). 0 turns it off. */
  responseCoef: number;
}
