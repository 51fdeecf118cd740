import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { inspectReport } from "./browser.js";
import { writeFixtureRunDir, buildReport, readRunDir } from "@farsight/lab";

const root = mkdtempSync(join(tmpdir(), "farsight-fixture-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("writeFixtureRunDir", () => {
  it("writes the same files for the same seed and different ones for another seed", () => {
    const a = writeFixtureRunDir(join(root, "a"), { seed: 1, episodesPerAgent: 20 });
    const b = writeFixtureRunDir(join(root, "b"), { seed: 1, episodesPerAgent: 20 });
    const c = writeFixtureRunDir(join(root, "c"), { seed: 2, episodesPerAgent: 20 });
    for (const f of readdirSync(a)) expect(readFileSync(join(b, f), "utf8")).toBe(readFileSync(join(a, f), "utf8"));
    expect(readFileSync(join(c, "episodes.jsonl"), "utf8")).not.toBe(readFileSync(join(a, "episodes.jsonl"), "utf8"));
  });

  it("reads back without problems, with the behaviour the report is meant to show", () => {
    const data = readRunDir(writeFixtureRunDir(join(root, "d"), { episodesPerAgent: 200 }));
    expect(data.problems).toEqual([]);
    const row = (agent: string) => data.results!.rows.find((r) => r.agent === agent)! as Record<string, number>;
    // LERL keeps users longest and the mix varied; flat PPO narrows onto one category (higher MCD).
    expect(row("LERL (saturation)").len).toBeGreaterThan(row("random").len);
    expect(row("PPO (flat)").mcd).toBeGreaterThan(row("LERL (saturation)").mcd);
    // The table agrees with the episodes it was computed from.
    const lerl = data.episodes!.filter((e) => e.agent === "LERL (saturation)");
    expect(row("LERL (saturation)").len).toBeCloseTo(lerl.reduce((s, e) => s + e.length, 0) / lerl.length);
    expect(lerl.every((e) => e.categories!.length === e.length && e.categories!.every((s) => s.length === 3))).toBe(true);
  });
});

describe("category names", () => {
  it("label the exposure charts with the catalogue's names from config.json, and fall back to ids without them", () => {
    const named = buildReport(readRunDir(writeFixtureRunDir(join(root, "named"), { episodesPerAgent: 40 }))).html;
    expect(named).toMatch(/>comedy<\/text>/);
    expect(named).not.toMatch(/>category \d+<\/text>/);
    const dir = writeFixtureRunDir(join(root, "unnamed"), { episodesPerAgent: 40 });
    const data = readRunDir(dir);
    const { categoryNames: _dropped, ...config } = data.config!;
    const unnamed = buildReport({ ...data, config }).html;
    expect(unnamed).toMatch(/>category \d+<\/text>/);
  });
});

describe("browser features without Chromium", () => {
  it("say clearly that --png and --open-check need Chromium", async () => {
    await expect(inspectReport(join(root, "report.html"), { chromiumPath: "/nonexistent/chromium" })).rejects.toThrow(
      /--png and --open-check need Chromium \(not found at \/nonexistent\/chromium\): install it/,
    );
  });
});
