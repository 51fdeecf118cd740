/**
 * Turns run-directory records into what the charts draw: learning curves per metric, session-length
 * histograms, and category exposure over session steps. Pure functions, no SVG, so they are tested directly.
 */
import { entropy, mean } from "@farsight/core";
import type { Bin } from "./bar-chart.js";
import { extent } from "./svg.js";
import type { LinePoint, LineSeries } from "./line-chart.js";
import { curveBands, type StepValue } from "../stats/curves.js";
import type { CurvePoint, EpisodeRecord } from "../run-dir/run-dir.js";

/** Names in order of first appearance. */
export function uniqueInOrder(names: Iterable<string>): string[] {
  return [...new Set(names)];
}

/** A learning curve is thinned to at most this many points (bucket means): more is invisible and only bloats the file. */
export const MAX_CURVE_POINTS = 400;

/** Resamples of a curve's seed band in a report: enough for a drawn band (its edges move by well under a pixel). */
const BAND_REPS = 1000;

/**
 * Learning curves, one entry per metric (in order of first appearance). A series logged by two or more seeds is
 * drawn as the mean over seeds on the steps every seed covers (each seed interpolated linearly, never
 * extrapolated) with a 95% stratified-bootstrap band over seeds (`band: "seed-ci"`). Otherwise points sharing
 * series, metric and step are averaged and their min..max is the band (`band: "min-max"`). Longer curves are
 * thinned to `MAX_CURVE_POINTS` by averaging runs of consecutive steps.
 */
export function curvesByMetric(points: readonly CurvePoint[], colourOf: (name: string) => number): { metric: string; series: LineSeries[]; band?: "seed-ci" | "min-max" }[] {
  const byMetric = new Map<string, Map<string, Map<number, number[]>>>();
  const bySeed = new Map<string, Map<string, Map<string, StepValue[]>>>();
  for (const p of points) {
    if (p.value === null) continue;
    const bySeries = byMetric.get(p.metric) ?? new Map<string, Map<number, number[]>>();
    byMetric.set(p.metric, bySeries);
    const bySteps = bySeries.get(p.series) ?? new Map<number, number[]>();
    bySeries.set(p.series, bySteps);
    bySteps.set(p.step, [...(bySteps.get(p.step) ?? []), p.value]);
    if (p.seed === undefined) continue;
    const seeds = bySeed.get(p.metric) ?? new Map<string, Map<string, StepValue[]>>();
    bySeed.set(p.metric, seeds);
    const curves = seeds.get(p.series) ?? new Map<string, StepValue[]>();
    seeds.set(p.series, curves);
    const key = String(p.seed);
    curves.set(key, [...(curves.get(key) ?? []), { step: p.step, value: p.value }]);
  }
  return [...byMetric].map(([metric, bySeries]) => {
    let band: "seed-ci" | "min-max" | undefined;
    const series = [...bySeries].map(([name, bySteps]) => {
      const seeded = seedBand(bySeed.get(metric)?.get(name));
      if (seeded) {
        band = "seed-ci";
        return { name, colourIndex: colourOf(name), points: seeded };
      }
      const pts = thin([...bySteps].sort((a, b) => a[0] - b[0])).map(([x, vs]) => (vs.length > 1 ? { x, y: mean(vs), lo: extent(vs)[0], hi: extent(vs)[1] } : { x, y: vs[0]! }));
      if (band === undefined && pts.some((p) => "lo" in p)) band = "min-max";
      return { name, colourIndex: colourOf(name), points: pts };
    });
    return { metric, series, ...(band ? { band } : {}) };
  });
}

/** The mean over seeds with its bootstrap band, when two or more seeds logged two or more steps each over a common range. */
function seedBand(curves: Map<string, StepValue[]> | undefined): LinePoint[] | undefined {
  if (!curves || curves.size < 2) return undefined;
  const seeds = [...curves].map(([seed, pts]) => ({ seed, points: dedupe(pts) }));
  if (seeds.some((c) => c.points.length < 2)) return undefined;
  const lo = Math.max(...seeds.map((c) => c.points[0]!.step)), hi = Math.min(...seeds.map((c) => c.points[c.points.length - 1]!.step));
  if (!(hi > lo)) return undefined;
  const b = curveBands(seeds, { reps: BAND_REPS, maxSteps: MAX_CURVE_POINTS / 2 });
  return b.steps.map((x, k) => ({ x, y: b.estimate[k]!, lo: b.lo[k]!, hi: b.hi[k]! }));
}

/** One value per step, in step order (a step logged twice by one seed keeps the mean). */
function dedupe(points: readonly StepValue[]): StepValue[] {
  const by = new Map<number, number[]>();
  for (const p of points) by.set(p.step, [...(by.get(p.step) ?? []), p.value]);
  return [...by].sort((a, b) => a[0] - b[0]).map(([step, vs]) => ({ step, value: mean(vs) }));
}

/** Merges runs of consecutive steps so at most MAX_CURVE_POINTS remain: x is the run's mean step, values are pooled. */
function thin(steps: [number, number[]][]): [number, number[]][] {
  if (steps.length <= MAX_CURVE_POINTS) return steps;
  const size = Math.ceil(steps.length / MAX_CURVE_POINTS);
  const out: [number, number[]][] = [];
  for (let i = 0; i < steps.length; i += size) {
    const run = steps.slice(i, i + size);
    out.push([mean(run.map(([x]) => x)), run.flatMap(([, vs]) => vs)]);
  }
  return out;
}

/**
 * Bins for session lengths: one bin per length when the range is small, else equal-width bins of a round
 * width (1, 2, 5, 10, ...) so there are at most `maxBins`.
 */
export function lengthBins(lengths: readonly number[], maxBins = 16): Bin[] {
  if (lengths.length === 0) return [];
  const [lo, hi] = extent(lengths);
  const steps = [1, 2, 5];
  let width = 1;
  for (let mag = 1; ; mag *= 10) {
    const w = steps.map((s) => s * mag).find((s) => Math.floor(hi / s) - Math.floor(lo / s) + 1 <= maxBins);
    if (w !== undefined) {
      width = w;
      break;
    }
  }
  const bins: Bin[] = [];
  for (let start = Math.floor(lo / width) * width; start <= hi; start += width) {
    bins.push({ lo: start, hi: start + width, label: width === 1 ? String(start) : `${start}-${start + width - 1}` });
  }
  return bins;
}

/** Per agent, the percentage of its sessions whose length falls in each bin. */
export function lengthHistogram(episodes: readonly EpisodeRecord[], agents: readonly string[]): { bins: Bin[]; shares: Map<string, number[]> } {
  const bins = lengthBins(episodes.map((e) => e.length));
  const shares = new Map<string, number[]>();
  for (const agent of agents) {
    const mine = episodes.filter((e) => e.agent === agent);
    const counts = bins.map((b) => mine.filter((e) => e.length >= b.lo && e.length < b.hi).length);
    shares.set(agent, counts.map((c) => (mine.length ? (100 * c) / mine.length : 0)));
  }
  return { bins, shares };
}

/** Category exposure of one agent's sessions, step by step (steps are 1-based). */
export interface Exposure {
  readonly agent: string;
  readonly sessions: number;
  /** Steps drawn: those where at least `minSessions` of the agent's sessions were still running. */
  readonly steps: number[];
  /** Sessions still running at each drawn step. */
  readonly alive: number[];
  /** Pooled over running sessions: the share of slate items in each category (category id -> share per step). */
  readonly shares: Map<number, number[]>;
  /** Mean over running sessions of the most-shown category's share of everything the session showed so far. */
  readonly majorityShare: number[];
  /** Mean over running sessions of the entropy (bits) of the categories the session showed so far. */
  readonly entropyBits: number[];
  readonly minSessions: number;
}

/**
 * The filter-bubble picture. Per session, exposure is cumulative (what the user has seen up to step t), so
 * a rising majority share or a falling entropy means the session narrows onto one category. Late steps where
 * few sessions survive are cut: `minSessions` = max(5, 5% of the sessions), at most all of them.
 */
export function exposureByStep(episodes: readonly EpisodeRecord[], agent: string): Exposure {
  const mine = episodes.filter((e) => e.agent === agent && e.categories && e.categories.length > 0);
  const minSessions = Math.min(mine.length, Math.max(5, Math.ceil(0.05 * mine.length)));
  const steps: number[] = [];
  const alive: number[] = [];
  const shares = new Map<number, number[]>();
  const majorityShare: number[] = [];
  const entropyBits: number[] = [];
  const cumulative = mine.map(() => new Map<number, number>());
  for (let t = 0; mine.length > 0; t++) {
    const running = mine.map((e, i) => [e, i] as const).filter(([e]) => e.categories!.length > t);
    if (running.length < minSessions || running.length === 0) break;
    const pooled = new Map<number, number>();
    let pooledTotal = 0;
    const majority: number[] = [];
    const ent: number[] = [];
    for (const [e, i] of running) {
      const seen = cumulative[i]!;
      for (const c of e.categories![t]!) {
        pooled.set(c, (pooled.get(c) ?? 0) + 1);
        pooledTotal++;
        seen.set(c, (seen.get(c) ?? 0) + 1);
      }
      const counts = [...seen.values()];
      const total = counts.reduce((a, b) => a + b, 0);
      if (total === 0) continue;
      majority.push(Math.max(...counts) / total);
      ent.push(entropy(counts) / Math.LN2);
    }
    const idx = steps.length;
    steps.push(t + 1);
    alive.push(running.length);
    for (const [c, n] of pooled) {
      const row = shares.get(c) ?? [];
      while (row.length < idx) row.push(0);
      row.push(pooledTotal ? n / pooledTotal : 0);
      shares.set(c, row);
    }
    majorityShare.push(majority.length ? mean(majority) : 0);
    entropyBits.push(ent.length ? mean(ent) : 0);
  }
  for (const row of shares.values()) while (row.length < steps.length) row.push(0);
  return { agent, sessions: mine.length, steps, alive, shares, majorityShare, entropyBits, minSessions };
}

/**
 * The categories that get their own colour in the stacked areas: the `k` most shown over all agents and
 * steps; the rest are folded into "other". Colour slots stay the same across agents.
 */
export function topCategories(episodes: readonly EpisodeRecord[], k: number): number[] {
  const counts = new Map<number, number>();
  for (const e of episodes) for (const slate of e.categories ?? []) for (const c of slate) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k).map(([c]) => c);
}
