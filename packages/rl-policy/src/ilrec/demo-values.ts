/**
 * A_demo = Q_demo(s, a) - V_demo(s), IL-Rec's "world-model return" advantage of a demonstrated action:
 * Q_demo is an MLP on transition features, V_demo an MLP on state features, both regressed to the
 * discounted demonstration returns G (released code: in -> 32 -> 1, 100 full-batch Adam steps, lr 1e-2).
 * Both are fitted afresh on each call (they are cheap), so they follow the policy's changing features.
 */
import { tf } from "../backend.js";
import { mlp, ParamSet } from "../params.js";
import { gradientStep } from "../policy.js";
import type { FeatureMatrix } from "./discriminator.js";

export interface DemoValueOptions {
  hidden: number;
  steps: number;
  learningRate: number;
  seed: number;
}

export const DEFAULT_DEMO_VALUE_OPTIONS: DemoValueOptions = { hidden: 32, steps: 100, learningRate: 1e-2, seed: 0 };

/** Fits one regressor x -> target and returns its predictions on x and the final mean squared error. */
export function fitRegressor(x: FeatureMatrix, target: Float32Array, options: Partial<DemoValueOptions> = {}, name = "reg"): { predictions: Float32Array; mse: number } {
  const o = { ...DEFAULT_DEMO_VALUE_OPTIONS, ...options };
  const ps = new ParamSet(o.seed + 31);
  const optimizer = tf.train.adam(o.learningRate);
  const xs = tf.tensor2d(x.values, [x.rows, x.dim]);
  const ys = tf.tensor1d(target);
  const predict = () => tf.reshape(mlp(ps, name, xs, [o.hidden], 1), [-1]);
  tf.tidy(() => {
    predict();
  });
  let mse = NaN;
  for (let s = 0; s < o.steps; s++) mse = gradientStep(optimizer, ps.list(), () => tf.mean(tf.square(tf.sub(predict(), ys))) as tf.Scalar, 0).loss;
  const predictions = tf.tidy(() => predict().dataSync() as Float32Array);
  xs.dispose();
  ys.dispose();
  optimizer.dispose();
  ps.dispose();
  return { predictions, mse };
}

/** A_demo per demonstrated transition, with the two fits' errors for logs. */
export function demoAdvantages(stateActionX: FeatureMatrix, stateX: FeatureMatrix, returns: Float32Array, options: Partial<DemoValueOptions> = {}): { advantage: Float32Array; qMse: number; vMse: number } {
  const q = fitRegressor(stateActionX, returns, options, "qdemo");
  const v = fitRegressor(stateX, returns, options, "vdemo");
  const advantage = new Float32Array(returns.length);
  for (let i = 0; i < advantage.length; i++) advantage[i] = q.predictions[i]! - v.predictions[i]!;
  return { advantage, qMse: q.mse, vMse: v.mse };
}
