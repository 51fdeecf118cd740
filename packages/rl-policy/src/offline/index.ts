/**
 * Offline RL from a logged dataset, no environment interaction: behaviour cloning, discrete BCQ, CQL and CRR over one
 * {@link LogDataset} and one training loop ({@link trainOffline}), evaluated like every other policy (`PolicyAgent`).
 */
import { FarsightError } from "@farsight/core";
import type { PolicyContext, PolicyOptionsInit } from "../policy.js";
import { BcAlgorithm, createBcPolicy, type BcOptions } from "./bc.js";
import { BcqAlgorithm, createBcqPolicy, DEFAULT_BCQ_OPTIONS, type BcqOptions } from "./bcq.js";
import { CqlAlgorithm, createCqlPolicy, type CqlOptions } from "./cql.js";
import { createCrrPolicy, CrrAlgorithm, type CrrOptions } from "./crr.js";
import type { OfflineAlgorithm } from "./offline-algorithm.js";
import type { OfflineKind } from "./offline-policy.js";

export { LogDataset, DEFAULT_LOG_DATASET_OPTIONS, type LogDatasetOptions, type LogOrder, type OfflineBatch } from "./log-dataset.js";
export { OfflinePolicy, behaviourFilter, type OfflineKind, type OfflineHeads } from "./offline-policy.js";
export { trainOffline, TargetNetwork, DEFAULT_OFFLINE_TRAIN_OPTIONS, type OfflineAlgorithm, type OfflineTrainOptions, type OfflineEpoch } from "./offline-algorithm.js";
export { BcAlgorithm, createBcPolicy, DEFAULT_BC_OFFLINE_OPTIONS, type BcOptions } from "./bc.js";
export { BcqAlgorithm, createBcqPolicy, DEFAULT_BCQ_OPTIONS, type BcqOptions } from "./bcq.js";
export { CqlAlgorithm, createCqlPolicy, DEFAULT_CQL_OPTIONS, type CqlOptions } from "./cql.js";
export { CrrAlgorithm, createCrrPolicy, DEFAULT_CRR_OPTIONS, type CrrOptions, type CrrWeighting } from "./crr.js";

/** The offline algorithms by name. */
export const OFFLINE_ALGORITHMS: readonly OfflineKind[] = ["bc", "bcq", "cql", "crr"];

/** Options of {@link createOfflineAlgorithm}. */
export interface CreateOfflineAlgorithmOptions {
  /** "bc", "bcq", "cql" or "crr". Required. */
  algorithm: OfflineKind;
  /** The catalogue the policy is built for (`contextFromEnv(env)`). Required. */
  context: PolicyContext;
  /** Policy network options (seed, history length, feedback scale, encoder...). */
  policy?: PolicyOptionsInit;
  bc?: Partial<BcOptions>;
  bcq?: Partial<BcqOptions>;
  cql?: Partial<CqlOptions>;
  crr?: Partial<CrrOptions>;
}

/** A fresh policy and its offline algorithm: `createOfflineAlgorithm({ algorithm: "cql", context, policy: { seed: 0 } })`. */
export function createOfflineAlgorithm(options: CreateOfflineAlgorithmOptions): OfflineAlgorithm {
  const { algorithm: name, context } = options;
  switch (name) {
    case "bc":
      return new BcAlgorithm(createBcPolicy(context, options.policy), options.bc);
    case "bcq":
      return new BcqAlgorithm(createBcqPolicy(context, options.policy, options.bcq?.threshold ?? DEFAULT_BCQ_OPTIONS.threshold), options.bcq);
    case "cql":
      return new CqlAlgorithm(createCqlPolicy(context, options.policy), options.cql);
    case "crr":
      return new CrrAlgorithm(createCrrPolicy(context, options.policy), options.crr);
    default:
      throw new FarsightError("rl-policy/unknown-algorithm", `Unknown offline algorithm "${String(name)}"; expected ${OFFLINE_ALGORITHMS.join(", ")}`, { name });
  }
}
