/**
 * Named trainable parameters on tfjs-core variables (no tfjs-layers), with the small layer helpers our
 * networks need. A {@link ParamSet} owns its variables: `dispose()` frees them, `names()` gives a stable order
 * (the optimiser's state is matched by that order, so it survives save/load).
 */
import { Rng } from "@farsight/core";
import { tf } from "./backend.js";

let instanceCounter = 0;

/** A set of named variables. Engine-wide variable names are prefixed with a unique instance id. */
export class ParamSet {
  private readonly vars = new Map<string, tf.Variable>();
  private readonly prefix = `fs${++instanceCounter}`;
  private readonly rng: Rng;

  /** @param seed seeds the initialisers (a derived stream per parameter name, so adding one changes no other). */
  constructor(seed: number) {
    this.rng = new Rng(seed, "params");
  }

  /** Creates (once) a variable with Glorot-uniform init; `init: "zeros"` or a constant for biases. */
  get(name: string, shape: number[], init: "glorot" | "zeros" | "normal" | number = "glorot"): tf.Variable {
    const existing = this.vars.get(name);
    if (existing) return existing;
    const size = shape.reduce((p, n) => p * n, 1);
    const values = new Float32Array(size);
    const rng = this.rng.derive(name);
    if (init === "glorot") {
      const fanIn = shape.length > 1 ? shape[shape.length - 2]! : shape[0]!;
      const fanOut = shape[shape.length - 1]!;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < size; i++) values[i] = rng.uniform(-limit, limit);
    } else if (init === "normal") {
      for (let i = 0; i < size; i++) values[i] = rng.normal(0, 0.1);
    } else if (typeof init === "number") {
      values.fill(init);
    }
    // The variable shares the initial tensor's data; the tensor itself is freed (outside a tidy it leaked).
    const initial = tf.tensor(values, shape);
    const v = tf.variable(initial, true, `${this.prefix}/${name}`);
    initial.dispose();
    this.vars.set(name, v);
    return v;
  }

  /** The variable called `name`; throws if it does not exist. */
  require(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`ParamSet: no parameter "${name}"`);
    return v;
  }

  /** Parameter names in creation order (stable for a given architecture). */
  names(): string[] {
    return [...this.vars.keys()];
  }

  /** Variables whose names start with one of `prefixes` (all when omitted), in creation order. */
  list(prefixes?: readonly string[]): tf.Variable[] {
    return [...this.vars.entries()].filter(([n]) => !prefixes || prefixes.some((p) => n.startsWith(p))).map(([, v]) => v);
  }

  /** Engine-wide name of a parameter (what optimisers key their state by). */
  engineName(name: string): string {
    return `${this.prefix}/${name}`;
  }

  /** Local name of an engine-wide variable name, or undefined if it is not ours. */
  localName(engineName: string): string | undefined {
    return engineName.startsWith(`${this.prefix}/`) ? engineName.slice(this.prefix.length + 1) : undefined;
  }

  /** Copies every parameter of `other` with the same name and shape into this set (target networks). */
  copyFrom(other: ParamSet, tau = 1): void {
    tf.tidy(() => {
      for (const [name, v] of this.vars) {
        const src = other.vars.get(name);
        if (!src) continue;
        v.assign(tau >= 1 ? src : tf.add(tf.mul(src, tau), tf.mul(v, 1 - tau)));
      }
    });
  }

  /** Total number of scalar parameters. */
  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** Fully connected layer `x W + b` with parameters `${name}/w`, `${name}/b`. */
export function dense(ps: ParamSet, name: string, x: tf.Tensor, units: number, activation?: "relu" | "tanh"): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1]!;
  const w = ps.get(`${name}/w`, [inDim, units]);
  const b = ps.get(`${name}/b`, [units], "zeros");
  const flat = x.rank === 2 ? x : tf.reshape(x, [-1, inDim]);
  let y: tf.Tensor = tf.add(tf.matMul(flat, w), b);
  if (activation === "relu") y = tf.relu(y);
  else if (activation === "tanh") y = tf.tanh(y);
  return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), units]);
}

/** MLP with ReLU hidden layers and a linear output layer. */
export function mlp(ps: ParamSet, name: string, x: tf.Tensor, hidden: readonly number[], out: number): tf.Tensor {
  let h = x;
  hidden.forEach((units, i) => {
    h = dense(ps, `${name}/h${i}`, h, units, "relu");
  });
  return dense(ps, `${name}/out`, h, out);
}

/** Layer normalisation over the last axis with gain and bias. */
export function layerNorm(ps: ParamSet, name: string, x: tf.Tensor, eps = 1e-5): tf.Tensor {
  const d = x.shape[x.shape.length - 1]!;
  const gain = ps.get(`${name}/g`, [d], 1);
  const bias = ps.get(`${name}/b`, [d], "zeros");
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gain), bias);
}

/** `x` forward, no gradient backward (TF.js has no stopGradient op). */
export const stopGradient = tf.customGrad(((x: tf.Tensor) => ({ value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
