import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { peerRangeMismatches, readmePeerRanges } from "./check.mjs";

describe("package metadata (no network)", () => {
  it("every package.json names @langchain/core, zod and @langchain/langgraph at the ranges the root README states", () => {
    expect(Object.keys(readmePeerRanges()).sort()).toEqual(["@langchain/core", "@langchain/langgraph", "zod"]);
    expect(peerRangeMismatches()).toEqual([]);
  });

  it("every package.json (packages, apps, examples, the root) declares engines.node >=20", () => {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const files = ["package.json", "examples/package.json", ...["packages", "apps"].flatMap((p) => readdirSync(join(root, p)).map((d) => `${p}/${d}/package.json`))];
    const engines = files.filter((f) => existsSync(join(root, f))).map((f) => [f, (JSON.parse(readFileSync(join(root, f), "utf8")) as { engines?: { node?: string } }).engines?.node]);
    expect(engines.filter(([, node]) => node !== ">=20")).toEqual([]);
    expect(engines.length).toBeGreaterThan(10);
  });
});

// The consumer check installs the packed packages with plain npm; without the npm registry (an offline
// machine) it cannot run, and says so instead of failing the suite.
const registry = spawnSync("npm", ["ping", "--loglevel=error"], { encoding: "utf8", timeout: 30_000 });
const online = registry.status === 0;
if (!online) console.log(`[consumer] skipped: the npm registry does not answer (npm ping: ${(registry.stderr || registry.stdout || "").trim().split("\n")[0]})`);

describe.skipIf(!online)("consumer check: the packed packages installed with plain npm outside the workspace", () => {
  it("stay inside their size budgets, type-check with skipLibCheck false, and run every example and runnable README snippet", () => {
    const dir = mkdtempSync(join(tmpdir(), "farsight-consumer-report-"));
    try {
      const report = join(dir, "report.json");
      const r = spawnSync(process.execPath, [fileURLToPath(new URL("./check.mjs", import.meta.url)), "--json", report], { encoding: "utf8", timeout: 1_500_000 });
      console.log(r.stdout);
      const results = (JSON.parse(readFileSync(report, "utf8")) as { results: { check: string; ok: boolean; detail: string }[] }).results;
      expect(results.filter((x) => !x.ok).map((x) => `${x.check}: ${x.detail}`)).toEqual([]);
      // Every scenario and both kinds of source were checked (a check that ran nothing would pass the line above).
      expect(results.filter((x) => x.check.startsWith("footprint:"))).toHaveLength(4);
      expect(results.filter((x) => x.check.startsWith("peer ranges:"))).toHaveLength(1);
      expect(results.some((x) => x.check.startsWith("runs: examples/"))).toBe(true);
      // The planner's main entry ran without @farsight/llm, LangChain or zod, and its LLM entry said what to install.
      expect(results.filter((x) => x.check.startsWith("runs: @farsight/planner without its LLM peers"))).toHaveLength(1);
      expect(results.some((x) => x.check.includes("README.md"))).toBe(true);
      // Both compilers ran: TypeScript 5.9 on every source; 7.x on every source (errors, TF.js files read) and core alone.
      expect(results.some((x) => /^types: examples and runnable snippets \(TypeScript 5\.9\./.test(x.check))).toBe(true);
      expect(results.filter((x) => /^types: TypeScript 7\./.test(x.check))).toHaveLength(3);
      // A `ts runnable vitest` block (a conformance suite) ran under vitest, not only compiled.
      expect(results.some((x) => x.check.startsWith("runs: packages/testing/README.md"))).toBe(true);
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 1_600_000);
});
