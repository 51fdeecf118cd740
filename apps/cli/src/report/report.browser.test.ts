/**
 * Opens the generated report in a real headless Chromium (Debian's `chromium`, driven by playwright-core),
 * served by a node:http server on 127.0.0.1 that this test starts, and checks what a reader would see:
 * every chart draws data, the comparison table has rows, and the page asks nothing of the network.
 * Saves a screenshot to .ci/out/report.png. Installs Chromium with apt-get when it is missing (root only);
 * when it cannot, the tests are skipped with a message saying why.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../main.js";
import { reportCommand } from "../commands/report.js";
import { CHROMIUM_ARGS, inspectReport } from "./browser.js";
import { writeFixtureRunDir } from "@farsight/lab";
import { CHROMIUM, ensureChromium, expectChartsWithData, openReport, quietIO, repoRoot, serveReport } from "./test-browser.js";

const screenshotPath = join(repoRoot, ".ci/out/report.png");

describe("report in headless Chromium", () => {
  let unavailable: string | null = null;
  let browser: Browser | undefined;
  let server: Awaited<ReturnType<typeof serveReport>> | undefined;
  let baseUrl = "";
  const root = mkdtempSync(join(tmpdir(), "farsight-report-browser-"));
  const runDir = join(root, "run");
  const reportPath = join(root, "report.html");

  beforeAll(async () => {
    unavailable = ensureChromium();
    if (unavailable) {
      console.warn(`SKIPPING the report browser test: ${unavailable}`);
      return;
    }
    writeFixtureRunDir(runDir, { episodesPerAgent: 60 });
    const io = quietIO();
    const code = await main(["report", runDir, "--out", reportPath], io, [reportCommand]);
    if (code !== 0) throw new Error(`farsight report failed (${code}): ${io.err}`);
    // Serves the report and nothing else: any other path is a 404 (and would show up as a request below).
    server = await serveReport(reportPath);
    baseUrl = server.baseUrl;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("has no http(s) resource references in the HTML", (ctx) => {
    if (unavailable) return ctx.skip();
    const html = readFileSync(reportPath, "utf8");
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/https?:\/\//i);
  });

  it("renders every chart with data and the comparison table, offline, and saves a screenshot", async (ctx) => {
    if (unavailable || !browser) return ctx.skip();
    const { page, requests, blocked } = await openReport(browser, baseUrl);
    // 3 learning-curve metrics + session lengths + majority share + entropy + 4 per-agent category shares.
    expect(await expectChartsWithData(page)).toHaveLength(10);
    const rows = page.locator("table.results tbody tr");
    expect(await rows.count()).toBe(4);
    expect(await rows.first().locator("th").textContent()).toBe("LERL (saturation)");
    expect(await page.locator("table.config tbody tr").count()).toBeGreaterThan(10);
    expect(await page.locator(".missing").count()).toBe(0);

    expect(blocked).toEqual([]);
    expect(requests).toEqual([`${baseUrl}/report.html`]);

    mkdirSync(dirname(screenshotPath), { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true });
    expect(statSync(screenshotPath).size).toBeGreaterThan(10_000);
    console.log(`report screenshot: ${screenshotPath}`);
    await page.close();
  });

  it("farsight report --open-check --png checks the page and writes one PNG per figure", async (ctx) => {
    if (unavailable) return ctx.skip();
    const io = quietIO();
    const out = join(root, "cli", "r.html");
    expect(await main(["report", runDir, "--out", out, "--open-check", "--png", "--json"], io, [reportCommand])).toBe(0);
    const json = JSON.parse(io.out) as { ok: boolean; check: { charts: { marks: number }[]; tableRows: number; blockedRequests: string[]; pngs: string[] } };
    expect(json.ok).toBe(true);
    expect(json.check.charts).toHaveLength(10);
    expect(json.check.charts.every((c) => c.marks > 0)).toBe(true);
    expect(json.check.tableRows).toBe(4);
    expect(json.check.blockedRequests).toEqual([]);
    // 7 figures (3 curves, lengths, majority, entropy, shares) + the comparison table + the full page.
    expect(json.check.pngs.map((p) => p.replace(/^.*\//, "")).sort()).toEqual(
      ["comparison.png", "curve-0.png", "curve-1.png", "curve-2.png", "fig-entropy.png", "fig-lengths.png", "fig-majority.png", "fig-shares.png", "report.png"].sort(),
    );
    for (const p of json.check.pngs) expect(readFileSync(p).subarray(1, 4).toString()).toBe("PNG");
  });

  it("the open check catches a report that reaches for the network (and blocks the request)", async (ctx) => {
    if (unavailable) return ctx.skip();
    const tampered = join(root, "tampered.html");
    const html = readFileSync(reportPath, "utf8").replace("</main>", `<img src="https://example.invalid/pixel.png" alt=""></main>`);
    writeFileSync(tampered, html);
    const check = await inspectReport(tampered);
    expect(check.blockedRequests).toEqual(["https://example.invalid/pixel.png"]);
    expect(check.failures).toContain("the report requested https://example.invalid/pixel.png");
  });
});
