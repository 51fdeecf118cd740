/**
 * IL-Rec hyper-parameters in one typed object, with per-dataset defaults. Amazon and Steam are the released
 * code's `ILREC_HYPERPARAMETER_DEFAULTS`; Coat and synthetic are ours (reasons next to them).
 */
import type { A2COptions } from "../a2c.js";
import type { DiscriminatorOptions } from "./discriminator.js";
import type { DemoValueOptions } from "./demo-values.js";
import type { DemoWeightOptions } from "./weights.js";

/** What drives the RL term: the environment's reward, the AIRL shaped reward, or their sum. */
export type IlrecRewardMode = "env" | "airl" | "env+airl";

/** Where the advantage A of a demonstrated action comes from (the weights' gate). */
export type IlrecAdvantage = "critic" | "teacher";

export interface IlrecOptions {
  /** The underlying A2C (on-policy rollouts of the training env). The learner adds no auxiliary loss to it. */
  a2c: Partial<Omit<A2COptions, "auxiliaryLosses">>;
  /** lambda_imit of `-lambda E_demo[w log pi(a|s)]` at the start of training. */
  imitationCoef: number;
  /**
   * Share of the budget over which the imitation step's scale decays linearly from 1 to 0 (1: reaches 0 at the
   * end of training, 0: constant). At the end the policy is trained by its own RL alone, so a teacher cannot
   * hold it below what RL finds.
   */
  imitationAnneal: number;
  /**
   * Imitation gradient steps (imitation term + mixed-batch actor-critic term) per rollout, after A2C's own
   * update of that rollout. 1 by default: RL takes at least as many gradient steps as imitation.
   */
  imitationSteps: number;
  /** Coefficient of the actor-critic term on mixed replay batches (0 = imitation term only). */
  replayCoef: number;
  /** Transitions per mixed batch (released code: 8 per episode-update; we update on B-slot rollouts). */
  replayBatch: number;
  replayCapacity: number;
  /** Priority of each env transition in the mixed replay (demonstrations: their weight). */
  envPriority: number;
  /** Discount of demonstration returns G, of the replay TD target and of the critic advantage (IL-Rec: 0.5). */
  demoGamma: number;
  /**
   * `critic` (default): A = r + gamma V(s') (1 - done) - V(s) with the policy's own value head, so a weight says
   * whether the demonstrated action beats the policy (a Q-filter). `teacher`: the released code's
   * A_demo = Q_demo - V_demo, both fitted to the teacher's returns: ranks the teacher's actions against each
   * other and cannot tell whether the teacher beats the policy.
   */
  advantage: IlrecAdvantage;
  weights: Partial<DemoWeightOptions>;
  discriminator: Partial<DiscriminatorOptions>;
  /** Rollouts between discriminator trainings and demonstration-weight refreshes. */
  discriminatorEvery: number;
  /** Policy transitions (most recent) the discriminator sees per training. */
  discriminatorPolicyRows: number;
  demoValues: Partial<DemoValueOptions>;
  rewardMode: IlrecRewardMode;
  /** Scale of the shaped reward in `airl` / `env+airl` modes. */
  shapedRewardCoef: number;
  advantageClip: number;
  /** Replay term: keep only positive normalised advantages, i.e. rows above the batch mean (see `ReplayLossOptions.positiveOnly`). */
  replayPositiveAdvantage: boolean;
  /** Learning rate and global gradient-norm clip of the imitation steps (their own Adam). */
  imitationLearningRate: number;
  imitationMaxGradNorm: number;
  seed: number;
}

export const DEFAULT_ILREC_OPTIONS: IlrecOptions = {
  a2c: {},
  imitationCoef: 0.5,
  imitationAnneal: 1,
  imitationSteps: 1,
  replayCoef: 1,
  replayBatch: 64,
  replayCapacity: 20_000,
  envPriority: 0.05,
  demoGamma: 0.5,
  advantage: "critic",
  weights: {},
  discriminator: {},
  discriminatorEvery: 10,
  discriminatorPolicyRows: 1024,
  demoValues: {},
  rewardMode: "env",
  shapedRewardCoef: 1,
  advantageClip: 5,
  replayPositiveAdvantage: true,
  imitationLearningRate: 1e-3,
  imitationMaxGradNorm: 0.5,
  seed: 0,
};

/** Datasets with defaults. */
export type IlrecDataset = "amazon" | "steam" | "coat" | "synthetic";

/**
 * Per-dataset defaults. Released code (Amazon, Steam): alpha, alpha_ent, lambda_imit; gamma 0.5. Its beta is
 * the temperature of the `released` weight form (Amazon 1, Steam 10); our default `filter` form reads beta as
 * the advantage of full weight instead, so beta is ours for every dataset (about one reward unit above what
 * the policy expects: 1 rating point for 1-5 ratings, half a click for 0/1 clicks). The logit soft-clip
 * (1.0 Amazon, 15.0 Steam) is not applied: our A2C policy has no logit clamp (README).
 * - coat (1-5 ratings, 300 items, distance quit rule): lambda 0.5, alpha 0.5, alpha_ent 0.1.
 * - synthetic (0/1 clicks, category-window quit, sessions up to 30 steps): gamma 0.9 because the quit rule
 *   punishes myopia over several steps; a smaller entropy bonus (0.01, the package's A2C default) because
 *   0/1 rewards give a weaker policy gradient than ratings.
 */
export function ilrecDefaults(dataset: IlrecDataset | string): Partial<IlrecOptions> {
  switch (dataset) {
    case "amazon":
      return { weights: { beta: 1, alpha: 0.25 }, imitationCoef: 0.5, a2c: { entropyCoef: 0.1, gamma: 0.5 }, demoGamma: 0.5 };
    case "steam":
      return { weights: { beta: 1, alpha: 0.5 }, imitationCoef: 0.25, a2c: { entropyCoef: 0.1, gamma: 0.5 }, demoGamma: 0.5 };
    case "coat":
      return { weights: { beta: 1, alpha: 0.5 }, imitationCoef: 0.5, a2c: { entropyCoef: 0.1, gamma: 0.5 }, demoGamma: 0.5 };
    default:
      return { weights: { beta: 0.5, alpha: 0.5 }, imitationCoef: 0.5, a2c: { entropyCoef: 0.01, gamma: 0.9 }, demoGamma: 0.9 };
  }
}

/** Merges partial options over the defaults (nested objects merged one level deep). */
export function resolveIlrecOptions(...parts: Partial<IlrecOptions>[]): IlrecOptions {
  let out: IlrecOptions = { ...DEFAULT_ILREC_OPTIONS };
  for (const p of parts) {
    out = {
      ...out, ...p,
      a2c: { ...out.a2c, ...p.a2c }, weights: { ...out.weights, ...p.weights },
      discriminator: { ...out.discriminator, ...p.discriminator }, demoValues: { ...out.demoValues, ...p.demoValues },
    };
  }
  return out;
}
