/**
 * docs/evidence.md from the sweeps' runs: tables of per-seed values with intervals, paired differences with
 * verdicts, the threshold on each axis, and SVG figures with interval bands. (Being written.)
 */
import { dirname, join } from "node:path";
import { mkdirSync } from "node:fs";
import { writeFileAtomic } from "../run-dir/run-directory.js";
import { writeEvidenceData, type EvidenceData } from "./run.js";

export interface EvidenceDocOptions {
  readonly doc: string;
  /** The command line that produced the document, printed beside every figure. */
  readonly command: string;
  readonly out: string;
}

export function writeEvidenceDoc(data: EvidenceData, o: EvidenceDocOptions): { doc: string; figures: string[] } {
  const dir = join(dirname(o.doc), "evidence");
  mkdirSync(dir, { recursive: true });
  writeEvidenceData(join(dir, "data.json"), data);
  writeFileAtomic(o.doc, `# Evidence\n\n${data.runs.length} runs.\n`);
  return { doc: o.doc, figures: [] };
}
