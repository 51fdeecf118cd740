import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, tf } from "./backend.js";

/** Compares tf.grad with central finite differences of a scalar function of one tensor. */
function checkGrad(f: (x: tf.Tensor) => tf.Scalar, shape: number[], seed = 1): number {
  return tf.tidy(() => {
    const x0 = tf.randomNormal(shape, 0, 1, "float32", seed);
    const analytic = tf.grad(f)(x0).dataSync();
    const base = x0.dataSync();
    let worst = 0;
    const h = 1e-2;
    for (let i = 0; i < base.length; i++) {
      const plus = Float32Array.from(base); plus[i]! += h;
      const minus = Float32Array.from(base); minus[i]! -= h;
      const numeric = (f(tf.tensor(plus, shape)).dataSync()[0]! - f(tf.tensor(minus, shape)).dataSync()[0]!) / (2 * h);
      worst = Math.max(worst, Math.abs(numeric - analytic[i]!) / Math.max(1, Math.abs(numeric)));
    }
    return worst;
  });
}

const w = () => tf.tensor2d([[0.3, -0.2, 0.5], [0.1, 0.4, -0.6], [0.7, 0.2, 0.1], [-0.3, 0.5, 0.2]]);

const cases: Record<string, [(x: tf.Tensor) => tf.Scalar, number[]]> = {
  "matMul + broadcasting add/sub/mul/div": [(x) => tf.sum(tf.div(tf.mul(tf.sub(tf.add(tf.matMul(x, w()), 1), tf.tensor1d([0.1, 0.2, 0.3])), tf.slice(x, [0, 0], [2, 3])), 2)), [2, 4]],
  "matMul transposes": [(x) => tf.sum(tf.add(tf.matMul(x, x, true, false), tf.matMul(x, x, false, true))), [3, 3]],
  "batched matMul": [(x) => tf.sum(tf.square(tf.matMul(tf.reshape(x, [2, 2, 3]), tf.reshape(x, [2, 2, 3]), false, true))), [12]],
  "tanh sigmoid relu exp log softplus": [(x) => tf.sum(tf.add(tf.add(tf.tanh(x), tf.sigmoid(x)), tf.add(tf.relu(x), tf.add(tf.log(tf.add(tf.exp(x), 1)), tf.softplus(x))))), [5]],
  "softmax and logSoftmax": [(x) => tf.sum(tf.add(tf.mul(tf.softmax(x), tf.tensor2d([[1, 2, 3], [3, 1, 0]])), tf.mul(tf.logSoftmax(x), 0.5))), [2, 3]],
  "mean, max, moments, sqrt": [(x) => tf.add(tf.add(tf.mean(tf.max(x, 1)), tf.sum(tf.moments(x, 1).variance)), tf.sum(tf.sqrt(tf.add(tf.square(x), 1)))), [3, 4]],
  "reshape transpose concat split stack unstack": [(x) => {
    const [a, b] = tf.split(tf.transpose(tf.reshape(x, [3, 2])), [1, 2], 1);
    const s = tf.stack([tf.concat([a!, b!], 1), tf.square(tf.concat([b!, a!], 1))]);
    return tf.sum(tf.mul(tf.unstack(s)[1]!, tf.tensor2d([[1, 2, 3], [4, 5, 6]])));
  }, [6]],
  "gather (embedding lookup)": [(x) => tf.sum(tf.square(tf.gather(x, tf.tensor1d([0, 2, 2, 1], "int32")))), [3, 2]],
  // Inputs chosen away from the kinks (0, +-0.5, 0.4), where finite differences are meaningless.
  "where": [(x) => tf.sum(tf.where(tf.greater(x, 0), tf.mul(x, 3), tf.mul(x, -1))), [6]],
  "clip": [(x) => tf.sum(tf.mul(tf.clipByValue(x, -0.7, 0.7), tf.tensor1d([1, 2, 3, 4, 5, 6]))), [6]],
  "minimum/maximum": [(x) => tf.sum(tf.square(tf.minimum(x, tf.maximum(tf.mul(x, 0.5), 0.2)))), [6]],
  "expandDims squeeze pad": [(x) => tf.sum(tf.square(tf.pad(tf.squeeze(tf.expandDims(x, 0)), [[1, 0], [0, 2]], 0))), [2, 2]],
  "logSumExp and abs": [(x) => tf.add(tf.sum(tf.logSumExp(x, 1)), tf.sum(tf.abs(x))), [2, 3]],
};

describe("registered gradients match finite differences", () => {
  beforeAll(async () => {
    await initBackend();
  });
  it.each(Object.entries(cases))("%s", (_name, [f, shape]) => {
    expect(checkGrad(f, shape)).toBeLessThan(2e-2);
  });
});

describe("gather gradient on a large table", () => {
  it("sums the rows on the host when the one-hot matrix would be too large, as the one-hot product would", async () => {
    await initBackend();
    // 6,000 rows x 3,000 indices = 18M one-hot cells, above the 2^24 limit.
    const rows = 6000, picks = Int32Array.from({ length: 3000 }, (_v, j) => (j * 7919) % rows);
    const grad = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(picks, "int32")), tf.tensor2d([[1, 2]]))))(tf.zeros([rows, 2])).arraySync() as number[][]);
    const counts = new Array<number>(rows).fill(0);
    for (const p of picks) counts[p]!++;
    expect(grad.map((g) => g[0])).toEqual(counts);
    expect(grad.map((g) => g[1])).toEqual(counts.map((c) => 2 * c));
  });
});
