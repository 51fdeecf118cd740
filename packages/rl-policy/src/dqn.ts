/**
 * DQN over items (Mnih et al. 2015) with a replay buffer, a target network (hard copies or Polyak averaging),
 * n-step returns, Huber loss and epsilon-greedy exploration.
 *
 * Q(s, i) = u(s) . e_i + c_i over the item table, plus (opt-in `repeatLogit`) a learned offset w on every item
 * the history holds, in return units: where repeats are allowed (FB) a dot-product Q has no direct way to say
 * "not the item just shown", and under a distance quit rule a repeat ends the session. A slate of K is the top-K Q
 * among allowed items, and
 * its value is the mean of its items' Q (a SlateQ-style decomposition with equal weights); the target is
 * r + gamma * mean(top-K Q_target(s') over the items allowed in s'). With K = 1 this is plain DQN.
 */
import { Rng } from "@farsight/core";
import { tf } from "./backend.js";
import { historyRows, ReplayBuffer, stackMasks } from "./buffers.js";
import { NStepQueue } from "./n-step.js";
import { epsilonGreedySlates, topKSlates } from "./distributions.js";
import { seenItems } from "./features.js";
import type { OffPolicyAlgorithm, StepBatch, UpdateStats } from "./algorithm.js";
import { mlp } from "./params.js";
import { gradientStep, NeuralPolicy, type ActRequest, type ActResult, type PolicyContext, type PolicyOptionsInit } from "./policy.js";
import { type DqnOptions } from "./plain-types.js";
export type { DqnOptions } from "./plain-types.js";


export const DEFAULT_DQN_OPTIONS: DqnOptions = {
  gamma: 0.9,
  // Chosen on Coat seeds 10-14 (not the seeds reported): 5e-4 gave 1.6-3.0x random, 1e-3 one collapse to 0.23x.
  learningRate: 5e-4,
  bufferSize: 50_000,
  batchSize: 64,
  learningStarts: 500,
  trainEvery: 1,
  // Four gradient steps per batched env step (one per 8 transitions with 32 sessions; CleanRL's DQN takes one per
  // 10 transitions). One per 32 transitions left DQN at 1.42x random on Coat at 15,000 steps (min 0.82x over 5 seeds).
  gradientSteps: 4,
  targetUpdateEvery: 100,
  targetTau: 1,
  // Chosen on Coat seeds 10-14 at 15,000 steps (R_traj / random, greedy): n = 1 gave 1.31-2.40x (mean 1.82), n = 3
  // 1.94-2.59x (mean 2.37); Polyak targets (tau 0.01 every step) with n = 3 let seed 13 fall to 1.49x.
  nStep: 3,
  explorationFraction: 0.5,
  epsilonStart: 1,
  epsilonEnd: 0.05,
  maxGradNorm: 10,
  double: true,
};

/** The acting half: epsilon-greedy top-K over Q. */
export class DqnPolicy extends NeuralPolicy {
  readonly kind = "dqn" as const;
  /** Exploration rate used by non-deterministic `act` calls (set by the algorithm's schedule). */
  epsilon = 0;

  constructor(context: PolicyContext, options: PolicyOptionsInit = {}) {
    super(context, options);
    this.refuseCategoryLogit("DQN's Q network");
    this.build();
  }

  protected forwardForBuild(state: tf.Tensor2D, table: tf.Tensor2D): void {
    this.q(state, table);
    if (this.options.repeatLogit !== undefined) this.params.get(REPEAT_Q, [1], this.options.repeatLogit);
  }

  /** Q(s, .) [B, N]; with the `repeatLogit` option and a history, plus the learned repeat offset on its items. */
  q(state: tf.Tensor2D, table: tf.Tensor2D, history?: ActRequest["history"]): tf.Tensor2D {
    const u = mlp(this.params, "q", state, this.options.hidden, this.options.encoder.itemDim);
    const bias = this.params.get("q/itemBias", [this.context.numItems], "zeros");
    const q = tf.add(tf.matMul(u, this.itemRows(table), false, true), bias) as tf.Tensor2D;
    if (this.options.repeatLogit === undefined || !history) return q;
    return tf.add(q, tf.mul(this.params.require(REPEAT_Q), seenItems(history, this.context.numItems))) as tf.Tensor2D;
  }

  /** Q values of a batch of histories, as data (no gradient). */
  qValues(history: ActRequest["history"]): Float32Array {
    return tf.tidy(() => {
      const table = this.table();
      return this.q(this.encode(history, table), table, history).dataSync() as Float32Array;
    });
  }

  act(request: ActRequest): ActResult {
    const b = request.history.batchSize;
    const { numItems: n, slateSize: k } = this.context;
    const mask = this.maskOf(request);
    const q = this.qValues(request.history);
    const slates = new Int32Array(b * k);
    if (request.deterministic || this.epsilon <= 0) topKSlates(q, n, k, mask, slates);
    else epsilonGreedySlates(q, n, k, mask, this.epsilon, this.rng, slates);
    const value = new Float32Array(b);
    if (request.withValue) for (let r = 0; r < b; r++) value[r] = slateMean(q, n, k, slates, r);
    return { slates, logProb: new Float32Array(b), value, action: new Float32Array(0), mask };
  }
}

/** The learned repeat offset of Q (`repeatLogit`), in return units. */
const REPEAT_Q = "q/repeatOffset";

function slateMean(q: Float32Array, n: number, k: number, slates: Int32Array, row: number): number {
  let s = 0;
  for (let j = 0; j < k; j++) s += q[row * n + slates[row * k + j]!]!;
  return s / k;
}

/** The learning half: replay, target network, Huber TD loss. */
export class DqnAlgorithm implements OffPolicyAlgorithm {
  readonly kind = "dqn" as const;
  readonly onPolicy = false as const;
  readonly options: DqnOptions;
  readonly optimizer: tf.Optimizer;
  readonly replay: ReplayBuffer;
  readonly target: DqnPolicy;
  updates = 0;
  private envSteps = 0;
  private readonly rng: Rng;
  /** Made on the first step, when the env's batch size is known. */
  private queue: NStepQueue | null = null;

  constructor(
    readonly policy: DqnPolicy,
    options: Partial<DqnOptions> = {},
  ) {
    this.options = { ...DEFAULT_DQN_OPTIONS, ...options };
    const { nStep, targetTau } = this.options;
    if (!Number.isInteger(nStep) || nStep < 1 || nStep > 255) throw new RangeError(`DQN option nStep must be an integer from 1 to 255, got ${nStep}`);
    if (!(targetTau > 0 && targetTau <= 1)) throw new RangeError(`DQN option targetTau must be in (0, 1] (1 = hard copy), got ${targetTau}`);
    this.optimizer = tf.train.adam(this.options.learningRate);
    const c = policy.context;
    this.replay = new ReplayBuffer(this.options.bufferSize, { historyLength: policy.options.historyLength, slateSize: c.slateSize, actionDim: 0, numItems: c.numItems });
    this.target = new DqnPolicy(c, policy.options);
    this.target.params.copyFrom(policy.params);
    this.rng = new Rng(policy.options.seed, "dqn/replay");
    policy.epsilon = this.options.epsilonStart;
  }

  setProgress(fraction: number): void {
    const o = this.options;
    const t = Math.min(1, fraction / Math.max(1e-9, o.explorationFraction));
    this.policy.epsilon = o.epsilonStart + t * (o.epsilonEnd - o.epsilonStart);
  }

  observe(step: StepBatch): UpdateStats | null {
    const o = this.options;
    if (o.nStep === 1) this.replay.addBatch(step.history, step.slates, step.rewards, step.dones, step.next, step.nextMask);
    else {
      const c = this.policy.context;
      this.queue ??= new NStepQueue(o.nStep, o.gamma, step.history.batchSize, c.slateSize, c.numItems);
      const q = this.queue.push(step.history, step.slates, step.rewards, step.dones, step.next, step.nextMask);
      this.replay.addBatch(q.history, q.slates, q.rewards, q.dones, q.next, q.nextMask, q.horizons);
    }
    this.envSteps++;
    if (this.replay.size < o.learningStarts || this.envSteps % o.trainEvery !== 0) return null;
    let loss = 0, gradNorm = 0, skipped = 0;
    for (let g = 0; g < o.gradientSteps; g++) {
      const s = this.trainStep();
      loss += s.loss / o.gradientSteps;
      gradNorm = s.gradNorm;
      skipped += s.skipped ? 1 : 0;
    }
    return { loss, gradNorm, epsilon: this.policy.epsilon, skipped };
  }

  private trainStep(): { loss: number; gradNorm: number; skipped: boolean } {
    const o = this.options;
    const p = this.policy;
    const { numItems: n, slateSize: k } = p.context;
    const l = p.options.historyLength;
    const rows = this.replay.sample(o.batchSize, this.rng);
    const m = rows.length;
    const r = this.replay;
    const history = historyRows(r, l, rows);
    const next = historyRows({ items: r.nextItems, feedback: r.nextFeedback, valid: r.nextValid, users: r.users }, l, rows);
    // Target: r + gamma^horizon * (1 - done) * mean target Q of the top-K items allowed next (top-K by the online Q when double).
    const qNext = this.target.qValues(next);
    const nextMask = stackMasks(r.nextMasks, rows, n);
    const best = topKSlates(o.double ? p.qValues(next) : qNext, n, k, nextMask, new Int32Array(m * k));
    const y = new Float32Array(m);
    const pick = new Float32Array(m * n);
    rows.forEach((row, i) => {
      y[i] = r.rewards[row]! + (r.dones[row] ? 0 : o.gamma ** r.horizons[row]! * slateMean(qNext, n, k, best, i));
      for (let j = 0; j < k; j++) pick[i * n + r.slates[row * k + j]!] += 1 / k;
    });
    const stats = gradientStep(this.optimizer, p.params.list(), () => {
      const table = p.table(true);
      const q = p.q(p.encode(history, table), table, history);
      const qSlate = tf.sum(tf.mul(q, tf.tensor2d(pick, [m, n])), 1);
      const err = tf.sub(qSlate, tf.tensor1d(y));
      const absErr = tf.abs(err);
      const huber = tf.where(tf.less(absErr, 1), tf.mul(tf.square(err), 0.5), tf.sub(absErr, 0.5));
      return tf.mean(huber) as tf.Scalar;
    }, o.maxGradNorm);
    this.updates++;
    p.invalidate();
    if (this.updates % o.targetUpdateEvery === 0) {
      this.target.params.copyFrom(p.params, o.targetTau);
      this.target.invalidate();
    }
    return stats;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.target.dispose();
  }
}
