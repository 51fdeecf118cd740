/**
 * Offline RL on a preset's training log, no environment interaction: the log becomes logged sessions
 * (`LogDataset.fromLog`), an offline learner (BC, BCQ, CQL, CRR) takes `epochs` passes over it, and the policy it
 * returns is evaluated like any other (`PolicyAgent` on the preset's test simulator). `farsight train --algo bcq`
 * and `bench learn --methods bcq` both come here, so the two train the same thing.
 */
import { makeSimulator, type EnvSetup, type EvalMode } from "@farsight/env";
import { defaultTrainWorld, policyDefaults } from "@farsight/graph";
import { initBackend, type PolicyOptionsInit, contextFromEnv, createOfflineAlgorithm, LogDataset, trainOffline, type OfflineAlgorithm, type OfflineEpoch, type OfflineKind } from "@farsight/rl-policy/tf";

/** Options of {@link trainFromLog}. */
export interface TrainFromLogOptions {
  /** "bc", "bcq", "cql" or "crr". Required. */
  readonly algorithm: OfflineKind;
  /** Seeds the policy's weights, the log's session order (logs without time) and the minibatch order. Required. */
  readonly seed: number;
  /** Passes over the log. Default 10 (`trainOffline`'s). */
  readonly epochs?: number;
  /** Transitions per gradient step. Default 64. */
  readonly batchSize?: number;
  /** Policy options over the preset's defaults (`policyDefaults`: history length, feedback scale). */
  readonly policy?: PolicyOptionsInit;
  /** After every epoch. */
  readonly onEpoch?: (epoch: OfflineEpoch) => void;
  /**
   * Which logged steps are terminal: `quit-rule` (default: the end of a logged session and every step on which the
   * preset's quit rule, the one the online learners train under, would end it: EasyRL4Rec's offline buffer) or
   * `session-end` (only the end of a logged session, as before 2026-12-07: a log records no quit, so the learners
   * never see what the rule punishes). No rule is replayed for NX_10, which never quits.
   */
  readonly terminals?: OfflineTerminals;
  /** The mode the policy will be evaluated in (default FB); only NX_10 changes the training (no quit to replay). */
  readonly mode?: EvalMode;
}

/** What ends a logged session: the log's end alone, or the preset's quit rule replayed over the log as well. */
export type OfflineTerminals = "session-end" | "quit-rule";
export const OFFLINE_TERMINALS: readonly OfflineTerminals[] = ["session-end", "quit-rule"];

/** What {@link trainFromLog} returns: the trained learner (its `policy` acts) and the dataset's size. */
export interface TrainedFromLog {
  readonly algorithm: OfflineAlgorithm;
  readonly transitions: number;
  /** Logged sessions, and the steps the quit rule marked terminal (0 with `terminals: "session-end"`). */
  readonly sessions: number;
  readonly quits: number;
  readonly epochs: readonly OfflineEpoch[];
}

/**
 * Trains an offline learner on `setup.trainLog` (every row a learned model may see: the training users' ratings
 * and, with held-out users, the fold-in share of theirs). The caller disposes `algorithm` and its policy.
 */
export async function trainFromLog(setup: EnvSetup, o: TrainFromLogOptions): Promise<TrainedFromLog> {
  const policy = { ...policyDefaults(setup, o.seed), ...o.policy };
  // The catalogue and item features the online learners see: those of the preset's training world (for dataset
  // presets the world predicted from this same log), never the ground truth's.
  const world = defaultTrainWorld(setup);
  const context = contextFromEnv(await makeSimulator(setup, world === "predicted" ? "train" : "train-gt", { batchSize: 1, seed: o.seed }));
  const data = LogDataset.fromLog(setup.trainLog, {
    numItems: context.numItems,
    historyLength: policy.historyLength ?? 10,
    feedbackScale: policy.feedbackScale ?? 1,
    sessionLength: setup.simulator.maxSteps ?? 30,
    seed: o.seed,
    ...((o.terminals ?? "quit-rule") === "quit-rule" && o.mode !== "NX_10" ? { quitRules: setup.makeRules() } : {}),
  });
  // After the training world (whose trainer may pick a backend for itself): the policy gets the fastest one.
  await initBackend();
  const algorithm = createOfflineAlgorithm({ algorithm: o.algorithm, context, policy });
  const epochs = await trainOffline(algorithm, data, {
    seed: o.seed,
    ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
    ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
    ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}),
  });
  return { algorithm, transitions: data.size, sessions: data.sessions, quits: data.quits, epochs };
}
