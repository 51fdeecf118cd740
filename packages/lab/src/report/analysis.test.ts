import { describe, expect, it } from "vitest";
import { curvesByMetric, exposureByStep, lengthBins, lengthHistogram, topCategories } from "./analysis.js";
import type { EpisodeRecord } from "../run-dir/run-dir.js";

describe("curvesByMetric", () => {
  it("draws two or more seeds' curves as their mean with a bootstrap band on the steps every seed covers", () => {
    // Seed 0: value = step; seed 1: value = step + 2, logged at other steps. Common range 10..30.
    const points = [0, 10, 20, 30].map((step) => ({ series: "A", step, metric: "r", value: step, seed: 0 }));
    points.push(...[10, 25, 40].map((step) => ({ series: "A", step, metric: "r", value: step + 2, seed: 1 })));
    const [group] = curvesByMetric(points, () => 0);
    expect(group!.band).toBe("seed-ci");
    const pts = group!.series[0]!.points;
    expect(pts[0]!.x).toBe(10);
    expect(pts[pts.length - 1]!.x).toBe(30);
    for (const p of pts) {
      expect(p.y).toBeCloseTo(p.x + 1, 10);
      // Two seeds: every resample is (a, a), (b, b) or a mix, so the band runs from seed 0's value to seed 1's.
      expect(p.lo).toBeCloseTo(p.x, 10);
      expect(p.hi).toBeCloseTo(p.x + 2, 10);
    }
  });

  it("groups by metric and series and averages seeds with a min..max band", () => {
    const groups = curvesByMetric(
      [
        { series: "A", step: 0, metric: "r", value: 1, seed: 0 },
        { series: "A", step: 0, metric: "r", value: 3, seed: 1 },
        { series: "A", step: 10, metric: "r", value: 5 },
        { series: "B", step: 0, metric: "loss", value: 0.5 },
      ],
      (name) => (name === "B" ? 3 : 0),
    );
    expect(groups.map((g) => g.metric)).toEqual(["r", "loss"]);
    expect(groups[0]!.series[0]!.points).toEqual([{ x: 0, y: 2, lo: 1, hi: 3 }, { x: 10, y: 5 }]);
    expect(groups[1]!.series[0]!.colourIndex).toBe(3);
  });
});

describe("session-length histogram", () => {
  it("uses one bin per length for short ranges and round widths for long ones", () => {
    expect(lengthBins([1, 3]).map((b) => b.label)).toEqual(["1", "2", "3"]);
    const wide = lengthBins([0, 99]);
    expect(wide.length).toBeLessThanOrEqual(16);
    expect(wide[0]).toEqual({ lo: 0, hi: 10, label: "0-9" });
    expect(wide[wide.length - 1]!.hi).toBeGreaterThan(99);
  });
  it("gives each agent's share of sessions per bin", () => {
    const eps: EpisodeRecord[] = [
      { agent: "a", length: 1, return: 0 },
      { agent: "a", length: 1, return: 0 },
      { agent: "a", length: 2, return: 0 },
      { agent: "a", length: 3, return: 0 },
      { agent: "b", length: 3, return: 0 },
    ];
    const { bins, shares } = lengthHistogram(eps, ["a", "b"]);
    expect(bins.map((b) => b.label)).toEqual(["1", "2", "3"]);
    expect(shares.get("a")).toEqual([50, 25, 25]);
    expect(shares.get("b")).toEqual([0, 0, 100]);
  });
});

describe("exposureByStep", () => {
  // Session 1 narrows onto category 0; session 2 alternates. Worked out by hand below.
  const eps: EpisodeRecord[] = [
    { agent: "x", length: 3, return: 0, categories: [[0, 1], [0, 0], [0, 0]] },
    { agent: "x", length: 2, return: 0, categories: [[2, 3], [3, 2]] },
    { agent: "y", length: 1, return: 0, categories: [[5]] },
  ];

  it("computes pooled shares, cumulative majority share and entropy over the running sessions", () => {
    const x = exposureByStep(eps, "x");
    expect(x.sessions).toBe(2);
    expect(x.minSessions).toBe(2); // fewer than 5 sessions: all of them
    expect(x.steps).toEqual([1, 2]); // step 3 has only one running session
    expect(x.alive).toEqual([2, 2]);
    // Step 1: items 0,1,2,3 once each; step 2: 0,0,3,2.
    expect(x.shares.get(0)).toEqual([0.25, 0.5]);
    expect(x.shares.get(1)).toEqual([0.25, 0]);
    expect(x.shares.get(3)).toEqual([0.25, 0.25]);
    // Majority share so far: step 1 both 1/2; step 2 session 1 = 3/4 (0,1,0,0), session 2 = 2/4.
    expect(x.majorityShare[0]).toBeCloseTo(0.5);
    expect(x.majorityShare[1]).toBeCloseTo((0.75 + 0.5) / 2);
    // Entropy so far in bits: step 1 both 1 bit; step 2 session 1 H(3/4,1/4), session 2 1 bit.
    const h = -(0.75 * Math.log2(0.75) + 0.25 * Math.log2(0.25));
    expect(x.entropyBits[0]).toBeCloseTo(1);
    expect(x.entropyBits[1]).toBeCloseTo((h + 1) / 2);
  });

  it("ranks categories by total exposure", () => {
    expect(topCategories(eps, 2)).toEqual([0, 2]);
  });
});

describe("large runs", () => {
  it("thins long curves and bins many episodes without overflowing the stack", () => {
    const points = Array.from({ length: 50_000 }, (_, i) => ({ series: "A", step: i, metric: "r", value: i % 2 }));
    const [group] = curvesByMetric(points, () => 0);
    const pts = group!.series[0]!.points;
    expect(pts.length).toBeLessThanOrEqual(400);
    expect(pts.length).toBeGreaterThan(300);
    // Each thinned point pools consecutive steps: the alternating 0/1 values average to 0.5.
    expect(pts[10]!.y).toBeCloseTo(0.5);
    expect(pts[0]!.x).toBeLessThan(pts[1]!.x);
    const lengths = Array.from({ length: 300_000 }, (_, i) => i % 50);
    expect(lengthBins(lengths).map((b) => b.label)[0]).toBe("0-4");
  });
});
