/**
 * Optional headless-Chromium support for `farsight report`: `--open-check` opens the written report and checks
 * that it renders (every chart has marks, the table has rows, nothing is fetched from the network), and
 * `--png` screenshots every figure. No maintained, already-installed library renders SVG to PNG in Node here
 * (no canvas, no resvg), so the browser does it. Needs playwright-core (a dev dependency of the CLI) and a
 * Chromium binary (Debian: `apt-get install chromium`); without them these flags fail with that message.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { FarsightError } from "@farsight/core";
import type { Browser, Page } from "playwright-core";

/** Flags that keep Chromium from phoning home or needing a sandbox/GPU in a container. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Where Chromium is looked for: $FARSIGHT_CHROMIUM, then the usual Debian/Ubuntu paths. */
export function findChromium(): string | null {
  const candidates = [process.env.FARSIGHT_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
  return candidates.find((p): p is string => Boolean(p) && existsSync(p!)) ?? null;
}

async function launch(chromiumPath?: string): Promise<Browser> {
  const executablePath = chromiumPath === undefined ? findChromium() : existsSync(chromiumPath) ? chromiumPath : null;
  if (!executablePath) {
    throw new FarsightError(
      "cli/chromium-missing",
      `--png and --open-check need Chromium${chromiumPath ? ` (not found at ${chromiumPath})` : ""}: install it (Debian: \`apt-get install -y chromium\`) or set FARSIGHT_CHROMIUM to its path`,
      { chromiumPath },
    );
  }
  let playwright: typeof import("playwright-core");
  try {
    playwright = await import("playwright-core");
  } catch (cause) {
    throw new FarsightError("cli/playwright-missing", "--png and --open-check need the playwright-core package (a dev dependency of @farsight/cli)", {}, { cause });
  }
  return playwright.chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
}

/** What the browser saw when it opened the report. */
export interface BrowserCheck {
  /** Per chart SVG (by id), how many data marks (lines, bars, areas, dots) it draws. */
  readonly charts: { id: string; marks: number }[];
  readonly tableRows: number;
  /** Requests to anything but the report file itself; all were blocked. Should be empty. */
  readonly blockedRequests: string[];
  readonly consoleErrors: string[];
  /** Screenshots written (one per figure, plus the full page), when asked for. */
  readonly pngs: string[];
  /** Human-readable reasons the check failed; empty when the report is fine. */
  readonly failures: string[];
}

/**
 * Opens `htmlPath` in headless Chromium, checks it, and optionally screenshots it into `pngDir`.
 * `chromiumPath` overrides the search of `findChromium`.
 */
export async function inspectReport(htmlPath: string, opts: { pngDir?: string; chromiumPath?: string } = {}): Promise<BrowserCheck> {
  const browser = await launch(opts.chromiumPath);
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const blockedRequests: string[] = [];
    const consoleErrors: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && consoleErrors.push(m.text())));
    // The report must need nothing but itself: every other request is recorded and refused.
    const self = pathToFileURL(resolve(htmlPath)).href;
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url === self || url.startsWith("data:")) return route.continue();
      blockedRequests.push(url);
      return route.abort();
    });
    await page.goto(self, { waitUntil: "load" });
    const charts = await countMarks(page);
    const tableRows = await page.locator("table.results tbody tr").count();
    const failures = [
      ...charts.filter((c) => c.marks === 0).map((c) => `chart ${c.id} draws no data`),
      ...(tableRows === 0 ? ["the comparison table has no rows"] : []),
      ...blockedRequests.map((u) => `the report requested ${u}`),
      ...consoleErrors.map((e) => `console error: ${e}`),
    ];
    const pngs = opts.pngDir ? await screenshots(page, opts.pngDir) : [];
    return { charts, tableRows, blockedRequests, consoleErrors, pngs, failures };
  } finally {
    await browser.close();
  }
}

/** Data marks per chart: series paths, bars, stacked layers and single-point dots. */
export async function countMarks(page: Page): Promise<{ id: string; marks: number }[]> {
  const svgs = page.locator("svg.chart");
  const out: { id: string; marks: number }[] = [];
  for (let i = 0; i < (await svgs.count()); i++) {
    const svg = svgs.nth(i);
    const id = (await svg.getAttribute("id")) ?? `chart-${i}`;
    out.push({ id, marks: await svg.locator("path.series, circle.series, rect.bar, path.layer").count() });
  }
  return out;
}

async function screenshots(page: Page, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const figures = page.locator("figure.figure");
  for (let i = 0; i < (await figures.count()); i++) {
    const fig = figures.nth(i);
    const path = join(dir, `${(await fig.getAttribute("id")) ?? `figure-${i}`}.png`);
    await fig.screenshot({ path });
    written.push(path);
  }
  const tables = page.locator("section#comparison");
  if ((await tables.count()) > 0) {
    const path = join(dir, "comparison.png");
    await tables.first().screenshot({ path });
    written.push(path);
  }
  const full = join(dir, "report.png");
  await page.screenshot({ path: full, fullPage: true });
  written.push(full);
  return written;
}
