/**
 * Where the embedded (no database) backend keeps a sweep: `<out>/sweep.json` (the spec and its hash),
 * `<out>/runs/<job id>/` (each job's run directory) and `<out>/results/<job id>.json` (each finished job's rows and
 * curve summary, written whole by a rename). A result file is the mark of a finished job: a rerun skips it, and a
 * second write of the same job replaces the file, so a job never has two results.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { FarsightError } from "@farsight/core";
import { writeFileAtomic } from "../run-dir/run-directory.js";
import type { JobResult } from "./job.js";
import { checkSweepSpec, specHash, type SweepSpec } from "./spec.js";

const SWEEP_FILE = "sweep.json";

/** The run directories' root of a local sweep. */
export function localRunsRoot(out: string): string {
  return join(out, "runs");
}

/** Creates (or reopens) the sweep directory; refuses one that holds another spec's sweep. */
export function openLocalSweep(out: string, spec: SweepSpec): void {
  const hash = specHash(spec);
  const file = join(out, SWEEP_FILE);
  if (existsSync(file)) {
    const held = readLocalSpec(out);
    if (specHash(held) !== hash) {
      throw new FarsightError("lab/sweep-other-spec", `${out} holds the sweep "${held.name}" (spec ${specHash(held)}), not this spec (${hash}): choose another --out, or rerun with the spec it holds`, { out, held: specHash(held), spec: hash });
    }
    return;
  }
  mkdirSync(out, { recursive: true });
  writeFileAtomic(file, JSON.stringify({ specHash: hash, spec }, null, 1) + "\n");
}

/** The spec a sweep directory was started with. */
export function readLocalSpec(out: string): SweepSpec {
  const file = join(out, SWEEP_FILE);
  if (!existsSync(file)) throw new FarsightError("lab/run-dir-missing", `${out} is not a sweep directory (no ${SWEEP_FILE}); start one with \`farsight sweep SPEC --out ${out}\``, { out });
  const raw = JSON.parse(readFileSync(file, "utf8")) as { spec?: unknown };
  return checkSweepSpec(raw.spec, file);
}

function resultFile(out: string, jobId: string): string {
  return join(out, "results", ...jobId.split("/")) + ".json";
}

/** Records a finished job (replacing an earlier record of the same job, never adding a second). */
export function writeLocalResult(out: string, result: JobResult): void {
  const file = resultFile(out, result.job.id);
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, JSON.stringify(result) + "\n");
}

/** Whether the job has a recorded result. */
export function hasLocalResult(out: string, jobId: string): boolean {
  return existsSync(resultFile(out, jobId));
}

/** Every finished job's result of the sweep in `out` (of its spec only), in job-id order. */
export function readLocalResults(out: string): JobResult[] {
  const hash = specHash(readLocalSpec(out));
  const root = join(out, "results");
  const files: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".json")) files.push(path);
    }
  };
  walk(root);
  return files.map((f) => JSON.parse(readFileSync(f, "utf8")) as JobResult).filter((r) => r.job.specHash === hash);
}
