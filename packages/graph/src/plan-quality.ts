/**
 * Plan quality on fixed sessions: where any planner (an LLM's, a heuristic) sits on the planner-quality axis q
 * of the noisy-oracle sweeps.
 *
 * 1. {@link buildProbeSet}: fixed plan requests, one every `stride` steps of `sessions` sessions rolled on a
 *    preset's test simulator by a fixed behaviour policy (the random agent without repeats, seeded), with
 *    LERL's request shape (last 5 slates, no reflections). Same preset, options and seed: the same requests.
 * 2. {@link planQuality}: a planner's score = the mean, over the probe set, of the Jaccard agreement
 *    |P ∩ O| / |P ∪ O| of its category set P with the quit-aware oracle's O. Jaccard because it charges both
 *    kinds of error: a missed oracle category and an extra one (a planner that names every category agrees
 *    |O| / |C|, not 1). The oracle scores 1.
 * 3. {@link calibrateNoisyOracle}: the score of noisy-oracle(q) on a grid of q (mean over seeds). In expectation it
 *    is the line q + (1 - q) s0, s0 the random planner's agreement; per seed it is non-decreasing in q (the
 *    noisy oracle's coins are coupled across q), so the curve can be inverted.
 * 4. {@link qualityToQ}: the q whose calibrated score equals a planner's score (linear interpolation), 0 and
 *    flagged `belowRandom` for planners that agree less than random plans do.
 */
import type { Plan } from "@farsight/core";
import { makeSimulator, RandomAgent, type EnvSetup, type SimulatorRole } from "@farsight/env";
import { buildPlanRequest, NoisyOraclePlanner, type PlanRequest, type Planner } from "@farsight/planner";
import { quitAwareOraclePlanner } from "./oracle-planners.js";

export interface ProbeSetOptions {
  /** Sessions rolled. Default 16. */
  readonly sessions?: number;
  /** A request every `stride` steps of a session (steps 0, stride, 2 stride, ...). Default 3. */
  readonly stride?: number;
  /** Seed of the simulator (users) and of the behaviour policy. Default 0. */
  readonly seed?: number;
  /** Which simulator: `test` (held-out users on the ground truth, default) or a training one. */
  readonly role?: SimulatorRole;
  /** Past slates per request (LERL: 5). Default 5. */
  readonly historySlates?: number;
}

/** A fixed set of plan requests and how it was made. */
export interface ProbeSet {
  readonly preset: string;
  readonly requests: readonly PlanRequest[];
  /** How the sessions were rolled, for reports: "random agent without repeats, seed 0, 16 sessions, every 3 steps, test users". */
  readonly description: string;
}

/**
 * Rolls `sessions` sessions of the random agent (no repeated items, seeded) on the preset's simulator and keeps a
 * plan request every `stride` steps. The random behaviour makes the histories varied (liked and disliked,
 * repeated and fresh categories) without favouring any planner; session ids are `probe-<n>`.
 */
export async function buildProbeSet(setup: EnvSetup, options: ProbeSetOptions = {}): Promise<ProbeSet> {
  const sessions = options.sessions ?? 16, stride = options.stride ?? 3, seed = options.seed ?? 0, role = options.role ?? "test";
  if (!(Number.isInteger(sessions) && sessions >= 1) || !(Number.isInteger(stride) && stride >= 1)) {
    throw new RangeError(`buildProbeSet: sessions and stride must be integers >= 1, got sessions ${sessions}, stride ${stride}`);
  }
  const sim = await makeSimulator(setup, role, { batchSize: 1, seed });
  const agent = new RandomAgent({ seed, noRepeat: true });
  const slate = new Int32Array(sim.slateSize);
  const requests: PlanRequest[] = [];
  for (let n = 0; n < sessions; n++) {
    sim.resetSlot(0);
    for (;;) {
      const step = sim.steps[0]!;
      if (step % stride === 0) {
        requests.push(buildPlanRequest({ ...sim.observation(0), sessionId: `probe-${n}` }, { catalog: setup.catalog, ...(options.historySlates !== undefined ? { historySlates: options.historySlates } : {}) }));
      }
      agent.act(sim, slate);
      if (sim.step(slate).done[0]) break;
    }
  }
  return { preset: setup.name, requests, description: `random agent without repeats, seed ${seed}, ${sessions} sessions, a request every ${stride} steps, ${role} simulator` };
}

/** Jaccard agreement |a ∩ b| / |a ∪ b| of two category sets (1 for two empty sets). */
export function jaccard(a: readonly number[], b: readonly number[]): number {
  const A = new Set(a), B = new Set(b);
  let inter = 0;
  for (const x of A) if (B.has(x)) inter++;
  const union = A.size + B.size - inter;
  return union === 0 ? 1 : inter / union;
}

/** Plans for every request, `batch` requests per call (an LLM planner runs its own concurrency inside a call). */
export async function planAll(planner: Planner, requests: readonly PlanRequest[], options: { batch?: number; signal?: AbortSignal } = {}): Promise<Plan[]> {
  const batch = Math.max(1, options.batch ?? 32);
  const out: Plan[] = [];
  for (let i = 0; i < requests.length; i += batch) {
    out.push(...(await planner.plan(requests.slice(i, i + batch), options.signal ? { signal: options.signal } : {})));
    planner.forget?.();
  }
  return out;
}

/** A planner's agreement with the oracle on a probe set. */
export interface PlanQuality {
  readonly planner: string;
  /** Mean Jaccard agreement with the oracle's plans, in [0, 1]. */
  readonly score: number;
  /** Standard error of that mean over the requests. */
  readonly standardError: number;
  readonly requests: number;
  /** Plans by `source.kind` (an LLM planner's `fallback` share says how much of its score is the fallback's). */
  readonly sources: Readonly<Record<string, number>>;
}

/**
 * Scores `planner` against the oracle's plans on the probe set. Pass the oracle's plans (`referencePlans`) when
 * scoring several planners, so the oracle plans once.
 */
export async function planQuality(planner: Planner, probe: ProbeSet, reference: Planner | readonly Plan[], options: { batch?: number; signal?: AbortSignal } = {}): Promise<PlanQuality> {
  const oraclePlans = Array.isArray(reference) ? (reference as readonly Plan[]) : await planAll(reference as Planner, probe.requests, options);
  if (oraclePlans.length !== probe.requests.length) throw new RangeError(`planQuality: ${oraclePlans.length} reference plans for ${probe.requests.length} probe requests`);
  const plans = await planAll(planner, probe.requests, options);
  const agreement = plans.map((p, i) => jaccard(p.categories, oraclePlans[i]!.categories));
  const n = agreement.length;
  const score = n ? agreement.reduce((a, x) => a + x, 0) / n : NaN;
  const variance = n > 1 ? agreement.reduce((a, x) => a + (x - score) ** 2, 0) / (n - 1) : NaN;
  const sources: Record<string, number> = {};
  for (const p of plans) sources[p.source.kind] = (sources[p.source.kind] ?? 0) + 1;
  return { planner: planner.name, score, standardError: Math.sqrt(variance / n), requests: n, sources };
}

/** The default grid of q: 0, 0.1, ..., 1. */
export const DEFAULT_Q_GRID: readonly number[] = Array.from({ length: 11 }, (_, i) => i / 10);

/** Scores of noisy-oracle(q) on a probe set: the ruler that {@link qualityToQ} reads. */
export interface QualityCalibration {
  /** Increasing q, with the mean score over the seeds (made non-decreasing, see {@link calibrateNoisyOracle}). */
  readonly points: readonly { readonly q: number; readonly score: number }[];
  readonly seeds: readonly number[];
  readonly oracle: string;
}

/**
 * The mean score of noisy-oracle(q) over `seeds` for each q of the grid, against the oracle's own plans. Each
 * seed's curve is non-decreasing in q by construction (coupled coins, shared random plans); the running maximum
 * only guards the inversion against rounding.
 */
export async function calibrateNoisyOracle(probe: ProbeSet, oracle: Planner, options: { qs?: readonly number[]; seeds?: readonly number[] } = {}): Promise<QualityCalibration> {
  const qs = [...(options.qs ?? DEFAULT_Q_GRID)].sort((a, b) => a - b);
  const seeds = options.seeds ?? [0, 1, 2, 3, 4];
  if (qs.length < 2 || qs[0] !== 0 || qs[qs.length - 1] !== 1) throw new RangeError(`calibrateNoisyOracle: the grid of q must run from 0 to 1, got ${qs.join(", ")}`);
  if (seeds.length === 0) throw new RangeError("calibrateNoisyOracle: at least one seed");
  const reference = await planAll(oracle, probe.requests);
  const points: { q: number; score: number }[] = [];
  let best = -Infinity;
  for (const q of qs) {
    let sum = 0;
    for (const seed of seeds) sum += (await planQuality(new NoisyOraclePlanner({ oracle, q, seed }), probe, reference)).score;
    best = Math.max(best, sum / seeds.length);
    points.push({ q, score: best });
  }
  return { points, seeds, oracle: oracle.name };
}

/** Where a score sits on the q axis. */
export interface QPlacement {
  /** The q of noisy-oracle(q) with the same expected score (0 when below random, 1 at the oracle's score). */
  readonly q: number;
  /** True when the score is below noisy-oracle(0)'s: the planner agrees with the oracle less than random plans do. */
  readonly belowRandom: boolean;
}

/** The q with the same calibrated score (linear interpolation between grid points; the lowest q on a flat stretch). */
export function qualityToQ(score: number, calibration: QualityCalibration): QPlacement {
  const pts = calibration.points;
  if (!Number.isFinite(score)) throw new RangeError(`qualityToQ: score must be a finite number, got ${score}`);
  if (score < pts[0]!.score) return { q: 0, belowRandom: true };
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!, b = pts[i]!;
    if (score <= b.score) {
      if (b.score === a.score) return { q: a.q, belowRandom: false };
      return { q: a.q + ((score - a.score) / (b.score - a.score)) * (b.q - a.q), belowRandom: false };
    }
  }
  return { q: 1, belowRandom: false };
}

/** A planner placed on a preset's q scale, with everything needed to report it. */
export interface PlanQualityReport {
  readonly quality: PlanQuality;
  readonly placement: QPlacement;
  readonly calibration: QualityCalibration;
  readonly probe: string;
}

/**
 * One call: the probe set of the preset, its quit-aware oracle (`quitAwareOraclePlanner` on the probe's world),
 * the calibration, the planner's score and its q. For several planners, build the pieces once and call
 * {@link planQuality} and {@link qualityToQ} per planner.
 */
export async function placeOnQScale(setup: EnvSetup, planner: Planner, options: ProbeSetOptions & { qs?: readonly number[]; seeds?: readonly number[]; signal?: AbortSignal } = {}): Promise<PlanQualityReport> {
  const probe = await buildProbeSet(setup, options);
  const oracle = quitAwareOraclePlanner(setup, { seed: options.seed ?? 0 });
  const calibration = await calibrateNoisyOracle(probe, oracle, { ...(options.qs ? { qs: options.qs } : {}), ...(options.seeds ? { seeds: options.seeds } : {}) });
  const quality = await planQuality(planner, probe, oracle, options.signal ? { signal: options.signal } : {});
  return { quality, placement: qualityToQ(quality.score, calibration), calibration, probe: probe.description };
}
