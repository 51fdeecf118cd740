/**
 * Behaviour cloning from the log: the softmax actor fitted to the logged items by maximum likelihood,
 * `-E[log pi(a_logged | s)]`, under the no-repeat mask the policy acts under (so the likelihood is over the
 * distribution that serves). It recovers the logging policy: the reference every offline RL learner is measured
 * against (EasyRL4Rec's and d3rlpy's BC baseline). IL-Rec's `trainBehaviourCloning` clones LLM demonstrations; this
 * one clones a dataset's log.
 */
import { tf } from "../backend.js";
import { gradientStep, type PolicyContext, type PolicyOptionsInit } from "../policy.js";
import type { UpdateStats } from "../algorithm.js";
import type { OfflineBatch } from "./log-dataset.js";
import { actionOneHot, maskLogits, pick, readStats, type OfflineAlgorithm } from "./offline-algorithm.js";
import { OfflinePolicy } from "./offline-policy.js";

/** Behaviour-cloning hyper-parameters. */
export interface BcOptions {
  learningRate: number;
  maxGradNorm: number;
}

export const DEFAULT_BC_OFFLINE_OPTIONS: BcOptions = { learningRate: 1e-3, maxGradNorm: 1 };

/** The policy behaviour cloning trains: an actor head only, acting by it. */
export function createBcPolicy(context: PolicyContext, options: PolicyOptionsInit = {}): OfflinePolicy {
  return new OfflinePolicy(context, options, "bc", { q: false, actor: true, acting: "actor" });
}

export class BcAlgorithm implements OfflineAlgorithm {
  readonly kind = "bc" as const;
  readonly offline = true as const;
  readonly options: BcOptions;
  readonly optimizer: tf.Optimizer;
  updates = 0;

  constructor(
    readonly policy: OfflinePolicy,
    options: Partial<BcOptions> = {},
  ) {
    this.options = { ...DEFAULT_BC_OFFLINE_OPTIONS, ...options };
    this.optimizer = tf.train.adam(this.options.learningRate);
  }

  update(batch: OfflineBatch): UpdateStats {
    const p = this.policy;
    let diag: Record<string, number> = {};
    const step = gradientStep(this.optimizer, p.params.list(), () => {
      const table = p.table(true);
      const logits = maskLogits(p.logits(p.encode(batch.history, table), table), batch.mask);
      const lsm = tf.logSoftmax(logits);
      const nll = tf.neg(tf.mean(pick(lsm, actionOneHot(batch.actions, p.context.numItems)))) as tf.Scalar;
      const entropy = tf.mean(tf.neg(tf.sum(tf.mul(tf.exp(lsm), lsm), 1))) as tf.Scalar;
      diag = readStats({ nll, entropy });
      return nll;
    }, this.options.maxGradNorm);
    this.updates++;
    p.invalidate();
    return { ...diag, loss: step.loss, gradNorm: step.gradNorm, skipped: step.skipped ? 1 : 0 };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
