/**
 * DeepFM user model (Guo et al., IJCAI 2017), the world model EasyRL4Rec and IL-Rec train on the logs:
 * fields are the user id, the item id and each side-feature group (Coat: gender, age, location, fashion
 * interest; jacket type, colour, gender, front page). Every field has an embedding of `embeddingDim`;
 *
 *   r(u, i) = mu + b + first-order weights + FM (sum over field pairs of <e_f, e_g>) + MLP(concat e_f)
 *
 * trained with Adam on mini-batches of the training log. Loss: point-wise squared error on the ratings,
 * plus per-rating L2 on the field embeddings and L2 on the MLP weights. EasyRL4Rec trains a "pointneg"
 * loss (the ratings plus 5 sampled unrated items as negatives per rating): that teaches a ranking of rated
 * over unrated items for implicit logs; on explicit ratings (Coat) unrated is not "bad", and the squared
 * error is what the test RMSE measures, so we fit the ratings alone.
 *
 * Gradients come from TF.js autodiff through the kernels `@farsight/env/tf-gradients` registers (tfjs-core
 * alone registers none). TF.js is an optional peer, imported on first use; DeepFM has no TypeScript engine.
 */
import type * as TF from "@tensorflow/tfjs-core";
import { FarsightError, Rng } from "@farsight/core";
import type { RatingLog } from "./data/dataset.js";
import type { FeatureTable, SideFeatures } from "./features.js";
import { ensureBackend, rmse } from "./learned.js";

/** DeepFM hyper-parameters; {@link DEFAULT_DEEPFM} gives each default and why. */
export interface DeepFMOptions {
  /** Size of every field embedding. */
  readonly embeddingDim: number;
  /** Widths of the MLP's hidden layers (ReLU). */
  readonly hidden: readonly number[];
  /** Most passes over the training log (fewer when the validation RMSE stops improving). */
  readonly epochs: number;
  /**
   * Share of the training log held out (seeded) to stop early: after each epoch the validation RMSE is
   * measured and the weights of the best epoch are kept. 0 trains `epochs` passes on everything.
   */
  readonly validationFraction: number;
  /** Epochs without a better validation RMSE before stopping. */
  readonly patience: number;
  /** Ratings per Adam step. */
  readonly batchSize: number;
  /** Adam learning rate. */
  readonly learningRate: number;
  /** L2 weight on the field embeddings and first-order weights a rating touches, per rating (as MF's l2). */
  readonly l2Embedding: number;
  /** L2 weight on the MLP weight matrices (sum of squares, added once per step). */
  readonly l2Dnn: number;
  /** Std of the initial embeddings. */
  readonly initStd: number;
  /** Independently seeded models averaged (their per-cell std is returned as `uncertainty`). */
  readonly ensemble: number;
  /** Clip predictions into [min, max] of the training ratings. */
  readonly clip: boolean;
  readonly seed: number;
}

/**
 * Defaults. Architecture from EasyRL4Rec's Coat setting; optimisation chosen on a validation split carved
 * from Coat's training log (README: how), never on the test ratings.
 */
export const DEFAULT_DEEPFM: DeepFMOptions = {
  // EasyRL4Rec: entity_dim = feature_dim = 8 on Coat.
  embeddingDim: 8,
  // EasyRL4Rec: dnn (128, 128).
  hidden: [128, 128],
  // An upper bound: early stopping ends Coat's runs after 19-28 epochs.
  epochs: 60,
  // The MLP overfits Coat's 6,960 ratings within 10-20 epochs (train RMSE 0.6 against 1.2 held out at
  // 40), and where depends on the seed and the data: stop on held-out ratings instead of a fixed count.
  validationFraction: 0.1,
  // The validation curve is jumpy at this learning rate: on Coat seed 5 it sits on a plateau at epochs 3-8
  // (1.14) before improving to 1.087 at epoch 18, and a patience of 5 stopped on the plateau.
  patience: 10,
  // EasyRL4Rec's Coat batch size.
  batchSize: 1024,
  // Adam's usual 1e-3 barely moves the embeddings in 40 epochs of 7 steps; 1e-2 converges there.
  learningRate: 0.01,
  // Coat's training log is small (24 ratings a user): without it the id embeddings memorise.
  l2Embedding: 0.05,
  // Keeps the MLP from memorising (user, item) pairs the FM part cannot explain.
  l2Dnn: 1e-3,
  // Small embeddings start the model near the global mean, as DeepCTR's init_std does.
  initStd: 0.01,
  // One model; the user-model `ensemble` kind mixes MF and DeepFM seeds for uncertainty.
  ensemble: 1,
  clip: true,
  seed: 0,
};

/** A trained DeepFM (or average of several): the same shape as `TrainedMF`, so presets can use either. */
export interface TrainedDeepFM {
  /** Averaged predicted matrix, users x items. */
  readonly predicted: Float32Array;
  readonly numUsers: number;
  readonly numItems: number;
  /** Global mean of the training ratings (the baseline predictor). */
  readonly globalMean: number;
  /** Training RMSE of the averaged model. */
  readonly trainRmse: number;
  readonly options: DeepFMOptions;
  /** Per member: the epoch whose weights were kept (early stopping), or `epochs` without validation. */
  readonly epochs: readonly number[];
  /** Per member: RMSE on its held-out share of the log at that epoch (NaN without validation). */
  readonly validationRmse: readonly number[];
  /** Per-cell std across the ensemble's members (only when `ensemble` > 1). */
  readonly uncertainty?: Float32Array;
  readonly engine: "tfjs";
}

/** Above this many users x items cells the full prediction matrix is refused (it is computed cell by cell). */
export const MAX_DEEPFM_CELLS = 30_000_000;

type Tf = typeof TF;

/** One side's feature fields: per field, the rows x columns-of-the-field constant matrix. */
function fieldMatrices(tf: Tf, table: FeatureTable, rows: number, side: string): TF.Tensor2D[] {
  if (table.values.length !== rows * table.dim) {
    throw new FarsightError("env/bad-features", `${side} features have ${table.values.length / table.dim} rows, expected ${rows} (one per ${side})`, { side, rows });
  }
  return table.fieldNames.map((_n, f) => {
    const cols = Array.from(table.fields.keys()).filter((c) => table.fields[c] === f);
    const m = new Float32Array(rows * cols.length);
    for (let r = 0; r < rows; r++) for (let j = 0; j < cols.length; j++) m[r * cols.length + j] = table.values[r * table.dim + cols[j]!]!;
    return tf.tensor2d(m, [rows, cols.length]);
  });
}

/** The variables and constant feature tensors of one model. */
class Model {
  readonly vars: TF.Variable[] = [];
  readonly userEmb: TF.Variable;
  readonly itemEmb: TF.Variable;
  readonly userW: TF.Variable;
  readonly itemW: TF.Variable;
  readonly bias: TF.Variable;
  /** Per side-feature field: constant rows x columns, embedding columns x k, first-order columns x 1. */
  readonly fields: { side: "user" | "item"; x: TF.Tensor2D; v: TF.Variable; w: TF.Variable }[] = [];
  readonly layers: { w: TF.Variable; b: TF.Variable }[] = [];
  readonly out: { w: TF.Variable; b: TF.Variable };

  constructor(private readonly tf: Tf, numUsers: number, numItems: number, features: SideFeatures, o: DeepFMOptions, seed: number) {
    const rng = new Rng(seed, "deepfm-init");
    const tag = `deepfm${seed}_${Math.floor(Math.random() * 1e9)}`;
    let n = 0;
    const variable = (values: Float32Array, shape: number[]) => {
      const v = tf.variable(tf.tensor(values, shape), true, `${tag}_${n++}`);
      this.vars.push(v);
      return v;
    };
    const normal = (size: number, std: number) => Float32Array.from({ length: size }, () => rng.normal(0, std));
    const k = o.embeddingDim;
    this.userEmb = variable(normal(numUsers * k, o.initStd), [numUsers, k]);
    this.itemEmb = variable(normal(numItems * k, o.initStd), [numItems, k]);
    this.userW = variable(new Float32Array(numUsers), [numUsers, 1]);
    this.itemW = variable(new Float32Array(numItems), [numItems, 1]);
    this.bias = variable(new Float32Array(1), [1]);
    for (const [side, table, rows] of [["user", features.user, numUsers], ["item", features.item, numItems]] as const) {
      if (!table) continue;
      for (const x of fieldMatrices(tf, table, rows, side)) {
        const cols = x.shape[1];
        this.fields.push({ side, x, v: variable(normal(cols * k, o.initStd), [cols, k]), w: variable(new Float32Array(cols), [cols, 1]) });
      }
    }
    let width = (2 + this.fields.length) * k;
    for (const h of o.hidden) {
      // He initialisation: keeps ReLU activations at unit scale whatever the width.
      this.layers.push({ w: variable(normal(width * h, Math.sqrt(2 / width)), [width, h]), b: variable(new Float32Array(h), [h]) });
      width = h;
    }
    // A small output layer: the deep part starts near 0 and the model near the global mean.
    this.out = { w: variable(normal(width, Math.sqrt(1 / width) * 0.1), [width, 1]), b: variable(new Float32Array(1), [1]) };
  }

  /** Predictions minus the global mean for (users[j], items[j]), and the embeddings' per-row squared norm. */
  forward(users: TF.Tensor1D, items: TF.Tensor1D): { pred: TF.Tensor1D; embNorm: TF.Tensor1D } {
    const tf = this.tf;
    const embs: TF.Tensor[] = [tf.gather(this.userEmb, users), tf.gather(this.itemEmb, items)];
    const firsts: TF.Tensor[] = [tf.gather(this.userW, users), tf.gather(this.itemW, items)];
    for (const f of this.fields) {
      const rows = tf.gather(f.x, f.side === "user" ? users : items);
      embs.push(tf.matMul(rows, f.v));
      firsts.push(tf.matMul(rows, f.w));
    }
    // FM second order: 1/2 ((sum_f e_f)^2 - sum_f e_f^2), summed over the embedding dimensions.
    const squares = embs.map((e) => tf.square(e));
    const sumSq = tf.addN(squares);
    const fm = tf.mul(tf.sum(tf.sub(tf.square(tf.addN(embs)), sumSq), 1), 0.5);
    let h: TF.Tensor = tf.concat(embs, 1);
    for (const l of this.layers) h = tf.relu(tf.add(tf.matMul(h, l.w), l.b));
    const deep = tf.add(tf.matMul(h, this.out.w), this.out.b);
    const pred = tf.add(tf.add(tf.reshape(tf.add(tf.addN(firsts), deep), [-1]), fm), this.bias) as TF.Tensor1D;
    return { pred, embNorm: tf.add(tf.sum(sumSq, 1), tf.reshape(tf.addN(firsts.map((w) => tf.square(w))), [-1])) };
  }

  dispose(): void {
    this.tf.dispose([...this.vars, ...this.fields.map((f) => f.x)]);
  }
}

async function loadTf(): Promise<Tf> {
  await ensureBackend();
  const { registerGradients } = await import("./tf-gradients.js");
  registerGradients();
  return import("@tensorflow/tfjs-core");
}

/** One trained member: its prediction matrix and how training went. */
interface Member {
  readonly predicted: Float32Array;
  /** Epoch (1-based) whose weights were kept. */
  readonly epochs: number;
  /** RMSE on the held-out share of the log at that epoch (NaN without validation). */
  readonly validationRmse: number;
}

/** Splits the log's rows into fitted and held-out (a seeded shuffle). */
function holdOut(n: number, fraction: number, seed: number): { fit: Int32Array; val: Int32Array } {
  const order = new Rng(seed, "deepfm-validation").shuffle(Int32Array.from({ length: n }, (_v, j) => j));
  const nVal = fraction > 0 ? Math.min(n - 1, Math.round(n * fraction)) : 0;
  return { val: order.slice(0, nVal), fit: order.slice(nVal) };
}

function fitOne(tf: Tf, log: RatingLog, numUsers: number, numItems: number, features: SideFeatures, mu: number, o: DeepFMOptions, seed: number, weights: Float32Array | undefined): Member {
  const model = new Model(tf, numUsers, numItems, features, o, seed);
  const optimizer = tf.train.adam(o.learningRate);
  const { fit, val } = holdOut(log.user.length, o.validationFraction, seed);
  const rows = (idx: Int32Array) => ({
    users: tf.tensor1d(Int32Array.from(idx, (j) => log.user[j]!), "int32"),
    items: tf.tensor1d(Int32Array.from(idx, (j) => log.item[j]!), "int32"),
    target: tf.tensor1d(Float32Array.from(idx, (j) => log.rating[j]! - mu)),
    // Unweighted fits weigh every rating 1: one loss below serves both.
    weight: tf.tensor1d(Float32Array.from(idx, (j) => (weights ? weights[j]! : 1))),
  });
  const held = val.length > 0 ? rows(val) : undefined;
  const rng = new Rng(seed, "deepfm-batches");
  const dnnWeights = model.layers.map((l) => l.w).concat(model.out.w);
  let best = { rmse: Infinity, epoch: 0, weights: [] as TF.Tensor[] };
  for (let e = 1; e <= o.epochs; e++) {
    rng.shuffle(fit);
    for (let start = 0; start < fit.length; start += o.batchSize) {
      const { users, items, target, weight } = rows(fit.subarray(start, Math.min(fit.length, start + o.batchSize)));
      const { grads } = tf.variableGrads(() => {
        const { pred, embNorm } = model.forward(users, items);
        // Weighted squared error (IPS: weights mean 1 over the log, so the L2 below keeps its meaning).
        const mse = tf.mean(tf.mul(tf.square(tf.sub(pred, target)), weight));
        // Per-rating L2 on what the batch touched (as MF's), once-per-step L2 on the MLP weights.
        const l2 = tf.add(tf.mul(tf.mean(embNorm), o.l2Embedding), tf.mul(tf.addN(dnnWeights.map((w) => tf.sum(tf.square(w)))), o.l2Dnn));
        return tf.add(mse, l2) as TF.Scalar;
      }, model.vars);
      optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      tf.dispose([users, items, target, weight, ...Object.values(grads)]);
    }
    if (!held) continue;
    // The held-out share is as biased as the log: with weights, early stopping reads the weighted RMSE.
    const score = tf.tidy(() => {
      const se = tf.mul(tf.square(tf.sub(model.forward(held.users, held.items).pred, held.target)), held.weight);
      return tf.sqrt(tf.div(tf.sum(se), tf.sum(held.weight))).dataSync()[0]!;
    });
    if (score < best.rmse) {
      tf.dispose(best.weights);
      best = { rmse: score, epoch: e, weights: model.vars.map((v) => tf.clone(v)) };
    } else if (e - best.epoch >= o.patience) break;
  }
  if (held) {
    model.vars.forEach((v, j) => v.assign(best.weights[j]!));
    tf.dispose([...best.weights, held.users, held.items, held.target, held.weight]);
  }
  const predicted = predictMatrix(tf, model, numUsers, numItems, mu);
  model.dispose();
  optimizer.dispose();
  return { predicted, epochs: held ? best.epoch : o.epochs, validationRmse: held ? best.rmse : NaN };
}

/** The users x items prediction, a block of users at a time (about 64k cells per forward pass). */
function predictMatrix(tf: Tf, model: Model, numUsers: number, numItems: number, mu: number): Float32Array {
  const out = new Float32Array(numUsers * numItems);
  const usersPerBlock = Math.max(1, Math.floor(65536 / numItems));
  for (let u0 = 0; u0 < numUsers; u0 += usersPerBlock) {
    const u1 = Math.min(numUsers, u0 + usersPerBlock), cells = (u1 - u0) * numItems;
    const values = tf.tidy(() => {
      const users = tf.tensor1d(Int32Array.from({ length: cells }, (_v, c) => u0 + Math.floor(c / numItems)), "int32");
      const items = tf.tensor1d(Int32Array.from({ length: cells }, (_v, c) => c % numItems), "int32");
      return model.forward(users, items).pred;
    });
    const block = values.dataSync() as Float32Array;
    for (let c = 0; c < cells; c++) out[u0 * numItems + c] = block[c]! + mu;
    values.dispose();
  }
  return out;
}

/**
 * Trains DeepFM (or an ensemble of seeds) on `log` and returns the predicted users x items matrix.
 *
 * @param features side features (user and item fields); without them the model has the id fields only.
 * @param weights one non-negative weight per rating of `log` (IPS, `deepfm-ips.ts`): the squared error and the
 *   early-stopping RMSE are weighted by it. Without it every rating weighs 1.
 */
export async function trainDeepFM(log: RatingLog, numUsers: number, numItems: number, features: SideFeatures = {}, partial: Partial<DeepFMOptions> = {}, weights?: Float32Array): Promise<TrainedDeepFM> {
  const o: DeepFMOptions = { ...DEFAULT_DEEPFM, ...partial };
  if (log.user.length === 0) throw new FarsightError("env/empty-log", "cannot train a world model on an empty log", {});
  if (weights && (weights.length !== log.user.length || weights.some((w) => !(w >= 0 && Number.isFinite(w))))) {
    throw new FarsightError("env/bad-option", `DeepFM weights must be one finite non-negative number per rating (${log.user.length}), got ${weights.length} values`, { expected: log.user.length, got: weights.length });
  }
  for (const [name, v] of [["embeddingDim", o.embeddingDim], ["epochs", o.epochs], ["batchSize", o.batchSize], ["ensemble", o.ensemble], ["patience", o.patience]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new FarsightError("env/bad-option", `DeepFM option ${name} must be an integer >= 1, got ${v}`, { name, value: v });
  }
  if (!(o.validationFraction >= 0 && o.validationFraction < 1)) {
    throw new FarsightError("env/bad-option", `DeepFM option validationFraction must be in [0, 1), got ${o.validationFraction}`, { value: o.validationFraction });
  }
  if (numUsers * numItems > MAX_DEEPFM_CELLS) {
    throw new FarsightError("env/too-large", `DeepFM predicts a dense ${numUsers} x ${numItems} matrix cell by cell; more than ${MAX_DEEPFM_CELLS} cells is not supported (use the MF user model)`, { numUsers, numItems });
  }
  const tf = await loadTf();
  let mu = 0, lo = Infinity, hi = -Infinity;
  for (const r of log.rating) {
    mu += r;
    lo = Math.min(lo, r);
    hi = Math.max(hi, r);
  }
  mu /= log.rating.length;
  const members: Member[] = [];
  for (let m = 0; m < o.ensemble; m++) {
    const one = fitOne(tf, log, numUsers, numItems, features, mu, o, o.seed * 1000 + m, weights);
    if (o.clip) for (let j = 0; j < one.predicted.length; j++) one.predicted[j] = Math.min(hi, Math.max(lo, one.predicted[j]!));
    members.push(one);
  }
  const { mean, std } = memberStats(members.map((m) => m.predicted));
  return {
    predicted: mean,
    numUsers,
    numItems,
    globalMean: mu,
    trainRmse: rmse(mean, numItems, log),
    options: o,
    engine: "tfjs",
    epochs: members.map((m) => m.epochs),
    validationRmse: members.map((m) => m.validationRmse),
    ...(std ? { uncertainty: std } : {}),
  };
}

/** Per-cell mean and (population) std of an ensemble's matrices; no std for a single member. */
export function memberStats(members: readonly Float32Array[]): { mean: Float32Array; std?: Float32Array } {
  if (members.length === 1) return { mean: members[0]! };
  const size = members[0]!.length, k = members.length;
  const mean = new Float32Array(size), std = new Float32Array(size);
  for (let c = 0; c < size; c++) {
    let s = 0, s2 = 0;
    for (const m of members) {
      s += m[c]!;
      s2 += m[c]! * m[c]!;
    }
    const avg = s / k;
    mean[c] = avg;
    std[c] = Math.sqrt(Math.max(0, s2 / k - avg * avg));
  }
  return { mean, std };
}
