/**
 * `farsight report` never reads outside the run directory and never destroys a file it did not write: a
 * record that is a symbolic link out of the directory (or a FIFO) is refused with a message naming it and
 * nothing is written; an existing --out that is not a Farsight report is refused unless --force, while an
 * earlier report is replaced.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeFixtureRunDir } from "@farsight/lab";
import { captureIO } from "../capture-io.js";
import { main } from "../main.js";

const root = mkdtempSync(join(tmpdir(), "farsight-report-safety-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const SECRET = "private-line-Kq93 that must stay where it is";
const outside = join(root, "outside.jsonl");
writeFileSync(outside, `{"series":"${SECRET}","step":1,"metric":"r_traj","value":1}\n`);

async function report(argv: string[]) {
  const io = captureIO();
  const code = await main(["report", ...argv], io);
  return { code, err: io.err, out: io.out };
}

describe("report reads only regular files inside the run directory", () => {
  for (const file of ["curves.jsonl", "episodes.jsonl", "results.json", "config.json", "demo-weights.json"]) {
    it(`a symlinked ${file} pointing outside is refused, and no report is written`, async () => {
      const dir = join(root, `link-${file}`);
      writeFixtureRunDir(dir, { episodesPerAgent: 4 });
      rmSync(join(dir, file), { force: true });
      symlinkSync(outside, join(dir, file));
      const r = await report([dir]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${join(dir, file)} is a symbolic link to ${outside}, outside the run directory`);
      expect(existsSync(join(dir, "report.html"))).toBe(false);
    });
  }

  it("a link that stays inside the run directory is read", async () => {
    const dir = join(root, "inner-link");
    writeFixtureRunDir(dir, { episodesPerAgent: 4 });
    copyFileSync(join(dir, "curves.jsonl"), join(dir, "curves-copy.jsonl"));
    rmSync(join(dir, "curves.jsonl"));
    symlinkSync("curves-copy.jsonl", join(dir, "curves.jsonl"));
    expect((await report([dir])).code).toBe(0);
    expect(readFileSync(join(dir, "report.html"), "utf8")).toContain("Learning curves");
  });

  it("a FIFO in place of a record is refused at once (reading it would block)", async () => {
    const dir = join(root, "fifo");
    writeFixtureRunDir(dir, { episodesPerAgent: 4 });
    rmSync(join(dir, "episodes.jsonl"));
    execFileSync("mkfifo", [join(dir, "episodes.jsonl")]);
    const r = await report([dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/episodes\.jsonl is a FIFO \(named pipe\), not a regular file/);
  });
});

describe("report --out replaces only a report Farsight wrote", () => {
  const dir = join(root, "run");
  writeFixtureRunDir(dir, { episodesPerAgent: 4 });

  it("refuses a file it did not write, leaves it byte for byte, and replaces it with --force", async () => {
    const mine = join(root, "notes.html");
    writeFileSync(mine, "<html><body>my notes</body></html>\n");
    const r = await report([dir, "--out", mine]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${mine} exists and is not a report Farsight wrote`);
    expect(r.err).toContain("--force");
    expect(readFileSync(mine, "utf8")).toBe("<html><body>my notes</body></html>\n");
    expect((await report([dir, "--out", mine, "--force"])).code).toBe(0);
    expect(readFileSync(mine, "utf8")).toContain('<meta name="generator" content="farsight report">');
  });

  it("replaces an earlier report without --force", async () => {
    expect((await report([dir])).code).toBe(0);
    writeFileSync(join(dir, "report.html"), readFileSync(join(dir, "report.html"), "utf8").replace("</body>", "<p>stale</p></body>"));
    expect((await report([dir])).code).toBe(0);
    expect(readFileSync(join(dir, "report.html"), "utf8")).not.toContain("<p>stale</p>");
  });
});
