/**
 * `farsight run ilrec` writes an IL-Rec report, and a real headless Chromium shows it: a tiny run (synthetic
 * world, heuristic teacher, two seeds, a few hundred training steps) writes report.html into its run directory;
 * the test serves that file on 127.0.0.1, opens it with every other request blocked, checks every chart draws
 * data (the session lengths and exposure of every method among them) and the tables have rows, and saves
 * .ci/out/ilrec-report.png. `farsight report` on the same directory renders the same IL-Rec sections. The
 * browser parts are skipped with a message when Chromium is unavailable (see test-browser.ts); the run's files
 * are checked either way.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportCommand } from "../commands/report.js";
import { runCommand } from "../commands/run.js";
import { main } from "../main.js";
import { CHROMIUM_ARGS } from "./browser.js";
import { CHROMIUM, ensureChromium, expectChartsWithData, openReport, quietIO, repoRoot, serveReport } from "./test-browser.js";

const screenshotPath = join(repoRoot, ".ci/out/ilrec-report.png");
const METHODS = [
  "IL-Rec policy (greedy)", "IL-Rec policy (sampled)", "teacher (billp-heuristic)", "A2C, no demonstrations (greedy)",
  "A2C, no demonstrations (sampled)", "behaviour cloning (greedy)", "behaviour cloning (sampled)", "random",
];

describe("farsight run ilrec writes a report that Chromium renders", () => {
  let unavailable: string | null = null;
  let browser: Browser | undefined;
  let server: Awaited<ReturnType<typeof serveReport>> | undefined;
  const root = mkdtempSync(join(tmpdir(), "farsight-ilrec-report-"));
  const out = join(root, "run");
  const reportPath = join(out, "report.html");
  let runOutput = "";

  beforeAll(async () => {
    // The run and its report come first: they are checked even where no browser can open them.
    const io = quietIO();
    // Batch 4: a rollout is ~20 transitions, so 240 steps see two weight refreshes (one per 10 rollouts).
    const args = ["run", "ilrec", "--env", "synthetic", "--teacher", "heuristic", "--demos", "3", "--steps", "240", "--batch", "4", "--bc-steps", "40", "--episodes", "3", "--seeds", "2", "--out", out];
    const code = await main(args, io, [runCommand]);
    if (code !== 0) throw new Error(`farsight run ilrec failed (${code}): ${io.err}`);
    runOutput = io.out;
    unavailable = ensureChromium();
    if (unavailable) {
      console.warn(`SKIPPING the IL-Rec report browser test: ${unavailable}`);
      return;
    }
    server = await serveReport(reportPath);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("writes report.html, the curves and the demonstration weights into the run directory", () => {
    expect(runOutput).toContain(`report: ${reportPath}`);
    for (const f of ["report.html", "results.json", "curves.jsonl", "demo-weights.json", "episodes.jsonl", "seed0/results.json", "seed1/demo-weights.json", "seed0/episodes.jsonl", "seed1/episodes.jsonl"]) {
      expect(existsSync(join(out, f)), `${f} written`).toBe(true);
    }
    const curves = readFileSync(join(out, "curves.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { seed: number });
    expect(new Set(curves.map((c) => c.seed))).toEqual(new Set([0, 1]));
  });

  it("records every evaluation session of every method per seed, agreeing with each directory's table", () => {
    type Line = { agent: string; length: number; return: number; categories: number[][]; seed: number };
    const lines = (dir: string) => readFileSync(join(dir, "episodes.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Line);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const all = lines(out);
    for (const [dir, seeds] of [[out, [0, 1]], [join(out, "seed0"), [0]], [join(out, "seed1"), [1]]] as const) {
      const episodes = dir === out ? all : lines(dir);
      const rows = (JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as { rows: { agent: string; len: number; r_traj: number }[] }).rows;
      expect(rows.map((r) => r.agent)).toEqual(METHODS);
      expect([...new Set(episodes.map((e) => e.agent))]).toEqual(METHODS);
      for (const row of rows) {
        const mine = episodes.filter((e) => e.agent === row.agent);
        for (const seed of seeds) expect(mine.filter((e) => e.seed === seed), `${dir}: ${row.agent}, seed ${seed}`).toHaveLength(3);
        expect(mine).toHaveLength(3 * seeds.length);
        // Three sessions per seed: the mean over seeds of the per-seed means is the mean over the sessions.
        expect(mean(mine.map((e) => e.length))).toBeCloseTo(row.len, 9);
        expect(mean(mine.map((e) => e.return))).toBeCloseTo(row.r_traj, 9);
        for (const e of mine) expect(e.categories).toHaveLength(e.length);
      }
    }
    // A seed's folder holds exactly that seed's lines of the run's file.
    for (const seed of [0, 1]) expect(lines(join(out, `seed${seed}`))).toEqual(all.filter((e) => e.seed === seed));
  });

  it("shows every chart with data, the teacher-vs-policy table, offline, and saves a screenshot", async (ctx) => {
    if (unavailable || !browser || !server) return ctx.skip();
    const { page, requests, blocked } = await openReport(browser, server.baseUrl);
    const ids = await expectChartsWithData(page);
    // Teacher vs policy bars; session lengths, majority share, entropy and one category-share chart per method;
    // return, Len, lambda, discriminator loss and accuracy, BC loss; weight histogram, gated share and mean weight.
    expect(ids).toEqual([
      "chart-teacher-policy", "chart-lengths", "chart-majority", "chart-entropy", ...METHODS.map((_, i) => `chart-shares-${i}`),
      "chart-curve-0", "chart-curve-1", "chart-curve-2", "chart-curve-3", "chart-curve-4", "chart-curve-5",
      "chart-weights", "chart-weights-0", "chart-weights-1",
    ]);
    // Every method's sessions in the length histogram and the exposure lines (legend names: A2C shortened).
    const legendNames = METHODS.map((m) => m.replace("A2C, no demonstrations", "A2C, no demos"));
    expect(await page.locator("#chart-lengths g.series").evaluateAll((els) => els.map((e) => e.getAttribute("data-series")))).toEqual(legendNames);
    expect(await page.locator("#chart-majority .series").evaluateAll((els) => els.map((e) => e.getAttribute("data-series")))).toEqual(legendNames);
    expect(await page.locator("#exposure .multiple h4").allTextContents()).toEqual(METHODS);
    expect(await page.locator("#lengths figcaption").textContent()).toContain(`Sessions per agent: ${METHODS.map((m) => `${m}: 6`).join(", ")}.`);
    expect(await page.locator("h1").textContent()).toMatch(/IL-Rec run/);
    expect(await page.locator("table.results tbody tr th").allTextContents()).toEqual(METHODS);
    // Two seeds: every number of a learned policy's row carries its spread.
    expect(await page.locator("table.results tbody tr").first().locator(".std").count()).toBe(5);
    expect(await page.locator("table.config tbody tr").count()).toBeGreaterThan(5);
    // The return and Len curves hold IL-Rec and A2C, each averaged over the seeds with a band.
    for (const id of ["chart-curve-0", "chart-curve-1"]) {
      expect(await page.locator(`#${id} path.series`).evaluateAll((els) => els.map((e) => e.getAttribute("data-series")))).toEqual(["IL-Rec policy", "A2C, no demos"]);
      expect(await page.locator(`#${id} path.band`).count(), `${id} shows the spread over seeds`).toBeGreaterThan(0);
    }
    // The weight histogram: the first and last refresh at least, one bar group each.
    expect(await page.locator("#chart-weights g.series").count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator(".missing").count()).toBe(0);
    expect(blocked).toEqual([]);
    expect(requests).toEqual([`${server.baseUrl}/report.html`]);

    mkdirSync(dirname(screenshotPath), { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true });
    expect(statSync(screenshotPath).size).toBeGreaterThan(10_000);
    console.log(`IL-Rec report screenshot: ${screenshotPath}`);
    await page.close();
  });

  it("farsight report on the directory renders the IL-Rec report, and on one seed's folder too", async () => {
    for (const dir of [out, join(out, "seed1")]) {
      const io = quietIO();
      const html = join(root, `again-${dir === out ? "all" : "seed1"}.html`);
      expect(await main(["report", dir, "--out", html, "--json"], io, [reportCommand])).toBe(0);
      const json = JSON.parse(io.out) as { sections: string[]; problems: unknown[]; recorded: Record<string, boolean> };
      expect(json.sections).toEqual(["comparison", "lengths", "exposure", "curves", "weights", "config"]);
      expect(json.recorded).toMatchObject({ results: true, curves: true, episodes: true, demoWeights: true });
      expect(json.problems).toEqual([]);
      expect(readFileSync(html, "utf8")).toContain("Demonstration weights over training");
    }
  });
});
