/**
 * What the evidence sweeps show, computed from their runs: for each point of a sweep axis (planner quality q,
 * training budget, catalog size) the method against its named ablation on the same seeds, as a paired difference
 * with its interval and the probability of improvement; the threshold on the axis above which the method wins;
 * and each method's robustness across seeds (worst seed, spread, share of collapsed runs).
 */
import { FarsightError } from "@farsight/core";
import { difference, intervalEstimate, probabilityOfImprovement, type BootstrapOptions, type DifferenceEstimate, type ImprovementEstimate, type IntervalEstimate } from "../stats/index.js";

/** One evaluated run of a sweep: a method at one point of the axis on one preset, one seed. */
export interface EvidenceRun {
  /** The sweep's id (e.g. "lerl-quality"). */
  readonly sweep: string;
  readonly preset: string;
  /** The value on the sweep's axis (q, budget in steps, catalog items); NaN for a run shared by every point (an ablation trained once). */
  readonly x: number;
  readonly method: string;
  readonly seed: number;
  /** Evaluation metrics on held-out users: r_traj, len, r_each, item_coverage, distinct_sequence_share, collapsed (0/1). */
  readonly metrics: Readonly<Record<string, number>>;
}

/** A method against its ablation at one point of the axis. */
export interface PointComparison {
  readonly preset: string;
  readonly x: number;
  readonly method: string;
  readonly ablation: string;
  readonly metric: string;
  /** Seeds in order, with both runs' values. */
  readonly seeds: readonly number[];
  readonly methodValues: readonly number[];
  readonly ablationValues: readonly number[];
  readonly methodMean: IntervalEstimate;
  readonly ablationMean: IntervalEstimate;
  /** Paired by seed: same training world, users and evaluation sessions for both. */
  readonly difference: DifferenceEstimate;
  readonly improvement: ImprovementEstimate;
}

export interface CompareAlongOptions extends BootstrapOptions {
  readonly sweep: string;
  readonly method: string;
  readonly ablation: string;
  /** Default "r_traj". */
  readonly metric?: string;
}

/**
 * The method against its ablation at every (preset, x) the sweep has, paired by seed. The ablation's run at
 * the same x is used when there is one, else its shared run (x NaN). A seed that one of the two lacks is an
 * error: dropping it silently would be selection.
 */
export function compareAlong(runs: readonly EvidenceRun[], o: CompareAlongOptions): PointComparison[] {
  const metric = o.metric ?? "r_traj";
  const mine = runs.filter((r) => r.sweep === o.sweep);
  const points = uniqueSorted(mine.filter((r) => r.method === o.method).map((r) => `${r.preset}\u0000${r.x}`));
  const out: PointComparison[] = [];
  for (const key of points) {
    const [preset, xs] = key.split("\u0000") as [string, string];
    const x = Number(xs);
    const at = mine.filter((r) => r.preset === preset);
    const m = at.filter((r) => r.method === o.method && sameX(r.x, x));
    let a = at.filter((r) => r.method === o.ablation && sameX(r.x, x));
    if (a.length === 0) a = at.filter((r) => r.method === o.ablation && Number.isNaN(r.x));
    if (a.length === 0) throw new FarsightError("lab/evidence-missing-run", `${o.sweep} on ${preset}: no ${o.ablation} run to compare ${o.method} at ${xs} with`, { sweep: o.sweep, preset, x });
    const seeds = uniqueSorted(m.map((r) => r.seed)).map(Number);
    const pick = (rs: readonly EvidenceRun[], who: string) =>
      seeds.map((s) => {
        const r = rs.find((q) => q.seed === s);
        if (!r) throw new FarsightError("lab/evidence-missing-run", `${o.sweep} on ${preset} at ${xs}: ${who} has no run for seed ${s}; rerun that seed rather than dropping it`, { sweep: o.sweep, preset, x, seed: s });
        const v = r.metrics[metric];
        if (v === undefined) throw new FarsightError("lab/evidence-missing-run", `${o.sweep} on ${preset} at ${xs}: ${who}, seed ${s} has no ${metric}`, { sweep: o.sweep, preset, x, seed: s, metric });
        return v;
      });
    const mv = pick(m, o.method);
    const av = pick(a, o.ablation);
    const boot = { ...(o.reps !== undefined ? { reps: o.reps } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.confidence !== undefined ? { confidence: o.confidence } : {}) };
    out.push({
      preset,
      x,
      method: o.method,
      ablation: o.ablation,
      metric,
      seeds,
      methodValues: mv,
      ablationValues: av,
      methodMean: intervalEstimate(mv, { ...boot, method: o.method }),
      ablationMean: intervalEstimate(av, { ...boot, method: o.ablation }),
      difference: difference({ method: o.method, scores: mv }, { method: o.ablation, scores: av }, { ...boot, paired: true }),
      improvement: probabilityOfImprovement({ method: o.method, scores: mv }, { method: o.ablation, scores: av }, boot),
    });
  }
  return out;
}

/** Where on the axis the method starts to win. */
export interface Threshold {
  /**
   * The smallest x from which on every larger x of the grid the difference's interval lies above 0 (the
   * method wins there and at every point beyond); null when no such point exists ("never, here").
   */
  readonly winsFrom: number | null;
  /** The largest x at or below which every point's interval lies below 0 (the method loses); null if none. */
  readonly losesUpTo: number | null;
  /** Where the mean difference crosses 0 going up the axis (linear interpolation between grid points); null if it never does. */
  readonly crossing: number | null;
}

/** The threshold of one preset's points (sorted by x inside). */
export function threshold(points: readonly PointComparison[]): Threshold {
  const ps = [...points].sort((a, b) => a.x - b.x);
  let winsFrom: number | null = null;
  for (let i = ps.length - 1; i >= 0 && ps[i]!.difference.verdict === "wins"; i--) winsFrom = ps[i]!.x;
  let losesUpTo: number | null = null;
  for (let i = 0; i < ps.length && ps[i]!.difference.verdict === "loses"; i++) losesUpTo = ps[i]!.x;
  let crossing: number | null = null;
  for (let i = 1; i < ps.length; i++) {
    const a = ps[i - 1]!, b = ps[i]!;
    const da = a.difference.estimate, db = b.difference.estimate;
    if (da < 0 && db >= 0) {
      crossing = a.x + ((0 - da) / (db - da)) * (b.x - a.x);
      break;
    }
  }
  if (crossing === null && ps.length > 0 && ps[0]!.difference.estimate >= 0) crossing = ps[0]!.x;
  return { winsFrom, losesUpTo, crossing };
}

/** A method's spread across the runs of a sweep on one preset (every axis point and seed). */
export interface Robustness {
  readonly preset: string;
  readonly method: string;
  readonly runs: number;
  /** The lowest per-seed value of the metric, and its seed and axis point. */
  readonly worst: { readonly value: number; readonly seed: number; readonly x: number };
  /** Mean over axis points of (max - min over seeds): how far apart seeds land at the same setting. */
  readonly seedSpread: number;
  /** Share of runs whose greedy evaluation served (nearly) one sequence to everyone; NaN when the runs do not say. */
  readonly collapsedShare: number;
}

/** Worst seed, seed spread and collapsed share per (preset, method) of a sweep. */
export function robustness(runs: readonly EvidenceRun[], sweep: string, metric = "r_traj"): Robustness[] {
  const mine = runs.filter((r) => r.sweep === sweep);
  const groups = uniqueSorted(mine.map((r) => `${r.preset}\u0000${r.method}`));
  return groups.map((g) => {
    const [preset, method] = g.split("\u0000") as [string, string];
    const rs = mine.filter((r) => r.preset === preset && r.method === method && r.metrics[metric] !== undefined);
    let worst = { value: Infinity, seed: -1, x: NaN };
    for (const r of rs) if (r.metrics[metric]! < worst.value) worst = { value: r.metrics[metric]!, seed: r.seed, x: r.x };
    const xs = uniqueSorted(rs.map((r) => String(r.x)));
    const spreads = xs.map((x) => {
      const vs = rs.filter((r) => String(r.x) === x).map((r) => r.metrics[metric]!);
      return Math.max(...vs) - Math.min(...vs);
    });
    const flagged = rs.filter((r) => r.metrics.collapsed !== undefined);
    return {
      preset,
      method,
      runs: rs.length,
      worst,
      seedSpread: spreads.length ? spreads.reduce((a, b) => a + b, 0) / spreads.length : NaN,
      collapsedShare: flagged.length ? flagged.filter((r) => r.metrics.collapsed! > 0).length / flagged.length : NaN,
    };
  });
}

function sameX(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function uniqueSorted(keys: readonly (string | number)[]): string[] {
  return [...new Set(keys.map(String))].sort((a, b) => {
    const na = Number(a), nb = Number(b);
    return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a < b ? -1 : a > b ? 1 : 0;
  });
}
