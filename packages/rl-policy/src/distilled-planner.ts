/**
 * A distilled planner: a small TF.js network trained by supervised learning on a teacher planner's recorded plans
 * (issue 26), which then answers the planner role with no language model. Input: the plan request's features (the
 * candidate categories, the last H slates' categories and feedback, the user summary when present, the step);
 * output: per category, the probability that the teacher puts it in the plan (a sigmoid per category, because a
 * plan is a subset). The plan names the k most probable candidates, k the plan's expected size under the model
 * (the sum of the candidates' probabilities, rounded; so a teacher that plans 3 categories gets plans of about 3
 * whatever its choices' confidence), clamped to [minCategories, maxCategories]. Plans are deterministic.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { FarsightError, Rng, type CategoryId, type Plan, type PlanRequest, type Planner } from "@farsight/core";
import { tf } from "./backend.js";
import { mlp, ParamSet } from "./params.js";
import { gradientStep } from "./policy.js";

/** Everything the distilled planner's network and training take, in one place. */
export interface DistilledPlannerOptions {
  /** Hidden layer widths of the MLP. Default [64]. */
  readonly hidden: readonly number[];
  /** Passes over the training examples. Default 60. */
  readonly epochs: number;
  /** Examples per gradient step. Default 64. */
  readonly batchSize: number;
  /** Adam's learning rate. Default 3e-3. */
  readonly learningRate: number;
  /** Gradient-norm clip (0: none). Default 5. */
  readonly maxGradNorm: number;
  /** Past slates the features read, most recent first (LERL's prompt shows 5). Default 5. */
  readonly historySlates: number;
  /**
   * Categories a plan names at least (clamped to the candidates). Default 1: the plan's size is learned from the
   * teacher, which may answer fewer than LERL's prompt asks (2 for "more than one").
   */
  readonly minCategories: number;
  /** Categories a plan names at most. Default: no limit. */
  readonly maxCategories: number;
  /** Seeds the initial weights and the order of the examples. Default 0. */
  readonly seed: number;
}

export const DEFAULT_DISTILLED_PLANNER_OPTIONS: DistilledPlannerOptions = {
  hidden: [64],
  epochs: 60,
  batchSize: 64,
  learningRate: 3e-3,
  maxGradNorm: 5,
  historySlates: 5,
  minCategories: 1,
  maxCategories: Infinity,
  seed: 0,
};

/** The fields of a plan request the features read (what `planRequestForRecord` keeps). */
export type DistillRequest = Pick<PlanRequest, "candidates" | "history" | "step"> & Partial<Pick<PlanRequest, "user" | "sessionId">>;

/** One training example: a request and the categories the teacher planned for it. */
export interface DistillExample {
  readonly request: DistillRequest;
  readonly categories: readonly CategoryId[];
}

/** What the features are scaled by, fixed at training time and saved with the weights. */
interface FeatureScales {
  /** Categories the network has an output for (ids 0..numCategories-1). */
  readonly numCategories: number;
  /** The largest absolute feedback value in the training examples (ratings 1-5: 5; clicks: 1). */
  readonly feedbackScale: number;
}

const STEP_SCALE = 50;
const FORMAT = "farsight-distilled-planner";
const VERSION = 1;

/** The width of the feature vector: candidates, H slates x (share, feedback), user (share, rating), 3 scalars. */
function featureDim(c: number, h: number): number {
  return c * (1 + 2 * h + 2) + 3;
}

/** One request's features (see the file comment); categories at or above `numCategories` are not seen. */
function features(r: DistillRequest, s: FeatureScales, h: number, out: Float32Array, at: number): void {
  const c = s.numCategories;
  const put = (offset: number, cat: number, v: number) => {
    if (cat >= 0 && cat < c) out[at + offset + cat] = v;
  };
  for (const o of r.candidates) put(0, o.id, 1);
  // Slot 0 is the most recent slate: a plan reacts to what was just shown.
  const recent = r.history.slice(-h).reverse();
  recent.forEach((slate, slot) => {
    const base = c + slot * 2 * c;
    const counts = new Map<number, { n: number; fb: number }>();
    slate.categories.forEach((cat, i) => {
      const e = counts.get(cat) ?? { n: 0, fb: 0 };
      e.n++;
      e.fb += slate.feedback[i] ?? 0;
      counts.set(cat, e);
    });
    const len = Math.max(1, slate.categories.length);
    for (const [cat, e] of counts) {
      put(base, cat, e.n / len);
      put(base + c, cat, e.fb / e.n / s.feedbackScale);
    }
  });
  const userBase = c + 2 * h * c;
  const top = r.user?.topCategories ?? [];
  const total = top.reduce((a, t) => a + t.count, 0);
  for (const t of top) {
    put(userBase, t.id, t.count / Math.max(1, total));
    put(userBase + c, t.id, t.meanRating / s.feedbackScale);
  }
  const tail = at + c * (1 + 2 * h + 2);
  out[tail] = Math.min(r.step, STEP_SCALE) / STEP_SCALE;
  out[tail + 1] = recent.length / Math.max(1, h);
  out[tail + 2] = r.user ? 1 : 0;
}

function scalesOf(examples: readonly DistillExample[]): FeatureScales {
  let maxId = -1;
  let fb = 0;
  for (const e of examples) {
    for (const o of e.request.candidates) maxId = Math.max(maxId, o.id);
    for (const id of e.categories) maxId = Math.max(maxId, id);
    for (const s of e.request.history) {
      for (const id of s.categories) maxId = Math.max(maxId, id);
      for (const f of s.feedback) fb = Math.max(fb, Math.abs(f));
    }
    for (const t of e.request.user?.topCategories ?? []) fb = Math.max(fb, Math.abs(t.meanRating));
  }
  return { numCategories: maxId + 1, feedbackScale: fb > 0 ? fb : 1 };
}

const bad = (message: string, context: Record<string, unknown>) => new FarsightError("rl-policy/bad-option", message, context);

function checkOptions(o: DistilledPlannerOptions): void {
  if (!o.hidden.every((u) => Number.isInteger(u) && u >= 1)) throw bad(`distilled planner: hidden must be integers >= 1, got ${JSON.stringify(o.hidden)}`, { hidden: o.hidden });
  for (const k of ["epochs", "batchSize", "historySlates", "minCategories"] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw bad(`distilled planner: ${k} must be an integer >= 1, got ${o[k]}`, { [k]: o[k] });
  }
  if (!(o.learningRate > 0)) throw bad(`distilled planner: learningRate must be > 0, got ${o.learningRate}`, { learningRate: o.learningRate });
  if (!(o.maxCategories >= o.minCategories)) throw bad(`distilled planner: maxCategories must be >= minCategories, got ${o.maxCategories}`, { maxCategories: o.maxCategories });
}

/**
 * The distilled planner. Build it with {@link DistilledPlanner.fit} (from examples) or {@link DistilledPlanner.load}
 * (from a directory {@link DistilledPlanner.save} wrote); `dispose()` frees its weights.
 */
export class DistilledPlanner implements Planner {
  readonly name = "distilled";
  readonly usesLlm = false;
  private readonly params: ParamSet;

  private constructor(
    readonly options: DistilledPlannerOptions,
    private readonly scales: FeatureScales,
    /** Where the training examples came from (the teacher's role and model), saved with the weights. */
    readonly meta: Record<string, unknown>,
  ) {
    this.params = new ParamSet(options.seed);
  }

  /** Categories the network has an output for. */
  get numCategories(): number {
    return this.scales.numCategories;
  }

  /** Trains a planner on `examples` (at least one, each with a non-empty plan); returns it with the last epoch's mean loss. */
  static fit(examples: readonly DistillExample[], options: Partial<DistilledPlannerOptions> = {}, meta: Record<string, unknown> = {}): { planner: DistilledPlanner; loss: number } {
    const o = { ...DEFAULT_DISTILLED_PLANNER_OPTIONS, ...options };
    checkOptions(o);
    if (examples.length === 0) throw bad("distilled planner: no examples to learn from", { examples: 0 });
    const p = new DistilledPlanner(o, scalesOf(examples), meta);
    const { x, y, mask } = p.tensors(examples);
    tf.tidy(() => { p.logits(tf.slice(x, [0, 0], [1, -1])); }); // creates the variables
    const optimizer = tf.train.adam(o.learningRate);
    const rng = new Rng(o.seed, "distill-order");
    const n = examples.length;
    let loss = NaN;
    try {
      for (let epoch = 0; epoch < o.epochs; epoch++) {
        const order = rng.sample(n, n);
        let sum = 0;
        let steps = 0;
        for (let i = 0; i < n; i += o.batchSize) {
          const idx = tf.tensor1d(order.slice(i, i + o.batchSize), "int32");
          const [bx, by, bm] = [tf.gather(x, idx), tf.gather(y, idx), tf.gather(mask, idx)];
          const step = gradientStep(optimizer, p.params.list(), () => maskedSigmoidLoss(p.logits(bx), by, bm), o.maxGradNorm);
          tf.dispose([idx, bx, by, bm]);
          sum += step.loss;
          steps++;
        }
        loss = sum / steps;
      }
    } finally {
      optimizer.dispose();
      tf.dispose([x, y, mask]);
    }
    return { planner: p, loss };
  }

  /** Per category, the probability that the teacher plans it, for each request (rows in request order). */
  probabilities(requests: readonly DistillRequest[]): Float32Array[] {
    if (requests.length === 0) return [];
    const x = this.featureTensor(requests);
    const probs = tf.tidy(() => tf.sigmoid(this.logits(x)));
    const flat = probs.dataSync() as Float32Array;
    tf.dispose([x, probs]);
    const c = this.scales.numCategories;
    return requests.map((_, i) => flat.slice(i * c, (i + 1) * c));
  }

  async plan(requests: readonly PlanRequest[]): Promise<Plan[]> {
    return this.planSync(requests);
  }

  /** {@link plan} without the promise (the bench and tests score many requests). */
  planSync(requests: readonly DistillRequest[]): Plan[] {
    const probs = this.probabilities(requests);
    return requests.map((r, i) => this.choose(r, probs[i]!));
  }

  private choose(r: DistillRequest, p: Float32Array): Plan {
    if (r.candidates.length === 0) throw new FarsightError("planner/no-candidates", "distilled planner: a plan request has no candidate category", { session: r.sessionId });
    // A candidate the network never saw (an id beyond its outputs) ranks last, below every known one.
    const ranked = r.candidates.map((o) => ({ id: o.id, p: o.id < p.length ? p[o.id]! : -1 })).sort((a, b) => b.p - a.p || a.id - b.id);
    const min = Math.min(this.options.minCategories, ranked.length);
    const max = Math.max(min, Math.min(this.options.maxCategories, ranked.length));
    const expected = ranked.reduce((a, c) => a + Math.max(0, c.p), 0);
    const chosen = ranked.slice(0, Math.min(max, Math.max(min, Math.round(expected))));
    return {
      categories: chosen.map((c) => c.id),
      source: { kind: "learned", by: this.name, detail: `the ${chosen.length} most probable of ${ranked.length} candidates (expected plan size ${expected.toFixed(1)})` },
    };
  }

  /** Writes `planner.json` (options, feature scales, meta and the weights) into `dir`, through a temporary file and a rename. */
  save(dir: string): string {
    mkdirSync(dir, { recursive: true });
    const weights = this.params.names().map((name) => {
      const v = this.params.require(name);
      const data = v.dataSync() as Float32Array;
      return { name, shape: v.shape, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64") };
    });
    const o = this.options;
    const body = { format: FORMAT, version: VERSION, options: { ...o, maxCategories: Number.isFinite(o.maxCategories) ? o.maxCategories : null }, scales: this.scales, meta: this.meta, weights, savedAt: new Date().toISOString() };
    const path = join(dir, "planner.json");
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(body));
    renameSync(tmp, path);
    return path;
  }

  /** Loads a planner {@link save} wrote into `dir`; `rl-policy/bad-checkpoint` names the file and what is wrong. */
  static load(dir: string): DistilledPlanner {
    const path = join(dir, "planner.json");
    const broken = (what: string, cause?: unknown) =>
      new FarsightError("rl-policy/bad-checkpoint", `${path} is not a distilled planner: ${what}. Write one with \`farsight distill --records FILE --out ${dirname(path)}\``, { file: path }, cause ? { cause } : undefined);
    let body: { format?: unknown; version?: unknown; options?: Partial<Record<keyof DistilledPlannerOptions, unknown>>; scales?: FeatureScales; meta?: Record<string, unknown>; weights?: { name: string; shape: number[]; data: string }[] };
    try {
      body = JSON.parse(readFileSync(path, "utf8"));
    } catch (err) {
      throw broken((err as NodeJS.ErrnoException).code ?? (err as Error).message, err);
    }
    if (body.format !== FORMAT || body.version !== VERSION) throw broken(`format ${String(body.format)} version ${String(body.version)} (expected ${FORMAT} ${VERSION})`);
    if (!body.scales || !Array.isArray(body.weights) || !body.options) throw broken("options, scales or weights missing");
    const options = { ...DEFAULT_DISTILLED_PLANNER_OPTIONS, ...body.options, maxCategories: typeof body.options.maxCategories === "number" ? body.options.maxCategories : Infinity } as DistilledPlannerOptions;
    checkOptions(options);
    const p = new DistilledPlanner(options, body.scales, body.meta ?? {});
    const dim = featureDim(body.scales.numCategories, options.historySlates);
    tf.tidy(() => { p.logits(tf.zeros([1, dim])); });
    const names = p.params.names();
    if (names.length !== body.weights.length) throw broken(`${body.weights.length} weight tensors for a network of ${names.length}`);
    for (const w of body.weights) {
      if (!names.includes(w.name)) throw broken(`unknown weight ${w.name}`);
      const v = p.params.require(w.name);
      const bytes = Buffer.from(w.data, "base64");
      const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      if (values.length !== v.size || JSON.stringify(w.shape) !== JSON.stringify(v.shape)) throw broken(`weight ${w.name} has shape ${JSON.stringify(w.shape)}, expected ${JSON.stringify(v.shape)}`);
      if (!values.every(Number.isFinite)) throw broken(`weight ${w.name} holds NaN or Infinity`);
      tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
    }
    return p;
  }

  dispose(): void {
    this.params.dispose();
  }

  private logits(x: tf.Tensor): tf.Tensor2D {
    return mlp(this.params, "plan", x, this.options.hidden, this.scales.numCategories) as tf.Tensor2D;
  }

  private featureTensor(requests: readonly DistillRequest[]): tf.Tensor2D {
    const dim = featureDim(this.scales.numCategories, this.options.historySlates);
    const out = new Float32Array(requests.length * dim);
    requests.forEach((r, i) => features(r, this.scales, this.options.historySlates, out, i * dim));
    return tf.tensor2d(out, [requests.length, dim]);
  }

  /** Features, multi-hot targets and the candidate mask (the loss only counts categories the teacher could choose). */
  private tensors(examples: readonly DistillExample[]): { x: tf.Tensor2D; y: tf.Tensor2D; mask: tf.Tensor2D } {
    const c = this.scales.numCategories;
    const y = new Float32Array(examples.length * c);
    const mask = new Float32Array(examples.length * c);
    examples.forEach((e, i) => {
      for (const o of e.request.candidates) mask[i * c + o.id] = 1;
      for (const id of e.categories) y[i * c + id] = 1;
    });
    return { x: this.featureTensor(examples.map((e) => e.request)), y: tf.tensor2d(y, [examples.length, c]), mask: tf.tensor2d(mask, [examples.length, c]) };
  }
}

/** Binary cross-entropy of `logits` against `y`, averaged over the entries `mask` keeps (stable form). */
function maskedSigmoidLoss(logits: tf.Tensor2D, y: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const perEntry = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, y)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    return tf.div(tf.sum(tf.mul(perEntry, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}
