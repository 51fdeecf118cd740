/**
 * IL-Rec's inverse-RL discriminator D(s, a) = sigmoid(MLP(x)), x = [policy state encoding of s, embedding of a]
 * (the mean of the slate's item rows of the policy's item table). Labels as in the released code: policy
 * transitions = 1, demonstrations = 0, binary cross-entropy, Adam. Its inputs are read from the policy without
 * gradient: the discriminator learns on top of the policy's representation and never changes it.
 */
import { Rng } from "@farsight/core";
import { requireBackend, tf } from "../backend.js";
import type { HistoryBatch } from "../encoders.js";
import { mlp, ParamSet } from "../params.js";
import { gradientStep, type NeuralPolicy } from "../policy.js";

/** Transition features as a flat row-major matrix. */
export interface FeatureMatrix {
  readonly rows: number;
  readonly dim: number;
  readonly values: Float32Array;
}

/** Policy state encodings [B, dState] of a history batch (no gradient). */
export function stateFeatures(policy: NeuralPolicy, history: HistoryBatch): FeatureMatrix {
  return tf.tidy(() => {
    const s = policy.encode(history, policy.table());
    return { rows: s.shape[0], dim: s.shape[1], values: s.dataSync() as Float32Array };
  });
}

/** `[state encoding, mean item embedding of the slate]` per transition (no gradient). */
export function transitionFeatures(policy: NeuralPolicy, history: HistoryBatch, slates: Int32Array): FeatureMatrix {
  const k = policy.context.slateSize;
  return tf.tidy(() => {
    const table = policy.table();
    const s = policy.encode(history, table);
    const b = history.batchSize;
    const items = tf.reshape(tf.gather(table, tf.tensor1d(slates, "int32")), [b, k, table.shape[1]]);
    const x = tf.concat([s, tf.mean(items, 1)], 1);
    return { rows: b, dim: x.shape[1]!, values: x.dataSync() as Float32Array };
  });
}

/** Rows `rows` of a feature matrix. */
export function selectRows(f: FeatureMatrix, rows: ArrayLike<number>): FeatureMatrix {
  const out = new Float32Array(rows.length * f.dim);
  for (let r = 0; r < rows.length; r++) out.set(f.values.subarray(rows[r]! * f.dim, (rows[r]! + 1) * f.dim), r * f.dim);
  return { rows: rows.length, dim: f.dim, values: out };
}

/** Rows `rows` of a feature matrix as a tensor (the caller disposes it). */
export function featureRows(f: FeatureMatrix, rows: ArrayLike<number>): tf.Tensor2D {
  const m = selectRows(f, rows);
  return tf.tensor2d(m.values, [m.rows, m.dim]);
}

/** Discriminator hyper-parameters. Released code: 32 hidden units, Adam 1e-3. */
export interface DiscriminatorOptions {
  hidden: number;
  learningRate: number;
  /** Gradient steps per call of {@link Discriminator.train}. */
  stepsPerTrain: number;
  /** Transitions of each class per gradient step. */
  batchSize: number;
  seed: number;
}

export const DEFAULT_DISCRIMINATOR_OPTIONS: DiscriminatorOptions = { hidden: 32, learningRate: 1e-3, stepsPerTrain: 20, batchSize: 64, seed: 0 };

/** Numerically stable binary cross-entropy with logits, mean over the batch. */
function bceWithLogits(z: tf.Tensor, label: 0 | 1): tf.Tensor {
  // softplus(z) - y z, written with ops every backend differentiates: relu(z) - y z + log(1 + exp(-|z|)).
  const base = tf.add(tf.relu(z), tf.log(tf.add(1, tf.exp(tf.neg(tf.abs(z))))));
  return tf.mean(label === 1 ? tf.sub(base, z) : base);
}

/** D(s, a): probability that a transition came from the policy rather than the demonstrations. */
export class Discriminator {
  readonly options: DiscriminatorOptions;
  readonly params: ParamSet;
  private readonly optimizer: tf.Optimizer;
  private readonly rng: Rng;
  private built = false;
  /** Gradient steps taken. */
  steps = 0;

  constructor(options: Partial<DiscriminatorOptions> = {}) {
    requireBackend("The IL-Rec discriminator");
    this.options = { ...DEFAULT_DISCRIMINATOR_OPTIONS, ...options };
    this.params = new ParamSet(this.options.seed + 7717);
    this.optimizer = tf.train.adam(this.options.learningRate);
    this.rng = new Rng(this.options.seed, "ilrec/discriminator");
  }

  private logits(x: tf.Tensor2D): tf.Tensor1D {
    this.built = true;
    return tf.reshape(mlp(this.params, "disc", x, [this.options.hidden], 1), [-1]) as tf.Tensor1D;
  }

  /**
   * `stepsPerTrain` BCE steps on balanced minibatches: `policy` rows labelled 1, `demo` rows labelled 0.
   * Returns the last loss and the accuracy on the last minibatch (threshold 0.5).
   */
  train(policy: FeatureMatrix, demo: FeatureMatrix): { loss: number; accuracy: number } {
    if (policy.rows === 0 || demo.rows === 0) return { loss: NaN, accuracy: NaN };
    const bs = this.options.batchSize;
    let loss = NaN, accuracy = NaN;
    for (let s = 0; s < this.options.stepsPerTrain; s++) {
      const pr = Int32Array.from({ length: Math.min(bs, policy.rows) }, () => this.rng.int(policy.rows));
      const dr = Int32Array.from({ length: Math.min(bs, demo.rows) }, () => this.rng.int(demo.rows));
      const mp = selectRows(policy, pr), md = selectRows(demo, dr);
      const xp = tf.tensor2d(mp.values, [mp.rows, mp.dim]), xd = tf.tensor2d(md.values, [md.rows, md.dim]);
      if (!this.built) tf.tidy(() => {
        this.logits(xp);
      });
      const r = gradientStep(this.optimizer, this.params.list(), () => tf.add(bceWithLogits(this.logits(xp), 1), bceWithLogits(this.logits(xd), 0)) as tf.Scalar, 10);
      loss = r.loss;
      if (s === this.options.stepsPerTrain - 1) {
        const p = this.probability(mp), d = this.probability(md);
        let right = 0;
        for (const v of p) if (v > 0.5) right++;
        for (const v of d) if (v <= 0.5) right++;
        accuracy = right / (p.length + d.length);
      }
      xp.dispose();
      xd.dispose();
      this.steps++;
    }
    return { loss, accuracy };
  }

  /** D for every row of `x`. */
  probability(x: FeatureMatrix): Float32Array {
    if (x.rows === 0) return new Float32Array(0);
    return tf.tidy(() => tf.sigmoid(this.logits(tf.tensor2d(x.values, [x.rows, x.dim]))).dataSync() as Float32Array);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.params.dispose();
  }
}
