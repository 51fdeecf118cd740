/**
 * Gradients for the kernels Farsight's networks use: rl-policy's policies and critics, and env's DeepFM user
 * model. It lives here, behind the `@farsight/env/tf-gradients` subpath (the package index never imports
 * TF.js), because env cannot depend on rl-policy; rl-policy re-exports it.
 *
 * Why this file exists: the Node bundle of `@tensorflow/tfjs-core` (`dist/tf-core.node.js`, which Node loads)
 * registers no gradient functions at all; the union package `@tensorflow/tfjs` and `tfjs-layers` normally do
 * that, and neither is installed here. The ESM `dist/register_all_gradients.js` cannot be loaded by Node
 * (extension-less imports). So we register our own, for exactly the kernels this package differentiates
 * through, each checked against finite differences in rl-policy's `gradients.test.ts`.
 *
 * `GatherV2` is the one that differs from upstream in substance: upstream back-propagates it through
 * `UnsortedSegmentSum`, a kernel the wasm backend lacks; we use a one-hot matrix product instead, which
 * every backend has and which is fast for catalogues of a few thousand items. Beyond that (an embedding table
 * of 27k KuaiRand users, a batch of 4,096 rows) the one-hot matrix would take gigabytes, so the rows are
 * summed on the host instead.
 */
import * as tf from "@tensorflow/tfjs-core";

type GradFn = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: Record<string, unknown>) => Record<string, () => tf.Tensor>;
interface GradSpec {
  inputsToSave?: string[];
  outputsToSave?: boolean[];
  saveAllInputs?: boolean;
  grad: GradFn;
}

/** Sums a broadcast gradient back down to `shape`. */
function sumTo(dy: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, dy.shape);
  const reduced = axes.length > 0 ? tf.sum(dy, axes) : dy;
  return tf.reshape(reduced, shape);
}

const f32 = (x: tf.Tensor): tf.Tensor => tf.cast(x, "float32");
const one = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor => dy as tf.Tensor;

function binary(dA: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor, dB: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor): GradSpec {
  return {
    inputsToSave: ["a", "b"],
    grad: (dy, [a, b]) => ({
      a: () => sumTo(dA(one(dy), a!, b!), a!.shape),
      b: () => sumTo(dB(one(dy), a!, b!), b!.shape),
    }),
  };
}

/** Unary op whose derivative is computed from the input x. */
function unaryX(d: (dy: tf.Tensor, x: tf.Tensor) => tf.Tensor): GradSpec {
  return { inputsToSave: ["x"], grad: (dy, [x]) => ({ x: () => d(one(dy), x!) }) };
}
/** Unary op whose derivative is computed from the output y. */
function unaryY(d: (dy: tf.Tensor, y: tf.Tensor) => tf.Tensor): GradSpec {
  return { outputsToSave: [true], grad: (dy, [y]) => ({ x: () => d(one(dy), y!) }) };
}

/** Reshapes dy of a reduction back to the input rank (the reduced axes become size 1). */
function keepDimsShape(xShape: number[], axis: unknown): number[] {
  const axes = tf.util.parseAxisParam(axis as number | number[], xShape);
  const shape = xShape.slice();
  for (const a of axes) shape[a] = 1;
  return shape;
}

const zeroBinary: GradSpec = { inputsToSave: ["a", "b"], grad: (_dy, [a, b]) => ({ a: () => tf.zeros(a!.shape), b: () => tf.zeros(b!.shape) }) };
const zeroUnary: GradSpec = { inputsToSave: ["x"], grad: (_dy, [x]) => ({ x: () => tf.zeros(x!.shape) }) };

/** Largest one-hot matrix (index count x table rows) the GatherV2 gradient builds; beyond it rows are summed on the host. */
const ONE_HOT_LIMIT = 1 << 24;

/** The GatherV2 gradient for large tables: adds each row of dy into its table row (a host-side segment sum). */
function scatterRows(dy: tf.Tensor, indices: tf.Tensor, shape: number[], rowSize: number): tf.Tensor {
  const grad = new Float32Array(shape.reduce((p, d) => p * d, 1));
  const rows = dy.dataSync(), idx = indices.dataSync();
  for (let r = 0; r < idx.length; r++) {
    const base = idx[r]! * rowSize, from = r * rowSize;
    for (let k = 0; k < rowSize; k++) grad[base + k]! += rows[from + k]!;
  }
  return tf.tensor(grad, shape);
}

const specs: Record<string, GradSpec> = {
  Add: binary((dy) => dy, (dy) => dy),
  Sub: binary((dy) => dy, (dy) => tf.neg(dy)),
  Multiply: binary((dy, _a, b) => tf.mul(dy, b), (dy, a) => tf.mul(dy, a)),
  RealDiv: binary((dy, _a, b) => tf.div(dy, b), (dy, a, b) => tf.neg(tf.div(tf.mul(dy, a), tf.square(b)))),
  SquaredDifference: binary((dy, a, b) => tf.mul(dy, tf.mul(2, tf.sub(a, b))), (dy, a, b) => tf.mul(dy, tf.mul(2, tf.sub(b, a)))),
  Maximum: binary((dy, a, b) => tf.mul(dy, f32(tf.greaterEqual(a, b))), (dy, a, b) => tf.mul(dy, f32(tf.less(a, b)))),
  Minimum: binary((dy, a, b) => tf.mul(dy, f32(tf.lessEqual(a, b))), (dy, a, b) => tf.mul(dy, f32(tf.greater(a, b)))),
  AddN: { saveAllInputs: true, grad: (dy, saved) => Object.fromEntries(saved.map((_t, i) => [i, () => one(dy)])) },

  Neg: unaryX((dy) => tf.neg(dy)),
  Square: unaryX((dy, x) => tf.mul(dy, tf.mul(2, x))),
  Sqrt: unaryY((dy, y) => tf.div(dy, tf.mul(2, y))),
  Rsqrt: unaryX((dy, x) => tf.mul(dy, tf.mul(-0.5, tf.pow(x, -1.5)))),
  Exp: unaryY((dy, y) => tf.mul(dy, y)),
  Log: unaryX((dy, x) => tf.div(dy, x)),
  Log1p: unaryX((dy, x) => tf.div(dy, tf.add(x, 1))),
  Tanh: unaryY((dy, y) => tf.mul(dy, tf.sub(1, tf.square(y)))),
  Sigmoid: unaryY((dy, y) => tf.mul(dy, tf.mul(y, tf.sub(1, y)))),
  Relu: unaryX((dy, x) => tf.mul(dy, f32(tf.greater(x, 0)))),
  Softplus: unaryX((dy, x) => tf.mul(dy, tf.sigmoid(x))),
  Abs: unaryX((dy, x) => tf.mul(dy, tf.sign(x))),
  Identity: { grad: (dy) => ({ x: () => one(dy) }) },
  Cast: { grad: (dy) => ({ x: () => one(dy) }) },
  ClipByValue: {
    inputsToSave: ["x"],
    grad: (dy, [x], attrs) => ({
      x: () => {
        const inside = tf.logicalAnd(tf.greaterEqual(x!, attrs["clipValueMin"] as number), tf.lessEqual(x!, attrs["clipValueMax"] as number));
        return tf.mul(one(dy), f32(inside));
      },
    }),
  },
  Softmax: {
    outputsToSave: [true],
    grad: (dy, [y], attrs) => ({
      logits: () => {
        const dyY = tf.mul(one(dy), y!);
        return tf.sub(dyY, tf.mul(tf.sum(dyY, [attrs["dim"] as number], true), y!));
      },
    }),
  },

  Sum: { inputsToSave: ["x"], grad: (dy, [x], attrs) => ({ x: () => tf.mul(tf.reshape(one(dy), keepDimsShape(x!.shape, attrs["axis"])), tf.ones(x!.shape)) }) },
  Mean: {
    inputsToSave: ["x"],
    grad: (dy, [x], attrs) => ({
      x: () => {
        const kept = keepDimsShape(x!.shape, attrs["axis"]);
        const count = x!.size / kept.reduce((p, n) => p * n, 1);
        return tf.mul(tf.reshape(one(dy), kept), tf.fill(x!.shape, 1 / count));
      },
    }),
  },
  Max: {
    inputsToSave: ["x"],
    outputsToSave: [true],
    grad: (dy, [x, y], attrs) => ({
      x: () => {
        const kept = keepDimsShape(x!.shape, attrs["reductionIndices"]);
        return tf.mul(tf.reshape(one(dy), kept), f32(tf.equal(x!, tf.reshape(y!, kept))));
      },
    }),
  },

  BatchMatMul: {
    inputsToSave: ["a", "b"],
    grad: (dyIn, [a, b], attrs) => {
      const dy = one(dyIn);
      const tA = attrs["transposeA"] as boolean, tB = attrs["transposeB"] as boolean;
      // d(AB)/dA = dy B^T, d(AB)/dB = A^T dy, with the transposes folded in.
      if (!tA && !tB) return { a: () => tf.matMul(dy, b!, false, true), b: () => tf.matMul(a!, dy, true, false) };
      if (!tA && tB) return { a: () => tf.matMul(dy, b!), b: () => tf.matMul(dy, a!, true, false) };
      if (tA && !tB) return { a: () => tf.matMul(b!, dy, false, true), b: () => tf.matMul(a!, dy) };
      return { a: () => tf.matMul(b!, dy, true, true), b: () => tf.matMul(dy, a!, true, true) };
    },
  },

  Reshape: { inputsToSave: ["x"], grad: (dy, [x]) => ({ x: () => tf.reshape(one(dy), x!.shape) }) },
  ExpandDims: { inputsToSave: ["input"], grad: (dy, [x]) => ({ input: () => tf.reshape(one(dy), x!.shape) }) },
  Squeeze: { inputsToSave: ["x"], grad: (dy, [x]) => ({ x: () => tf.reshape(one(dy), x!.shape) }) },
  BroadcastTo: { inputsToSave: ["x"], grad: (dy, [x]) => ({ x: () => sumTo(one(dy), x!.shape) }) },
  Transpose: {
    grad: (dy, _s, attrs) => {
      const perm = attrs["perm"] as number[];
      const inverse = perm.map((_p, i) => perm.indexOf(i));
      return { x: () => tf.transpose(one(dy), inverse) };
    },
  },
  Concat: {
    saveAllInputs: true,
    grad: (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam(attrs["axis"] as number, saved[0]!.shape)[0]!;
      const parts = tf.split(one(dy), saved.map((t) => t.shape[axis]!), axis);
      return Object.fromEntries(parts.map((p, i) => [i, () => p]));
    },
  },
  Pack: {
    saveAllInputs: true,
    grad: (dy, saved, attrs) => {
      const parts = tf.unstack(one(dy), attrs["axis"] as number);
      return Object.fromEntries(saved.map((_t, i) => [i, () => parts[i]!]));
    },
  },
  Unpack: {
    outputsToSave: [],
    inputsToSave: ["value"],
    grad: (dys, [value], attrs) => {
      const axis = attrs["axis"] as number;
      const shape = value!.shape.filter((_d, i) => i !== axis);
      const parts = (dys as (tf.Tensor | null)[]).map((d) => d ?? tf.zeros(shape));
      return { value: () => tf.stack(parts, axis) };
    },
  },
  SplitV: {
    inputsToSave: ["x"],
    grad: (dys, [x], attrs) => {
      const axis = tf.util.parseAxisParam(attrs["axis"] as number, x!.shape)[0]!;
      const sizes = attrs["numOrSizeSplits"];
      const splits = typeof sizes === "number" ? new Array<number>(sizes).fill(x!.shape[axis]! / sizes) : (sizes as number[]);
      const parts = (dys as (tf.Tensor | null)[]).map((d, i) => {
        if (d) return d;
        const shape = x!.shape.slice();
        shape[axis] = splits[i]!;
        return tf.zeros(shape);
      });
      return { x: () => tf.concat(parts, axis) };
    },
  },
  Slice: {
    inputsToSave: ["x"],
    grad: (dy, [x], attrs) => {
      const begin = attrs["begin"] as number[];
      const size = attrs["size"] as number[];
      const paddings = x!.shape.map((d, i) => [begin[i]!, d - begin[i]! - (size[i] === -1 ? d - begin[i]! : size[i]!)] as [number, number]);
      return { x: () => tf.pad(one(dy), paddings) };
    },
  },
  PadV2: {
    inputsToSave: ["x"],
    grad: (dy, [x], attrs) => {
      const paddings = attrs["paddings"] as [number, number][];
      return { x: () => tf.slice(one(dy), paddings.map((p) => p[0]), x!.shape) };
    },
  },
  Select: {
    inputsToSave: ["condition"],
    grad: (dy, [condition]) => ({
      condition: () => tf.zeros(condition!.shape),
      t: () => tf.mul(one(dy), f32(condition!)),
      e: () => tf.mul(one(dy), f32(tf.logicalNot(condition!))),
    }),
  },
  GatherV2: {
    inputsToSave: ["x", "indices"],
    grad: (dy, [x, indices], attrs) => ({
      x: () => {
        if ((attrs["batchDims"] as number) !== 0 || tf.util.parseAxisParam(attrs["axis"] as number, x!.shape)[0] !== 0) {
          throw new Error("Farsight gradients: GatherV2 is differentiable only along axis 0 without batch dims");
        }
        // dParams = onehot(indices)^T . dy, flattened over the index dimensions.
        const n = x!.shape[0]!;
        const rowSize = x!.size / n;
        if (n * indices!.size > ONE_HOT_LIMIT) return scatterRows(one(dy), indices!, x!.shape, rowSize);
        const oneHot = tf.oneHot(tf.reshape(indices!, [-1]), n);
        const flatDy = tf.reshape(one(dy), [indices!.size, rowSize]);
        return tf.reshape(tf.matMul(f32(oneHot), flatDy, true, false), x!.shape);
      },
    }),
  },
};

// Comparisons and other piecewise-constant ops: zero gradient (they lie on the tape when a mask is built
// from a differentiable tensor).
for (const name of ["Greater", "GreaterEqual", "Less", "LessEqual", "Equal", "NotEqual", "LogicalAnd", "LogicalOr"]) specs[name] = zeroBinary;
for (const name of ["LogicalNot", "Sign", "Floor", "Round", "Step", "ArgMax", "OnesLike", "ZerosLike"]) specs[name] = zeroUnary;

let registered = false;

/** Registers every gradient above, once per process. Called by `initBackend`; idempotent. */
export function registerGradients(): void {
  if (registered) return;
  registered = true;
  for (const [kernelName, spec] of Object.entries(specs)) {
    if (tf.getGradient(kernelName) != null) continue; // someone (tfjs-node, tfjs) already registered it
    tf.registerGradient({
      kernelName,
      inputsToSave: spec.inputsToSave,
      outputsToSave: spec.outputsToSave,
      saveAllInputs: spec.saveAllInputs,
      gradFunc: spec.grad as unknown as tf.GradConfig["gradFunc"],
    });
  }
}

/** Kernel names this package differentiates through (for tests and diagnostics). */
export const differentiableKernels: readonly string[] = Object.keys(specs);
