/**
 * The policy the offline learners train: the shared encoder and item table of every neural policy, with up to two
 * heads over items, each `u(s) . e_i + c_i` as DQN's and the softmax slate policy's:
 * - `q`: Q(s, i) (BCQ, CQL, CRR's critic);
 * - `actor`: logits of a softmax over items (behaviour cloning's policy, BCQ's behaviour model G, CRR's actor).
 *
 * It acts by the head its algorithm names: greedy top-K Q (CQL; BCQ among the items its behaviour model deems
 * likely enough), or the actor's top-K / a Plackett-Luce sample (BC, CRR). The log holds one item per step, so the
 * heads learn per item; slates of K > 1 are the K best items.
 */
import { tf } from "../backend.js";
import { sampleSlates, topKSlates } from "../distributions.js";
import { mlp } from "../params.js";
import { NeuralPolicy, type ActRequest, type ActResult, type PolicyContext, type PolicyOptionsInit } from "../policy.js";

/** The offline algorithms. */
export type OfflineKind = "bc" | "bcq" | "cql" | "crr";

/** Which heads a policy has and which one acts. */
export interface OfflineHeads {
  readonly q: boolean;
  readonly actor: boolean;
  readonly acting: "q" | "actor";
}

/** A policy with a Q head and / or a softmax actor head over items. */
export class OfflinePolicy extends NeuralPolicy {
  /**
   * BCQ's filter: Q acts only among items whose behaviour probability is at least this share of the most likely
   * item's (0: no filter). Set by BCQ from its `threshold`.
   */
  filterThreshold = 0;

  constructor(
    context: PolicyContext,
    options: PolicyOptionsInit,
    readonly kind: OfflineKind,
    readonly heads: OfflineHeads,
  ) {
    super(context, options);
    this.build();
  }

  protected forwardForBuild(state: tf.Tensor2D, table: tf.Tensor2D): void {
    if (this.heads.q) this.q(state, table);
    if (this.heads.actor) this.logits(state, table);
  }

  /** Q(s, .) [B, N]. */
  q(state: tf.Tensor2D, table: tf.Tensor2D): tf.Tensor2D {
    return this.head("q", state, table);
  }

  /** The actor's (or behaviour model's) logits [B, N], unmasked. */
  logits(state: tf.Tensor2D, table: tf.Tensor2D): tf.Tensor2D {
    return this.head("actor", state, table);
  }

  private head(name: string, state: tf.Tensor2D, table: tf.Tensor2D): tf.Tensor2D {
    const u = mlp(this.params, name, state, this.options.hidden, this.options.encoder.itemDim);
    const bias = this.params.get(`${name}/itemBias`, [this.context.numItems], "zeros");
    return tf.add(tf.matMul(u, this.itemRows(table), false, true), bias) as tf.Tensor2D;
  }

  /** Q values and / or actor logits of a batch of histories, as data (no gradient); a head the policy lacks is null. */
  outputs(history: ActRequest["history"], target: OfflinePolicy = this): { q: Float32Array | null; logits: Float32Array | null } {
    let out: { q: Float32Array | null; logits: Float32Array | null } = { q: null, logits: null };
    tf.tidy(() => {
      // A target network's table is built fresh (and freed by the tidy): a cache on it would outlive its copies.
      const table = target === this ? target.table() : target.table(true);
      const state = target.encode(history, table);
      out = {
        q: target.heads.q ? (target.q(state, table).dataSync() as Float32Array) : null,
        logits: target.heads.actor ? (target.logits(state, table).dataSync() as Float32Array) : null,
      };
    });
    return out;
  }

  act(request: ActRequest): ActResult {
    const b = request.history.batchSize;
    const { numItems: n, slateSize: k } = this.context;
    const mask = this.maskOf(request);
    const { q, logits } = this.outputs(request.history);
    const slates = new Int32Array(b * k);
    if (this.heads.acting === "actor") {
      if (request.deterministic) topKSlates(logits!, n, k, mask, slates);
      else sampleSlates(logits!, n, k, mask, this.rng, slates);
    } else {
      const allowed = this.filterThreshold > 0 && logits ? behaviourFilter(logits, n, k, mask, this.filterThreshold) : mask;
      topKSlates(q!, n, k, allowed, slates);
    }
    const value = new Float32Array(b);
    if (request.withValue && q) for (let r = 0; r < b; r++) for (let j = 0; j < k; j++) value[r]! += q[r * n + slates[r * k + j]!]! / k;
    return { slates, logProb: new Float32Array(b), value, action: new Float32Array(0), mask };
  }
}

/**
 * BCQ's action filter: items (among `mask`) whose behaviour probability is at least `threshold` times the largest,
 * i.e. whose logit is at least the largest + log(threshold). At least the K most likely allowed items always pass,
 * so a slate can be filled.
 */
export function behaviourFilter(logits: Float32Array, n: number, k: number, mask: Uint8Array | null, threshold: number): Uint8Array {
  const b = logits.length / n;
  const out = new Uint8Array(b * n);
  const logT = Math.log(threshold);
  const topK = topKSlates(logits, n, k, mask, new Int32Array(b * k));
  for (let r = 0; r < b; r++) {
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (!mask || mask[r * n + i]) max = Math.max(max, logits[r * n + i]!);
    for (let i = 0; i < n; i++) out[r * n + i] = (!mask || mask[r * n + i]) && logits[r * n + i]! >= max + logT ? 1 : 0;
    for (let j = 0; j < k; j++) out[r * n + topK[r * k + j]!] = 1;
  }
  return out;
}
