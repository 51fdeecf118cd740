import { axes, colourAt, extent, dashAt, esc, legend, legendWidth, linearScale, makeFrame, niceTicks, openSvg, px } from "./svg.js";

/** One point of a line; `lo`/`hi` (optional) draw a shaded band, e.g. the spread over seeds. */
export interface LinePoint {
  readonly x: number;
  readonly y: number;
  readonly lo?: number;
  readonly hi?: number;
}

export interface LineSeries {
  readonly name: string;
  /** Palette slot; keeps one method's colour the same across charts. Defaults to the series' index. */
  readonly colourIndex?: number;
  readonly points: readonly LinePoint[];
}

export interface LineChartOptions {
  /** Read by screen readers and shown as the SVG's tooltip. */
  readonly label: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
  /** Force the y range to include these values (e.g. 0 and 1 for shares). */
  readonly yInclude?: readonly number[];
  readonly yFormat?: (v: number) => string;
  /** x values are whole numbers (session steps): ticks only at integers. */
  readonly xInteger?: boolean;
  readonly id?: string;
}

/**
 * A line chart with several series: nice axes, one colour and dash pattern per series, an optional band per
 * series, and a legend. Points are sorted by x; a series with one point is drawn as a dot.
 */
export function lineChart(series: readonly LineSeries[], opts: LineChartOptions): string {
  const width = opts.width ?? 720;
  const height = opts.height ?? 320;
  const frame = makeFrame(width, height, legendWidth(series.map((s) => s.name)));
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p.x);
  const ys = all.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]).concat(opts.yInclude ?? []);
  const xt = niceTicks(...extent(xs), 6, opts.xInteger ? 1 : 0);
  const yt = niceTicks(...extent(ys), 5);
  const sx = linearScale(xt.lo, xt.hi, frame.left, frame.right);
  const sy = linearScale(yt.lo, yt.hi, frame.bottom, frame.top);

  const parts = [openSvg(frame, "line", opts.label, opts.id)];
  parts.push(axes(frame, { ticks: xt.ticks, scale: sx, label: opts.xLabel }, { ticks: yt.ticks, scale: sy, label: opts.yLabel, format: opts.yFormat }));
  series.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    if (pts.length === 0) return;
    const slot = s.colourIndex ?? i;
    const colour = colourAt(slot);
    if (pts.some((p) => p.lo !== undefined && p.hi !== undefined && p.lo !== p.hi)) {
      const upper = pts.map((p) => `${px(sx(p.x))},${px(sy(p.hi ?? p.y))}`);
      const lower = pts.map((p) => `${px(sx(p.x))},${px(sy(p.lo ?? p.y))}`).reverse();
      parts.push(`<path class="band" d="M${upper.join("L")}L${lower.join("L")}Z" fill="${colour}" fill-opacity="0.15" stroke="none"/>`);
    }
    if (pts.length === 1) {
      const p = pts[0]!;
      parts.push(`<circle class="series" data-series="${esc(s.name)}" cx="${px(sx(p.x))}" cy="${px(sy(p.y))}" r="3.5" fill="${colour}"/>`);
      return;
    }
    const d = pts.map((p, j) => `${j === 0 ? "M" : "L"}${px(sx(p.x))},${px(sy(p.y))}`).join("");
    const dash = dashAt(slot) ? ` stroke-dasharray="${dashAt(slot)}"` : "";
    parts.push(
      `<path class="series" data-series="${esc(s.name)}" data-points="${pts.length}" d="${d}" fill="none" stroke="${colour}" stroke-width="2.2" stroke-linejoin="round"${dash}><title>${esc(s.name)}</title></path>`,
    );
  });
  parts.push(legend(frame, series.map((s, i) => ({ name: s.name, colour: colourAt(s.colourIndex ?? i), dash: dashAt(s.colourIndex ?? i), kind: "line" as const }))));
  parts.push(`</svg>`);
  return parts.join("");
}
