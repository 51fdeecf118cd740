/**
 * The softmax slate policy, the default of PPO and A2C.
 *
 * Item logits are `u(s) . e_i + c_i`: a state vector against the item table, plus a per-item bias. Masked items
 * (already shown, outside the plan) get minus infinity, and a slate of K is K items drawn without replacement
 * (Plackett-Luce, sampled exactly with the Gumbel-top-K trick); greedy acting takes the top K. The log-probability
 * that the algorithms differentiate is that of the whole ordered slate under the same mask the rollout used, so
 * acting, the update and evaluation see one distribution, and the item vectors learn as the scoring kernel.
 */
import { tf } from "./backend.js";
import { ActorCriticPolicy, type ActionEvaluation, type StoredActions } from "./actor-critic.js";
import { applyMask, plackettLuceLogProb, sampleSlates, topKSlates } from "./distributions.js";
import type { HistoryBatch } from "./encoders.js";
import { mlp } from "./params.js";
import { seenItems } from "./features.js";
import { maskTensor, type ActRequest, type ActResult, type PolicyContext, type PolicyOptionsInit } from "./policy.js";

/** A softmax over items with Plackett-Luce slates and a critic. */
export class SlatePolicy extends ActorCriticPolicy {
  override readonly actionDim = 0;

  /**
   * @param kind the algorithm that trains it ("ppo", "a2c" or "reinforce"; saved in checkpoints).
   * @param criticGradient see {@link ActorCriticPolicy}.
   */
  constructor(
    context: PolicyContext,
    options: PolicyOptionsInit = {},
    readonly kind: "ppo" | "a2c" | "reinforce" = "a2c",
    criticGradient = false,
  ) {
    super(context, options, criticGradient);
    this.build();
  }

  protected forwardForBuild(state: tf.Tensor2D, table: tf.Tensor2D): void {
    this.logits(state, table);
    this.value(state);
    if (this.options.repeatLogit !== undefined) this.params.get(REPEAT_LOGIT, [1], this.options.repeatLogit);
    this.buildCategoryLogit();
  }

  /**
   * Unmasked item logits [B, N]: `logitScale` times the {@link scores} (with the `categoryLogit` option and a
   * history, plus each item's category offset), plus (with the `repeatLogit` option and a history) the learned
   * repeat logit on every item the history holds.
   */
  logits(state: tf.Tensor2D, table: tf.Tensor2D, history?: HistoryBatch): tf.Tensor2D {
    let scores = this.scores(state, table);
    const offsets = history ? this.categoryOffsets(history) : null;
    // [B, C] x [C, N]: each item gets its category's offset.
    if (offsets) scores = tf.add(scores, tf.matMul(offsets, this.categoryRows(), false, true)) as tf.Tensor2D;
    const logits = this.options.logitScale === 1 ? scores : (tf.mul(scores, this.options.logitScale) as tf.Tensor2D);
    if (this.options.repeatLogit === undefined || !history) return logits;
    return tf.add(logits, tf.mul(this.params.require(REPEAT_LOGIT), seenItems(history, this.context.numItems))) as tf.Tensor2D;
  }

  /** Item scores `u(s) . e_i + c_i` [B, N] (what the response loss reads as click logits). */
  scores(state: tf.Tensor2D, table: tf.Tensor2D): tf.Tensor2D {
    const u = mlp(this.params, "actor", state, this.options.hidden, this.options.encoder.itemDim);
    const bias = this.params.get("actor/itemBias", [this.context.numItems], "zeros");
    return tf.add(tf.matMul(u, this.itemRows(table), false, true), bias) as tf.Tensor2D;
  }

  /**
   * Differentiable log pi(slate | s) [B] and first-position entropy [B] for given histories, slates (B*K) and
   * masks: what imitation terms need. Call inside a gradient tape.
   */
  logProbOf(history: HistoryBatch, slates: Int32Array, mask: Uint8Array | null): { logProb: tf.Tensor1D; entropy: tf.Tensor1D; state: tf.Tensor2D; logits: tf.Tensor2D } {
    const b = history.batchSize;
    const table = this.table(true);
    const state = this.encode(history, table);
    const logits = this.logits(state, table, history);
    const masked = applyMask(logits, maskTensor(mask, b, this.context.numItems));
    const r = plackettLuceLogProb(masked, tf.tensor2d(slates, [b, this.context.slateSize], "int32"));
    return { ...r, state, logits };
  }

  /**
   * The response loss, when the rollout recorded feedback: the logit of every shown item read as a click logit
   * and fitted to its feedback (scaled to [0, 1]) by cross-entropy. It is dense supervision from every
   * transition (what HAC's behaviour loss is to the hyper-action), so the item vectors and the encoder learn who
   * responds to what long before the policy gradient alone would tell them.
   */
  evaluateActions(stored: StoredActions): ActionEvaluation {
    const { logProb, entropy, state, logits } = this.logProbOf(stored.history, stored.slates, stored.mask);
    let auxiliaryLoss: tf.Scalar | null = null;
    if (stored.slateFeedback) {
      const b = stored.history.batchSize, k = this.context.slateSize, n = this.context.numItems;
      const picks = tf.unstack(tf.tensor2d(stored.slates, [b, k], "int32"), 1);
      // With the repeat logit the logits are not a multiple of the scores: the response loss fits the scores alone.
      // With a user state it fits the scores of the session state alone (the user part zeroed): the click model is
      // myopic, and fitted on the user's known preferences it taught the policy to show the user's favourite
      // categories back to back, which the category quit rule ends (measured in the README's ablation).
      const user = this.options.userState !== undefined;
      // With the category logit the logits hold the category offsets, which the response loss leaves to the return.
      const scores = this.options.repeatLogit !== undefined || user || this.options.categoryLogit !== undefined ? this.scores(user ? withoutUserPart(state, this.options.encoder.itemDim) : state, this.table(true)) : this.options.logitScale === 1 ? logits : tf.div(logits, this.options.logitScale);
      const shown = tf.stack(picks.map((p) => tf.sum(tf.mul(scores, tf.oneHot(p as tf.Tensor1D, n)), 1)), 1);
      const target = tf.clipByValue(tf.div(tf.tensor2d(stored.slateFeedback, [b, k]), this.options.feedbackScale), 0, 1);
      // Binary cross-entropy with logits: softplus(x) - x * z.
      auxiliaryLoss = tf.mean(tf.sub(tf.softplus(shown), tf.mul(shown, target))) as tf.Scalar;
    }
    return { logProb, entropy, state, normalizedValue: this.normalizedValue(state), auxiliaryLoss };
  }

  act(request: ActRequest): ActResult {
    const b = request.history.batchSize;
    const { numItems: n, slateSize: k } = this.context;
    const mask = this.maskOf(request);
    const [logits, value] = tf.tidy(() => {
      const table = this.table();
      const state = this.encode(request.history, table);
      return [this.logits(state, table, request.history).dataSync() as Float32Array, request.withValue ? (this.value(state).dataSync() as Float32Array) : new Float32Array(b)];
    });
    const slates = new Int32Array(b * k);
    if (request.deterministic) topKSlates(logits, n, k, mask, slates);
    else sampleSlates(logits, n, k, mask, this.rng, slates);
    return { slates, logProb: plackettLuceLogProbJs(logits, n, k, mask, slates), value, action: new Float32Array(0), mask };
  }
}

const REPEAT_LOGIT = "actor/repeatLogit";

/** A user-aware state `[session state, user vector]` with the user vector (the last `userWidth` columns) zeroed. */
function withoutUserPart(state: tf.Tensor2D, userWidth: number): tf.Tensor2D {
  const [b, w] = state.shape;
  return tf.concat([tf.slice(state, [0, 0], [b, w - userWidth]), tf.zeros([b, userWidth])], 1) as tf.Tensor2D;
}

/** Plackett-Luce log-probability of each row's slate, in JS (for the act result; the loss uses tf). */
function plackettLuceLogProbJs(logits: Float32Array, n: number, k: number, mask: Uint8Array | null, slates: Int32Array): Float32Array {
  const b = logits.length / n;
  const out = new Float32Array(b);
  const taken = new Uint8Array(n);
  for (let row = 0; row < b; row++) {
    taken.fill(0);
    let lp = 0;
    for (let pos = 0; pos < k; pos++) {
      let max = -Infinity;
      for (let i = 0; i < n; i++) if (!taken[i] && (!mask || mask[row * n + i])) max = Math.max(max, logits[row * n + i]!);
      let z = 0;
      for (let i = 0; i < n; i++) if (!taken[i] && (!mask || mask[row * n + i])) z += Math.exp(logits[row * n + i]! - max);
      const item = slates[row * k + pos]!;
      lp += logits[row * n + item]! - max - Math.log(z);
      taken[item] = 1;
    }
    out[row] = lp;
  }
  return out;
}
