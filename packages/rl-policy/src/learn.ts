/**
 * Training from code in one line, as Stable-Baselines3's `PPO(...).learn(...)`:
 *
 * ```ts
 * const agent = await PPO.learn(await makeGymEnv("synthetic"), { steps: 8_000 });
 * console.log((await agent.evaluate({ episodes: 100 })).metrics.r_traj);
 * await agent.save("runs/ppo");                     // later: await PPO.load("runs/ppo", { env })
 * ```
 *
 * The helper does what the long form does (`initBackend`, `createAlgorithm`, `contextFromEnv`, `trainPolicy` on
 * the env's batched simulator, `evaluate` on the preset's held-out test users, `saveCheckpoint`) and nothing
 * else: one training loop, the same numbers.
 */
import { FarsightError } from "@farsight/core";
import { evaluate, makeGymEnv, type EvaluationResult, type GymEnv, type GymObservation } from "@farsight/env";
import type { A2COptions } from "./a2c.js";
import { createAlgorithm, PolicyAgent, type AlgorithmName, type CreateAlgorithmOptions } from "./agent.js";
import type { Algorithm } from "./algorithm.js";
import { initBackend, type BackendReport } from "./backend.js";
import { loadCheckpoint, saveCheckpoint, type CheckpointManifest } from "./checkpoint.js";
import type { DqnOptions } from "./dqn.js";
import { emptyHistory } from "./features.js";
import { contextFromEnv, type NeuralPolicy } from "./policy.js";
import type { PpoOptions } from "./ppo.js";
import type { ReinforceOptions } from "./reinforce.js";
import { trainPolicy, type TrainSummary } from "./trainer.js";
import { type LearnOptions, type AgentEvaluateOptions } from "./plain-types.js";
export type { LearnOptions, AgentEvaluateOptions } from "./plain-types.js";



/** A trained (or loaded) policy with its algorithm: evaluate, act on a Gymnasium observation, save. */
export class TrainedAgent {
  constructor(
    /** The algorithm, ready to train further (`trainPolicy(env.vecEnv(), agent.algorithm, ...)`). */
    readonly algorithm: Algorithm,
    /** The env it learned on or was loaded with, if any. */
    readonly env: GymEnv | undefined,
    /** What training did (absent for a loaded agent). */
    readonly training: TrainSummary | undefined,
    /** Which TF.js backend runs it. */
    readonly backend: BackendReport,
  ) {}

  get policy(): NeuralPolicy {
    return this.algorithm.policy;
  }

  /**
   * The evaluation protocol of `@farsight/env` (`evaluate`): the preset's ground truth on its held-out test users,
   * every metric per seed and averaged.
   */
  async evaluate(options: AgentEvaluateOptions = {}): Promise<EvaluationResult> {
    const env = options.env ?? this.env;
    if (!env) throw new FarsightError("rl-policy/bad-option", "this agent has no env to evaluate on (it was loaded without one): pass evaluate({ env })", {});
    const deterministic = options.deterministic ?? true;
    // The env's own settings (slate size, step limit, feedback...) hold in evaluation too; seeds, batching and the
    // user pool are the protocol's.
    const { seed: _seed, batchSize: _batchSize, autoReset: _autoReset, sessionLimit: _sessionLimit, users: _users, ...simulator } = env.source.simulator;
    return evaluate(env.setup, () => new PolicyAgent({ policy: this.policy, deterministic }), { episodes: options.episodes ?? 100, seeds: options.seeds ?? [0], simulator, ...(options.mode ? { mode: options.mode } : {}) });
  }

  /**
   * The action for a Gymnasium observation (`GymEnv.reset` / `step`), as SB3's `model.predict(obs)`: an item id
   * for one-item slates, else K ids. Items of the observation's history and those `actionMask` (`info.actionMask`)
   * marks 0 are not recommended, as the training collector's no-repeat rule (which sees the whole session: the
   * observation holds its last H steps).
   */
  predict(observation: GymObservation, options: { readonly actionMask?: Uint8Array; readonly deterministic?: boolean } = {}): number | Int32Array {
    const policy = this.policy, c = policy.context, L = policy.options.historyLength, N = c.numItems;
    const history = emptyHistory(1, L, N);
    history.users[0] = observation.user;
    // The observation is oldest first with -1 padding; the policy's history is right-aligned, newest last.
    let j = L - 1;
    for (let i = observation.items.length - 1; i >= 0 && j >= 0; i--) {
      const item = observation.items[i]!;
      if (item < 0) continue;
      history.items[j] = item;
      history.feedback[j] = observation.feedback[i]! / policy.options.feedbackScale;
      history.valid[j] = 1;
      j--;
    }
    const mask = new Uint8Array(N).fill(1);
    if (options.actionMask) {
      if (options.actionMask.length !== N) throw new FarsightError("rl-policy/env-mismatch", `actionMask has ${options.actionMask.length} entries; the policy knows ${N} items`, { length: options.actionMask.length, numItems: N });
      mask.set(options.actionMask);
    }
    for (const item of observation.items) if (item >= 0 && item < N) mask[item] = 0;
    const { slates } = policy.act({ history, itemMask: mask, deterministic: options.deterministic ?? true });
    return c.slateSize === 1 ? slates[0]! : slates.slice(0, c.slateSize);
  }

  /** An env `Agent` for the evaluation protocol or your own loop (`new PolicyAgent({ policy })`). */
  asEnvAgent(options: { readonly deterministic?: boolean } = {}): PolicyAgent {
    return new PolicyAgent({ policy: this.policy, deterministic: options.deterministic ?? true });
  }

  /** Writes the policy and its optimiser state to `dir` (`saveCheckpoint`: temp files, then renames). */
  save(dir: string): Promise<CheckpointManifest> {
    return saveCheckpoint(dir, this.algorithm, {
      ...(this.env ? { preset: this.env.setup.name, role: this.env.source.role } : {}),
      ...(this.training ? { steps: this.training.envSteps } : {}),
    });
  }

  /** Frees the policy's and the optimiser's tensors. */
  dispose(): void {
    this.algorithm.dispose();
    this.policy.dispose();
  }
}

/** One algorithm's `learn` and `load`. */
export class Learner<A> {
  constructor(readonly algorithm: AlgorithmName) {}

  /** Trains a fresh policy on `env` (a `GymEnv`, or a preset name for `makeGymEnv(name)`) for `options.steps` transitions. */
  async learn(env: GymEnv | string, options: LearnOptions<A>): Promise<TrainedAgent> {
    if (!(Number.isInteger(options.steps) && options.steps > 0)) throw new FarsightError("rl-policy/bad-option", `learn needs steps, a positive integer budget of env transitions; got ${options.steps}`, { steps: options.steps });
    const batchSize = options.batchSize ?? 32, seed = options.seed ?? 0;
    if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new FarsightError("rl-policy/bad-option", `batchSize must be a positive integer, got ${batchSize}`, { batchSize });
    // The trap of the long form: a policy made before a backend exists fails deep inside TF.js.
    const backend = await initBackend();
    const gym = typeof env === "string" ? await makeGymEnv(env) : env;
    const vec = gym.vecEnv({ batchSize, seed });
    // The algorithm's options go under its own name (`ppo: {...}`), as createAlgorithm reads them.
    const settings = { [this.algorithm]: options.algorithm ?? {} } as Pick<CreateAlgorithmOptions, AlgorithmName>;
    const algorithm = createAlgorithm({ ...settings, algorithm: this.algorithm, context: contextFromEnv(vec), policy: { seed, ...options.policy } });
    try {
      const signal = options.signal;
      const training = await trainPolicy(vec, algorithm, { totalSteps: options.steps, ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(signal ? { shouldStop: () => signal.aborted } : {}) });
      return new TrainedAgent(algorithm, gym, training, backend);
    } catch (err) {
      algorithm.dispose();
      algorithm.policy.dispose();
      throw err;
    }
  }

  /** Loads an agent saved by `agent.save(dir)`; `env` is what `evaluate` uses by default. Refuses another algorithm's checkpoint. */
  async load(dir: string, options: { readonly env?: GymEnv } = {}): Promise<TrainedAgent> {
    const backend = await initBackend();
    const loaded = await loadCheckpoint(dir);
    if (loaded.manifest.kind !== this.algorithm) {
      loaded.algorithm.dispose();
      loaded.policy.dispose();
      throw new FarsightError("rl-policy/bad-checkpoint", `${dir} holds a ${loaded.manifest.kind} policy; load it with ${loaded.manifest.kind.toUpperCase()}.load`, { dir, kind: loaded.manifest.kind, expected: this.algorithm });
    }
    const env = options.env;
    if (env && (env.sim.numItems !== loaded.policy.context.numItems || env.sim.slateSize !== loaded.policy.context.slateSize)) {
      const c = loaded.policy.context;
      loaded.algorithm.dispose();
      loaded.policy.dispose();
      throw new FarsightError("rl-policy/env-mismatch", `${dir} was trained for ${c.numItems} items and slates of ${c.slateSize}; this env has ${env.sim.numItems} items and slates of ${env.sim.slateSize}`, { dir });
    }
    return new TrainedAgent(loaded.algorithm, env, undefined, backend);
  }
}

/** PPO (`PpoOptions`): `const agent = await PPO.learn(env, { steps: 8_000 })`. */
export const PPO = new Learner<PpoOptions>("ppo");
/** A2C (`A2COptions`). */
export const A2C = new Learner<A2COptions>("a2c");
/** DQN (`DqnOptions`). */
export const DQN = new Learner<DqnOptions>("dqn");
/** REINFORCE (`ReinforceOptions`). */
export const REINFORCE = new Learner<ReinforceOptions>("reinforce");
