/**
 * The report's sections, each built from the run directory's records: HTML with inline SVG charts, a title,
 * and a short note on what to look for. A section whose file is missing says "not recorded".
 */
import { redactDeep } from "@farsight/core";
import { curvesByMetric, exposureByStep, lengthHistogram, topCategories, uniqueInOrder } from "./analysis.js";
import { groupedBarChart } from "./bar-chart.js";
import { lineChart } from "./line-chart.js";
import type { RunDirData, RunFile } from "../run-dir/read-run-dir.js";
import { RUN_FILES } from "../run-dir/run-dir.js";
import { legendStrip, stackedAreaChart } from "./stacked-area.js";
import { OTHER_COLOUR, colourAt, esc, fmtNumber } from "./svg.js";
import { configTable, resultsTable } from "./table.js";

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly html: string;
}

/** Human labels for the metric names the Farsight runs write; unknown metrics show their own name. */
const METRIC_LABELS: Record<string, string> = {
  r_traj: "R_traj (cumulative reward per session)",
  len: "Len (session length, steps)",
  r_each: "R_each (reward per step)",
  ctr: "CTR",
  return: "episode return",
  policy_loss: "policy loss",
  value_loss: "value loss",
  entropy: "policy entropy",
  kl: "approx. KL",
};

export function metricLabel(metric: string): string {
  return METRIC_LABELS[metric] ?? metric;
}

/** What a rising or falling curve of a metric means, for the chart's note. */
function metricHint(metric: string): string {
  if (/loss|kl/i.test(metric)) return "Lower is better, but a loss that drops to zero while the reward curves stall usually means the policy stopped exploring.";
  if (metric === "entropy") return "Policy entropy should fall slowly; a collapse early in training means the policy stopped exploring.";
  if (["r_traj", "len", "r_each", "ctr", "return"].includes(metric)) return "Higher is better; compare where the methods level off, not only how fast they climb.";
  return "Compare where the methods level off, not only how fast they move.";
}

/** Why a section has nothing to draw, as a sentence. */
function absent(data: RunDirData, file: RunFile, empty: string): string {
  const name = RUN_FILES[file];
  if (!data.present[file]) return `<p class="missing">Not recorded: this run directory has no <code>${name}</code>.</p>`;
  if (data.problems.some((p) => p.file === name && p.line === undefined)) {
    return `<p class="missing">Could not read <code>${name}</code>: see <a href="#problems">Problems</a>.</p>`;
  }
  return `<p class="missing">${empty}</p>`;
}

export function figure(id: string, title: string, body: string, lookFor: string): string {
  return `<figure class="figure" id="${esc(id)}"><h3>${esc(title)}</h3>${body}<figcaption><b>What to look for:</b> ${lookFor}</figcaption></figure>`;
}

/** Rows with `oracle: true` read what no deployed method can (the quit rule): the report says so beside the table. */
function oracleNote(rows: readonly { agent: string; [key: string]: unknown }[]): string {
  const oracles = rows.filter((row) => row.oracle === true).map((row) => row.agent);
  if (oracles.length === 0) return "";
  return `<p class="caption oracle"><b>Oracle${oracles.length > 1 ? "s" : ""}:</b> ${esc(oracles.join(", "))} ` +
    `read${oracles.length > 1 ? "" : "s"} the simulator's quit rule; a reference for what that knowledge is worth, not a method to compare as an equal.</p>`;
}

export function comparisonSection(data: RunDirData): Section {
  const r = data.results;
  const html =
    r && r.rows.length > 0
      ? resultsTable(r) +
        `<p class="caption"><b>What to look for:</b> longer sessions (Len) and more cumulative reward (R_traj) are the goal; ` +
        `diversity columns (category entropy up, majority-category domination down) show whether an agent gets there without a filter bubble. Bold marks the best value of a column.</p>` +
        oracleNote(r.rows)
      : absent(data, "results", `<code>results.json</code> has no rows.`);
  return { id: "comparison", title: "Comparison", html };
}

export function curvesSection(data: RunDirData, colourOf: (name: string) => number): Section {
  const groups = data.curves ? curvesByMetric(data.curves, colourOf) : [];
  if (groups.length === 0) return { id: "curves", title: "Learning curves", html: absent(data, "curves", `<code>curves.jsonl</code> has no valid points.`) };
  const html = groups
    .map((g, i) =>
      figure(
        `curve-${i}`,
        `Learning curve: ${metricLabel(g.metric)}`,
        lineChart(g.series, { label: `${metricLabel(g.metric)} over training`, xLabel: "training step", yLabel: metricLabel(g.metric), id: `chart-curve-${i}` }),
        `each line is one method during training${g.band === "seed-ci" ? "; with several seeds the line is their mean and the shaded band its 95% stratified-bootstrap CI over seeds (each seed interpolated on the steps all seeds cover)" : g.band === "min-max" ? "; the shaded band spans the values logged at a step (min to max), the line is their mean" : ""}. ` +
          metricHint(g.metric),
      ),
    )
    .join("\n");
  return { id: "curves", title: "Learning curves", html };
}

/** The agents of `episodes.jsonl`: those with a row in `results.json` in the table's order, then the others in order of first appearance. */
export function episodeAgents(data: RunDirData): string[] {
  const recorded = new Set((data.episodes ?? []).map((e) => e.agent));
  return uniqueInOrder([...(data.results?.rows.map((r) => r.agent) ?? []), ...recorded]).filter((a) => recorded.has(a));
}

/** How a chart's legend names an agent (a report with long method names passes a shorter form; tables and captions keep the full name). */
export type LegendName = (agent: string) => string;
const sameName: LegendName = (agent) => agent;

export function lengthSection(data: RunDirData, agents: readonly string[], colourOf: (name: string) => number, legendName: LegendName = sameName): Section {
  const episodes = data.episodes ?? [];
  if (episodes.length === 0) return { id: "lengths", title: "Session length", html: absent(data, "episodes", `<code>episodes.jsonl</code> has no valid episodes.`) };
  const { bins, shares } = lengthHistogram(episodes, agents);
  const groups = agents.map((a) => ({ name: legendName(a), colourIndex: colourOf(a), values: shares.get(a) ?? [] }));
  const counts = agents.map((a) => `${esc(a)}: ${episodes.filter((e) => e.agent === a).length}`).join(", ");
  const chart = groupedBarChart(bins, groups, {
    label: "Distribution of session lengths per agent",
    xLabel: "session length (steps)",
    yLabel: "share of sessions (%)",
    yFormat: (v) => `${fmtNumber(v)}%`,
    id: "chart-lengths",
  });
  const html = figure(
    "fig-lengths",
    "Session-length distribution",
    chart,
    `bars further right mean users stay longer. An agent that only wins on average may still lose many users early: ` +
      `compare the leftmost bins. Sessions per agent: ${counts}.`,
  );
  return { id: "lengths", title: "Session length", html };
}

export function exposureSection(data: RunDirData, agents: readonly string[], colourOf: (name: string) => number, legendName: LegendName = sameName): Section {
  const episodes = (data.episodes ?? []).filter((e) => e.categories && e.categories.length > 0);
  const title = "Category exposure over session steps";
  if (episodes.length === 0) {
    const html = data.episodes && data.episodes.length > 0 ? `<p class="missing">Not recorded: the episodes have no <code>categories</code>.</p>` : absent(data, "episodes", `<code>episodes.jsonl</code> has no valid episodes.`);
    return { id: "exposure", title, html };
  }
  const exposures = agents.map((a) => exposureByStep(episodes, a)).filter((x) => x.steps.length > 0);
  const line = (pick: (x: (typeof exposures)[number]) => number[]) =>
    exposures.map((x) => ({ name: legendName(x.agent), colourIndex: colourOf(x.agent), points: x.steps.map((s, i) => ({ x: s, y: pick(x)[i]! })) }));
  const cut = exposures.map((x) => `${esc(x.agent)}: ${x.steps.length} step${x.steps.length === 1 ? "" : "s"} (≥ ${x.minSessions} of ${x.sessions} sessions running)`).join("; ");
  const majority = figure(
    "fig-majority",
    "Majority-category share by session step",
    lineChart(line((x) => x.majorityShare), {
      label: "Share of the most-shown category in what each session has seen so far",
      xLabel: "session step",
      xInteger: true,
      yLabel: "majority-category share (%)",
      yInclude: [0, 1],
      yFormat: (v) => `${Math.round(v * 100)}%`,
      id: "chart-majority",
    }),
    `per session, the share of everything shown so far that belongs to its most-shown category, averaged over the sessions still running. ` +
      `A line that climbs towards 100% is a filter bubble forming; a flat, low line means the agent keeps the mix varied. Steps drawn per agent: ${cut}.`,
  );
  const entropyFig = figure(
    "fig-entropy",
    "Category entropy by session step",
    lineChart(line((x) => x.entropyBits), {
      label: "Entropy (bits) of the categories each session has seen so far",
      xLabel: "session step",
      xInteger: true,
      yLabel: "category entropy (bits)",
      yInclude: [0],
      id: "chart-entropy",
    }),
    `the same picture from the other side: entropy of the categories a session has seen so far (higher = more varied). ` +
      `It grows while new categories appear; a line that stalls early means the agent repeats a few categories.`,
  );
  return { id: "exposure", title, html: majority + entropyFig + shareMultiples(episodes, exposures, categoryNamesOf(data.config)) };
}

/** The catalogue's category names from config.json (`categoryNames`), when the run recorded them as strings. */
function categoryNamesOf(config: RunDirData["config"]): readonly string[] {
  const names = config?.["categoryNames"];
  return Array.isArray(names) && names.every((n) => typeof n === "string") ? names : [];
}

/** Small multiples: per agent, a stacked area of the category shares at each session step. */
function shareMultiples(episodes: Parameters<typeof topCategories>[0], exposures: ReturnType<typeof exposureByStep>[], categoryNames: readonly string[]): string {
  const top = topCategories(episodes, 7);
  const name = (c: number) => categoryNames[c] ?? `category ${c}`;
  const colour = new Map(top.map((c, i) => [c, colourAt(i)]));
  const hasOther = exposures.some((x) => [...x.shares.keys()].some((c) => !colour.has(c)));
  const entries = [
    ...top.map((c) => ({ name: name(c), colour: colour.get(c)!, kind: "box" as const })),
    ...(hasOther ? [{ name: "other categories", colour: OTHER_COLOUR, kind: "box" as const }] : []),
  ];
  const xDomain = [1, Math.max(...exposures.map((x) => x.steps[x.steps.length - 1]!))] as const;
  const charts = exposures.map((x, i) => {
    const other = x.steps.map((_, t) => [...x.shares].filter(([c]) => !colour.has(c)).reduce((s, [, row]) => s + row[t]!, 0));
    const layers = [...top.map((c) => ({ name: name(c), colour: colour.get(c)!, values: x.shares.get(c) ?? x.steps.map(() => 0) })), { name: "other categories", colour: OTHER_COLOUR, values: other }];
    const svg = stackedAreaChart(x.steps, layers, {
      label: `Category shares by session step: ${x.agent}`,
      xLabel: "session step",
      yLabel: "share of slate items",
      yFormat: (v) => `${Math.round(v * 100)}%`,
      showLegend: false,
      xDomain,
      width: 420,
      height: 240,
      id: `chart-shares-${i}`,
    });
    return `<div class="multiple"><h4>${esc(x.agent)}</h4>${svg}</div>`;
  });
  return figure(
    "fig-shares",
    "Category shares by session step, per agent",
    `${legendStrip(entries, 840)}<div class="multiples">${charts.join("")}</div>`,
    `the categories of all slate items shown at each step, pooled over the sessions still running (the ${top.length} most shown categories coloured, the rest grey). ` +
      `One colour swelling over the steps means every user is pushed towards the same category; even bands mean a stable mix.`,
  );
}

export function configSection(data: RunDirData): Section {
  // Run directories written before redaction existed may hold credentials: the page never shows them.
  const html = data.config ? configTable(redactDeep(data.config)) : absent(data, "config", "");
  return { id: "config", title: "Configuration", html };
}

export function problemsSection(data: RunDirData): Section | null {
  if (data.problems.length === 0) return null;
  const items = data.problems.map((p) => `<li><code>${esc(p.file)}${p.line !== undefined ? `:${p.line}` : ""}</code> ${esc(p.message)}</li>`).join("\n");
  const more = data.problemsNotListed > 0 ? `<p>… and ${data.problemsNotListed} more not listed.</p>` : "";
  return {
    id: "problems",
    title: "Problems",
    html: `<p>These records were skipped or only partly used; everything else above is drawn from the valid records.</p><ul class="problems">\n${items}\n</ul>${more}`,
  };
}
