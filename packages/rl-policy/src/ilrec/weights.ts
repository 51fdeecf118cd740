/**
 * IL-Rec's demonstration weights and reward shaping, as plain arithmetic (no tensors), so they can be checked
 * by hand. Two forms:
 *
 * `filter` (default): weights in [0, 1], never normalised, so a teacher worse than the policy gets weight 0:
 *
 *   w_adv = clamp(A / beta, 0, 1)                 A = the policy critic's advantage of the demonstrated action
 *   w_irl = min(1, (1 / D - 1)^gammaIrl)          density ratio rho_demo / rho_policy, capped at 1
 *   w     = w_adv^alpha * w_irl^(1 - alpha)
 *
 *   The advantage gate is a Q-filter (Nair et al. 2018) / self-imitation filter (Oh et al. 2018): imitate a
 *   demonstration only where the critic says it beats what the policy does. The discriminator factor can only
 *   lower a weight (where the policy already produces such transitions more often than the teacher), never
 *   raise a demonstration the critic rejected, so alpha must be > 0 for rejection to work.
 *
 * `released` (IL-Rec's released code): w_env = exp(clamp(A / beta, +-clampExponent)), w_irl = (1 / D - 1)^gammaIrl,
 *   w = w_env^alpha * w_irl^(1 - alpha), clipped to [minWeight, maxWeight], divided by the batch mean. The mean-1
 *   normalisation means it can only re-rank demonstrations: a uniformly bad teacher keeps mean weight 1.
 *
 * D(s, a) is the discriminator's probability that (s, a) came from the policy (policy = 1, demo = 0).
 * The AIRL-style shaped reward is `log(1 - D) - log D`: positive where a transition looks demonstrated.
 */

/** Hyper-parameters of {@link demoWeights}. */
export interface DemoWeightOptions {
  /** `filter` (default; [0, 1], can reject a teacher) or `released` (exp weights, mean 1, re-rank only). */
  form: "filter" | "released";
  /**
   * filter: the advantage at which a demonstration gets full weight (reward units).
   * released: the temperature of exp(A / beta) (Amazon 1.0, Steam 10.0).
   */
  beta: number;
  /** Mix: 1 = advantage weights only, 0 = discriminator weights only. Amazon 0.25, Steam 0.5. */
  alpha: number;
  /** Exponent of the density ratio (`--irl-gamma`, 1.0). */
  gammaIrl: number;
  /** released: |A / beta| is clamped to this before exp (80 in the released code). */
  clampExponent: number;
  /** released: clip range before normalising ([1e-6, 1e6] in the released code). */
  minWeight: number;
  maxWeight: number;
}

export const DEFAULT_DEMO_WEIGHT_OPTIONS: DemoWeightOptions = {
  form: "filter",
  beta: 1,
  alpha: 0.5,
  gammaIrl: 1,
  clampExponent: 80,
  minWeight: 1e-6,
  maxWeight: 1e6,
};

/** Keeps a probability away from 0 and 1 so that logs and ratios stay finite. */
export function clampProbability(d: number, eps = 1e-6): number {
  return Number.isFinite(d) ? Math.min(1 - eps, Math.max(eps, d)) : 0.5;
}

/**
 * Demonstration weights from advantages `A` and discriminator outputs `D` (same length), in the form
 * `options.form` (see the file comment). Non-finite advantages count as 0: under `filter` that is weight 0
 * (no evidence the demonstration beats the policy), under `released` weight 1 before normalisation.
 */
export function demoWeights(advantage: ArrayLike<number>, discriminator: ArrayLike<number>, options: Partial<DemoWeightOptions> = {}): Float32Array {
  const o = { ...DEFAULT_DEMO_WEIGHT_OPTIONS, ...options };
  if (advantage.length !== discriminator.length) throw new RangeError(`demoWeights: ${advantage.length} advantages but ${discriminator.length} discriminator outputs`);
  if (!(o.beta > 0)) throw new RangeError(`demoWeights: beta must be > 0, got ${o.beta}`);
  const n = advantage.length;
  const out = new Float32Array(n);
  if (o.form === "filter") {
    for (let i = 0; i < n; i++) {
      const a = Number.isFinite(advantage[i]!) ? advantage[i]! : 0;
      const wAdv = Math.min(1, Math.max(0, a / o.beta));
      const wIrl = Math.min(1, Math.pow(1 / clampProbability(discriminator[i]!) - 1, o.gammaIrl));
      // 0^0 = 1 in JS: at alpha 0 the advantage gate is off (discriminator only, which cannot reject a teacher).
      out[i] = Math.pow(wAdv, o.alpha) * Math.pow(wIrl, 1 - o.alpha);
    }
    return out;
  }
  const raw = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const a = Number.isFinite(advantage[i]!) ? advantage[i]! : 0;
    const wEnv = Math.exp(Math.max(-o.clampExponent, Math.min(o.clampExponent, a / o.beta)));
    const wIrl = Math.pow(1 / clampProbability(discriminator[i]!) - 1, o.gammaIrl);
    const w = Math.pow(wEnv, o.alpha) * Math.pow(wIrl, 1 - o.alpha);
    raw[i] = Math.min(o.maxWeight, Math.max(o.minWeight, Number.isFinite(w) ? w : o.maxWeight));
    sum += raw[i]!;
  }
  const m = n > 0 ? sum / n : 1;
  for (let i = 0; i < n; i++) out[i] = raw[i]! / m;
  return out;
}

/**
 * One-step advantage of each demonstrated action under the policy's critic, `r + gamma V(s') (1 - done) - V(s)`:
 * positive where taking the demonstrated action and then following the policy beats following the policy.
 */
export function criticAdvantages(rewards: ArrayLike<number>, dones: ArrayLike<number>, value: ArrayLike<number>, nextValue: ArrayLike<number>, gamma: number): Float32Array {
  const out = new Float32Array(rewards.length);
  for (let i = 0; i < out.length; i++) out[i] = rewards[i]! + gamma * nextValue[i]! * (1 - dones[i]!) - value[i]!;
  return out;
}

/** AIRL-style shaped reward `log(1 - D) - log D` per transition. */
export function shapedReward(discriminator: ArrayLike<number>): Float32Array {
  const out = new Float32Array(discriminator.length);
  for (let i = 0; i < out.length; i++) {
    const d = clampProbability(discriminator[i]!);
    out[i] = Math.log(1 - d) - Math.log(d);
  }
  return out;
}

/**
 * Discounted returns `G_t = r_t + gamma G_{t+1}` over consecutive episodes: `episodeEnd[t] = 1` marks the
 * last step of an episode (nothing is bootstrapped past it). IL-Rec uses gamma 0.5 on world-model rewards.
 */
export function discountedReturns(rewards: ArrayLike<number>, episodeEnd: ArrayLike<number>, gamma: number): Float32Array {
  const out = new Float32Array(rewards.length);
  let next = 0;
  for (let t = rewards.length - 1; t >= 0; t--) {
    if (episodeEnd[t]) next = 0;
    next = rewards[t]! + gamma * next;
    out[t] = next;
  }
  return out;
}

/** Mean and population std (for advantage normalisation). */
export function meanStd(xs: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  const mean = xs.length ? s / xs.length : 0;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - mean) ** 2;
  return { mean, std: xs.length ? Math.sqrt(v / xs.length) : 0 };
}
