/**
 * Where a SQLite state may live, and who holds it. A path under `/proc`, `/sys` or `/dev`, or a file that is
 * not a regular file (a FIFO, a device), is refused at once: opening one can block forever. One server process
 * holds a state file at a time, through `<file>.lock` (its pid, created exclusively): a second server on the
 * same file would take the first one's live runs for lost. A lock whose process is gone is taken over.
 */
import { closeSync, lstatSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { FarsightError } from "@farsight/core";
import { checkOrdinaryPath } from "@farsight/core/node";

/** Refuses a path a SQLite file must not be at (see the module comment); returns it resolved. */
export function checkStatePath(file: string): string {
  return checkOrdinaryPath(file, "file", { code: "server/bad-storage", what: "the state file" });
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Takes `<file>.lock` for this process; returns the function that lets it go. Refuses while a live process holds it. */
export function lockStateFile(file: string): () => void {
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if (!lstatSync(lock).isFile()) throw new FarsightError("server/bad-storage", `${lock} is not a regular file; remove it`, { lock });
    const pid = Number(readFileSync(lock, "utf8").trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      throw new FarsightError("server/bad-storage", `${file} is in use by process ${pid} (another farsight serve); stop it, or give this one another --state-dir`, { file, pid });
    }
    // Its process is gone: the lock is stale.
    rmSync(lock, { force: true });
  }
  throw new FarsightError("server/bad-storage", `could not take ${lock}: another process keeps taking it`, { lock });
}
