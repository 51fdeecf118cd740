/**
 * What `farsight bench learn` shows: the per-preset text table (stdout, pasted into the READMEs) and
 * `report.html` (the same tables, per-seed R_traj, and learning curves), built from the report package's
 * helpers so it looks like `farsight report`.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { curvesByMetric, uniqueInOrder } from "../report/analysis.js";
import { REPORT_CSS } from "../report/html.js";
import { lineChart } from "../report/line-chart.js";
import type { CurvePoint } from "../run-dir/run-dir.js";
import { figure, metricLabel } from "../report/sections.js";
import { esc } from "../report/svg.js";
import { configTable, resultsTable } from "../report/table.js";
import type { EvalMode } from "@farsight/env";
import type { LearnResults, LearnRow, PresetInfo } from "./learn.js";
import { MODE_NOTES } from "./modes.js";

/** "9.28 ± 0.49"; with one seed there is no interval, so only the mean. */
function pm(mean: number, half: number, digits: number): string {
  if (!Number.isFinite(mean)) return "-";
  return Number.isFinite(half) ? `${mean.toFixed(digits)} ± ${half.toFixed(digits)}` : mean.toFixed(digits);
}

function cells(r: LearnRow): string[] {
  return [
    pm(r.len, r.len_ci95, 2),
    pm(r.r_traj, r.r_traj_ci95, 2),
    pm(r.r_each, r.r_each_ci95, 3),
    pm(r.r_traj_vs_random, r.r_traj_vs_random_ci95, 2),
    Number.isFinite(r.r_traj_vs_random_min) ? r.r_traj_vs_random_min.toFixed(2) : "-",
    pm(100 * r.item_coverage, 100 * r.item_coverage_ci95, 1),
    Number.isFinite(r.distinct_sequences) ? pm(r.distinct_sequences, r.distinct_sequences_ci95, 0) : "-",
  ];
}

const HEADS = ["Len", "R_traj", "R_each", "R_traj/random", "min/random", "items %", "distinct seq."];

/** The world the methods trained in, with the user model of a predicted one (`--user-model`, MF by default). */
function trainWorldLine(p: PresetInfo): string {
  if (p.trainWorld === "truth") return "the ground-truth world, train users";
  if (p.trainWorld !== "predicted") return String(p.trainWorld);
  const kind = typeof p.describe["userModel"] === "string" ? p.describe["userModel"] : "mf";
  const penalty = typeof p.describe["uncertaintyPenalty"] === "number" ? `, paying prediction - ${p.describe["uncertaintyPenalty"]} x the members' std` : "";
  const name: Record<string, string> = { mf: "MF", deepfm: "DeepFM", ensemble: "MF + DeepFM ensemble" };
  return `the ${name[kind] ?? kind} world model predicted from the training log${penalty}, train users`;
}

function usersLine(p: PresetInfo): string {
  const u = p.users;
  if (u.evalUsers === "held-out") return `held-out users (${u.testUsers} test users, none of the ${u.trainUsers} training users)`;
  if (u.evalUsers === "same users as training") return `the same users as training (${u.testUsers} users; the preset holds none out)`;
  return `partly held-out users (${u.overlap} of ${u.testUsers} test users also train)`;
}

/** The modes a preset's rows were evaluated in, in the run's order. */
function modesOf(results: LearnResults, p: PresetInfo): EvalMode[] {
  return results.bench.modes.filter((m) => results.rows.some((r) => r.preset === p.name && r.mode === m));
}

/** What trained and how: online budget, offline epochs, the repeat logit when set. */
function trainingLine(results: LearnResults, p: PresetInfo): string {
  const b = results.bench;
  const offline = b.methods.filter((m) => ["bc", "bcq", "cql", "crr"].includes(m));
  const parts = [`training: ${p.steps} env transitions per online method and seed (batch ${b.batch}) on ${trainWorldLine(p)}, in the row's mode`];
  if (offline.length) {
    const terminals = b.learner.offlineTerminals === "session-end" ? "; terminals: the log's session ends only" : "; terminals: the quit rule replayed over the log (not in NX_10, which never quits)";
    parts.push(`${offline.join(", ")} from the training log alone (${b.learner.offlineEpochs ?? 10} epochs, no environment${terminals})`);
  }
  if (b.learner.repeatLogit !== undefined) parts.push(`repeat logit starting at ${b.learner.repeatLogit} (ppo, a2c, reinforce, dqn)`);
  if (b.learner.categoryLogit) parts.push("category logit on (ppo, a2c, reinforce: last 4 items' categories, user affinity)");
  return parts.join("; ");
}

/** The lines above a preset's table in one mode: the mode, command, budgets, seeds, users, evaluation kind. */
export function presetHeader(results: LearnResults, p: PresetInfo, mode: EvalMode = results.bench.modes[0] ?? "NX_0"): string[] {
  const b = results.bench;
  const n = b.seeds.length;
  return [
    `== ${p.name} · mode ${mode} ==`,
    `command: ${b.command}`,
    trainingLine(results, p),
    `evaluation: mode ${mode} (${MODE_NOTES[mode]}); ${b.episodes} sessions per seed on the ground truth, ${usersLine(p)}; learned policies both greedy and sampled`,
    `seeds ${b.seeds.join(",")}: ${n > 1 ? `mean ± 95% CI over seeds (Student t, n = ${n})` : "one seed: means only, no interval"}; R_traj/random per seed against random on the same seed and mode; items %: catalogue share shown`,
  ];
}

/** A preset's tables as fixed-width text, one per mode. */
export function formatPresetTable(results: LearnResults, p: PresetInfo): string {
  return modesOf(results, p).map((mode) => formatModeTable(results, p, mode)).join("\n");
}

function formatModeTable(results: LearnResults, p: PresetInfo, mode: EvalMode): string {
  const rows = results.rows.filter((r) => r.preset === p.name && r.mode === mode);
  const widths = [Math.max(24, ...rows.map((r) => r.label.length + 2)), 16, 16, 16, 16, 11, 14, 16];
  const line = (xs: string[]) => xs.map((x, i) => (i === 0 ? x.padEnd(widths[0]!) : x.padStart(widths[i]!))).join("");
  return [...presetHeader(results, p, mode), line([`method (${mode})`, ...HEADS]), ...rows.map((r) => line([r.label, ...cells(r)]))].join("\n") + "\n";
}

/**
 * A preset's table as Markdown, with the command and budgets above it: what the package READMEs paste, so a
 * README table always says how to regenerate it.
 */
export function formatPresetMarkdown(results: LearnResults, p: PresetInfo): string {
  return modesOf(results, p).map((mode) => formatModeMarkdown(results, p, mode)).join("\n");
}

function formatModeMarkdown(results: LearnResults, p: PresetInfo, mode: EvalMode): string {
  const rows = results.rows.filter((r) => r.preset === p.name && r.mode === mode);
  const [, command, ...rest] = presetHeader(results, p, mode);
  return [
    `\`${command!.replace(/^command: /, "")}\``,
    "",
    rest.map((l) => `${l[0]!.toUpperCase()}${l.slice(1)}.`).join(" "),
    "",
    `| ${p.name}, ${mode} | ${HEADS.join(" | ")} |`,
    `|---|${HEADS.map(() => "---:").join("|")}|`,
    ...rows.map((r) => `| ${r.label} | ${cells(r).join(" | ")} |`),
  ].join("\n") + "\n";
}

const CURVE_HINT: Record<string, string> = {
  return: "mean return of the training sessions finished since the previous point; the band spans the seeds (min to max). It is measured on the training world, which for dataset presets is the predicted model, not the test ground truth.",
  len: "mean length of the training sessions finished since the previous point; the band spans the seeds.",
};

/** The HTML page: per preset the table, per-seed R_traj and the learning curves; then the configuration. */
export function learnReportHtml(results: LearnResults, curves: readonly CurvePoint[], generatedAt = new Date().toISOString()): string {
  const b = results.bench;
  const sections: string[] = [];
  for (const p of b.presets) {
    for (const mode of modesOf(results, p)) {
      const rows = results.rows.filter((r) => r.preset === p.name && r.mode === mode);
      const id = `${p.name}-${mode}`;
      const table = resultsTable({
        columns: HEADS.map((h, i) => ({ key: `c${i}`, label: h })),
        rows: rows.map((r) => ({ agent: r.label, ...Object.fromEntries(cells(r).map((c, i) => [`c${i}`, c])) })),
        note: presetHeader(results, p, mode).slice(2).join(" · "),
      });
      const perSeed = resultsTable({
        columns: b.seeds.map((s) => ({ key: `s${s}`, label: `seed ${s}` })),
        rows: rows.map((r) => ({ agent: r.label, ...Object.fromEntries(r.perSeed.map((s) => [`s${s.seed}`, Number(s.r_traj.toFixed(2))])) })),
      });
      // Series are "<preset>/<mode>/<method>": the legend shows the method alone.
      const prefix = `${p.name}/${mode}/`;
      const mine = curves.filter((c) => c.series.startsWith(prefix)).map((c) => ({ ...c, series: c.series.slice(prefix.length) }));
      const names = uniqueInOrder(mine.map((c) => c.series));
      const charts = curvesByMetric(mine, (n) => names.indexOf(n))
        .map((g, i) =>
          figure(
            `${id}-curve-${i}`,
            `${metricLabel(g.metric)} during training`,
            lineChart(g.series, { label: `${p.name} ${mode}: ${metricLabel(g.metric)} over training`, xLabel: "environment transitions", yLabel: metricLabel(g.metric), id: `${id}-chart-${i}` }),
            CURVE_HINT[g.metric] ?? "the latest update's statistic at each point, mean over seeds with the min-max band.",
          ),
        )
        .join("\n");
      sections.push(
        `<section id="${esc(id)}"><h2>${esc(p.name)} · mode ${esc(mode)}</h2>\n${table}\n<h3>R_traj per seed</h3>\n${perSeed}\n` +
          `${charts || `<p class="missing">No online method ran on this preset: no learning curves.</p>`}\n</section>`,
      );
    }
  }
  for (const s of b.skipped) sections.push(`<section><h2>${esc(s.preset)}</h2><p class="missing">Skipped: ${esc(s.reason)}</p></section>`);
  sections.push(`<section id="config"><h2>Configuration</h2>\n${configTable({ ...b, presets: b.presets.map((p) => ({ ...p })) })}\n</section>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="farsight bench learn">
<title>Farsight bench learn</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>Farsight bench learn</h1>
<p class="meta"><code>${esc(b.command)}</code> · generated ${esc(generatedAt)} · ${b.seconds.toFixed(0)} s on ${esc(b.backend)}</p>
<p class="note">${esc(results.note)}. ${esc(b.evaluation.noRepeat ?? "")}. Sampled: ${esc(b.evaluation.sampled ?? "")}.</p>
</header>
<main>
${sections.join("\n")}
</main>
</body>
</html>
`;
}

export function writeLearnReport(dir: string, results: LearnResults, curves: readonly CurvePoint[]): void {
  writeFileSync(join(dir, "report.html"), learnReportHtml(results, curves));
  writeFileSync(join(dir, "results.md"), results.bench.presets.map((p) => formatPresetMarkdown(results, p)).join("\n"));
}
