import { axes, colourAt, extent, esc, fmtNumber, legend, legendWidth, linearScale, makeFrame, niceTicks, openSvg, px } from "./svg.js";

/** A histogram bin [lo, hi): `label` is what the x axis prints under it. */
export interface Bin {
  readonly lo: number;
  readonly hi: number;
  readonly label: string;
}

/** One group of bars (e.g. one agent): one value per bin. */
export interface BarGroup {
  readonly name: string;
  /** Palette slot; keeps one method's colour the same across charts. Defaults to the group's index. */
  readonly colourIndex?: number;
  readonly values: readonly number[];
}

/** Approximate width in px of one character of the axis font (12px system-ui digits). */
const LABEL_CHAR_WIDTH = 7;

export interface BarChartOptions {
  readonly label: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
  readonly yFormat?: (v: number) => string;
  readonly id?: string;
}

/**
 * A grouped histogram: for every bin, one bar per group side by side. Bins are evenly spaced by index (the
 * caller picks bin edges), labelled with `Bin.label`: every bin whose label fits, so labels never overlap.
 */
export function groupedBarChart(bins: readonly Bin[], groups: readonly BarGroup[], opts: BarChartOptions): string {
  const width = opts.width ?? 720;
  const height = opts.height ?? 320;
  const frame = makeFrame(width, height, legendWidth(groups.map((g) => g.name)));
  const maxV = Math.max(0, extent(groups.flatMap((g) => g.values))[1]);
  const yt = niceTicks(0, maxV, 5);
  const sy = linearScale(yt.lo, yt.hi, frame.bottom, frame.top);
  const n = Math.max(1, bins.length);
  const slot = (frame.right - frame.left) / n;
  const gap = Math.min(6, slot * 0.15);
  const barW = Math.max(1, (slot - gap) / Math.max(1, groups.length));

  const parts = [openSvg(frame, "bar", opts.label, opts.id)];
  // The x axis is categorical (bins); draw it with the numeric helper using bin indices. Every bin is labelled
  // when the labels fit side by side; otherwise every k-th, with k the smallest stride at which they fit.
  const widest = Math.max(1, ...bins.map((b) => b.label.length)) * LABEL_CHAR_WIDTH + 6;
  const every = Math.max(1, Math.ceil(widest / slot));
  const tickIdx = bins.map((_, i) => i).filter((i) => i % every === 0);
  const centre = (i: number) => frame.left + slot * (i + 0.5);
  parts.push(
    axes(
      frame,
      { ticks: tickIdx, scale: centre, label: opts.xLabel, format: (i) => bins[i]?.label ?? "" },
      { ticks: yt.ticks, scale: sy, label: opts.yLabel, format: opts.yFormat },
    ),
  );
  groups.forEach((g, gi) => {
    const colour = colourAt(g.colourIndex ?? gi);
    parts.push(`<g class="series" data-series="${esc(g.name)}" fill="${colour}">`);
    g.values.forEach((v, bi) => {
      if (!(v > 0)) return;
      const x = frame.left + slot * bi + gap / 2 + barW * gi;
      const y = sy(v);
      const bin = bins[bi];
      const tip = `${g.name}, ${bin ? bin.label : bi}: ${(opts.yFormat ?? fmtNumber)(v)}`;
      parts.push(`<rect class="bar" x="${px(x)}" y="${px(y)}" width="${px(barW)}" height="${px(frame.bottom - y)}"><title>${esc(tip)}</title></rect>`);
    });
    parts.push(`</g>`);
  });
  parts.push(legend(frame, groups.map((g, i) => ({ name: g.name, colour: colourAt(g.colourIndex ?? i), kind: "box" as const }))));
  parts.push(`</svg>`);
  return parts.join("");
}
