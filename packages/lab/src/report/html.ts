/**
 * Assembles the report: one self-contained HTML file (inline CSS, inline SVG, no script, no external
 * resource), readable offline, printable, and safe to attach to an issue.
 */
import { basename, resolve } from "node:path";
import { uniqueInOrder } from "./analysis.js";
import { isIlrecRun } from "./ilrec-data.js";
import { ilrecColours, ilrecSections } from "./ilrec-sections.js";
import type { RunDirData } from "../run-dir/read-run-dir.js";
import { comparisonSection, configSection, curvesSection, episodeAgents, exposureSection, lengthSection, problemsSection, type Section } from "./sections.js";
import { esc } from "./svg.js";
import { llmAnswersSection } from "./llm-answers-section.js";
import { redactForWrite } from "@farsight/core";

export interface ReportOptions {
  /** Page title; defaults to "Farsight run: <run dir name>". */
  readonly title?: string;
  /** Shown in the header; pass a fixed value for byte-identical reports. Defaults to now. */
  readonly generatedAt?: string;
}

export interface Report {
  readonly html: string;
  /** The sections in page order (ids are the HTML anchors). */
  readonly sections: readonly { id: string; title: string }[];
}

/** The report's stylesheet, shared with pages built from the same helpers (`farsight bench learn`'s report.html). */
export const REPORT_CSS = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; background: #fff;
  max-width: 900px; margin: 0 auto; padding: 24px 28px 64px; line-height: 1.45; }
header { border-bottom: 2px solid #0072B2; margin-bottom: 8px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
.meta { color: #57606a; margin: 0 0 12px; font-size: 0.9rem; }
nav ol { display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 0; margin: 8px 0 0; list-style: none; font-size: 0.95rem; }
nav a, a { color: #0057a0; }
section { margin-top: 28px; }
h2 { font-size: 1.3rem; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
h3 { font-size: 1.05rem; margin: 0 0 6px; }
h4 { font-size: 0.95rem; margin: 4px 0; }
.figure { margin: 18px 0 26px; }
figcaption, .caption { color: #444c56; font-size: 0.9rem; max-width: 860px; margin-top: 4px; }
svg.chart { display: block; max-width: 100%; height: auto; background: #fff; }
.multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); gap: 8px 20px; }
table { border-collapse: collapse; font-size: 0.92rem; }
th, td { border-bottom: 1px solid #d8dee4; padding: 5px 12px; text-align: left; vertical-align: top; }
thead th { background: #f3f6f9; border-bottom: 2px solid #afb8c1; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.std { color: #6e7781; font-size: 0.85em; }
.dir { color: #6e7781; font-weight: normal; }
table.config code { font-size: 0.85rem; }
.missing { color: #8a4b00; background: #fff8e6; border-left: 4px solid #E69F00; padding: 6px 10px; }
.problems { font-size: 0.88rem; }
.note { color: #57606a; font-size: 0.88rem; }
pre.llm { white-space: pre-wrap; word-break: break-word; font-size: 0.8rem; margin: 0; max-width: 380px; }
table.llm-answers ul { margin: 0; padding-left: 16px; font-size: 0.85rem; }
@media print { body { max-width: none; } .figure { break-inside: avoid; } }
`;

/** Builds the report's HTML from a run directory's records. */
export function buildReport(data: RunDirData, opts: ReportOptions = {}): Report {
  const runName = basename(resolve(data.dir));
  const ilrec = isIlrecRun(data);
  const title = opts.title ?? `Farsight ${ilrec ? "IL-Rec run" : "run"}: ${runName}`;
  const generatedAt = opts.generatedAt ?? new Date().toISOString();
  // One colour slot per method across all charts: results order first (the order the user chose), then the
  // agents of the episodes, then the series of the curves.
  const names = uniqueInOrder([
    ...(data.results?.rows.map((r) => r.agent) ?? []),
    ...(data.episodes?.map((e) => e.agent) ?? []),
    ...(data.curves?.map((c) => c.series) ?? []),
  ]);
  const colourOf = (name: string) => Math.max(0, names.indexOf(name));
  const agents = episodeAgents(data);

  // An IL-Rec run has its own sections (teacher vs policy, weights) around the shared ones.
  const sections: Section[] = ilrec
    ? [...ilrecSections(data, ilrecColours(data)), configSection(data)]
    : [comparisonSection(data), curvesSection(data, colourOf), lengthSection(data, agents, colourOf), exposureSection(data, agents, colourOf), configSection(data)];
  // A recorded run (--record): what the model was asked and answered, per role, before the configuration.
  const llm = llmAnswersSection(data);
  if (llm) sections.splice(sections.length - 1, 0, llm);
  const problems = problemsSection(data);
  if (problems) sections.push(problems);

  const nav = sections.map((s) => `<li><a href="#${s.id}">${esc(s.title)}</a></li>`).join("");
  const body = sections.map((s) => `<section id="${s.id}"><h2>${esc(s.title)}</h2>\n${s.html}\n</section>`).join("\n");
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="farsight report">
<title>${esc(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
<p class="meta">Run directory <code>${esc(data.dir)}</code> · generated ${esc(generatedAt)} by <code>farsight report</code>${
    data.problems.length ? ` · <a href="#problems">${data.problems.length + data.problemsNotListed} problem(s) in the records</a>` : ""
  }</p>
<nav><ol>${nav}</ol></nav>
</header>
<main>
${body}
</main>
</body>
</html>
`;
  // The report is written by run lerl, run ilrec, demo and report: it passes the write boundary here, once for all.
  return { html: redactForWrite(html), sections: sections.map((s) => ({ id: s.id, title: s.title })) };
}
