/**
 * The sections of an IL-Rec report (`farsight run ilrec`): the teacher against the policies it taught, how
 * long their sessions ran and what categories they showed, the learning curves of IL-Rec and its baselines,
 * and what the demonstration weights did over training. Built from the same chart helpers as the LERL report;
 * the session-length, exposure, configuration and problems sections are the LERL report's own.
 */
import { mean } from "@farsight/core";
import { curvesByMetric } from "./analysis.js";
import { groupedBarChart, type Bin } from "./bar-chart.js";
import { DEMO_WEIGHTS_FILE, type DemoWeightSnapshot, type DemoWeightsFile } from "./ilrec-data.js";
import { lineChart } from "./line-chart.js";
import type { RunDirData } from "../run-dir/read-run-dir.js";
import { episodeAgents, exposureSection, figure, lengthSection, metricLabel, type Section } from "./sections.js";
import { fmtNumber } from "./svg.js";
import { resultsTable } from "./table.js";

/** Labels of the metrics only IL-Rec writes (the shared ones are in sections.ts). */
const ILREC_LABELS: Record<string, string> = {
  return: "episode return (training world)",
  len: "Len (episode length, training world)",
  imitation_lambda: "lambda_imit in effect (annealed)",
  discriminator_loss: "discriminator loss (BCE, policy + demo)",
  discriminator_accuracy: "discriminator accuracy",
  bc_loss: "behaviour-cloning loss",
  demo_gated_share: "demonstrations gated to weight 0",
  demo_mean_weight: "mean demonstration weight",
};

const HINTS: Record<string, string> = {
  return: "Higher is better. IL-Rec should climb at least as fast as A2C without demonstrations (the teacher's help) and end no lower (annealing hands control back to RL).",
  len: "Longer sessions on the training world; the quit rule ends a session early when the policy repeats itself.",
  imitation_lambda: "The imitation step's coefficient falls linearly to 0 over the annealed share of the budget (--anneal): late training is pure RL.",
  discriminator_loss: "The discriminator separates policy transitions (1) from demonstrated ones (0); the loss is its mean BCE on each side, added. Near 2 log 2 = 1.39 it cannot tell them apart (the policy acts like the teacher, or the features do not distinguish them); it is retrained every few rollouts, so the curve moves in steps.",
  discriminator_accuracy: "0.5 = chance. High accuracy means the policy's transitions look unlike the teacher's; its density ratio then lowers the weights of demonstrations the policy already over-produces.",
  demo_gated_share: "The share of the usable demonstrated steps the advantage gate set to 0 at each refresh. Rising: the policy overtakes its teacher on more states and copies less of it; near 0: the teacher still beats the policy almost everywhere.",
  demo_mean_weight: "The mean weight of the demonstrated steps (0 ignored, 1 imitated fully). It moves only at refreshes; late in training lambda_imit has annealed towards 0, so late weights count for little.",
  bc_loss: "Behaviour cloning fits the demonstrations alone (no RL); the loss levels off where the policy reproduces the teacher as well as it can.",
};

/** Page order of the curves; metrics not listed follow in order of first appearance. */
const CURVE_ORDER = ["return", "len", "imitation_lambda", "discriminator_loss", "discriminator_accuracy", "bc_loss", "demo_gated_share", "demo_mean_weight"];

const SERVE_SUFFIX = / \((greedy|sampled)\)$/;

/** A name short enough for a chart legend ("A2C, no demonstrations (sampled)" is cut otherwise); tables keep the full name. */
function chartName(name: string): string {
  return name.replace(/^A2C, no demonstrations/, "A2C, no demos");
}

/** "IL-Rec policy (greedy)" -> "IL-Rec policy": the learning curve's name of a served row. */
export function baseMethod(name: string): string {
  return name.replace(SERVE_SUFFIX, "");
}

/**
 * Colours: one per table row, in table order; a learning curve takes the colour of its method's first row
 * (the greedy one when both are served), so a method keeps its colour between the table, bars and curves.
 */
export function ilrecColours(data: RunDirData): (name: string) => number {
  const rows = data.results?.rows.map((r) => r.agent) ?? [];
  const extra = [...new Set((data.curves ?? []).map((c) => c.series))].filter((s) => !rows.some((r) => baseMethod(r) === s));
  return (name) => {
    const row = rows.indexOf(name);
    if (row >= 0) return row;
    const base = rows.findIndex((r) => baseMethod(r) === name);
    return base >= 0 ? base : rows.length + Math.max(0, extra.indexOf(name));
  };
}

function missing(text: string): string {
  return `<p class="missing">${text}</p>`;
}

export function teacherVsPolicySection(data: RunDirData, colourOf: (name: string) => number): Section {
  const r = data.results;
  const title = "Teacher vs policy";
  if (!r || r.rows.length === 0) {
    return { id: "comparison", title, html: missing(data.present.results ? "Could not read the comparison table from <code>results.json</code>: see Problems." : "Not recorded: this run directory has no <code>results.json</code>.") };
  }
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  const bins: Bin[] = [
    { lo: 0, hi: 1, label: "Len" },
    { lo: 1, hi: 2, label: "R_traj" },
  ];
  const groups = r.rows.map((row) => ({ name: chartName(row.agent), colourIndex: colourOf(row.agent), values: [num(row.len), num(row.r_traj)] }));
  const chart = groupedBarChart(bins, groups, {
    label: "Len and R_traj per method on the evaluation users",
    xLabel: "metric (mean over seeds)",
    yLabel: "Len (steps) / R_traj (reward)",
    id: "chart-teacher-policy",
  });
  const bars = figure(
    "fig-teacher-policy",
    "Session length and cumulative reward: teacher, policies, baselines",
    chart,
    `the IL-Rec policy serves without the teacher (no LLM calls); it should reach at least the teacher's bars and those of behaviour cloning, and ` +
      `match or beat A2C without demonstrations (otherwise the demonstrations cost more than they taught). The table below gives the spread over seeds and the cost per recommendation.`,
  );
  const table =
    resultsTable(r) +
    `<p class="caption"><b>What to look for:</b> the IL-Rec policy against its teacher (same quality or better at a fraction of the cost per recommendation), ` +
    `against behaviour cloning (imitation alone) and against A2C without demonstrations (RL alone). "–" = not measured. Bold marks the best value of a column.</p>`;
  return { id: "comparison", title, html: bars + table };
}

/** Line charts of some metrics of curves.jsonl, with IL-Rec's labels; `ids` numbers them apart from other sections. */
function curveFigures(data: RunDirData, metrics: (metric: string) => boolean, colourOf: (name: string) => number, idPrefix: string): string[] {
  const rank = (m: string) => (CURVE_ORDER.includes(m) ? CURVE_ORDER.indexOf(m) : CURVE_ORDER.length);
  const groups = curvesByMetric((data.curves ?? []).filter((c) => metrics(c.metric)), colourOf)
    .map((g) => ({ ...g, series: g.series.map((s) => ({ ...s, name: chartName(s.name) })) }))
    .sort((a, b) => rank(a.metric) - rank(b.metric));
  return groups.map((g, i) => {
    const label = ILREC_LABELS[g.metric] ?? metricLabel(g.metric);
    const share = g.metric === "demo_gated_share";
    const banded = g.series.some((s) => s.points.some((p) => p.lo !== undefined));
    return figure(
      `${idPrefix}-${i}`,
      `${label}`,
      lineChart(g.series, {
        label: `${label} over training`,
        xLabel: g.metric === "bc_loss" ? "gradient steps of behaviour cloning" : "environment transitions of training",
        yLabel: label,
        id: `chart-${idPrefix}-${i}`,
        ...(share ? { yInclude: [0, 1], yFormat: (v: number) => `${Math.round(v * 100)}%` } : {}),
      }),
      `${g.band === "seed-ci" ? "the line is the mean over seeds, the band its 95% stratified-bootstrap CI over seeds. " : banded ? "the line is the mean of the values logged at a step, the band their min..max. " : ""}${HINTS[g.metric] ?? "Compare where the methods level off."}`,
    );
  });
}

const WEIGHT_METRICS = new Set(["demo_gated_share", "demo_mean_weight"]);

export function ilrecCurvesSection(data: RunDirData, colourOf: (name: string) => number): Section {
  const figures = curveFigures(data, (m) => !WEIGHT_METRICS.has(m), colourOf, "curve");
  const html = figures.length
    ? figures.join("\n")
    : missing(data.present.curves ? "<code>curves.jsonl</code> has no valid points." : "Not recorded: this run directory has no <code>curves.jsonl</code>.");
  return { id: "curves", title: "Learning curves", html };
}

/** The first, middle and last refresh of every seed (fewer when a seed refreshed fewer times). */
function phases(snapshots: readonly DemoWeightSnapshot[]): { name: string; picks: DemoWeightSnapshot[] }[] {
  const bySeed = new Map<number, DemoWeightSnapshot[]>();
  for (const s of snapshots) bySeed.set(s.seed, [...(bySeed.get(s.seed) ?? []), s]);
  const runs = [...bySeed.values()].map((list) => [...list].sort((a, b) => a.refresh - b.refresh));
  const n = Math.min(...runs.map((r) => r.length));
  const at = [0, Math.floor((n - 1) / 2), n - 1].filter((k, i, all) => all.indexOf(k) === i);
  const names = at.length === 1 ? ["the only refresh"] : at.length === 2 ? ["first refresh", "last refresh"] : ["first refresh", "middle refresh", "last refresh"];
  return at.map((k, i) => {
    const picks = runs.map((r) => r[k === n - 1 ? r.length - 1 : k]!);
    return { name: `${names[i]} (step ${fmtNumber(mean(picks.map((p) => p.step)))})`, picks };
  });
}

/** Bins of the histogram: weight exactly 0 first, then each (edge, next edge]. */
function weightBins(w: DemoWeightsFile): Bin[] {
  const e = w.edges;
  const upper = (i: number) => (w.form === "released" && i === e.length - 2 ? `>${fmtNumber(e[i]!)}` : `≤${fmtNumber(e[i + 1]!)}`);
  return [{ lo: 0, hi: 0, label: "0" }, ...e.slice(0, -1).map((lo, i) => ({ lo, hi: e[i + 1]!, label: upper(i) }))];
}

export function weightsSection(data: RunDirData, colourOf: (name: string) => number): Section {
  const title = "Demonstration weights";
  const w = data.demoWeights;
  const curves = curveFigures(data, (m) => WEIGHT_METRICS.has(m), colourOf, "weights");
  if (!w || w.snapshots.length === 0) {
    const unreadable = data.problems.some((p) => p.file === DEMO_WEIGHTS_FILE);
    const why = w
      ? `<code>${DEMO_WEIGHTS_FILE}</code> has no valid snapshots${unreadable ? `: see <a href="#problems">Problems</a>` : ""}.`
      : unreadable
        ? `Could not read <code>${DEMO_WEIGHTS_FILE}</code>: see <a href="#problems">Problems</a>.`
        : `Not recorded: this run directory has no <code>${DEMO_WEIGHTS_FILE}</code>.`;
    return { id: "weights", title, html: missing(why) + curves.join("\n") };
  }
  const ph = phases(w.snapshots);
  // Per phase, the share of usable demonstrations in each bin: per seed, then the mean over seeds.
  const share = (s: DemoWeightSnapshot, bin: number) => (s.usable ? (bin === 0 ? s.zero : s.counts[bin - 1]!) / s.usable : 0);
  const bins = weightBins(w);
  const phaseColours = [5, 0, 6];
  const groups = ph.map((p, i) => ({ name: p.name, colourIndex: phaseColours[i]!, values: bins.map((_, b) => 100 * mean(p.picks.map((s) => share(s, b)))) }));
  const chart = groupedBarChart(bins, groups, {
    label: "Distribution of the demonstration weights at the first, middle and last refresh",
    xLabel: w.form === "released" ? "weight w (bin's upper edge; released form: mean 1)" : "weight w (bin's upper edge; 0 = gated off)",
    yLabel: "share of demonstrated steps (%)",
    yFormat: (v) => `${fmtNumber(v)}%`,
    id: "chart-weights",
  });
  const last = ph[ph.length - 1]!;
  const gatedLast = 100 * mean(last.picks.map((s) => (s.usable ? s.zero / s.usable : 0)));
  const seeds = new Set(w.snapshots.map((s) => s.seed)).size;
  const hist = figure(
    "fig-weights",
    "Demonstration weights over training",
    chart,
    `each demonstrated step the policy could take gets a weight in its imitation term; the bar at 0 is the share the advantage gate rejected ` +
      `(the policy's critic says the teacher's action does not beat the policy there). A bar at 0 that grows from the first to the last refresh means ` +
      `the policy overtook its teacher and stopped copying it; weights piled near 1 mean the teacher still leads. ` +
      `At the last refresh ${fmtNumber(gatedLast)}% of the demonstrated steps weigh 0 (${seeds === 1 ? "one seed" : `mean over ${seeds} seeds`}; ` +
      `${last.picks[0]!.usable} usable demonstrated steps${seeds === 1 ? "" : " in the first seed"}, repeats left out).`,
  );
  return { id: "weights", title, html: hist + curves.join("\n") };
}

/**
 * Everything above, in page order, with the LERL report's session-length and exposure sections (drawn from
 * `episodes.jsonl`, every evaluation session of every method) beside the table they break down; a run
 * directory written before `run ilrec` recorded its sessions shows them as not recorded.
 */
export function ilrecSections(data: RunDirData, colourOf: (name: string) => number): Section[] {
  const agents = episodeAgents(data);
  return [
    teacherVsPolicySection(data, colourOf),
    lengthSection(data, agents, colourOf, chartName),
    exposureSection(data, agents, colourOf, chartName),
    ilrecCurvesSection(data, colourOf),
    weightsSection(data, colourOf),
  ];
}
