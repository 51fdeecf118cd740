/**
 * `farsight evidence`: runs (or continues) the evidence sweeps of @farsight/lab and regenerates docs/evidence.md
 * with its figures from their run directories. Flags in, lab's `runEvidence` and `writeEvidenceDoc`, a summary out.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { REPORT_SEEDS, runEvidence, SCALES, SWEEPS, writeEvidenceDoc, type ScaleName, type SweepId } from "@farsight/lab";
import type { CliIO, Command } from "../command.js";
import { DATA_DIR_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { renderHelp } from "../help.js";
import { labIO } from "../lab-io.js";

const spec = defineCommand({
  command: "evidence",
  description: [
    "Runs the evidence sweeps (LERL against flat PPO along planner quality q; IL-Rec against A2C along budget and teacher quality; " +
      "LERL across catalog sizes; plan quality of every planner on the q scale), one run directory per cell and seed under --out, " +
      "then writes --doc with its SVG figures: per-seed values, means with 95% stratified-bootstrap intervals, paired differences and verdicts.",
    "Rerunning continues: finished cells are read, a cut LERL cell resumes from its checkpoints.",
  ],
  flags: {
    out: { kind: "path", placeholder: "DIR", default: join("runs", "evidence"), help: "root of the sweeps' run directories." },
    doc: { kind: "path", placeholder: "FILE", default: join("docs", "evidence.md"), help: "the document to write (figures go to FILE's folder, evidence/)." },
    seeds: { kind: "list", placeholder: "S,...", default: REPORT_SEEDS.map(String), help: "seeds of every cell (settings were chosen on 100-104; report on others)." },
    sweeps: { kind: "list", choices: SWEEPS, placeholder: "NAME,...", default: SWEEPS, help: "sweeps to run (the others are read where they exist)." },
    presets: { kind: "list", placeholder: "PRESET,...", defaultHelp: "every preset of each sweep", help: "run only these presets (the others are read where they exist)." },
    notes: { kind: "path", placeholder: "FILE", defaultHelp: "FILE beside --doc named <doc>-notes.md, when it exists", help: "hand-written interpretation inserted under the summary, marked as such." },
    "read-only": { kind: "boolean", help: "run nothing: regenerate the document from the cells that exist." },
    scale: {
      kind: "choice", choices: Object.keys(SCALES) as ScaleName[], default: "full", placeholder: "NAME", help: "budgets and grids of the sweeps.",
      choiceHelp: {
        full: "the design: q in 0, .25, .5, .75, 1 at 8000 transitions; IL-Rec budgets 1k-50k; teacher quality; catalog sizes (hours of CPU)",
        quick: "the q grid at 4000 transitions, IL-Rec budgets 1k-10k (about an hour or two on 2 idle cores)",
        smoke: "tiny budgets that exercise every path (its numbers mean nothing)",
      },
    },
    llm: { kind: "string", placeholder: "SPEC", defaultHelp: "none", help: "also place this model's LLM category planner on the q scale (plan-quality), e.g. llama-cpp: for the fetched SmolLM2." },
    "llm-sessions": { kind: "int", min: 1, default: 4, placeholder: "N", help: "probe sessions the --llm planner answers per preset." },
    ...DATA_DIR_FLAG,
  },
  notes: ["The full sweeps take about two hours of CPU on 2 cores; run two processes with different --sweeps or --presets to use both cores."],
});

export const evidenceCommand: Command = {
  name: "evidence",
  summary: "run the evidence sweeps and regenerate docs/evidence.md (LERL and IL-Rec against their ablations, with CIs)",
  get usage() {
    return renderHelp(spec);
  },
  tables: [spec],
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parseCommand(spec, argv);
    const seeds = values.seeds.map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--seeds takes integers >= 0, got "${s}"`);
      return n;
    });
    const data = await runEvidence({
      out: values.out,
      seeds,
      sweeps: values.sweeps as SweepId[],
      ...(values.presets ? { presets: values.presets } : {}),
      ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
      scale: SCALES[values.scale],
      readOnly: values["read-only"],
      ...(values.llm ? { llm: values.llm, llmSessions: values["llm-sessions"] } : {}),
      io: labIO(io),
    });
    const command = ["farsight evidence", ...argv].join(" ");
    const notesFile = values.notes ?? values.doc.replace(/\.md$/, "") + "-notes.md";
    const notes = existsSync(notesFile) ? [`### Interpretation (written by hand from the tables below, in [${basename(notesFile)}](${basename(notesFile)}); the tables are the evidence)`, "", readFileSync(notesFile, "utf8").trim()] : [];
    const written = writeEvidenceDoc(data, { doc: values.doc, command, out: values.out, notes });
    io.stdout(`${data.runs.length} runs, ${data.planQuality.length} plan-quality placements; ${data.missing.length} cells not run yet\n`);
    io.stdout(`document: ${written.doc}\nfigures: ${written.figures.join(", ")}\n`);
    return 0;
  },
};
