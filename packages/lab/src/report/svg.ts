/**
 * Shared SVG plumbing for the report's charts: escaping, scales, tick choice, the colour palette, axes and
 * legends. Charts are plain strings of SVG so the report stays one self-contained HTML file with no script.
 */

/**
 * Okabe & Ito's colour-blind-safe palette, ordered so the first colours are the most distinct on white.
 * Yellow is last: it is hard to see as a thin line and only used for filled areas.
 */
export const PALETTE: readonly string[] = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"];

/** Grey for "everything else" (the categories folded into one layer). */
export const OTHER_COLOUR = "#BBBBBB";

/** Dash patterns that pair with the palette, so series stay apart in greyscale prints too. */
export const DASHES: readonly string[] = ["", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 4", "3 6"];

export function colourAt(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

export function dashAt(i: number): string {
  return DASHES[i % DASHES.length]!;
}

/** Escapes text for SVG/HTML element content and attribute values. */
export function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Rounds coordinates to 0.1 px: enough for the eye, and keeps the file small. */
export function px(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

/** Formats a tick or table number compactly: 12k, 0.25, 3.2e-5. */
export function fmtNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return "0";
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e3) return `${trim(v / 1e3)}k`;
  if (a < 1e-3) return v.toExponential(1);
  return trim(v);
}

function trim(v: number): string {
  return Number(v.toPrecision(3)).toString();
}

/**
 * Smallest and largest value, by a loop: `Math.min(...xs)` overflows the call stack on a few hundred thousand
 * values, which a long run's curves or episodes can reach. Empty input gives [Infinity, -Infinity].
 */
export function extent(values: Iterable<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** A linear map from a data interval onto a pixel interval. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/**
 * "Nice" ticks (1, 2, 5 times a power of ten) covering [lo, hi], about `count` of them. The returned domain is
 * widened to the outer ticks so lines never touch the frame at an odd value. `minStep` = 1 keeps counts (steps,
 * lengths) on whole numbers. A single value gets a range around it (0 gets 0..1: shares and entropies are >= 0).
 */
export function niceTicks(lo: number, hi: number, count = 5, minStep = 0): { ticks: number[]; lo: number; hi: number } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { ticks: [0, 1], lo: 0, hi: 1 };
  if (lo === hi) {
    if (lo === 0) hi = 1;
    else {
      lo -= Math.abs(lo) * 0.1;
      hi += Math.abs(hi) * 0.1;
    }
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = Math.max(minStep, (norm < 1.2 ? 1 : norm < 2.5 ? 2 : norm < 6 ? 5 : 10) * mag);
  const start = Math.floor(lo / step + 1e-9) * step;
  const end = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let t = start; t <= end + step * 1e-6; t += step) ticks.push(Number(t.toPrecision(12)));
  return { ticks, lo: start, hi: end };
}

/** The drawing area of a chart inside its SVG, in pixels. */
export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

export function makeFrame(width: number, height: number, legendSpace: number): Frame {
  return { width, height, left: 64, right: width - 16 - legendSpace, top: 16, bottom: height - 46 };
}

/** Opens a chart's SVG element; `kind` lands in a class so tests and screenshots can find every chart. */
export function openSvg(frame: Frame, kind: string, label: string, id?: string): string {
  const idAttr = id ? ` id="${esc(id)}"` : "";
  return (
    `<svg${idAttr} class="chart chart-${kind}" viewBox="0 0 ${frame.width} ${frame.height}" ` +
    `width="${frame.width}" height="${frame.height}" role="img" aria-label="${esc(label)}" font-family="system-ui, sans-serif" font-size="12">` +
    `<title>${esc(label)}</title>`
  );
}

/** Gridlines, tick labels and axis titles for a numeric x and y axis. */
export function axes(
  frame: Frame,
  x: { ticks: number[]; scale: (v: number) => number; label: string; format?: (v: number) => string },
  y: { ticks: number[]; scale: (v: number) => number; label: string; format?: (v: number) => string },
): string {
  const fx = x.format ?? fmtNumber;
  const fy = y.format ?? fmtNumber;
  const parts: string[] = [`<g class="axes" fill="#333">`];
  for (const t of y.ticks) {
    const yy = px(y.scale(t));
    parts.push(`<line x1="${frame.left}" x2="${frame.right}" y1="${yy}" y2="${yy}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${frame.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${esc(fy(t))}</text>`);
  }
  for (const t of x.ticks) {
    const xx = px(x.scale(t));
    parts.push(`<line x1="${xx}" x2="${xx}" y1="${frame.bottom}" y2="${frame.bottom + 4}" stroke="#555"/>`);
    parts.push(`<text x="${xx}" y="${frame.bottom + 16}" text-anchor="middle">${esc(fx(t))}</text>`);
  }
  parts.push(`<line x1="${frame.left}" x2="${frame.right}" y1="${frame.bottom}" y2="${frame.bottom}" stroke="#555"/>`);
  parts.push(`<line x1="${frame.left}" x2="${frame.left}" y1="${frame.top}" y2="${frame.bottom}" stroke="#555"/>`);
  const midX = px((frame.left + frame.right) / 2);
  parts.push(`<text x="${midX}" y="${frame.height - 8}" text-anchor="middle" font-weight="600">${esc(x.label)}</text>`);
  const midY = px((frame.top + frame.bottom) / 2);
  parts.push(`<text transform="translate(14 ${midY}) rotate(-90)" text-anchor="middle" font-weight="600">${esc(y.label)}</text>`);
  parts.push(`</g>`);
  return parts.join("");
}

/** One legend entry: a swatch (line with dash, or filled box) and a name. */
export interface LegendEntry {
  readonly name: string;
  readonly colour: string;
  readonly dash?: string;
  readonly kind: "line" | "box";
}

/** A vertical legend to the right of the plot; long names are cut with an ellipsis (full name in a tooltip). */
export function legend(frame: Frame, entries: readonly LegendEntry[]): string {
  const x = frame.right + 14;
  const maxChars = Math.max(6, Math.floor((frame.width - x - 30) / 6.6));
  const parts: string[] = [`<g class="legend">`];
  entries.forEach((e, i) => {
    const y = frame.top + 8 + i * 20;
    parts.push(`<g><title>${esc(e.name)}</title>`);
    if (e.kind === "line") {
      const dash = e.dash ? ` stroke-dasharray="${e.dash}"` : "";
      parts.push(`<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${e.colour}" stroke-width="2.5"${dash}/>`);
    } else {
      parts.push(`<rect x="${x + 4}" y="${y - 6}" width="14" height="12" fill="${e.colour}" stroke="#fff"/>`);
    }
    const name = e.name.length > maxChars ? `${e.name.slice(0, maxChars - 1)}…` : e.name;
    parts.push(`<text x="${x + 28}" y="${y}" dominant-baseline="middle">${esc(name)}</text></g>`);
  });
  parts.push(`</g>`);
  return parts.join("");
}

/** The width a right-hand legend needs for these names (capped so the plot keeps most of the space). */
export function legendWidth(names: readonly string[]): number {
  const longest = Math.max(0, ...names.map((n) => n.length));
  // Up to about 30 characters before a name is cut (the full name stays in the entry's tooltip).
  return Math.min(250, 44 + longest * 6.6);
}
