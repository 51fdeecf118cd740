/**
 * What every policy shares: the {@link Policy} acting interface (Tianshou's split: acting here, learning in
 * an `Algorithm`), the {@link PolicyContext} a policy is built for, and {@link NeuralPolicy}, the base that
 * owns the parameters, the item table, the state encoder and the mask handling.
 */
import { FarsightError, Rng, type Policy as CorePolicy, type PolicyActRequest, type PolicyActResult, type PolicyContext as CorePolicyContext } from "@farsight/core";
import type { UserProfiles, VecEnv } from "@farsight/env";
import { requireBackend, tf } from "./backend.js";
import { buildCategoryLogit, categoryOffsets, checkCategoryLogit, DEFAULT_CATEGORY_LOGIT } from "./category-logit.js";
import { DEFAULT_ENCODER_OPTIONS, encodeState, historyTokens, itemTable, type HistoryBatch } from "./encoders.js";
import { combineMasks, type MaskStats } from "./features.js";
import { ParamSet, stopGradient } from "./params.js";
import { DEFAULT_USER_STATE, UserTables, userVector } from "./user-state.js";
import { type PolicyKind, type PolicyOptions, type PolicyOptionsInit } from "./plain-types.js";
export type { PolicyKind, PolicyOptions, PolicyOptionsInit } from "./plain-types.js";


/**
 * The catalogue and slate shape a policy is built for (saved with it): core's context, and the users' profiles a
 * user-aware policy reads (an env type, so it stays out of core).
 */
export interface PolicyContext extends CorePolicyContext {
  /** The users' logged past and features (`VecEnv.profiles`), read by a user-aware policy (`userState`). */
  readonly profiles?: UserProfiles;
  /**
   * The users' category affinities (`categoryAffinity`, users x categories) when `profiles` is not the whole logged
   * past they were computed from: a checkpoint keeps only the top-k past. Absent: computed from `profiles`.
   */
  readonly userAffinity?: Float32Array;
}

/** The context of an env: its catalogue, slate size, item features and user profiles. */
export function contextFromEnv(env: VecEnv): PolicyContext {
  return {
    numItems: env.numItems,
    numCategories: env.catalog.numCategories,
    slateSize: env.slateSize,
    itemCategory: env.catalog.itemCategory,
    itemFeatures: env.itemEmbeddings,
    featureDim: env.itemEmbeddings ? env.embeddingDim : 0,
    ...(env.profiles ? { profiles: env.profiles } : {}),
  };
}



export const DEFAULT_POLICY_OPTIONS: PolicyOptions = {
  encoder: DEFAULT_ENCODER_OPTIONS,
  historyLength: 10,
  feedbackScale: 1,
  useItemFeatures: true,
  hidden: [128, 64],
  logitScale: 5,
  seed: 0,
};

/** One batched action request (core's {@link PolicyActRequest}). */
export type ActRequest = PolicyActRequest;

/** What a policy chose, per slot (core's {@link PolicyActResult}). */
export type ActResult = PolicyActResult;

/** Acting: the one method serving code needs (core's `Policy`, with this package's kinds and options). */
export type Policy = CorePolicy<PolicyOptions, PolicyKind>;

/** Base of the three neural policies: parameters, item table cache, encoder, masks. */
export abstract class NeuralPolicy implements Policy {
  abstract readonly kind: PolicyKind;
  /** Width of the continuous action a rollout stores (the hyper-action), 0 for discrete policies. */
  readonly actionDim: number = 0;
  readonly params: ParamSet;
  readonly options: PolicyOptions;
  /** Counts of plan / mask fallbacks since construction. */
  readonly maskStats: MaskStats = { planRelaxed: 0, maskRelaxed: 0 };
  protected readonly rng: Rng;
  /** Item features with a zero pad row, [N+1, f], when used. */
  private readonly features: tf.Tensor2D | undefined;
  /** One-hot primary category per item with a zero pad row, [N+1, C]. */
  private readonly categoryOneHot: tf.Tensor2D;
  private cachedTable: tf.Tensor2D | undefined;
  /** The users' profiles as tensors, with `userState`. */
  private userTables: UserTables | undefined;
  /** User feature columns the user token reads (0: none), fixed at construction; saved in checkpoints. */
  readonly userFeatureDim: number = 0;
  /** Rows of the per-user embedding (0: none). */
  readonly userEmbeddingRows: number = 0;

  constructor(
    readonly context: PolicyContext,
    options: PolicyOptionsInit,
  ) {
    const encoder = { ...DEFAULT_POLICY_OPTIONS.encoder, ...options.encoder };
    encoder.transformer = { ...DEFAULT_POLICY_OPTIONS.encoder.transformer, ...options.encoder?.transformer };
    const { userState: userInit, categoryLogit: categoryInit, ...rest } = options;
    this.options = {
      ...DEFAULT_POLICY_OPTIONS, ...rest, encoder,
      ...(userInit ? { userState: { ...DEFAULT_USER_STATE, ...userInit } } : {}),
      ...(categoryInit ? { categoryLogit: { ...DEFAULT_CATEGORY_LOGIT, ...categoryInit } } : {}),
    };
    if (this.options.categoryLogit) checkCategoryLogit(this.options.categoryLogit, this.options.historyLength);
    requireBackend(`A ${new.target.name}`);
    if (context.slateSize > context.numItems) throw new FarsightError("rl-policy/slate-too-large", `Slate size ${context.slateSize} exceeds the catalogue (${context.numItems} items)`, { ...context });
    this.params = new ParamSet(this.options.seed);
    this.rng = new Rng(this.options.seed, "act");
    const n = context.numItems;
    if (this.options.useItemFeatures && context.itemFeatures && context.featureDim > 0) {
      const padded = new Float32Array((n + 1) * context.featureDim);
      padded.set(context.itemFeatures.subarray(0, n * context.featureDim));
      this.features = tf.keep(tf.tensor2d(padded, [n + 1, context.featureDim]));
    }
    const oneHot = new Float32Array((n + 1) * context.numCategories);
    for (let i = 0; i < n; i++) oneHot[i * context.numCategories + context.itemCategory[i]!] = 1;
    this.categoryOneHot = tf.keep(tf.tensor2d(oneHot, [n + 1, context.numCategories]));
    const us = this.options.userState;
    if (us) {
      if (!(Number.isInteger(us.topK) && us.topK >= 0)) throw new FarsightError("rl-policy/bad-option", `userState.topK must be an integer >= 0, got ${us.topK}`, { topK: us.topK });
      this.userFeatureDim = us.features ? (context.profiles?.featureDim ?? 0) : 0;
      this.userEmbeddingRows = us.userEmbedding ? (context.profiles?.numUsers ?? 0) : 0;
      this.bindProfiles(context.profiles, context.userAffinity);
    }
  }

  /**
   * Reads user profiles from now on (an evaluation env's, whose held-out users' past is their fold-in share);
   * the feature width and, with a user embedding, the user count must be those the policy was built for.
   */
  bindProfiles(profiles: UserProfiles | undefined, affinity?: Float32Array): void {
    const us = this.options.userState;
    if (!us) return;
    const c = this.context;
    const next = new UserTables(profiles, us, c.numItems, this.options.feedbackScale, this.userFeatureDim, this.userEmbeddingRows, c, affinity);
    this.userTables?.dispose();
    this.userTables = next;
  }

  /** The profiles the user-aware state reads (undefined without `userState`). */
  get boundProfiles(): UserProfiles | undefined {
    return this.userTables?.profiles;
  }

  /** The category affinities the user-aware state reads (undefined without `userState.categories`). */
  get boundAffinity(): Float32Array | undefined {
    return this.userTables?.affinity;
  }

  /**
   * The category logit's per-category offsets of a batch, [B, C] in score units (`categoryLogit`, see
   * `category-logit.ts`), or null when the option is off.
   */
  categoryOffsets(history: HistoryBatch): tf.Tensor2D | null {
    const o = this.options.categoryLogit;
    if (!o) return null;
    const tables = this.userTables;
    const affinity = tables?.affinityTable && history.users ? (tf.gather(tables.affinityTable, tables.rows(history.users)) as tf.Tensor2D) : undefined;
    return categoryOffsets(this.params, o, history, this.context.itemCategory, this.context.numCategories, affinity);
  }

  /** Creates the category logit's parameters (a no-op when the option is off); heads call it while building. */
  protected buildCategoryLogit(): void {
    const o = this.options.categoryLogit;
    if (o) buildCategoryLogit(this.params, o, this.userTables?.affinityTable !== undefined);
  }

  /** Throws `rl-policy/bad-option` when the category logit is set on a policy that has no softmax over items. */
  protected refuseCategoryLogit(policy: string): void {
    if (this.options.categoryLogit) throw new FarsightError("rl-policy/bad-option", `categoryLogit is an option of the softmax slate policy (ppo, a2c, reinforce); ${policy} has none`, { policy });
  }

  /** [N, C] one-hot of each item's primary category (no pad row). */
  categoryRows(): tf.Tensor2D {
    return tf.slice(this.categoryOneHot, [0, 0], [this.context.numItems, this.context.numCategories]);
  }

  /** Creates every parameter by running one forward pass on an empty history (stable parameter order). */
  protected build(): void {
    const l = this.options.historyLength;
    const empty: HistoryBatch = { batchSize: 1, length: l, items: new Int32Array(l).fill(this.context.numItems), feedback: new Float32Array(l), valid: new Float32Array(l), users: new Int32Array(1).fill(-1) };
    tf.tidy(() => {
      this.forwardForBuild(this.encode(empty, this.table(true)), this.table(true));
    });
  }

  /** Runs every head once so their parameters exist (see {@link build}). */
  protected abstract forwardForBuild(state: tf.Tensor2D, table: tf.Tensor2D): void;

  abstract act(request: ActRequest): ActResult;

  /** Item table [N+1, d]; `fresh` inside a gradient tape, cached otherwise (invalidated by {@link invalidate}). */
  table(fresh = false): tf.Tensor2D {
    const o = this.options;
    if (fresh) return itemTable(this.params, this.context.numItems, o.encoder.itemDim, this.categoryOneHot, this.features);
    this.cachedTable ??= tf.keep(tf.tidy(() => itemTable(this.params, this.context.numItems, o.encoder.itemDim, this.categoryOneHot, this.features)));
    return this.cachedTable;
  }

  /** Item rows of the table without the pad row, [N, d]. */
  itemRows(table: tf.Tensor2D): tf.Tensor2D {
    return tf.slice(table, [0, 0], [this.context.numItems, table.shape[1]]);
  }

  /** Must be called after the parameters change (an update, a load). */
  invalidate(): void {
    this.cachedTable?.dispose();
    this.cachedTable = undefined;
  }

  /** Encodes a history batch into states [B, dState] (with `userState`, [B, dState + itemDim]: the user vector joined). */
  encode(history: HistoryBatch, table: tf.Tensor2D): tf.Tensor2D {
    const { batchSize: b, length: l } = history;
    if (l !== this.options.historyLength) throw new FarsightError("rl-policy/history-length", `History batch has length ${l}, the policy was built for ${this.options.historyLength}`, { got: l });
    const items = tf.tensor2d(history.items, [b, l], "int32");
    const feedback = tf.tensor2d(history.feedback, [b, l]);
    const valid = tf.tensor2d(history.valid, [b, l]);
    const session = historyTokens(this.params, items, feedback, valid, table);
    const us = this.options.userState;
    if (!us) return encodeState(this.params, this.options.encoder, session);
    if (!history.users) throw new FarsightError("rl-policy/no-users", "this policy reads the user's profile (userState) but the history batch names no users; fill HistoryBatch.users (readHistory does)", {});
    const state = encodeState(this.params, this.options.encoder, session);
    const user = userVector(this.params, us, this.userTables!, history.users, table);
    // The user vector (unit scale after its layer norm) at the session state's scale, row by row: a part several
    // times larger than the other gets that much more change per Adam step in the heads' first layer, which showed
    // as an approximate KL of 0.3-0.9 per PPO update (0.1-0.2 without a user state) and an entropy that collapsed.
    const rms = stopGradient(tf.sqrt(tf.add(tf.mean(tf.square(state), 1, true), 1e-8)));
    return tf.concat([state, tf.mul(user, rms)], 1) as tf.Tensor2D;
  }

  /** The item mask of a request (item mask AND plan, with fallbacks counted in {@link maskStats}). */
  protected maskOf(request: ActRequest): Uint8Array | null {
    const c = this.context;
    return combineMasks(request.history.batchSize, c.itemCategory, c.numCategories, c.slateSize, request.itemMask, request.planMask, this.maskStats);
  }

  dispose(): void {
    this.invalidate();
    this.userTables?.dispose();
    this.features?.dispose();
    this.categoryOneHot.dispose();
    this.params.dispose();
  }
}

/** A float [B, N] 0/1 mask tensor from a byte mask, or null. */
export function maskTensor(mask: Uint8Array | null, batchSize: number, numItems: number): tf.Tensor2D | null {
  if (!mask) return null;
  return tf.tensor2d(Float32Array.from(mask), [batchSize, numItems]);
}

/** Result of one gradient step. */
export interface StepStats {
  loss: number;
  gradNorm: number;
  /** True when the gradient was not finite and the step was skipped. */
  skipped: boolean;
}

/**
 * One optimiser step on `lossFn` over `vars` with global-norm clipping. A non-finite gradient skips the
 * step (counted by the caller) instead of writing NaN into the weights.
 */
export function gradientStep(optimizer: tf.Optimizer, vars: tf.Variable[], lossFn: () => tf.Scalar, maxGradNorm: number): StepStats {
  const { value, grads } = tf.variableGrads(lossFn, vars);
  const loss = value.dataSync()[0]!;
  value.dispose();
  const clipped = maxGradNorm > 0 ? tf.tidy(() => clip(grads, maxGradNorm)) : { grads, norm: NaN };
  const skipped = !Number.isFinite(loss) || (maxGradNorm > 0 && !Number.isFinite(clipped.norm));
  if (!skipped) optimizer.applyGradients(clipped.grads);
  tf.dispose(grads);
  if (clipped.grads !== grads) tf.dispose(clipped.grads);
  return { loss, gradNorm: clipped.norm, skipped };
}

function clip(grads: tf.NamedTensorMap, maxNorm: number): { grads: tf.NamedTensorMap; norm: number } {
  const names = Object.keys(grads);
  const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!))))).dataSync()[0]!;
  const scale = norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
  const out: tf.NamedTensorMap = {};
  for (const n of names) out[n] = tf.mul(grads[n]!, scale);
  return { grads: out, norm };
}
