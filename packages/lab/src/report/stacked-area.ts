import { axes, esc, extent, legend, legendWidth, linearScale, makeFrame, niceTicks, openSvg, px, type LegendEntry } from "./svg.js";

/** One layer of a stacked area: its value at every x (same length as the chart's xs). */
export interface AreaLayer {
  readonly name: string;
  readonly colour: string;
  readonly values: readonly number[];
}

export interface StackedAreaOptions {
  readonly label: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
  /** Draw the legend inside the chart; off for small multiples that share one legend strip. */
  readonly showLegend?: boolean;
  readonly yFormat?: (v: number) => string;
  /** Fix the x range (small multiples share one, so their steps line up). Defaults to the data's range. */
  readonly xDomain?: readonly [number, number];
  readonly id?: string;
}

/**
 * A stacked area chart over discrete steps: layers are stacked bottom-up in the given order, each flat across
 * its step's band [x - 1/2, x + 1/2]. Meant for shares that sum to 1 at every step (category shares by session
 * step), but works for any non-negative values.
 */
export function stackedAreaChart(xs: readonly number[], layers: readonly AreaLayer[], opts: StackedAreaOptions): string {
  const width = opts.width ?? 720;
  const height = opts.height ?? 320;
  const showLegend = opts.showLegend ?? true;
  const frame = makeFrame(width, height, showLegend ? legendWidth(layers.map((l) => l.name)) : 0);
  const totals = xs.map((_, i) => layers.reduce((s, l) => s + Math.max(0, l.values[i] ?? 0), 0));
  const [x0, x1] = opts.xDomain ?? extent(xs);
  const xt = niceTicks(x0, x1, 6, 1); // x is the session step: whole numbers
  const yt = niceTicks(0, Math.max(0, extent(totals)[1]), 4);
  // Each step owns the band [x - 1/2, x + 1/2]: the scale leaves room for the first and last half-steps.
  const sx = linearScale(Math.min(xt.lo, x0 - 0.5), Math.max(xt.hi, x1 + 0.5), frame.left, frame.right);
  const sy = linearScale(yt.lo, yt.hi, frame.bottom, frame.top);

  const parts = [openSvg(frame, "area", opts.label, opts.id)];
  parts.push(axes(frame, { ticks: xt.ticks, scale: sx, label: opts.xLabel }, { ticks: yt.ticks, scale: sy, label: opts.yLabel, format: opts.yFormat }));
  const base = xs.map(() => 0);
  for (const layer of layers) {
    const top = base.map((b, i) => b + Math.max(0, layer.values[i] ?? 0));
    if (xs.length > 0 && top.some((t, i) => t > base[i]!)) {
      // Steps are discrete, so a layer is flat across its step instead of interpolated between steps: a
      // sequence that shows one category per step (e.g. popularity's fixed order) reads as blocks, not a sawtooth.
      const edge = (ys: readonly number[]) => xs.flatMap((x, i) => [`${px(sx(x - 0.5))},${px(sy(ys[i]!))}`, `${px(sx(x + 0.5))},${px(sy(ys[i]!))}`]);
      const upper = edge(top);
      const lower = edge(base).reverse();
      parts.push(
        `<path class="layer" data-layer="${esc(layer.name)}" d="M${upper.join("L")}L${lower.join("L")}Z" fill="${layer.colour}" stroke="#fff" stroke-width="0.5"><title>${esc(layer.name)}</title></path>`,
      );
    }
    top.forEach((t, i) => (base[i] = t));
  }
  if (showLegend) parts.push(legend(frame, layers.map((l) => ({ name: l.name, colour: l.colour, kind: "box" as const })).reverse()));
  parts.push(`</svg>`);
  return parts.join("");
}

/** A horizontal legend on its own (shared by a row of small multiples). */
export function legendStrip(entries: readonly LegendEntry[], width = 720): string {
  const parts: string[] = [];
  let x = 8;
  let y = 14;
  for (const e of entries) {
    const w = 30 + e.name.length * 6.8 + 14;
    if (x + w > width && x > 8) {
      x = 8;
      y += 20;
    }
    parts.push(`<rect x="${px(x)}" y="${y - 6}" width="14" height="12" fill="${e.colour}"/>`);
    parts.push(`<text x="${px(x + 20)}" y="${y}" dominant-baseline="middle">${esc(e.name)}</text>`);
    x += w;
  }
  const height = y + 12;
  return (
    `<svg class="legend-strip" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `font-family="system-ui, sans-serif" font-size="12" role="img" aria-label="legend">${parts.join("")}</svg>`
  );
}
