/**
 * Shared by the browser tests of the reports (not part of the build): Debian's Chromium (installed with
 * apt-get when missing and the test runs as root), a node:http server on 127.0.0.1 that serves one report
 * file and nothing else, a page that records and blocks every other request, and the check that every chart
 * draws data with real geometry.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";
import type { CliIO } from "../command.js";
import { findChromium } from "./browser.js";

export const CHROMIUM = findChromium() ?? "/usr/bin/chromium";
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/** A CliIO that keeps what a command prints. */
export function quietIO(): CliIO & { out: string; err: string } {
  const io = { out: "", err: "", isTTY: false } as CliIO & { out: string; err: string };
  (io as { stdout: CliIO["stdout"] }).stdout = (t) => void (io.out += t);
  (io as { stderr: CliIO["stderr"] }).stderr = (t) => void (io.err += t);
  return io;
}

export { ensureChromium } from "./test-chromium.js";

/** Serves `file` as /report.html on 127.0.0.1 (any other path is a 404); `close` stops the server. */
export async function serveReport(file: string): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url === "/report.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(readFileSync(file));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { baseUrl, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

/** Opens `${baseUrl}/report.html`; every request is recorded, and those leaving `baseUrl` are blocked. */
export async function openReport(browser: Browser, baseUrl: string): Promise<{ page: Page; requests: string[]; blocked: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  const requests: string[] = [];
  const blocked: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(`${baseUrl}/`)) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  await page.goto(`${baseUrl}/report.html`, { waitUntil: "load" });
  return { page, requests, blocked };
}

/** Asserts that every chart on the page is visible and draws data marks with real geometry; returns the chart ids. */
export async function expectChartsWithData(page: Page): Promise<string[]> {
  const charts = page.locator("svg.chart");
  const ids: string[] = [];
  for (let i = 0; i < (await charts.count()); i++) {
    const svg = charts.nth(i);
    const id = (await svg.getAttribute("id")) ?? `chart-${i}`;
    ids.push(id);
    const marks = svg.locator("path.series, circle.series, rect.bar, path.layer");
    expect(await marks.count(), `chart ${id} has data marks`).toBeGreaterThan(0);
    const box = await svg.boundingBox();
    expect(box !== null && box.width > 100 && box.height > 100, `chart ${id} is visible`).toBe(true);
    // A drawn mark has real geometry: a path with several points, or a bar with height, or a dot.
    const first = marks.first();
    const d = await first.getAttribute("d");
    const h = await first.getAttribute("height");
    expect((d !== null && d.split("L").length > 1) || (h !== null && Number(h) > 0) || (await first.getAttribute("r")) !== null, `chart ${id} mark has geometry`).toBe(true);
  }
  return ids;
}
