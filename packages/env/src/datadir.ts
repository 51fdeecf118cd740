/**
 * Where datasets live. An explicit data directory (`--data-dir`) is the only place looked at: a missing
 * `<dataDir>/<name>` is an error, never a silent fall-back to another copy. Without one, the search order for
 * dataset `<name>` is (the first directory that exists wins):
 * 1. `$FARSIGHT_DATA_DIR/<name>`;
 * 2. `~/.farsight/data/<name>` (where `farsight data fetch` writes by default);
 * 3. `<repo>/../shared/data/<name>`, when this package runs from a checkout that has it (tests, Coat).
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FarsightError } from "@farsight/core";

/** The default download directory: `$FARSIGHT_DATA_DIR`, else `~/.farsight/data`. */
export function defaultDataDir(): string {
  return process.env.FARSIGHT_DATA_DIR ?? join(homedir(), ".farsight", "data");
}

/** The monorepo root this file runs from (the folder with pnpm-workspace.yaml), if any. */
export function repoRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, "pnpm-workspace.yaml"))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/** Candidate directories for dataset `name`, in search order (only `<dataDir>/<name>` when `dataDir` is given). */
export function dataDirCandidates(name: string, dataDir?: string): string[] {
  if (dataDir !== undefined) return [join(resolve(dataDir), name)];
  const out: string[] = [];
  if (process.env.FARSIGHT_DATA_DIR) out.push(join(resolve(process.env.FARSIGHT_DATA_DIR), name));
  out.push(join(homedir(), ".farsight", "data", name));
  const root = repoRoot();
  if (root) out.push(join(root, "..", "shared", "data", name));
  return [...new Set(out)];
}

/** The first existing directory for dataset `name`, or an error listing every place searched. */
export function findDataset(name: string, dataDir?: string): string {
  const candidates = dataDirCandidates(name, dataDir);
  const hit = candidates.find((d) => existsSync(d));
  if (!hit && dataDir !== undefined) {
    // A user who points at the dataset folder itself gets told which parent to pass.
    const self = basename(resolve(dataDir)) === name && existsSync(dataDir) ? ` (${resolve(dataDir)} looks like the dataset folder itself: pass its parent, --data-dir ${dirname(resolve(dataDir))})` : "";
    throw new FarsightError(
      "env/missing-data",
      `dataset "${name}" not found in the given data directory: ${candidates[0]} does not exist${self}. Run \`farsight data fetch ${name} --data-dir ${dataDir}\`, or drop --data-dir to search $FARSIGHT_DATA_DIR, ~/.farsight/data and <repo>/../shared/data.`,
      { name, candidates },
    );
  }
  if (!hit) {
    throw new FarsightError(
      "env/missing-data",
      `dataset "${name}" not found; searched: ${candidates.join(", ")}. Run \`farsight data fetch ${name}\` or pass --data-dir.`,
      { name, candidates },
    );
  }
  return hit;
}
