/**
 * IL-Rec's demonstration weights and reward shaping, as plain arithmetic (no tensors), so they can be checked
 * by hand:
 *
 *   w_env = exp(clamp(A_demo / beta, +-clampExponent))        (advantage of the demonstrated action)
 *   w_irl = (1 / D - 1)^gammaIrl                              (density ratio rho_demo / rho_policy)
 *   w     = w_env^alpha * w_irl^(1 - alpha), clipped to [minWeight, maxWeight], divided by the batch mean
 *
 * with D(s, a) the discriminator's probability that (s, a) came from the policy (policy = 1, demo = 0).
 * The AIRL-style shaped reward is `log(1 - D) - log D`: positive where a transition looks demonstrated.
 */

/** Hyper-parameters of {@link demoWeights} (IL-Rec's released code: exponent clamp 80, clip [1e-6, 1e6]). */
export interface DemoWeightOptions {
  /** Temperature of the advantage weight. Amazon 1.0, Steam 10.0. */
  beta: number;
  /** Mix: 1 = advantage weights only, 0 = discriminator weights only. Amazon 0.25, Steam 0.5. */
  alpha: number;
  /** Exponent of the density ratio (`--irl-gamma`, 1.0). */
  gammaIrl: number;
  /** |A / beta| is clamped to this before exp (80 in the released code). */
  clampExponent: number;
  minWeight: number;
  maxWeight: number;
}

export const DEFAULT_DEMO_WEIGHT_OPTIONS: DemoWeightOptions = {
  beta: 1,
  alpha: 0.25,
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
 * Demonstration weights from advantages `A_demo` and discriminator outputs `D` (same length), normalised to
 * mean 1. Non-finite advantages count as 0 (weight 1 before normalisation) rather than poisoning the batch.
 */
export function demoWeights(advantage: ArrayLike<number>, discriminator: ArrayLike<number>, options: Partial<DemoWeightOptions> = {}): Float32Array {
  const o = { ...DEFAULT_DEMO_WEIGHT_OPTIONS, ...options };
  if (advantage.length !== discriminator.length) throw new RangeError(`demoWeights: ${advantage.length} advantages but ${discriminator.length} discriminator outputs`);
  const n = advantage.length;
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
  const out = new Float32Array(n);
  const m = n > 0 ? sum / n : 1;
  for (let i = 0; i < n; i++) out[i] = raw[i]! / m;
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
