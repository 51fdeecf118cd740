/**
 * Writes a report file without destroying someone else's file. A report says who wrote it in its head:
 * `<meta name="generator" content="farsight report">` (every report `buildReport` makes carries it). An
 * existing file at the target is replaced only when it carries that mark (an earlier report, which the run
 * directory can rebuild) or when the caller forces it (`farsight report --force`); anything else (a page the
 * user wrote, a file `--out` named by mistake) is refused and left as it was. The new report is written to a
 * temporary file and renamed into place, so a crash leaves the old file or the new one, never half of one.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync } from "node:fs";
import { dirname } from "node:path";
import { FarsightError } from "@farsight/core";
import { checkOrdinaryPath } from "@farsight/core/node";
import { writeFileAtomic } from "../run-dir/run-directory.js";

/** The mark by which a file is known to be a report Farsight wrote. */
export const REPORT_GENERATOR_MARK = '<meta name="generator" content="farsight report">';

/** How far into a file the mark is looked for (it sits in the head, a few lines down). */
const HEAD_BYTES = 4096;

/** Whether the regular file at `path` is a report Farsight wrote (its head carries {@link REPORT_GENERATOR_MARK}). */
export function isFarsightReport(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, n).toString("utf8").includes(REPORT_GENERATOR_MARK);
  } finally {
    closeSync(fd);
  }
}

export interface WriteReportOptions {
  /** Replace an existing file even when it is not a Farsight report. */
  readonly force?: boolean;
}

/**
 * Writes `html` to `path` atomically (creating its folder). Refuses (`lab/report-overwrite`) an existing file
 * that is not a Farsight report unless `force`, and a special path or a non-regular file always (`core/special-path`).
 */
export function writeReportFile(path: string, html: string, options: WriteReportOptions = {}): void {
  checkOrdinaryPath(path, "file", { what: "the report" });
  if (existsSync(path) && !options.force && !isFarsightReport(path)) {
    throw new FarsightError(
      "lab/report-overwrite",
      `${path} exists and is not a report Farsight wrote (no ${REPORT_GENERATOR_MARK} in its head); it was left as it was. ` +
        `Choose another --out, or pass --force to replace it.`,
      { path },
    );
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, html);
}
