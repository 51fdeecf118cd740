import { describe, expect, it } from "vitest";
import { groupedBarChart } from "./bar-chart.js";
import { lineChart } from "./line-chart.js";
import { legendStrip, stackedAreaChart } from "./stacked-area.js";
import { esc, fmtNumber, niceTicks, PALETTE } from "./svg.js";
import { configTable, flattenConfig, resultsTable } from "./table.js";

/** The [x, y] pairs of an SVG path's M/L commands. */
function pathPoints(d: string): [number, number][] {
  return [...d.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

function seriesPath(svg: string, name: string): string {
  const m = new RegExp(`<path class="series" data-series="${name}"[^>]* d="([^"]+)"`).exec(svg);
  if (!m) throw new Error(`no path for ${name}`);
  return m[1]!;
}

describe("niceTicks", () => {
  it("covers the range with round steps", () => {
    expect(niceTicks(0, 20000, 6)).toEqual({ ticks: [0, 5000, 10000, 15000, 20000], lo: 0, hi: 20000 });
    const t = niceTicks(0.13, 0.87, 5);
    expect(t.lo).toBeLessThanOrEqual(0.13);
    expect(t.hi).toBeGreaterThanOrEqual(0.87);
    expect(t.ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
  it("widens a single value instead of dividing by zero", () => {
    const t = niceTicks(5, 5);
    expect(t.lo).toBeLessThan(5);
    expect(t.hi).toBeGreaterThan(5);
  });
  it("formats large and small numbers compactly", () => {
    expect(fmtNumber(20000)).toBe("20k");
    expect(fmtNumber(0.25)).toBe("0.25");
    expect(fmtNumber(3e-5)).toBe("3.0e-5");
  });
});

describe("lineChart", () => {
  const svg = lineChart(
    [
      { name: "up", points: [{ x: 0, y: 0 }, { x: 10, y: 10 }, { x: 5, y: 5 }] },
      { name: "flat", points: [{ x: 0, y: 2, lo: 1, hi: 3 }, { x: 10, y: 2, lo: 1, hi: 3 }] },
    ],
    { label: "test", xLabel: "step", yLabel: "value" },
  );

  it("draws one path per series, sorted by x, higher values higher on the page", () => {
    const up = pathPoints(seriesPath(svg, "up"));
    expect(up).toHaveLength(3);
    expect(up.map((p) => p[0])).toEqual([...up.map((p) => p[0])].sort((a, b) => a - b));
    expect(up[2]![1]).toBeLessThan(up[0]![1]); // SVG y grows downwards
    const flat = pathPoints(seriesPath(svg, "flat"));
    expect(flat[0]![1]).toBe(flat[1]![1]);
  });

  it("shades a band for series with lo/hi, and has axis labels and a legend", () => {
    expect(svg.match(/class="band"/g)).toHaveLength(1);
    expect(svg).toContain(">step</text>");
    expect(svg).toContain(">value</text>");
    expect(svg).toMatch(/<g class="legend">.*>up<\/text>.*>flat<\/text>/);
    expect(svg).toContain(`stroke="${PALETTE[0]}"`);
  });

  it("escapes names so a series called <script> stays text", () => {
    const evil = lineChart([{ name: `<script>alert("x")</script>`, points: [{ x: 0, y: 1 }] }], { label: "t", xLabel: "x", yLabel: "y" });
    expect(evil).not.toContain("<script>");
    expect(evil).toContain(esc(`<script>alert("x")</script>`));
    expect(evil).toMatch(/<circle class="series"/);
  });
});

describe("groupedBarChart", () => {
  it("draws one bar per non-zero value with heights proportional to the values", () => {
    const bins = [{ lo: 0, hi: 1, label: "0" }, { lo: 1, hi: 2, label: "1" }, { lo: 2, hi: 3, label: "2" }];
    const svg = groupedBarChart(bins, [{ name: "a", values: [10, 20, 0] }, { name: "b", values: [40, 0, 5] }], { label: "t", xLabel: "len", yLabel: "%" });
    const heights = [...svg.matchAll(/<rect class="bar"[^>]* height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights).toHaveLength(4);
    const [a0, a1, b0, b2] = heights as [number, number, number, number];
    expect(a1 / a0).toBeCloseTo(2, 1);
    expect(b0 / a0).toBeCloseTo(4, 1);
    expect(b0 / b2).toBeCloseTo(8, 1);
  });
});

describe("groupedBarChart labels", () => {
  const bins = (n: number, label: (i: number) => string) => Array.from({ length: n }, (_, i) => ({ lo: i, hi: i + 1, label: label(i) }));
  const xLabels = (svg: string) => [...svg.matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="middle">([^<]*)<\/text>/g)].map((m) => m[1]);
  it("labels every bin when the labels fit (16 length bins of a 30-step session)", () => {
    const svg = groupedBarChart(bins(16, (i) => String(2 * i)), [{ name: "a", values: Array(16).fill(1) }], { label: "t", xLabel: "len", yLabel: "%" });
    expect(xLabels(svg)).toEqual(Array.from({ length: 16 }, (_, i) => String(2 * i)));
  });
  it("thins long labels to a stride at which they do not overlap", () => {
    const svg = groupedBarChart(bins(40, (i) => `${i * 10}-${i * 10 + 10}`), [{ name: "a", values: Array(40).fill(1) }], { label: "t", xLabel: "R", yLabel: "%" });
    const shown = xLabels(svg);
    expect(shown.length).toBeLessThan(40);
    expect(shown.length).toBeGreaterThan(5);
    expect(shown[0]).toBe("0-10");
  });
});

describe("stackedAreaChart", () => {
  it("stacks layers so the top of the last layer is the total", () => {
    const svg = stackedAreaChart([1, 2], [
      { name: "a", colour: "#111111", values: [0.5, 0.25] },
      { name: "b", colour: "#222222", values: [0.5, 0.75] },
    ], { label: "t", xLabel: "step", yLabel: "share" });
    const layers = [...svg.matchAll(/<path class="layer" data-layer="(\w)" d="([^"]+)"/g)];
    expect(layers.map((m) => m[1])).toEqual(["a", "b"]);
    const a = pathPoints(layers[0]![2]!);
    const b = pathPoints(layers[1]![2]!);
    // Two points per step on each edge. Layer b's lower edge (second half, reversed) is layer a's upper edge.
    expect(b.slice(4).reverse()).toEqual(a.slice(0, 4));
    // At both steps the top of b is the total (1), so its whole upper edge sits at one height.
    expect(new Set(b.slice(0, 4).map((p) => p[1])).size).toBe(1);
  });
  it("draws each step flat across its band, so a one-hot sequence gives blocks instead of a sawtooth", () => {
    const svg = stackedAreaChart([0, 1, 2], [
      { name: "a", colour: "#111111", values: [1, 0, 1] },
      { name: "b", colour: "#222222", values: [0, 1, 0] },
    ], { label: "t", xLabel: "step", yLabel: "share" });
    const a = pathPoints(/data-layer="a" d="([^"]+)"/.exec(svg)![1]!);
    const upper = a.slice(0, 6);
    for (let i = 0; i < 3; i++) expect(upper[2 * i]![1], `step ${i} is flat`).toBe(upper[2 * i + 1]![1]);
    // Adjacent steps meet at the same x (a vertical edge between bands, not a slope).
    expect(upper[1]![0]).toBe(upper[2]![0]);
    expect(upper[0]![1]).not.toBe(upper[2]![1]);
  });
  it("draws a legend strip with one swatch per entry", () => {
    const strip = legendStrip([{ name: "c1", colour: "#000", kind: "box" }, { name: "c2", colour: "#fff", kind: "box" }]);
    expect(strip.match(/<rect/g)).toHaveLength(2);
  });
});

describe("tables", () => {
  it("prints mean ± std and bolds the best value by the column's direction", () => {
    const html = resultsTable({
      columns: [{ key: "len", better: "higher" }, { key: "mcd", better: "lower" }, "note"],
      rows: [
        { agent: "a", len: 10, len_std: 2.5, mcd: 0.4, note: "x" },
        { agent: "b", len: 12, mcd: 0.6 },
      ],
    });
    expect(html.match(/<tbody>[\s\S]*<\/tbody>/)![0].match(/<tr>/g)).toHaveLength(2);
    expect(html).toContain("10<span class=\"std\"> ± 2.5</span>");
    expect(html).toContain("<strong>12</strong>");
    expect(html).toContain("<strong>0.4</strong>");
    expect(html).toContain("<td class=\"num\">–</td>"); // b has no note
  });
  it("bolds every row that ties with the best value as printed", () => {
    const html = resultsTable({
      columns: [{ key: "len", better: "higher" }],
      rows: [{ agent: "popularity", len: 30 }, { agent: "oracle", len: 30.0000001 }, { agent: "random", len: 26.5 }],
    });
    expect(html.match(/<strong>30<\/strong>/g)).toHaveLength(2);
    expect(html).not.toContain("<strong>26.5</strong>");
  });
  it("flattens nested configuration into dotted keys", () => {
    expect(flattenConfig({ ppo: { lr: 3e-4, layers: [64, 64] }, name: "x", empty: {} })).toEqual([
      ["ppo.lr", 3e-4],
      ["ppo.layers", [64, 64]],
      ["name", "x"],
      ["empty", {}],
    ]);
    expect(configTable({ a: { b: "<i>" } })).toContain("<code>a.b</code></th><td><code>&lt;i&gt;</code>");
  });
});

describe("niceTicks edge cases", () => {
  it("keeps whole-number axes on integers and gives a lone zero the range 0..1", () => {
    expect(niceTicks(1, 1, 6, 1).ticks.every((t) => Number.isInteger(t))).toBe(true);
    expect(niceTicks(1, 3, 6, 1).ticks).toEqual([1, 2, 3]);
    expect(niceTicks(0, 0)).toMatchObject({ lo: 0, hi: 1 });
  });
});
