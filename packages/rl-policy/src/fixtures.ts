/**
 * Tiny fixtures shared by this package's tests (not exported from the package index): a catalogue
 * context and a contextual bandit over it, so algorithm tests run in seconds without an env.
 */
import { RolloutBuffer } from "./buffers.js";
import type { HistoryBatch } from "./encoders.js";
import type { OnPolicyAlgorithm } from "./algorithm.js";
import type { PolicyContext } from "./policy.js";

/** N items in C categories, item i in category i mod C. */
export function tinyContext(numItems = 40, numCategories = 4, slateSize = 1): PolicyContext {
  return { numItems, numCategories, slateSize, itemCategory: Int32Array.from({ length: numItems }, (_, i) => i % numCategories), featureDim: 0 };
}

/**
 * A one-step contextual bandit: the context is the single item in the history (category `c`), and an
 * item pays 1 when its category is `(c + 1) mod C`. Learning it needs the state: a constant policy gets 1/C.
 */
export function banditBatch(batchSize: number, historyLength: number, ctx: PolicyContext, seed: number): HistoryBatch {
  const items = new Int32Array(batchSize * historyLength).fill(ctx.numItems);
  const valid = new Float32Array(batchSize * historyLength);
  const feedback = new Float32Array(batchSize * historyLength);
  for (let b = 0; b < batchSize; b++) {
    items[b * historyLength + historyLength - 1] = (b * 7 + seed * 13) % ctx.numItems;
    valid[b * historyLength + historyLength - 1] = 1;
    feedback[b * historyLength + historyLength - 1] = 1;
  }
  return { batchSize, length: historyLength, items, feedback, valid };
}

/** Mean reward of slates on the bandit (K items each; the mean over the slate). */
export function banditRewards(history: HistoryBatch, slates: Int32Array, ctx: PolicyContext): Float32Array {
  const k = ctx.slateSize, c = ctx.numCategories, l = history.length;
  const out = new Float32Array(history.batchSize);
  for (let b = 0; b < history.batchSize; b++) {
    const want = (ctx.itemCategory[history.items[b * l + l - 1]!]! + 1) % c;
    let r = 0;
    for (let j = 0; j < k; j++) r += ctx.itemCategory[slates[b * k + j]!] === want ? 1 : 0;
    out[b] = r / k;
  }
  return out;
}

/** Runs `iterations` one-step rollouts of an on-policy algorithm on the bandit; returns mean rewards per iteration. */
export function trainOnBandit(algo: OnPolicyAlgorithm, iterations: number, batchSize = 64): number[] {
  const ctx = algo.policy.context;
  const l = algo.policy.options.historyLength;
  const actionDim = algo.policy.actionDim;
  const buf = new RolloutBuffer(1, batchSize, { historyLength: l, slateSize: ctx.slateSize, actionDim, numItems: ctx.numItems });
  const means: number[] = [];
  for (let it = 0; it < iterations; it++) {
    const history = banditBatch(batchSize, l, ctx, it);
    buf.reset();
    const act = algo.policy.act({ history, withValue: true });
    const rewards = banditRewards(history, act.slates, ctx);
    buf.addAction(history, act.slates, act.action, act.logProb, act.value, act.mask);
    buf.addOutcome(rewards, new Uint8Array(batchSize).fill(1));
    buf.finish(new Float32Array(batchSize), algo.gamma, algo.gaeLambda);
    algo.update(buf);
    means.push(rewards.reduce((a, x) => a + x, 0) / batchSize);
  }
  return means;
}
