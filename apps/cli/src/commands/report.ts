import { existsSync } from "node:fs";
import { dirname, join, parse, resolve } from "node:path";
import { UsageError, type Command } from "../command.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { renderHelp } from "../help.js";
import { buildReport, DEMO_WEIGHTS_FILE, formatLlmAnswers, isIlrecRun, readRunDir, writeReportFile } from "@farsight/lab";
import { inspectReport } from "../report/browser.js";
import { checkOrdinaryPath } from "@farsight/core/node";

const spec = defineCommand({
  command: "report",
  forms: ["<run dir>"],
  positionals: true,
  description: [
    "Writes a self-contained HTML report of a run directory (no network, no CDN: inline CSS and SVG): the comparison table, learning curves, " +
      "session-length distribution, category exposure over session steps (the filter-bubble picture) and the run's configuration. " +
      "A `farsight run ilrec` directory gets the IL-Rec report instead: teacher vs policy (bars and table), the learning curves of IL-Rec and its baselines " +
      "with the spread over seeds, and the demonstration weights over training. " +
      "The format of a run directory is described in packages/lab/src/run-dir/RUN_DIR.md; missing files make their section say \"not recorded\", " +
      "malformed lines are listed with file and line (and on stderr) and skipped.",
  ],
  flags: {
    out: { kind: "path", placeholder: "FILE", defaultHelp: "<run dir>/report.html", help: "where to write the report." },
    force: { kind: "boolean", help: "replace --out even when it is not a report Farsight wrote (by default only an earlier report is replaced)." },
    png: { kind: "boolean", help: "also screenshot every chart into <out name>-png/ (needs Chromium, see below)." },
    "open-check": {
      kind: "boolean",
      help: "open the report in headless Chromium and fail (exit 1) unless every chart draws data, the comparison table has rows and the page requests nothing from the network.",
    },
    json: { kind: "boolean", help: "print one JSON object (paths, sections, problems, check results) instead of text." },
  },
  notes: [
    "The report reads only regular files inside the run directory: a file that is a symbolic link to a place outside it (or a FIFO, a device) is refused and nothing is written. " +
      "An existing --out is replaced only when it is a report Farsight wrote (its head carries <meta name=\"generator\" content=\"farsight report\">), unless --force.",
    "--png and --open-check need Chromium (Debian: apt-get install -y chromium; or set FARSIGHT_CHROMIUM) and the playwright-core package; " +
      "without them they fail with that message and the HTML is still written.",
  ],
});

export const reportCommand: Command = {
  name: "report",
  summary: "write a self-contained HTML report (SVG charts, tables) of a run directory",
  get usage() {
    return renderHelp(spec);
  },
  tables: [spec],
  async run(argv, io) {
    const { values, positionals } = parseCommand(spec, argv);
    if (positionals.length !== 1) throw new UsageError(`farsight report: expected one run directory, got ${positionals.length}\n\n${renderHelp(spec)}`);
    const runDir = positionals[0]!;
    const out = resolve(values.out ?? join(runDir, "report.html"));
    checkOrdinaryPath(runDir, "directory", { what: "the run directory" });
    checkOrdinaryPath(out, "file", { what: "the report (--out)" });

    const data = readRunDir(runDir);
    for (const p of data.problems) io.stderr(`warning: ${join(runDir, p.file)}${p.line !== undefined ? `:${p.line}` : ""}: ${p.message}\n`);
    if (data.problemsNotListed > 0) io.stderr(`warning: ${data.problemsNotListed} more problems not listed\n`);
    const report = buildReport(data);
    writeReportFile(out, report.html, { force: values.force === true });

    const wantBrowser = values.png || values["open-check"];
    const pngDir = values.png ? join(dirname(out), `${parse(out).name}-png`) : undefined;
    const check = wantBrowser ? await inspectReport(out, pngDir ? { pngDir } : {}) : null;
    const failed = Boolean(values["open-check"] && check && check.failures.length > 0);

    // An IL-Rec run records its demonstration weights too (demo-weights.json, a section of its report).
    const recorded: Record<string, boolean> = { ...data.present, ...(isIlrecRun(data) ? { demoWeights: existsSync(join(runDir, DEMO_WEIGHTS_FILE)) } : {}) };
    if (values.json) {
      io.stdout(JSON.stringify({ out, recorded, sections: report.sections.map((s) => s.id), problems: data.problems, ...(data.llmAnswers ? { llmAnswers: data.llmAnswers } : {}), check, ok: !failed }) + "\n");
    } else {
      io.stdout(`wrote ${out}\n`);
      // An IL-Rec run has no evaluation episodes to record: its report does not ask for them.
      const missing = Object.entries(data.present).filter(([k, v]) => !v && !(k === "episodes" && isIlrecRun(data))).map(([k]) => k);
      if (missing.length) io.stdout(`not recorded: ${missing.join(", ")}\n`);
      // A run with --record: its LLM answers per role (the report's "LLM answers" section has the examples).
      if (data.llmAnswers) io.stdout(`LLM answers (llm-records.jsonl, ${data.llmAnswers.records} records):\n${formatLlmAnswers(data.llmAnswers).map((l) => `  ${l}\n`).join("")}`);
      if (data.problems.length) io.stdout(`${data.problems.length + data.problemsNotListed} problem(s) in the records (listed in the report)\n`);
      if (check?.pngs.length) io.stdout(`wrote ${check.pngs.length} PNG screenshots to ${pngDir}\n`);
      if (check && values["open-check"]) {
        io.stdout(
          failed
            ? `open check FAILED:\n${check.failures.map((f) => `  - ${f}`).join("\n")}\n`
            : `open check ok: ${check.charts.length} charts with data, ${check.tableRows} table rows, no network requests\n`,
        );
      }
    }
    return failed ? 1 : 0;
  },
};
