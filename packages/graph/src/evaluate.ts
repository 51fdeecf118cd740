/**
 * Evaluation on a preset's test-time simulator (ground truth, held-out users, the preset's quit rule),
 * exactly N sessions per seed, with every finished session handed to a callback (for `episodes.jsonl`).
 * `evaluateAgent` runs any env `Agent` (random, popularity, a flat policy); `evaluateLerl` runs the LERL
 * graph itself in eval mode (greedy policy inside the plans, frozen pool), so LLM calls are counted.
 */
import type { Episode } from "@farsight/core";
import { END_REASONS, EpisodeTracker, makeSimulator, resolveMode, type Agent, type EnvSetup, type EvalMode, type MetricSummary } from "@farsight/env";
import type { LlmStats } from "@farsight/llm";
import type { Planner } from "@farsight/planner";
import type { ReflectionPool } from "@farsight/reflector";
import type { OnPolicyAlgorithm } from "@farsight/rl-policy/tf";
import { createLerlGraph } from "./lerl-graph.js";
import type { LerlLoopOptions } from "./runtime.js";

export interface EvalOptions {
  /** Sessions per seed. */
  readonly episodes: number;
  readonly seeds: readonly number[];
  /** Concurrent sessions (default min(64, episodes)). */
  readonly batchSize?: number;
  /** Every finished session, with the seed it was run under. */
  readonly onEpisode?: (episode: Episode, seed: number) => void;
  /**
   * FB, NX_0 or NX_10, as `@farsight/env`'s `evaluate` (see its `EvaluateOptions.mode`). Omitted: the preset's
   * simulator mode (FB), where agents that mask shown items (`PolicyAgent` by default, the ranking baselines) give
   * exactly NX_0's numbers.
   */
  readonly mode?: EvalMode;
}

export interface EvalResult {
  /**
   * Mean over seeds of each metric, `<metric>_std` (std over seeds; over episodes with one seed), `episodes`.
   * `collapsed` (0/1 per seed, see `@farsight/env`'s `MetricSummary`) averages to the share of collapsed runs.
   */
  readonly metrics: Record<string, number>;
  readonly perSeed: readonly MetricSummary[];
}

/**
 * Mean over seeds and std (over seeds, or over episodes when there is a single seed), as `@farsight/env`'s
 * `evaluate`. Per-run metrics (`item_coverage`, `distinct_sequence_share`, `collapsed`) have no episode std: with
 * one seed their `_std` is NaN.
 */
export function aggregateSeeds(perSeed: readonly MetricSummary[]): Record<string, number> {
  const rows = perSeed as unknown as Record<string, number>[];
  const metrics: Record<string, number> = {};
  for (const k of Object.keys(rows[0] ?? {}).filter((key) => !key.endsWith("_std") && key !== "episodes")) {
    const xs = rows.map((r) => r[k]!);
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    metrics[k] = m;
    metrics[`${k}_std`] = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length) : (rows[0]![`${k}_std`] ?? NaN);
  }
  metrics.episodes = rows.reduce((a, r) => a + (r.episodes ?? 0), 0);
  return metrics;
}

async function testSim(setup: EnvSetup, o: EvalOptions, seed: number) {
  const mode = resolveMode(o.mode, undefined);
  return makeSimulator(setup, "test", { batchSize: Math.min(o.batchSize ?? 64, o.episodes), autoReset: true, sessionLimit: o.episodes, seed, ...(mode ? { mode } : {}) });
}

/** Runs an env agent on the test simulator per seed, recording each session's slates and categories. */
export async function evaluateAgent(setup: EnvSetup, makeAgent: (seed: number) => Agent | Promise<Agent>, o: EvalOptions): Promise<EvalResult> {
  const perSeed: MetricSummary[] = [];
  for (const seed of o.seeds) {
    const sim = await testSim(setup, o, seed);
    const agent = await makeAgent(seed);
    const tracker = new EpisodeTracker(sim, { positiveThreshold: setup.positiveThreshold, majority: setup.majority });
    const B = sim.batchSize, K = sim.slateSize, cat = sim.catalog.itemCategory;
    const slates = new Int32Array(B * K), stepped = new Uint8Array(B);
    const steps: Episode["steps"][number][][] = Array.from({ length: B }, () => []);
    agent.begin?.(sim);
    sim.reset();
    while (sim.numActive() > 0) {
      agent.act(sim, slates);
      stepped.set(sim.active);
      const serials = Float64Array.from(sim.sessionSerial);
      tracker.beforeStep(slates);
      const r = sim.step(slates);
      tracker.afterStep(r, stepped);
      agent.observe?.(sim, r);
      for (let b = 0; b < B; b++) {
        if (!stepped[b]) continue;
        const slate = Array.from(slates.subarray(b * K, (b + 1) * K));
        steps[b]!.push({ slate, categories: slate.map((i) => cat[i] ?? -1), feedback: Array.from(r.feedback.subarray(b * K, (b + 1) * K)), reward: r.reward[b]! });
        if (!r.done[b]) continue;
        const episode: Episode = { sessionId: `s${serials[b]}`, userId: r.finalUser[b]!, steps: steps[b]!, return: r.finalReturn[b]!, length: r.finalLength[b]!, endReason: END_REASONS[r.endCode[b]!] ?? "quit" };
        steps[b] = [];
        o.onEpisode?.(episode, seed);
      }
    }
    perSeed.push(tracker.summary());
  }
  return { metrics: aggregateSeeds(perSeed), perSeed };
}

export interface LerlEvalComponents {
  /** The trained algorithm (only its policy acts, greedily). */
  readonly algorithm: OnPolicyAlgorithm;
  /** A planner per seed (LLM planners share the run's model and stats). */
  readonly makePlanner: (seed: number) => Planner;
  /** The trained reflection pool (sampled, not grown). */
  readonly pool?: ReflectionPool;
  /** Counts the planner's model requests: `llm_calls_per_rec` = requests that reached the model during evaluation / slates shown (retries and repairs apart). */
  readonly stats?: LlmStats;
  readonly loop?: Partial<LerlLoopOptions>;
}

/** Evaluates planner + policy through the LERL graph in eval mode, per seed. Adds `llm_calls_per_rec`. */
export async function evaluateLerl(setup: EnvSetup, c: LerlEvalComponents, o: EvalOptions): Promise<EvalResult> {
  const perSeed: MetricSummary[] = [];
  const before = { requests: c.stats?.modelRequests ?? 0, retries: c.stats?.retries ?? 0, repairs: c.stats?.repairs ?? 0 };
  let slatesShown = 0;
  for (const seed of o.seeds) {
    const sim = await testSim(setup, o, seed);
    const tracker = new EpisodeTracker(sim, { positiveThreshold: setup.positiveThreshold, majority: setup.majority });
    const g = createLerlGraph({
      env: sim,
      planner: c.makePlanner(seed),
      algorithm: c.algorithm,
      ...(c.pool ? { pool: c.pool } : {}),
      ...(c.stats ? { stats: c.stats } : {}),
      loop: { ...c.loop, mode: "eval", seed },
      hooks: {
        tracker,
        onEpisode: (e) => {
          slatesShown += e.length;
          o.onEpisode?.(e, seed);
        },
      },
      threadId: `eval-${seed}`,
    });
    await g.run();
    perSeed.push(tracker.summary());
  }
  const metrics = aggregateSeeds(perSeed);
  // Requests that reached the model per slate; retries and repairs are their own numbers, not folded in.
  const per = (now: number, was: number) => (slatesShown > 0 ? (now - was) / slatesShown : 0);
  metrics.llm_calls_per_rec = per(c.stats?.modelRequests ?? 0, before.requests);
  metrics.llm_retries_per_rec = per(c.stats?.retries ?? 0, before.retries);
  metrics.llm_repairs_per_rec = per(c.stats?.repairs ?? 0, before.repairs);
  return { metrics, perSeed };
}
