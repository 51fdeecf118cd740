/**
 * REINFORCE (Williams 1992; EasyRL4Rec's "PG", Tianshou's `PGPolicy`) on the softmax {@link SlatePolicy}.
 *
 * Loss per gradient step: `-E[log pi(slate|s) (G_t - b(s_t))] - c_e H(pi)` plus the response loss (as PPO's and A2C's;
 * `responseCoef: 0` gives the textbook estimator), where `G_t` is the discounted Monte-Carlo return of the rest of
 * the session and `b` the baseline:
 * - `"value"` (default): a learned state value V(s) (REINFORCE with baseline, Sutton & Barto 13.4);
 * - `"mean"`: the mean return of the rollout (the constant baseline);
 * - `"none"`: no baseline (returns only divided by the running return std, so the step size does not depend on the
 *   reward scale).
 *
 * Rollouts are `rolloutSteps` steps per slot. A session still running when the rollout is cut gets the rest of its
 * return from the critic, V(s_T): that is why the critic is fitted under every baseline (it reads the actor's state
 * without training it, as A2C's and PPO's; it changes nothing else when the baseline is not `"value"`). Inside a
 * rollout no return bootstraps: the return is the sum of the real rewards up to the session's end or the cut.
 *
 * The default rollout is short (5 steps, A2C's), so most returns are cut and completed by V(s_T): at our budgets
 * REINFORCE with the value baseline is, in effect, the Monte-Carlo (lambda = 1) end of A2C. Whole-session returns
 * (`rolloutSteps: 30`, the sessions' step limit; the textbook estimator) did not learn at 4,000 steps on the small
 * synthetic world: R_traj / random 0.18-0.61 greedy, 0.26-0.82 sampled on seeds 10-12 (each rollout of 960
 * transitions took 30 gradient steps without a ratio, and the policy collapsed); 10 steps gave 0.76-1.89 / 1.34-1.41,
 * 5 steps 1.76-2.78 / 1.43-1.87. Chosen on seeds 10-12, not on the learning test's seeds.
 *
 * The rollout is passed over once in shuffled minibatches (one gradient step each), as A2C does: one step per rollout
 * was too few to learn at our budgets.
 */
import { explainedVariance, forEachMinibatch, minibatchRng, policyGradientLoss, StatsAccumulator } from "./actor-critic.js";
import type { OnPolicyAlgorithm, UpdateStats } from "./algorithm.js";
import { tf } from "./backend.js";
import type { RolloutBuffer } from "./buffers.js";
import { gradientStep } from "./policy.js";
import type { SlatePolicy } from "./slate-policy.js";
import { type ReinforceBaseline, type ReinforceOptions } from "./plain-types.js";
export type { ReinforceBaseline, ReinforceOptions } from "./plain-types.js";



export const DEFAULT_REINFORCE_OPTIONS: ReinforceOptions = {
  gamma: 0.9,
  baseline: "value",
  rolloutSteps: 5,
  minibatchSize: 32,
  learningRate: 1e-3,
  valueCoef: 0.5,
  entropyCoef: 0.01,
  maxGradNorm: 0.5,
  normalizeAdvantages: true,
  responseCoef: 3,
};

const BASELINES: readonly ReinforceBaseline[] = ["value", "mean", "none"];

/** The learning half of REINFORCE: Monte-Carlo policy-gradient steps over each rollout. */
export class ReinforceAlgorithm implements OnPolicyAlgorithm {
  readonly kind = "reinforce" as const;
  readonly onPolicy = true as const;
  readonly options: ReinforceOptions;
  readonly optimizer: tf.Optimizer;
  updates = 0;

  constructor(
    readonly policy: SlatePolicy,
    options: Partial<ReinforceOptions> = {},
  ) {
    this.options = { ...DEFAULT_REINFORCE_OPTIONS, ...options };
    if (!BASELINES.includes(this.options.baseline)) throw new RangeError(`REINFORCE option baseline must be one of ${BASELINES.join(", ")}, got ${String(this.options.baseline)}`);
    this.optimizer = tf.train.adam(this.options.learningRate, 0.9, 0.999, 1e-5);
  }

  get rolloutSteps(): number {
    return this.options.rolloutSteps;
  }
  get gamma(): number {
    return this.options.gamma;
  }
  /** Lambda 1: `buffer.finish` leaves the Monte-Carlo return (bootstrapped only where the rollout cut a session) in `returns`. */
  get gaeLambda(): number {
    return 1;
  }

  update(buf: RolloutBuffer): UpdateStats {
    const o = this.options;
    const p = this.policy;
    const n = buf.length;
    const returns = buf.returns.subarray(0, n);
    const explained = explainedVariance(buf.values.subarray(0, n), returns);
    p.observeReturns(returns);
    const scale = p.returnStd();
    // `finish` left G - V(s) in the advantages; the other baselines replace it (the buffer is reset before reuse).
    if (o.baseline !== "value") {
      let meanReturn = 0;
      if (o.baseline === "mean") for (const g of returns) meanReturn += g / n;
      for (let i = 0; i < n; i++) buf.advantages[i] = o.baseline === "mean" ? returns[i]! - meanReturn : returns[i]! / scale;
    }
    const normalize = o.normalizeAdvantages && o.baseline !== "none";
    const vars = p.trainableVariables();
    const stats = new StatsAccumulator();
    let skipped = 0;
    forEachMinibatch(buf, { epochs: 1, minibatchSize: o.minibatchSize, normalizeAdvantages: normalize }, minibatchRng(p.options.seed, "reinforce", this.updates), (mb) => {
      let diag: Record<string, number> = {};
      const step = gradientStep(this.optimizer, vars, () => {
        const g = policyGradientLoss(p, mb, o, scale);
        diag = g.diag;
        return g.loss;
      }, o.maxGradNorm);
      this.updates++;
      if (step.skipped) skipped++;
      stats.add({ ...diag, loss: step.loss, gradNorm: step.gradNorm });
      return true;
    });
    p.invalidate();
    return { ...stats.means(), explainedVariance: explained, returnStd: scale, skipped };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
