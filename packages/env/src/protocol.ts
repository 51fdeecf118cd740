/**
 * The evaluation protocol (EasyRL4Rec / DORL): run an agent for exactly N episodes on the test-time
 * simulator (ground truth, held-out users, the preset's quit rule) for several seeds, and report each
 * metric's mean over episodes, then mean and std over seeds.
 */
import type { EpisodeTracker, MetricSummary } from "./metrics.js";
import { EpisodeTracker as Tracker } from "./metrics.js";
import { makeSimulator, type EnvSetup } from "./presets.js";
import type { Simulator, SimulatorOptions } from "./simulator.js";
import { FarsightError } from "@farsight/core";
import type { Agent, EvalMode } from "./types.js";

/**
 * Runs `agent` until the simulator's session limit is spent and every session has ended. The simulator
 * must have `autoReset` and a finite `sessionLimit` (see {@link makeSimulator}).
 */
export function runEpisodes(sim: Simulator, agent: Agent, tracker: EpisodeTracker, onEpisodes?: (finished: number) => void): MetricSummary {
  const slates = new Int32Array(sim.batchSize * sim.slateSize);
  const stepped = new Uint8Array(sim.batchSize);
  let finished = 0;
  agent.begin?.(sim);
  sim.reset();
  while (sim.numActive() > 0) {
    agent.act(sim, slates);
    stepped.set(sim.active);
    tracker.beforeStep(slates);
    const r = sim.step(slates);
    tracker.afterStep(r, stepped);
    agent.observe?.(sim, r);
    if (onEpisodes) {
      let ended = 0;
      for (let b = 0; b < r.done.length; b++) if (r.done[b] && stepped[b]) ended++;
      if (ended > 0) onEpisodes((finished += ended));
    }
  }
  return tracker.summary();
}

export interface EvaluateOptions {
  readonly episodes: number;
  readonly seeds: readonly number[];
  /** Concurrent sessions (default 256; results do not depend on it beyond RNG order). */
  readonly batchSize?: number;
  readonly simulator?: Partial<SimulatorOptions>;
  /**
   * The evaluation mode (EasyRL4Rec's names), the same as `simulator.mode`:
   * - `FB`: repeats allowed (an agent repeats only if it is built to: `RandomAgent` by default, `PolicyAgent` with
   *   `noRepeat: false`), the quit rule on (under the distance rule a repeat ends the session), at most `maxSteps`;
   * - `NX_0`: no item twice in a session (agents are given the mask; a repeat ends the session as invalid), quit rule on;
   * - `NX_10`: no repeats, no quitting, every session exactly 10 steps.
   * Omitted: the preset's simulator mode, FB for every preset. With `PolicyAgent`'s default (`noRepeat: true`) and the
   * ranking baselines, which never repeat, the numbers then equal NX_0's exactly.
   */
  readonly mode?: EvalMode;
  /** Called as sessions finish (long evaluations show progress with it); throttling is the caller's. */
  readonly onProgress?: (p: EvaluateProgress) => void;
}

/** Progress of {@link evaluate}: episodes finished in the current seed and overall. */
export interface EvaluateProgress {
  readonly seed: number;
  readonly seedIndex: number;
  readonly episodesDone: number;
  readonly episodesTotal: number;
}

export interface EvaluationResult {
  /**
   * Mean over seeds of each metric (itself a mean over episodes), and `<metric>_std`: with one seed the std
   * over episodes, with several the std of the per-seed means.
   */
  readonly metrics: Record<string, number>;
  readonly perSeed: readonly MetricSummary[];
}

/** Evaluates an agent built per seed on a preset's test-time simulator. */
export async function evaluate(setup: EnvSetup, makeAgent: (seed: number) => Agent | Promise<Agent>, o: EvaluateOptions): Promise<EvaluationResult> {
  const mode = resolveMode(o.mode, o.simulator?.mode);
  const perSeed: MetricSummary[] = [];
  for (const [seedIndex, seed] of o.seeds.entries()) {
    const sim = await makeSimulator(setup, "test", {
      batchSize: Math.min(o.batchSize ?? 256, o.episodes),
      autoReset: true,
      sessionLimit: o.episodes,
      seed,
      ...o.simulator,
      ...(mode ? { mode } : {}),
    });
    const agent = await makeAgent(seed);
    const report = o.onProgress;
    const onEpisodes = report ? (n: number) => report({ seed, seedIndex, episodesDone: seedIndex * o.episodes + Math.min(n, o.episodes), episodesTotal: o.seeds.length * o.episodes }) : undefined;
    perSeed.push(runEpisodes(sim, agent, new Tracker(sim, { positiveThreshold: setup.positiveThreshold, majority: setup.majority }), onEpisodes));
  }
  const metrics: Record<string, number> = {};
  const keys = Object.keys(perSeed[0]!).filter((k) => !k.endsWith("_std") && k !== "episodes");
  for (const k of keys) {
    const xs = perSeed.map((s) => (s as unknown as Record<string, number>)[k]!);
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    metrics[k] = m;
    // With one seed, report the std over episodes; with several, the std of the per-seed means.
    const episodeStd = (perSeed[0] as unknown as Record<string, number>)[`${k}_std`];
    if (xs.length > 1) metrics[`${k}_std`] = Math.sqrt(xs.reduce((a, b) => a + (b - m) * (b - m), 0) / xs.length);
    else if (episodeStd !== undefined) metrics[`${k}_std`] = episodeStd; // item coverage is per run: no episode std
  }
  metrics.episodes = perSeed.reduce((a, s) => a + s.episodes, 0);
  return { metrics, perSeed };
}

/** The mode of an evaluation: `mode` and `simulator.mode` are one setting; both given and different is an error. */
export function resolveMode(mode: EvalMode | undefined, simulatorMode: EvalMode | undefined): EvalMode | undefined {
  if (mode && simulatorMode && mode !== simulatorMode) throw new FarsightError("env/bad-option", `evaluation mode ${mode} contradicts simulator.mode ${simulatorMode}; give one`, { mode, simulatorMode });
  if (mode && !EVAL_MODES.includes(mode)) throw new FarsightError("env/bad-option", `unknown evaluation mode "${String(mode)}"; expected ${EVAL_MODES.join(", ")}`, { mode });
  return mode ?? simulatorMode;
}

/** The evaluation modes, EasyRL4Rec's names (see {@link EvaluateOptions.mode}). */
export const EVAL_MODES: readonly EvalMode[] = ["FB", "NX_0", "NX_10"];
