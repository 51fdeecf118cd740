// The structural tensor types of ./tensor-view.ts (what a consumer's compiler sees for "#tfjs") against TF.js's own.
// The assignments below are the compile-time half: each is a real TF.js value typed as the view, so `tsc` fails here
// when TF.js's classes stop fitting it. The expectations are the run-time half: the values are what the view says.
import * as tfjs from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, tf } from "./backend.js";
import type * as view from "./tensor-view.js";

beforeAll(async () => {
  await initBackend(["cpu"]);
});

describe("tensor view", () => {
  it('"#tfjs" is @tensorflow/tfjs-core itself at run time (one engine, one tensor registry)', () => {
    expect(tf).toBe(tfjs);
  });

  it("tensors of every rank fit the view, with the shapes and nested arrays it declares", () => {
    tfjs.tidy(() => {
      const scalar: view.Scalar = tfjs.scalar(2);
      const row: view.Tensor1D = tfjs.tensor1d([1, 2, 3]);
      const matrix: view.Tensor2D = tfjs.tensor2d([[1, 2], [3, 4], [5, 6]]);
      const cube: view.Tensor3D = tfjs.tensor3d([[[1, 2, 3]], [[4, 5, 6]]]);
      const any: view.Tensor = matrix;
      expect(scalar.shape).toEqual([]);
      expect(scalar.arraySync()).toBe(2);
      expect(row.arraySync()).toEqual([1, 2, 3]);
      expect(matrix.shape).toEqual([3, 2]);
      expect(matrix.arraySync()).toEqual([[1, 2], [3, 4], [5, 6]]);
      expect(cube.shape).toEqual([2, 1, 3]);
      expect([any.rank, any.size, any.dtype]).toEqual([2, 6, "float32"]);
      expect(Array.from(any.dataSync() as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    });
  });

  it("a disposed tensor says so", () => {
    const t: view.Tensor = tfjs.ones([2]);
    expect(t.isDisposed).toBe(false);
    t.dispose();
    expect(t.isDisposed).toBe(true);
  });

  it("variables and Adam fit the view: name, trainable, assign, iterations", () => {
    const v: view.Variable = tfjs.variable(tfjs.zeros([2]), true, "tensor-view-test/w");
    const adam: view.AdamOptimizer = tfjs.train.adam(0.1);
    const optimizer: view.Optimizer = adam;
    try {
      expect([v.name, v.trainable]).toEqual(["tensor-view-test/w", true]);
      const ones: view.Tensor = tfjs.ones([2]);
      v.assign(ones);
      ones.dispose();
      expect(v.arraySync()).toEqual([1, 1]);
      expect([optimizer.getClassName(), optimizer.iterations]).toEqual(["Adam", 0]);
    } finally {
      v.dispose();
      optimizer.dispose();
    }
  });
});
