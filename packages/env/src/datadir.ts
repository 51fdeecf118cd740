/**
 * Where datasets live. Search order for dataset `<name>` (the first directory that exists wins):
 * 1. `<dataDir>/<name>` when a data directory is given (`--data-dir`);
 * 2. `$FARSIGHT_DATA_DIR/<name>`;
 * 3. `~/.farsight/data/<name>` (where `farsight data fetch` writes by default);
 * 4. `<repo>/../shared/data/<name>`, when this package runs from a checkout that has it (tests, Coat).
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
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

/** Candidate directories for dataset `name`, in search order. */
export function dataDirCandidates(name: string, dataDir?: string): string[] {
  const out: string[] = [];
  if (dataDir) out.push(join(resolve(dataDir), name));
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
  if (!hit) {
    throw new FarsightError(
      "env/missing-data",
      `dataset "${name}" not found; searched: ${candidates.join(", ")}. Run \`farsight data fetch ${name}\` or pass --data-dir.`,
      { name, candidates },
    );
  }
  return hit;
}
