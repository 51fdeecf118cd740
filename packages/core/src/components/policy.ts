/**
 * The acting side of a learned slate policy, as serving code and graphs call it. Plain typed arrays only: no
 * tensor library reaches these types, so a component that calls a policy depends on core alone.
 * `@farsight/rl-policy` implements it (PPO, A2C, DQN, ...; its `Policy` narrows `kind` and `options`).
 */

/** The catalogue and slate shape a policy is built for (saved with it). */
export interface PolicyContext {
  readonly numItems: number;
  readonly numCategories: number;
  readonly slateSize: number;
  /** Primary category per item (plans are category masks). */
  readonly itemCategory: Int32Array;
  /** Fixed item features, numItems x featureDim, when the world model has them. */
  readonly itemFeatures?: Float32Array;
  readonly featureDim: number;
}

/**
 * Histories of B sessions, each the last L interactions. Row-major [B, L], oldest first and right-aligned, so the
 * newest interaction is always at index L-1; missing rows (short sessions) are padded on the left with the pad
 * item (`numItems`) and `valid = 0`.
 */
export interface HistoryBatch {
  readonly batchSize: number;
  readonly length: number;
  /** Item ids, B*L; the pad id is `numItems`. */
  readonly items: Int32Array;
  /** Feedback (already scaled), B*L. */
  readonly feedback: Float32Array;
  /** 1 for a real interaction, 0 for padding, B*L. */
  readonly valid: Float32Array;
  /**
   * The user of each row (-1: unknown), B; a user-aware policy (rl-policy's `userState`) reads their profile.
   * The session's `items` never hold the user's logged past.
   */
  readonly users?: Int32Array;
}

/** One batched action request to a policy. */
export interface PolicyActRequest {
  readonly history: HistoryBatch;
  /** Allowed items, B*N (1 = may recommend), e.g. not-yet-recommended in the NX modes. */
  readonly itemMask?: Uint8Array | null;
  /** The plan: allowed categories per slot, B*C. Items outside it score minus infinity. */
  readonly planMask?: Uint8Array | null;
  /** Greedy action (evaluation, serving) instead of a sample (training). */
  readonly deterministic?: boolean;
  /** Also compute the value estimate (rollouts need it; serving does not). */
  readonly withValue?: boolean;
}

/** What a policy chose, per slot. */
export interface PolicyActResult {
  /** B*K item ids, rank order. */
  readonly slates: Int32Array;
  /** Log-probability of the chosen action under the acting distribution, B (0 for DQN). */
  readonly logProb: Float32Array;
  /** Value estimate V(s) (PPO, A2C) or max Q (DQN), B; zeros unless `withValue`. */
  readonly value: Float32Array;
  /** The continuous hyper-action (PPO), B*A; empty for discrete policies. */
  readonly action: Float32Array;
  /** The mask that was applied (item mask AND plan, after fallbacks), B*N, or null when none. */
  readonly mask: Uint8Array | null;
}

/**
 * Acting: the one method serving code needs. `Options` is the implementation's own configuration (the neural
 * policies' network shape), `Kind` its algorithm name.
 */
export interface Policy<Options = unknown, Kind extends string = string> {
  readonly kind: Kind;
  readonly context: PolicyContext;
  readonly options: Options;
  act(request: PolicyActRequest): PolicyActResult;
  dispose(): void;
}
