/**
 * The IL-Rec learner: the package's A2C on rollouts of the training env, and after each A2C update
 * `imitationSteps` separate gradient steps (own Adam) on a mixed replay batch of
 *   - the imitation term `-lambda E_demo[w log pi(a|s)]` (A2C's `imitationLoss`) on the batch's demonstrations,
 *   - an actor-critic term on the whole mixed batch (env and demonstration transitions),
 * both scaled by a factor that anneals linearly to 0 over `imitationAnneal` of the budget. Every
 * `discriminatorEvery` updates: discriminator steps (policy = 1, demos = 0), then fresh demonstration weights
 * w in [0, 1] gated by the policy critic's advantage of each demonstrated action (0 where the teacher does not
 * beat the policy). Optionally the AIRL shaped reward log(1 - D) - log D replaces (or is added to) the env reward.
 * Without demonstrations it is exactly the package's A2C (the "no demonstrations" baseline).
 *
 * The imitation steps are separate from A2C's update (not an auxiliary loss inside it) so that A2C keeps its own
 * schedule (minibatches, clipping, normalisation) and imitation can never take more steps than RL by default.
 */
import { mean, Rng } from "@farsight/core";
import type { VecEnv } from "@farsight/env";
import { A2CAlgorithm, imitationLoss, type A2CPolicy } from "../a2c.js";
import { gatherRows, historyRows, RolloutBuffer } from "../buffers.js";
import { Collector } from "../collector.js";
import { gradientStep } from "../policy.js";
import { tf } from "../backend.js";
import type { DemoBuffer } from "./demo-buffer.js";
import { demoAdvantages } from "./demo-values.js";
import { Discriminator, stateFeatures, transitionFeatures, type FeatureMatrix } from "./discriminator.js";
import { resolveIlrecOptions, type IlrecOptions } from "./options.js";
import { MixedReplay, replayActorCriticLoss, type MixedSample, type MixedTransitions } from "./replay.js";
import { criticAdvantages, demoWeights, shapedReward } from "./weights.js";

/** Progress of an IL-Rec run, reported after every update. */
export interface IlrecProgress {
  readonly envSteps: number;
  readonly updates: number;
  readonly episodes: number;
  /** Mean env return of the episodes finished since the last report (NaN if none). */
  readonly meanReturn: number;
  /** Mean length (env steps) of the episodes finished since the last report (NaN if none). */
  readonly meanLength: number;
  readonly loss: number;
  /** Latest discriminator loss / minibatch accuracy (NaN before the first training). */
  readonly discriminatorLoss: number;
  readonly discriminatorAccuracy: number;
  /** Largest demonstration weight and the weights' effective sample size share (1 = uniform). */
  readonly maxWeight: number;
  readonly weightEss: number;
  /** Mean demonstration weight and the share of demonstrations with weight > 0.01 (the teacher's accepted share). */
  readonly meanWeight: number;
  readonly acceptedShare: number;
  /**
   * Share of the usable demonstrations (not repeats the policy can never take) whose weight is exactly 0: the
   * advantage gate rejected them (filter form; the released form never gives 0). NaN before the first refresh.
   */
  readonly gatedShare: number;
  /** Current scale of the imitation step (1 at the start, annealed to 0). */
  readonly imitationScale: number;
}

export interface IlrecTrainSummary extends IlrecProgress {
  readonly elapsedMs: number;
  /** Mean env return of the episodes finished in the last 20% of the budget. */
  readonly finalMeanReturn: number;
}

export class IlrecLearner {
  readonly options: IlrecOptions;
  readonly algorithm: A2CAlgorithm;
  readonly discriminator: Discriminator | undefined;
  readonly replay: MixedReplay | undefined;
  private readonly optimizer: tf.Optimizer | undefined;
  private readonly rng: Rng;
  private batch: MixedTransitions | null = null;
  private sample: MixedSample | null = null;
  private discLoss = NaN;
  private discAccuracy = NaN;
  private scale = 1;

  /** @param demos demonstrations, or null for plain A2C (the ablation). */
  constructor(readonly policy: A2CPolicy, readonly demos: DemoBuffer | null, options: Partial<IlrecOptions> = {}) {
    this.options = resolveIlrecOptions(options);
    const o = this.options;
    this.rng = new Rng(o.seed, "ilrec/learner");
    if (demos && demos.size > 0) {
      this.replay = new MixedReplay(demos, o.replayCapacity, o.envPriority);
      this.discriminator = new Discriminator({ seed: o.seed, ...o.discriminator });
      this.optimizer = tf.train.adam(o.imitationLearningRate);
    }
    this.algorithm = new A2CAlgorithm(policy, { ...o.a2c });
  }

  /** Discriminator D(s, a) on given transitions. */
  discriminate(features: FeatureMatrix): Float32Array {
    return this.discriminator ? this.discriminator.probability(features) : new Float32Array(features.rows).fill(0.5);
  }

  /**
   * Advantage of every demonstrated action: under the policy's critic (`critic`, default) or the released
   * code's teacher-only A_demo = Q_demo - V_demo (`teacher`).
   */
  demoAdvantage(demoX?: FeatureMatrix): Float32Array {
    const demos = this.demos!;
    const all = demos.allRows();
    if (this.options.advantage === "teacher") {
      const x = demoX ?? transitionFeatures(this.policy, demos.history(all), demos.slates);
      return demoAdvantages(x, stateFeatures(this.policy, demos.history(all)), demos.returns, { seed: this.options.seed, ...this.options.demoValues }).advantage;
    }
    const [v, vNext] = tf.tidy(() => {
      const table = this.policy.table();
      return [
        this.policy.value(this.policy.encode(demos.history(all), table)).dataSync() as Float32Array,
        this.policy.value(this.policy.encode(demos.nextHistory(all), table)).dataSync() as Float32Array,
      ];
    });
    return criticAdvantages(demos.rewards, demos.dones, v, vNext, this.options.demoGamma);
  }

  /** Trains the discriminator on recent policy transitions vs all demonstrations and refreshes the weights. */
  refreshReward(): void {
    const demos = this.demos, replay = this.replay, disc = this.discriminator;
    if (!demos || !replay || !disc || replay.env.size === 0) return;
    const o = this.options;
    const n = Math.min(o.discriminatorPolicyRows, replay.env.size);
    const rows = Int32Array.from({ length: n }, () => this.rng.int(replay.env.size));
    const policyX = transitionFeatures(this.policy, historyRows(replay.env, this.policy.options.historyLength, rows), gatherRows(replay.env.slates, this.policy.context.slateSize, rows, (m) => new Int32Array(m)));
    const all = demos.allRows();
    const demoX = transitionFeatures(this.policy, demos.history(all), demos.slates);
    const r = disc.train(policyX, demoX);
    this.discLoss = r.loss;
    this.discAccuracy = r.accuracy;
    const w = demoWeights(this.demoAdvantage(demoX), disc.probability(demoX), o.weights);
    for (let i = 0; i < w.length; i++) if (!demos.usable[i]) w[i] = 0;
    demos.weights = w;
    replay.refreshPriorities();
  }

  /** Replaces (or augments) a finished rollout's rewards with the shaped reward log(1 - D) - log D. */
  private shapeRewards(buffer: RolloutBuffer): void {
    const o = this.options;
    if (o.rewardMode === "env" || !this.discriminator || this.discriminator.steps === 0) return;
    const rows = Int32Array.from({ length: buffer.length }, (_v, i) => i);
    const x = transitionFeatures(this.policy, historyRows(buffer, this.policy.options.historyLength, rows), buffer.slates.subarray(0, buffer.length * this.policy.context.slateSize));
    const shaped = shapedReward(this.discriminator.probability(x));
    for (let i = 0; i < buffer.length; i++) buffer.rewards[i] = (o.rewardMode === "airl" ? 0 : buffer.rewards[i]!) + o.shapedRewardCoef * shaped[i]!;
  }

  /** Scale of the imitation step after `done` of `total` env steps: linear from 1 to 0 over `imitationAnneal`. */
  imitationScaleAt(done: number, total: number): number {
    const a = this.options.imitationAnneal;
    if (!(a > 0)) return 1;
    return Math.max(0, 1 - done / (a * total));
  }

  /** Trains on `env` (the training-time world) for `totalSteps` env transitions. */
  async train(env: VecEnv, totalSteps: number, onProgress?: (p: IlrecProgress) => void): Promise<IlrecTrainSummary> {
    const o = this.options, alg = this.algorithm;
    const collector = new Collector(env, this.policy);
    const buffer = new RolloutBuffer(alg.rolloutSteps, env.batchSize, { historyLength: this.policy.options.historyLength, slateSize: env.slateSize, actionDim: 0, numItems: env.numItems });
    const start = performance.now();
    const tail: number[] = [];
    let last: IlrecProgress | undefined;
    let rollouts = 0;
    while (collector.envSteps < totalSteps) {
      const lastValues = collector.collectRollout(buffer);
      this.replay?.addRollout(buffer, collector.history);
      // Counted in rollouts, not A2C gradient steps: A2C now takes several minibatch steps per rollout, and
      // `updates % every` then fires at a rate that depends on how many (every lcm(steps, every) / steps rollouts).
      if (this.replay && rollouts % o.discriminatorEvery === 0) this.refreshReward();
      rollouts++;
      this.shapeRewards(buffer);
      buffer.finish(lastValues, alg.gamma, alg.gaeLambda);
      const stats = alg.update(buffer);
      this.scale = this.imitationScaleAt(collector.envSteps, totalSteps);
      if (this.replay && this.scale > 0) for (let j = 0; j < o.imitationSteps; j++) this.imitationStep();
      const { returns, lengths } = collector.drainEpisodes();
      if (collector.envSteps >= 0.8 * totalSteps) tail.push(...returns);
      last = this.progress(collector, stats.loss ?? NaN, returns, lengths);
      onProgress?.(last);
      if (rollouts % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    last ??= this.progress(collector, NaN, [], []);
    return { ...last, elapsedMs: performance.now() - start, finalMeanReturn: tail.length ? mean(tail) : NaN };
  }

  /** Draws the mixed batch of the next gradient step; in the AIRL modes its rewards are shaped too. */
  private drawBatch(): void {
    const o = this.options;
    this.sample = this.replay!.sample(o.replayBatch, this.rng);
    const batch = this.replay!.transitions(this.sample);
    if (o.rewardMode !== "env" && this.discriminator && this.discriminator.steps > 0 && batch.history.batchSize > 0) {
      const shaped = shapedReward(this.discriminator.probability(transitionFeatures(this.policy, batch.history, batch.slates)));
      for (let i = 0; i < shaped.length; i++) batch.rewards[i] = (o.rewardMode === "airl" ? 0 : batch.rewards[i]!) + o.shapedRewardCoef * shaped[i]!;
    }
    this.batch = batch;
  }

  /** One gradient step of the imitation term and the mixed actor-critic term, both times the annealed scale. */
  private imitationStep(): void {
    const o = this.options;
    this.drawBatch();
    const imitation = imitationLoss(() => (this.sample ? this.replay!.demoBatch(this.sample) : null), o.imitationCoef * this.scale);
    const replayAc = replayActorCriticLoss(() => this.batch, { gamma: o.demoGamma, coef: o.replayCoef * this.scale, valueCoef: o.a2c.valueCoef ?? 0.5, advantageClip: o.advantageClip, positiveOnly: o.replayPositiveAdvantage });
    const updates = this.algorithm.updates;
    gradientStep(this.optimizer!, this.policy.trainableVariables(), () => {
      let loss: tf.Scalar = tf.scalar(0);
      for (const term of [imitation, replayAc]) {
        const t = term(this.policy, updates);
        if (t) loss = tf.add(loss, t) as tf.Scalar;
      }
      return loss;
    }, o.imitationMaxGradNorm);
    this.policy.invalidate();
  }

  private progress(collector: Collector, loss: number, returns: number[], lengths: number[]): IlrecProgress {
    const w = this.demos?.weights;
    let max = NaN, ess = NaN, meanW = NaN, accepted = NaN, gated = NaN;
    if (w && w.length) {
      let s = 0, s2 = 0, a = 0, usable = 0, zero = 0;
      max = 0;
      for (let i = 0; i < w.length; i++) {
        const v = w[i]!;
        s += v;
        s2 += v * v;
        max = Math.max(max, v);
        if (v > 0.01) a++;
        if (this.demos!.usable[i]) {
          usable++;
          if (v === 0) zero++;
        }
      }
      ess = s2 > 0 ? (s * s) / (s2 * w.length) : 0;
      meanW = s / w.length;
      accepted = a / w.length;
      // Weights are all 1 until the first refresh: nothing has been gated yet, so the share is not defined.
      gated = this.discriminator && this.discriminator.steps > 0 && usable > 0 ? zero / usable : NaN;
    }
    return {
      envSteps: collector.envSteps, updates: this.algorithm.updates, episodes: collector.episodes,
      meanReturn: returns.length ? mean(returns) : NaN, meanLength: lengths.length ? mean(lengths) : NaN, loss,
      discriminatorLoss: this.discLoss, discriminatorAccuracy: this.discAccuracy, maxWeight: max, weightEss: ess,
      meanWeight: meanW, acceptedShare: accepted, gatedShare: gated, imitationScale: this.replay ? this.scale : 0,
    };
  }

  dispose(): void {
    this.algorithm.dispose();
    this.optimizer?.dispose();
    this.discriminator?.dispose();
  }
}

/** Options of {@link trainBehaviourCloning}. */
export interface BehaviourCloningOptions {
  steps: number;
  batchSize: number;
  learningRate: number;
  maxGradNorm: number;
  seed: number;
}

export const DEFAULT_BC_OPTIONS: BehaviourCloningOptions = { steps: 500, batchSize: 64, learningRate: 1e-3, maxGradNorm: 1, seed: 0 };

/**
 * Behaviour cloning of the demonstrations: the imitation term alone (uniform weights, no RL term), the
 * "lambda_imit only" ablation, under the same no-repeat masks as serving (demonstrated repeats are skipped:
 * the policy can never take them). Returns the mean loss of the last 10% of the steps.
 */
export function trainBehaviourCloning(
  policy: A2CPolicy,
  demos: DemoBuffer,
  options: Partial<BehaviourCloningOptions> = {},
  /** Called after every gradient step with its loss (for a learning curve). */
  onStep?: (step: number, loss: number) => void,
): { loss: number } {
  const o = { ...DEFAULT_BC_OPTIONS, ...options };
  const usable = Int32Array.from(demos.allRows().filter((r) => demos.usable[r] === 1));
  if (usable.length === 0) return { loss: NaN };
  const rng = new Rng(o.seed, "ilrec/bc");
  const optimizer = tf.train.adam(o.learningRate);
  const losses: number[] = [];
  for (let s = 0; s < o.steps; s++) {
    const rows = Int32Array.from({ length: Math.min(o.batchSize, usable.length) }, () => usable[rng.int(usable.length)]!);
    const batch = { history: demos.history(rows), slates: demos.slatesOf(rows), mask: demos.masks(rows) };
    const term = imitationLoss(() => batch, 1);
    const r = gradientStep(optimizer, policy.trainableVariables(), () => term(policy, s)!, o.maxGradNorm);
    if (s >= o.steps * 0.9) losses.push(r.loss);
    onStep?.(s + 1, r.loss);
    policy.invalidate();
  }
  optimizer.dispose();
  return { loss: losses.length ? mean(losses) : NaN };
}
