/**
 * Settings of `bench learn`'s learned policies that are not the algorithm's own (repeat and category logits, the
 * user-aware state, the offline methods' data), and how they become one method's policy options.
 */
import type { EnvSetup } from "@farsight/env";
import { policyDefaults } from "@farsight/graph";
import type { PolicyOptionsInit } from "@farsight/rl-policy/tf";
import type { OfflineTerminals } from "../experiment/train-from-log.js";

/**
 * Settings of the learned policies that are not the algorithm's: one object, so that each option is applied in
 * one place ({@link learnerPolicyOptions}) and a new one (a user-aware state, say) goes beside these.
 */
export interface LearnerSettings {
  /** The opt-in repeat logit of ppo, a2c, reinforce (softmax) and dqn (a Q offset), its start value. */
  readonly repeatLogit?: number;
  /** Passes over the training log for the offline methods (default 10, `trainOffline`'s). */
  readonly offlineEpochs?: number;
  /** The opt-in category logit of ppo, a2c, reinforce (softmax), with its defaults (rl-policy `categoryLogit`). */
  readonly categoryLogit?: boolean;
  /** What ends a logged session for the offline methods (`trainFromLog`'s `terminals`; default `quit-rule`). */
  readonly offlineTerminals?: OfflineTerminals;
}

// User-aware state (issue 27): which variants train.
export type UserStateMode = "off" | "on" | "both";
export const USER_STATE_MODES: readonly UserStateMode[] = ["off", "on", "both"];
/** The variants a mode trains: `false` = session-only state, `true` = user-aware. */
export function userStateVariants(mode: UserStateMode | undefined): boolean[] {
  return mode === "on" ? [true] : mode === "both" ? [false, true] : [false];
}
/** Row label suffix of a user-aware variant. */
export const USER_SUFFIX = " +user";

/** Methods whose policy has a repeat logit (the softmax slate policy's, DQN's Q offset); the offline ones have none. */
const REPEAT_LOGIT_METHODS: readonly string[] = ["ppo", "a2c", "reinforce", "dqn"];
/** Methods whose policy is the softmax slate policy, which has the category logit. */
const CATEGORY_LOGIT_METHODS: readonly string[] = ["ppo", "a2c", "reinforce"];

/** The policy options of one learned method on one seed: the preset's defaults, then the {@link LearnerSettings}. */
export function learnerPolicyOptions(setup: EnvSetup, method: string, seed: number, learner: LearnerSettings = {}, userState = false): PolicyOptionsInit {
  return {
    ...policyDefaults(setup, seed),
    ...(userState ? { userState: {} } : {}),
    ...(learner.repeatLogit !== undefined && REPEAT_LOGIT_METHODS.includes(method) ? { repeatLogit: learner.repeatLogit } : {}),
    ...(learner.categoryLogit && CATEGORY_LOGIT_METHODS.includes(method) ? { categoryLogit: {} } : {}),
  };
}
