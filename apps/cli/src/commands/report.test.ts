import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../main.js";
import { reportCommand } from "./report.js";
import { writeFixtureRunDir, RUN_FILES } from "@farsight/lab";
import { captureIO } from "../capture-io.js";


const root = mkdtempSync(join(tmpdir(), "farsight-report-cmd-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("farsight report", () => {
  it("writes a self-contained report of a full run directory", async () => {
    const dir = writeFixtureRunDir(join(root, "full"), { episodesPerAgent: 30 });
    const io = captureIO();
    expect(await main(["report", dir], io, [reportCommand])).toBe(0);
    const out = join(dir, "report.html");
    expect(io.out).toContain(`wrote ${out}`);
    expect(io.err).toBe("");
    const html = readFileSync(out, "utf8");
    // No resource from anywhere else: no URLs, no scripts, no external stylesheets or images.
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    for (const id of ["comparison", "curves", "lengths", "exposure", "config"]) expect(html).toContain(`<section id="${id}">`);
    expect(html).not.toContain("Not recorded");
    // 3 learning-curve metrics, lengths, majority share, entropy and 4 small multiples.
    expect(html.match(/<svg [^>]*class="chart /g)).toHaveLength(3 + 1 + 2 + 4);
    expect(html.match(/<table class="results">[\s\S]*?<\/table>/)![0].match(/<th scope="row">/g)).toHaveLength(4);
    expect(html).toContain("<code>ppo.clip</code>");
  });

  it("says 'not recorded' for missing files and lists malformed lines with file and line", async () => {
    const dir = writeFixtureRunDir(join(root, "partial"), { episodesPerAgent: 10, omit: ["curves", "config"] });
    appendFileSync(join(dir, RUN_FILES.episodes), `{"agent": "random", "length": -1, "return": 0}\n`);
    const out = join(root, "elsewhere", "partial.html");
    const io = captureIO();
    expect(await main(["report", dir, "--out", out], io, [reportCommand])).toBe(0);
    expect(io.out).toContain("not recorded: config, curves");
    expect(io.err).toMatch(/warning: .*episodes\.jsonl:41: "length" must be an integer >= 0, got -1/);
    const html = readFileSync(out, "utf8");
    expect(html).toContain("Not recorded: this run directory has no <code>curves.jsonl</code>.");
    expect(html).toContain("Not recorded: this run directory has no <code>config.json</code>.");
    expect(html).toContain(`<section id="problems">`);
    expect(html).toContain("<code>episodes.jsonl:41</code>");
    expect(html).toMatch(/<svg [^>]*id="chart-lengths"/);
  });

  it("reports an empty run directory without failing", async () => {
    const dir = writeFixtureRunDir(join(root, "empty"), { omit: ["config", "curves", "episodes", "results"] });
    const io = captureIO();
    expect(await main(["report", dir, "--json"], io, [reportCommand])).toBe(0);
    const json = JSON.parse(io.out) as { out: string; recorded: Record<string, boolean>; sections: string[]; ok: boolean };
    expect(json.recorded).toEqual({ config: false, curves: false, episodes: false, results: false });
    expect(json.sections).toEqual(["comparison", "curves", "lengths", "exposure", "config"]);
    expect(readFileSync(json.out, "utf8").match(/Not recorded/g)).toHaveLength(5);
  });

  it("rejects a missing run directory and a missing argument", async () => {
    const io = captureIO();
    expect(await main(["report", join(root, "does-not-exist")], io, [reportCommand])).toBe(1);
    expect(io.err).toMatch(/run directory not found/);
    const usage = captureIO();
    expect(await main(["report"], usage, [reportCommand])).toBe(2);
    expect(usage.err).toMatch(/expected one run directory/);
    expect(existsSync(join(root, "does-not-exist"))).toBe(false);
  });
});
