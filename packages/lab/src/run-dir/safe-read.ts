/**
 * Reads a file of a run directory without leaving it. A run directory can come from anyone (a colleague's
 * archive, a download): a `curves.jsonl` that is a symbolic link to `~/.ssh/id_rsa` or `/etc/shadow` must not
 * end up quoted in report.html, and a FIFO in place of a file must not block the report forever. So a link is
 * followed only when its target stays inside the run directory, and only regular files are read.
 */
import { lstatSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, relative, isAbsolute } from "node:path";
import { FarsightError } from "@farsight/core";
import { describeKind } from "@farsight/core/node";

/**
 * The text of `name` inside `dir`, or null when there is no such file. Throws `lab/run-dir-outside` when it is
 * a link whose target is outside `dir` (or dangling), `lab/run-dir-not-regular` when it is not a regular file.
 */
export function readRunFile(dir: string, name: string): string | null {
  const path = join(dir, name);
  let link;
  try {
    link = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  if (link.isSymbolicLink()) {
    let target: string;
    try {
      target = realpathSync(path);
    } catch {
      throw new FarsightError("lab/run-dir-outside", `${path} is a symbolic link whose target does not exist; replace it with the file itself (or remove it)`, { dir, file: name });
    }
    const rel = relative(realpathSync(dir), target);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
      throw new FarsightError(
        "lab/run-dir-outside",
        `${path} is a symbolic link to ${target}, outside the run directory; the report reads only files inside it, so nothing was written. ` +
          `If that file is really part of the run, copy it into the run directory in place of the link.`,
        { dir, file: name, target },
      );
    }
  }
  if (!statSync(path).isFile()) {
    throw new FarsightError("lab/run-dir-not-regular", `${path} is ${describeKind(path)}, not a regular file; the report reads only regular files, so nothing was written`, { dir, file: name });
  }
  return readFileSync(path, "utf8");
}
