/**
 * Cross-session micro-batching: sessions served by one process that need a recommendation (or a plan) within a
 * short window share one call. The first request of a batch opens the window; the batch is sent when the window
 * closes or when it holds `maxBatch` requests, whichever comes first, so no request waits longer than
 * `windowMs` for its batch to start. A batched policy does one forward pass for B sessions instead of B passes;
 * a planner (non-LLM) gets B requests in one `plan` call, as it is built to.
 *
 * Answers are the same as unbatched ones for a deterministic policy (each row of the batch is computed from its
 * own history and masks) and for planners whose answer depends on the request alone (the toolkit's non-LLM
 * planners seed their tie-breaks per session and step).
 */
import type { Plan, PlanCallOptions, Planner, PlanRequest, Policy, PolicyActRequest, PolicyActResult } from "@farsight/core";

export interface MicroBatchOptions {
  /** How long the first request of a batch waits for others, in milliseconds. Default 2. */
  readonly windowMs?: number;
  /** A batch is sent as soon as it holds this many requests. Default 64. */
  readonly maxBatch?: number;
}

/** What a batcher did so far. */
export interface MicroBatchStats {
  readonly windowMs: number;
  readonly maxBatch: number;
  readonly batches: number;
  readonly requests: number;
  /** Requests per batch, on average (0 before the first). */
  readonly meanBatch: number;
  readonly largestBatch: number;
}

interface Waiting<Req, Res> {
  readonly request: Req;
  resolve(r: Res): void;
  reject(e: unknown): void;
}

/** Collects requests for `windowMs` (or until `maxBatch`) and answers them with one call of `run`. */
export class MicroBatcher<Req, Res> {
  readonly windowMs: number;
  readonly maxBatch: number;
  private waiting: Waiting<Req, Res>[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private batches = 0;
  private requests = 0;
  private largest = 0;

  /** `run` answers a batch, one result per request in order. */
  constructor(private readonly run: (requests: Req[]) => Promise<Res[]> | Res[], options: MicroBatchOptions = {}) {
    this.windowMs = options.windowMs ?? 2;
    this.maxBatch = options.maxBatch ?? 64;
    if (!(this.windowMs >= 0 && Number.isFinite(this.windowMs))) throw new RangeError(`micro-batch windowMs must be a finite number >= 0, got ${this.windowMs}`);
    if (!(Number.isInteger(this.maxBatch) && this.maxBatch >= 1)) throw new RangeError(`micro-batch maxBatch must be an integer >= 1, got ${this.maxBatch}`);
  }

  submit(request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      if (this.waiting.length >= this.maxBatch) this.flush();
      else if (this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.windowMs);
    });
  }

  stats(): MicroBatchStats {
    return { windowMs: this.windowMs, maxBatch: this.maxBatch, batches: this.batches, requests: this.requests, meanBatch: this.batches ? this.requests / this.batches : 0, largestBatch: this.largest };
  }

  /** Sends what is waiting now (the window's timer does this; a full batch too). */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return;
    this.batches++;
    this.requests += batch.length;
    this.largest = Math.max(this.largest, batch.length);
    let answers: Promise<Res[]>;
    try {
      answers = Promise.resolve(this.run(batch.map((w) => w.request)));
    } catch (err) {
      answers = Promise.reject(err);
    }
    answers.then(
      (results) => {
        if (results.length !== batch.length) throw new Error(`micro-batch: ${results.length} answers for ${batch.length} requests`);
        batch.forEach((w, i) => w.resolve(results[i]!));
      },
    ).catch((err: unknown) => batch.forEach((w) => w.reject(err)));
  }
}

/** A policy whose `act` (one session: B = 1) joins the other sessions' calls in one forward pass. */
export interface BatchedPolicy<Options = unknown> {
  readonly kind: string;
  readonly context: Policy["context"];
  readonly options: Options;
  act(request: PolicyActRequest): Promise<PolicyActResult>;
  dispose(): void;
  readonly batcher: MicroBatcher<PolicyActRequest, PolicyActResult>;
}

/**
 * Wraps `policy` so that single-session `act` calls made within the window are answered by one batched call.
 * Requests of several rows are passed through alone. A batch's requests must agree on `deterministic`,
 * `withValue` and which masks they carry (serving's always do); otherwise each is answered alone.
 */
export function batchPolicy<Options>(policy: Policy<Options>, options: MicroBatchOptions = {}): BatchedPolicy<Options> {
  const N = policy.context.numItems;
  const C = policy.context.numCategories;
  const K = policy.context.slateSize;
  const runBatch = (requests: PolicyActRequest[]): PolicyActResult[] => {
    const first = requests[0]!;
    const same = requests.every((r) => r.deterministic === first.deterministic && r.withValue === first.withValue && !!r.itemMask === !!first.itemMask && !!r.planMask === !!first.planMask && r.history.length === first.history.length);
    if (requests.length === 1 || !same) return requests.map((r) => policy.act(r));
    const B = requests.length;
    const L = first.history.length;
    const items = new Int32Array(B * L), feedback = new Float32Array(B * L), valid = new Float32Array(B * L), users = new Int32Array(B).fill(-1);
    const itemMask = first.itemMask ? new Uint8Array(B * N) : null;
    const planMask = first.planMask ? new Uint8Array(B * C) : null;
    requests.forEach((r, b) => {
      items.set(r.history.items, b * L);
      feedback.set(r.history.feedback, b * L);
      valid.set(r.history.valid, b * L);
      if (r.history.users) users[b] = r.history.users[0]!;
      if (itemMask) itemMask.set(r.itemMask!, b * N);
      if (planMask) planMask.set(r.planMask!, b * C);
    });
    const out = policy.act({ history: { batchSize: B, length: L, items, feedback, valid, users }, itemMask, planMask, ...(first.deterministic !== undefined ? { deterministic: first.deterministic } : {}), ...(first.withValue !== undefined ? { withValue: first.withValue } : {}) });
    const A = out.action.length / B;
    return requests.map((_, b) => ({
      slates: out.slates.slice(b * K, b * K + K),
      logProb: out.logProb.slice(b, b + 1),
      value: out.value.slice(b, b + 1),
      action: out.action.slice(b * A, b * A + A),
      mask: out.mask ? out.mask.slice(b * N, b * N + N) : null,
    }));
  };
  const batcher = new MicroBatcher<PolicyActRequest, PolicyActResult>(runBatch, options);
  return {
    kind: policy.kind,
    context: policy.context,
    options: policy.options,
    batcher,
    act: (request) => (request.history.batchSize === 1 ? batcher.submit(request) : Promise.resolve(policy.act(request))),
    dispose: () => policy.dispose(),
  };
}

/** A planner whose single calls made within the window reach the wrapped planner as one call. */
export class BatchingPlanner implements Planner {
  readonly name: string;
  readonly usesLlm: boolean;
  readonly oracle: boolean | undefined;
  readonly batcher: MicroBatcher<PlanRequest, Plan>;

  constructor(
    private readonly inner: Planner,
    options: MicroBatchOptions = {},
  ) {
    this.name = inner.name;
    this.usesLlm = inner.usesLlm;
    this.oracle = inner.oracle;
    this.batcher = new MicroBatcher((requests) => inner.plan(requests), options);
  }

  /** Calls with options (a signal) go straight through: a batch cannot share one caller's abort. */
  plan(requests: readonly PlanRequest[], options?: PlanCallOptions): Promise<Plan[]> {
    if (options?.signal) return this.inner.plan(requests, options);
    return Promise.all(requests.map((r) => this.batcher.submit(r)));
  }

  forget(sessionIds?: readonly string[]): void {
    this.inner.forget?.(sessionIds);
  }
}
