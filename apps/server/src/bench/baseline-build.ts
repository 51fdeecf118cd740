/**
 * An older build to measure against in the same run: `git archive` of the commit into a cache directory
 * (`~/.cache/farsight/bench-serve/<sha>`), then `pnpm install --frozen-lockfile` and `pnpm build` there. A
 * finished build leaves a marker file and is reused; an unfinished one is built again from scratch.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { FarsightError } from "@farsight/core";

export interface BaselineOptions {
  /** Any git revision the repository knows (`main`, `f65f141`, a tag). */
  readonly ref: string;
  /** The repository to read the commit from. */
  readonly repoDir: string;
  /** Default `~/.cache/farsight/bench-serve`. */
  readonly cacheDir?: string;
  /** Told each step (install, build), for progress lines. */
  readonly onStep?: (what: string) => void;
}

export interface BaselineBuild {
  readonly sha: string;
  readonly dir: string;
  /** The build's CLI (`farsight serve` is `node <bin> serve`). */
  readonly bin: string;
}

const MARKER = ".farsight-bench-built";
const PNPM = ["-y", "pnpm@10.34.9"];

export function buildBaseline(o: BaselineOptions): BaselineBuild {
  let sha: string;
  try {
    sha = execFileSync("git", ["-C", o.repoDir, "rev-parse", "--verify", `${o.ref}^{commit}`], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (err) {
    throw new FarsightError("server/bench-baseline", `--baseline ${o.ref}: not a commit of the repository at ${o.repoDir} (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`, { ref: o.ref });
  }
  const root = o.cacheDir ?? join(homedir(), ".cache", "farsight", "bench-serve");
  const dir = join(root, sha);
  const bin = join(dir, "apps", "cli", "dist", "bin.js");
  if (existsSync(join(dir, MARKER)) && existsSync(bin)) return { sha, dir, bin };
  mkdirSync(root, { recursive: true });
  // Built beside its final place and renamed once complete: a half-built cache entry is never taken for a build.
  const work = `${dir}.partial`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const archive = spawnSync("sh", ["-c", `git -C "$0" archive --format=tar "$1" | tar -x -C "$2"`, o.repoDir, sha, work], { stdio: ["ignore", "ignore", "pipe"] });
  if (archive.status !== 0) throw new FarsightError("server/bench-baseline", `git archive ${sha} into ${work} failed: ${String(archive.stderr)}`, { sha });
  for (const step of [["install", "--frozen-lockfile"], ["build"]]) {
    o.onStep?.(`${step[0]} ${sha.slice(0, 10)} in ${work}`);
    const r = spawnSync("npx", [...PNPM, ...step], { cwd: work, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", maxBuffer: 1 << 26 });
    if (r.status !== 0) {
      throw new FarsightError("server/bench-baseline", `pnpm ${step.join(" ")} of ${sha} in ${work} failed (exit ${r.status}): ${(r.stderr || r.stdout).slice(-2000)}`, { sha, dir: work });
    }
  }
  if (!existsSync(join(work, "apps", "cli", "dist", "bin.js"))) throw new FarsightError("server/bench-baseline", `the build of ${sha} in ${work} has no apps/cli/dist/bin.js`, { sha });
  writeFileSync(join(work, MARKER), `${sha}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  return { sha, dir, bin };
}
