/**
 * Glue for users of `@farsight/env`: {@link PolicyAgent} evaluates any policy with the env's protocol, and
 * {@link createAlgorithm} builds a policy plus its algorithm from a name.
 */
import { FarsightError } from "@farsight/core";
import type { Agent, VecEnv } from "@farsight/env";
import { A2CAlgorithm, type A2COptions } from "./a2c.js";
import type { Algorithm, OffPolicyAlgorithm, OnPolicyAlgorithm } from "./algorithm.js";
import { DqnAlgorithm, DqnPolicy, type DqnOptions } from "./dqn.js";
import type { HistoryBatch } from "./encoders.js";
import { emptyHistory, readHistory, readRepeatMask } from "./features.js";
import type { NeuralPolicy, Policy, PolicyContext, PolicyOptionsInit } from "./policy.js";
import { createPpoPolicy, PpoAlgorithm, type PpoOptions } from "./ppo.js";
import { ReinforceAlgorithm, type ReinforceOptions } from "./reinforce.js";
import { SlatePolicy } from "./slate-policy.js";
import { type AlgorithmName } from "./plain-types.js";
export type { AlgorithmName } from "./plain-types.js";

/** Options of {@link PolicyAgent}. */
export interface PolicyAgentOptions {
  /** The policy that acts. Required. */
  readonly policy: Policy;
  /** Name in results. Default `policy:<kind>`. */
  readonly name?: string;
  /** Greedy slates (default true) or sampled ones (IL-Rec samples in evaluation). */
  readonly deterministic?: boolean;
  /** Never show an item twice in a session, in FB mode too (default true, as the env's ranking baselines and the training collector). */
  readonly noRepeat?: boolean;
  /** Optional plan per slot (B*C category mask), e.g. from a LERL planner. */
  readonly planMask?: (env: VecEnv) => Uint8Array | null;
}

/** An env {@link Agent} that acts greedily (or by sampling) with a policy. */
export class PolicyAgent implements Agent {
  readonly name: string;
  private history: HistoryBatch | undefined;
  private repeatMask: Uint8Array | null = null;

  readonly policy: Policy;

  /** `new PolicyAgent({ policy, ...options })`. */
  constructor(options: PolicyAgentOptions);
  /** @deprecated Pass one options object: `new PolicyAgent({ policy, ...options })`. This form goes in the next minor release. */
  constructor(policy: Policy, options?: Omit<PolicyAgentOptions, "policy">);
  constructor(first: PolicyAgentOptions | Policy, rest: Omit<PolicyAgentOptions, "policy"> = {}) {
    // A Policy acts; the options object holds one under `policy`.
    const options: PolicyAgentOptions = "act" in first ? { ...rest, policy: first } : first;
    const policy = options.policy;
    this.policy = policy;
    this.name = options.name ?? `policy:${policy.kind}`;
    this.deterministic = options.deterministic ?? true;
    this.noRepeat = options.noRepeat ?? true;
    this.planMask = options.planMask;
  }
  private readonly deterministic: boolean;
  private readonly noRepeat: boolean;
  private readonly planMask: ((env: VecEnv) => Uint8Array | null) | undefined;

  begin(env: VecEnv): void {
    const c = this.policy.context;
    if (env.numItems !== c.numItems || env.slateSize !== c.slateSize) {
      throw new FarsightError("rl-policy/env-mismatch", `${this.name} was trained for ${c.numItems} items and slates of ${c.slateSize}; this env has ${env.numItems} items and slates of ${env.slateSize}`, { policy: { numItems: c.numItems, slateSize: c.slateSize }, env: { numItems: env.numItems, slateSize: env.slateSize } });
    }
    this.history = emptyHistory(env.batchSize, this.policy.options.historyLength, env.numItems);
    // A user-aware policy reads this env's profiles (a held-out user's past is their fold-in share here).
    if (this.policy.options.userState && env.profiles && "bindProfiles" in this.policy) (this.policy as NeuralPolicy).bindProfiles(env.profiles);
  }

  act(env: VecEnv, out: Int32Array): void {
    if (!this.history || this.history.batchSize !== env.batchSize) this.begin(env);
    const history = readHistory(env, this.history!, this.policy.options.feedbackScale);
    this.repeatMask = readRepeatMask(env, this.repeatMask ?? undefined, this.noRepeat);
    const result = this.policy.act({ history, itemMask: this.repeatMask, planMask: this.planMask?.(env) ?? null, deterministic: this.deterministic });
    out.set(result.slates.subarray(0, out.length));
  }
}


/** Options of {@link createAlgorithm}: which algorithm, for which environment, and its settings. */
export interface CreateAlgorithmOptions {
  /** "ppo", "a2c" or "reinforce" (on-policy: they fit `createLerlGraph`) or "dqn" (off-policy). Required. */
  algorithm: AlgorithmName;
  /** The environment's sizes (`contextFromEnv(env)`). Required. */
  context: PolicyContext;
  /** Policy network options (seed, history length, encoder...); the package defaults otherwise. */
  policy?: PolicyOptionsInit;
  ppo?: Partial<PpoOptions>;
  a2c?: Partial<A2COptions>;
  dqn?: Partial<DqnOptions>;
  reinforce?: Partial<ReinforceOptions>;
}

type AlgorithmSettings = Omit<CreateAlgorithmOptions, "algorithm" | "context">;

/** A fresh policy and its algorithm: `createAlgorithm({ algorithm: "ppo", context: contextFromEnv(env), policy: { seed: 0 } })`. */
export function createAlgorithm(options: CreateAlgorithmOptions & { algorithm: "ppo" | "a2c" | "reinforce" }): OnPolicyAlgorithm;
export function createAlgorithm(options: CreateAlgorithmOptions & { algorithm: "dqn" }): OffPolicyAlgorithm;
export function createAlgorithm(options: CreateAlgorithmOptions): Algorithm;
/** @deprecated Pass one options object: `createAlgorithm({ algorithm, context, ...options })`. This form goes in the next minor release. */
export function createAlgorithm(name: "ppo" | "a2c", context: PolicyContext, options?: AlgorithmSettings): OnPolicyAlgorithm;
/** @deprecated Pass one options object: `createAlgorithm({ algorithm, context, ...options })`. This form goes in the next minor release. */
export function createAlgorithm(name: "dqn", context: PolicyContext, options?: AlgorithmSettings): OffPolicyAlgorithm;
/** @deprecated Pass one options object: `createAlgorithm({ algorithm, context, ...options })`. This form goes in the next minor release. */
export function createAlgorithm(name: AlgorithmName, context: PolicyContext, options?: AlgorithmSettings): Algorithm;
export function createAlgorithm(first: CreateAlgorithmOptions | AlgorithmName, contextArg?: PolicyContext, rest: AlgorithmSettings = {}): Algorithm {
  const options: CreateAlgorithmOptions = typeof first === "string" ? { ...rest, algorithm: first, context: contextArg! } : first;
  const { algorithm: name, context } = options;
  switch (name) {
    case "ppo":
      return new PpoAlgorithm(createPpoPolicy(context, options.policy, options.ppo), options.ppo);
    case "a2c":
      return new A2CAlgorithm(new SlatePolicy(context, options.policy, "a2c", options.a2c?.criticGradient), options.a2c);
    case "dqn":
      return new DqnAlgorithm(new DqnPolicy(context, options.policy), options.dqn);
    case "reinforce":
      return new ReinforceAlgorithm(new SlatePolicy(context, options.policy, "reinforce"), options.reinforce);
    default:
      throw new FarsightError("rl-policy/unknown-algorithm", `Unknown algorithm "${String(name)}"; expected ppo, a2c, dqn or reinforce`, { name });
  }
}
