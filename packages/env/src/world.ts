/**
 * World models: who answers a recommendation. The simulator asks `expected(slot, user, item)` for the
 * expected feedback of one item (a rating, a click probability, a watch ratio) in the slot's current
 * session; stateful worlds (the synthetic users) update their per-slot state in `afterStep`.
 */
import type { Catalog, ItemScorer, Rng, UserId } from "@farsight/core";
import { FarsightError } from "@farsight/core";

export interface WorldModel {
  readonly name: string;
  readonly numUsers: number;
  readonly numItems: number;
  readonly catalog: Catalog;
  /** Item vectors (numItems x embeddingDim, row-major), when the world has them. */
  readonly itemEmbeddings: Float32Array | undefined;
  readonly embeddingDim: number;
  /** Static per-(user, item) expected feedback (no in-session state): for greedy baselines. */
  readonly scorer: ItemScorer;
  /** Sizes per-slot state. */
  bind(batchSize: number): void;
  /** A new session of `user` begins in `slot`. */
  startSession(slot: number, user: UserId, rng: Rng): void;
  /** Expected feedback of `item` for the session in `slot` (before any sampling). */
  expected(slot: number, user: UserId, item: number): number;
  /** Called once per step after feedback is drawn, with the slot's slate; stateful worlds update here. */
  afterStep?(slot: number, slates: Int32Array, offset: number, slateSize: number, rng: Rng): void;
  /** A copy with its own per-slot state (stateful worlds), so two simulators can share the parameters. */
  fork?(): WorldModel;
}

/** A dense users x items matrix as an {@link ItemScorer}. */
export class MatrixScorer implements ItemScorer {
  constructor(readonly numUsers: number, readonly numItems: number, readonly values: Float32Array) {
    if (values.length !== numUsers * numItems) {
      throw new FarsightError("env/bad-matrix", `matrix has ${values.length} values, expected ${numUsers} x ${numItems}`, { numUsers, numItems });
    }
  }
  scoreAll(user: UserId, out?: Float32Array): Float32Array {
    const o = out ?? new Float32Array(this.numItems);
    o.set(this.values.subarray(user * this.numItems, (user + 1) * this.numItems));
    return o;
  }
}

export interface MatrixWorldOptions {
  readonly name?: string;
  /** Added to every value (EasyRL4Rec's simulated env pays `pred - min(pred)`: offset = -min). */
  readonly offset?: number;
  readonly itemEmbeddings?: Float32Array;
  readonly embeddingDim?: number;
}

/**
 * A reward matrix world: feedback of (user, item) = `values[user * numItems + item] + offset`. Used for
 * ground truth (Coat pseudo-GT, KuaiRec small matrix) and for predicted matrices of learned models.
 */
export class MatrixWorld implements WorldModel {
  readonly name: string;
  readonly numUsers: number;
  readonly numItems: number;
  readonly scorer: MatrixScorer;
  readonly itemEmbeddings: Float32Array | undefined;
  readonly embeddingDim: number;
  private readonly values: Float32Array;
  private readonly offset: number;

  constructor(readonly catalog: Catalog, matrix: Float32Array, numUsers: number, options: MatrixWorldOptions = {}) {
    this.name = options.name ?? "matrix";
    this.numUsers = numUsers;
    this.numItems = catalog.numItems;
    const bad = matrix.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new FarsightError("env/bad-matrix", `reward matrix has a non-finite value at user ${Math.floor(bad / this.numItems)}, item ${bad % this.numItems}`, {
        name: this.name,
      });
    }
    this.values = matrix;
    this.offset = options.offset ?? 0;
    this.scorer = new MatrixScorer(numUsers, this.numItems, this.offset === 0 ? matrix : matrix.map((v) => v + this.offset));
    this.itemEmbeddings = options.itemEmbeddings;
    this.embeddingDim = options.embeddingDim ?? 0;
  }

  bind(): void {}
  startSession(): void {}
  expected(_slot: number, user: UserId, item: number): number {
    return this.values[user * this.numItems + item]! + this.offset;
  }
  /** The raw matrix (users x items, row-major). */
  matrix(): Float32Array {
    return this.values;
  }
}

/**
 * Euclidean distances between the item columns of a users x items matrix (EasyRL4Rec's item distance),
 * as an items x items matrix. Uses |a-b|^2 = |a|^2 + |b|^2 - 2 a.b with float64 accumulation.
 */
export function columnDistances(matrix: Float32Array, numUsers: number, numItems: number): Float32Array {
  const norms = new Float64Array(numItems);
  for (let u = 0; u < numUsers; u++) {
    const row = u * numItems;
    for (let i = 0; i < numItems; i++) norms[i] += matrix[row + i]! * matrix[row + i]!;
  }
  const dot = new Float64Array(numItems * numItems);
  const col = new Float64Array(numUsers);
  for (let a = 0; a < numItems; a++) {
    for (let u = 0; u < numUsers; u++) col[u] = matrix[u * numItems + a]!;
    for (let u = 0; u < numUsers; u++) {
      const x = col[u]!;
      if (x === 0) continue;
      const row = u * numItems;
      const out = a * numItems;
      for (let b = a; b < numItems; b++) dot[out + b] += x * matrix[row + b]!;
    }
  }
  const dist = new Float32Array(numItems * numItems);
  for (let a = 0; a < numItems; a++) {
    for (let b = a; b < numItems; b++) {
      const d = a === b ? 0 : Math.sqrt(Math.max(0, norms[a]! + norms[b]! - 2 * dot[a * numItems + b]!));
      dist[a * numItems + b] = d;
      dist[b * numItems + a] = d;
    }
  }
  return dist;
}

/**
 * Mean similarity of slate item k to the other K-1 items of the slate at `off`: cosine of the world's item
 * embeddings, or 1/0 for same/different primary category when it has none (KuaiSim's intra-slate term).
 */
export function slateSimilarity(world: WorldModel, slates: Int32Array, off: number, K: number, k: number): number {
  const e = world.itemEmbeddings, D = world.embeddingDim;
  const a = slates[off + k]!;
  let s = 0;
  for (let j = 0; j < K; j++) {
    if (j === k) continue;
    const b = slates[off + j]!;
    if (e && D > 0) {
      let dot = 0, na = 0, nb = 0;
      for (let d = 0; d < D; d++) {
        const x = e[a * D + d]!, y = e[b * D + d]!;
        dot += x * y;
        na += x * x;
        nb += y * y;
      }
      s += na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
    } else {
      s += world.catalog.itemCategory[a] === world.catalog.itemCategory[b] ? 1 : 0;
    }
  }
  return s / (K - 1);
}
