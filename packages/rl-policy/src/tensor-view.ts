// The tensor types a user of "@farsight/rl-policy/tf" sees in its declarations, written here instead of imported
// from TF.js. Why: TF.js 4.22's own .d.ts do not type-check under TypeScript 7 with `skipLibCheck: false` (they use
// the globals `Long` and `EmscriptenModule` of @types packages 7.x no longer loads by default, and their
// `@webgpu/types` clash with 7.x's lib.dom), and a compiler checks them as soon as a declaration imports them.
//
// How: the package's code imports TF.js as "#tfjs" (package.json "imports"). Inside this package (tsconfig
// `customConditions: ["farsight-tfjs-types"]`) and at run time that is @tensorflow/tfjs-core itself; for a consumer's
// compiler the "types" condition makes it this file. So the implementation is checked against TF.js's real types,
// and a consumer reads the same names (`tf.Tensor2D`, `tf.Variable`, `tf.Optimizer`, ...) as the structural
// interfaces below. tensor-view.test.ts checks at compile time that TF.js's classes fit them. The values are
// TF.js's own: anything a consumer receives is a real tfjs-core tensor, usable with `@tensorflow/tfjs-core`'s ops
// (cast it to TF.js's type there); what a consumer passes in must be one too.

/** TF.js's element types. */
export type DataType = "float32" | "int32" | "bool" | "complex64" | "string";

/** What `data()` / `dataSync()` return for a numeric tensor (string tensors give `string[]`). */
export type TensorData = Float32Array | Int32Array | Uint8Array | string[];

/** A tfjs-core tensor of any rank: its shape, element type, values and lifetime. */
export interface Tensor {
  /** Unique id within the TF.js engine. */
  readonly id: number;
  readonly shape: number[];
  readonly dtype: DataType;
  /** Number of elements. */
  readonly size: number;
  readonly rank: number;
  /** True once `dispose()` ran (or the tensor was freed by a tidy scope). */
  readonly isDisposed: boolean;
  /** Frees the tensor's memory; the tensor cannot be used after. */
  dispose(): void;
  data(): Promise<TensorData>;
  dataSync(): TensorData;
  /** A nested array of the values (a number for a scalar). */
  array(): Promise<unknown>;
  arraySync(): unknown;
  toString(verbose?: boolean): string;
}

/** A rank-0 tensor (a loss, a statistic); its shape is `[]` (TF.js types it `number[]`). */
export interface Scalar extends Tensor {
  array(): Promise<number>;
  arraySync(): number;
}

export interface Tensor1D extends Tensor {
  readonly shape: [number];
  array(): Promise<number[]>;
  arraySync(): number[];
}

/** A batch of rows: `[batch, features]` (states, logits, masks, tables). */
export interface Tensor2D extends Tensor {
  readonly shape: [number, number];
  array(): Promise<number[][]>;
  arraySync(): number[][];
}

/** `[batch, time, features]` (history tokens). */
export interface Tensor3D extends Tensor {
  readonly shape: [number, number, number];
  array(): Promise<number[][][]>;
  arraySync(): number[][][];
}

/** A trainable parameter (ParamSet's entries). */
export interface Variable extends Tensor {
  readonly name: string;
  trainable: boolean;
  /** Overwrites the values with those of a tensor of the same shape and type. */
  assign(value: Tensor): void;
}

/** A tfjs-core optimiser (the algorithms create Adam). */
export interface Optimizer {
  /** Number of steps taken. */
  readonly iterations: number;
  getClassName(): string;
  /** Frees the optimiser's slot variables. */
  dispose(): void;
}

/** tfjs-core's Adam (its learning rate is internal to TF.js; `setLearningRate` / `learningRateOf` reach it). */
export type AdamOptimizer = Optimizer;
