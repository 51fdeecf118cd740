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

export interface IlrecOptions {
  /** The underlying A2C (on-policy rollouts of the training env). `auxiliaryLosses` is set by the learner. */
  a2c: Partial<Omit<A2COptions, "auxiliaryLosses">>;
  /** lambda_imit of `-lambda E_demo[w log pi(a|s)]`. */
  imitationCoef: number;
  /** Coefficient of the actor-critic term on mixed replay batches (0 = on-policy A2C + imitation only). */
  replayCoef: number;
  /** Transitions per mixed batch (released code: 8 per episode-update; we update on B-slot rollouts). */
  replayBatch: number;
  /**
   * Mixed-batch gradient steps per rollout: the first inside the A2C update, the rest on the replay terms alone.
   * The released code takes one mixed-batch step per finished episode; a rollout of B slots x T steps ends
   * several episodes, so several steps keep the imitation signal from being drowned by the on-policy term.
   */
  replayStepsPerUpdate: number;
  replayCapacity: number;
  /** Priority of each env transition in the mixed replay (demonstrations: their weight). */
  envPriority: number;
  /** Discount of demonstration returns G and of the replay TD target (IL-Rec: 0.5). */
  demoGamma: number;
  weights: Partial<DemoWeightOptions>;
  discriminator: Partial<DiscriminatorOptions>;
  /** A2C updates between discriminator trainings and demonstration-weight refreshes. */
  discriminatorEvery: number;
  /** Policy transitions (most recent) the discriminator sees per training. */
  discriminatorPolicyRows: number;
  demoValues: Partial<DemoValueOptions>;
  rewardMode: IlrecRewardMode;
  /** Scale of the shaped reward in `airl` / `env+airl` modes. */
  shapedRewardCoef: number;
  advantageClip: number;
  /** Replay term: keep only positive advantages (see `ReplayLossOptions.positiveOnly`). */
  replayPositiveAdvantage: boolean;
  seed: number;
}

export const DEFAULT_ILREC_OPTIONS: IlrecOptions = {
  a2c: {},
  imitationCoef: 0.5,
  replayCoef: 1,
  replayBatch: 64,
  replayStepsPerUpdate: 4,
  replayCapacity: 20_000,
  envPriority: 0.05,
  demoGamma: 0.5,
  weights: {},
  discriminator: {},
  discriminatorEvery: 10,
  discriminatorPolicyRows: 1024,
  demoValues: {},
  rewardMode: "env",
  shapedRewardCoef: 1,
  advantageClip: 5,
  replayPositiveAdvantage: true,
  seed: 0,
};

/** Datasets with defaults. */
export type IlrecDataset = "amazon" | "steam" | "coat" | "synthetic";

/**
 * Per-dataset defaults. Released code (Amazon, Steam): beta, alpha, alpha_ent, lambda_imit; gamma 0.5. The
 * logit soft-clip (1.0 Amazon, 15.0 Steam) is not applied: our A2C policy has no logit clamp (README).
 * - coat (1-5 ratings, 300 items, distance quit rule): Steam's beta 10 because demonstration returns are on
 *   the same 1-5 scale and beta 1 turns small Q-V differences into weights of e^5; Amazon's lambda 0.5
 *   because Coat's few sessions make demonstrations relatively plentiful; alpha 0.5, alpha_ent 0.1.
 * - synthetic (0/1 clicks, category-window quit, sessions up to 30 steps): returns are small, so beta 1;
 *   gamma 0.9 because the quit rule punishes myopia over several steps; a smaller entropy bonus (0.01, the
 *   package's A2C default) because 0/1 rewards give a weaker policy gradient than ratings.
 */
export function ilrecDefaults(dataset: IlrecDataset | string): Partial<IlrecOptions> {
  switch (dataset) {
    case "amazon":
      return { weights: { beta: 1, alpha: 0.25 }, imitationCoef: 0.5, a2c: { entropyCoef: 0.1, gamma: 0.5 }, demoGamma: 0.5 };
    case "steam":
      return { weights: { beta: 10, alpha: 0.5 }, imitationCoef: 0.25, a2c: { entropyCoef: 0.1, gamma: 0.5 }, demoGamma: 0.5 };
    case "coat":
      return { weights: { beta: 10, alpha: 0.5 }, imitationCoef: 0.5, a2c: { entropyCoef: 0.1, gamma: 0.5 }, demoGamma: 0.5 };
    default:
      return { weights: { beta: 1, alpha: 0.5 }, imitationCoef: 0.5, a2c: { entropyCoef: 0.01, gamma: 0.9 }, demoGamma: 0.9 };
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
