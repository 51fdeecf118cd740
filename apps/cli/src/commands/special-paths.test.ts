/**
 * Special paths and non-regular files are refused at once, before anything opens them (opening a FIFO blocks
 * until a writer comes; a file under /proc can be endless): `models fetch --dir`, `run --out`, `demo --out`,
 * `report` and `data fetch` answer with exit code 2 and a message that names the path and what it is.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { captureIO } from "../capture-io.js";
import { main } from "../main.js";

const root = mkdtempSync(join(tmpdir(), "farsight-special-paths-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fifo = join(root, "pipe");
execFileSync("mkfifo", [fifo]);

async function refused(argv: string[]): Promise<string> {
  const io = captureIO();
  const code = await main(argv, io);
  expect({ argv, code }).toEqual({ argv, code: 2 });
  return io.err;
}

const SMALL_RUN = ["--env", "synthetic", "--planner", "saturation", "--steps", "16", "--batch", "4", "--episodes", "2"];

describe("special paths are refused at once", () => {
  const cases: [string, string[]][] = [
    ["run lerl --out under /proc", ["run", "lerl", ...SMALL_RUN, "--out", "/proc/self/farsight-run"]],
    ["run lerl --out a FIFO", ["run", "lerl", ...SMALL_RUN, "--out", fifo]],
    ["run ilrec --out under /sys", ["run", "ilrec", "--env", "synthetic", "--teacher", "heuristic", "--demos", "2", "--out", "/sys/farsight-run"]],
    ["demo --out under /dev", ["demo", "--out", "/dev/farsight-demo"]],
    ["models fetch --dir under /proc", ["models", "fetch", "smollm2", "--dir", "/proc/self/farsight-models"]],
    ["models fetch --dir a FIFO", ["models", "fetch", "smollm2", "--dir", fifo]],
    ["data fetch --data-dir under /proc", ["data", "fetch", "coat", "--data-dir", "/proc/self/farsight-data"]],
    ["data fetch --data-dir a FIFO", ["data", "fetch", "coat", "--data-dir", fifo]],
    ["report of a run directory under /proc", ["report", "/proc/self"]],
    ["report --out a FIFO", ["report", root, "--out", fifo]],
  ];
  it.each(cases)("%s", async (_name, argv) => {
    const err = await refused(argv);
    expect(err).toMatch(/special file system|FIFO \(named pipe\)/);
  });
});
