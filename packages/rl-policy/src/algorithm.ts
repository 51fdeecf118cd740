/**
 * The learning side (Tianshou's split: `Policy.act` acts, an algorithm learns). On-policy algorithms
 * (PPO, A2C) learn from a full {@link RolloutBuffer}; off-policy ones (DQN) from a replay buffer they feed
 * transition by transition. Every update returns plain numbers for progress lines.
 */
import type { RolloutBuffer } from "./buffers.js";
import type { HistoryBatch } from "./encoders.js";
import type { NeuralPolicy, PolicyKind } from "./policy.js";
import type { tf } from "./backend.js";
import { type UpdateStats } from "./plain-types.js";
export type { UpdateStats } from "./plain-types.js";


/** What every algorithm has: its policy, its optimiser (saved with checkpoints), its options. */
export interface AlgorithmBase {
  readonly kind: PolicyKind;
  readonly policy: NeuralPolicy;
  readonly optimizer: tf.Optimizer;
  /** Gradient steps taken so far. */
  readonly updates: number;
  /** The algorithm's options, as saved in a checkpoint. */
  readonly options: object;
  /** Frees the optimiser state (and target networks); the policy is disposed separately. */
  dispose(): void;
}

/** PPO, A2C: learn from a finished rollout of T steps x B slots. */
export interface OnPolicyAlgorithm extends AlgorithmBase {
  readonly onPolicy: true;
  /** Steps per slot to collect before each update. */
  readonly rolloutSteps: number;
  /** Discount and GAE lambda the collector's buffer is finished with. */
  readonly gamma: number;
  readonly gaeLambda: number;
  update(buffer: RolloutBuffer): UpdateStats;
  /** Told the share of the training budget spent before each rollout (learning-rate schedules). */
  setProgress?(fraction: number): void;
}

/** One batched env step as an off-policy learner sees it. */
export interface StepBatch {
  readonly history: HistoryBatch;
  readonly slates: Int32Array;
  readonly rewards: Float32Array;
  readonly dones: Uint8Array;
  /** History after the step (for slots that ended, whatever the env holds: masked by `dones`). */
  readonly next: HistoryBatch;
  /** Allowed items after the step, B*N, or null. */
  readonly nextMask: Uint8Array | null;
}

/** DQN: stores each step and updates on its own schedule. */
export interface OffPolicyAlgorithm extends AlgorithmBase {
  readonly onPolicy: false;
  /** Sets exploration for the coming steps from the fraction of the training budget spent. */
  setProgress(fraction: number): void;
  /** Stores a step; returns update stats when it trained, otherwise null. */
  observe(step: StepBatch): UpdateStats | null;
}

export type Algorithm = OnPolicyAlgorithm | OffPolicyAlgorithm;
