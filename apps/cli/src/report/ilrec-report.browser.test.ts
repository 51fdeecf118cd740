/**
 * `farsight run ilrec` writes an IL-Rec report, and a real headless Chromium shows it: a tiny run (synthetic
 * world, heuristic teacher, two seeds, a few hundred training steps) writes report.html into its run directory;
 * the test serves that file on 127.0.0.1, opens it with every other request blocked, checks every chart draws
 * data and the tables have rows, and saves .ci/out/ilrec-report.png. `farsight report` on the same directory
 * renders the same IL-Rec sections. Skipped with a message when Chromium is unavailable (see test-browser.ts).
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
    for (const f of ["report.html", "results.json", "curves.jsonl", "demo-weights.json", "seed0/results.json", "seed1/demo-weights.json"]) {
      expect(existsSync(join(out, f)), `${f} written`).toBe(true);
    }
    const curves = readFileSync(join(out, "curves.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { seed: number });
    expect(new Set(curves.map((c) => c.seed))).toEqual(new Set([0, 1]));
  });

  it("shows every chart with data, the teacher-vs-policy table, offline, and saves a screenshot", async (ctx) => {
    if (unavailable || !browser || !server) return ctx.skip();
    const { page, requests, blocked } = await openReport(browser, server.baseUrl);
    const ids = await expectChartsWithData(page);
    // Teacher vs policy bars; return, Len, lambda, discriminator loss and accuracy, BC loss; weight histogram,
    // gated share and mean weight.
    expect(ids).toEqual([
      "chart-teacher-policy", "chart-curve-0", "chart-curve-1", "chart-curve-2", "chart-curve-3", "chart-curve-4", "chart-curve-5",
      "chart-weights", "chart-weights-0", "chart-weights-1",
    ]);
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
      expect(json.sections).toEqual(["comparison", "curves", "weights", "config"]);
      expect(json.recorded).toMatchObject({ results: true, curves: true, demoWeights: true });
      expect(json.problems).toEqual([]);
      expect(readFileSync(html, "utf8")).toContain("Demonstration weights over training");
    }
  });
});
