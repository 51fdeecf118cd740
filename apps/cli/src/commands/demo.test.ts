import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readRunDir } from "../report/read-run-dir.js";
import { demoCommand } from "./demo.js";

describe("farsight demo (small budget)", () => {
  const dir = mkdtempSync(join(tmpdir(), "farsight-demo-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("trains, evaluates four agents, prints the table and writes a run directory the report reads without problems", async () => {
    const out = join(dir, "run");
    let text = "";
    const code = await demoCommand.run(["--out", out, "--steps", "1280", "--episodes", "12"], { stdout: (t) => (text += t), stderr: () => {}, isTTY: false });
    expect(code).toBe(0);
    for (const agent of ["LERL (saturation)", "PPO (flat)", "random", "popularity"]) expect(text).toContain(agent);
    const data = readRunDir(out);
    expect(data.problems).toEqual([]);
    expect(data.results?.rows.map((r) => r.agent)).toEqual(["LERL (saturation)", "PPO (flat)", "random", "popularity"]);
    expect(data.episodes!.filter((e) => e.agent === "random")).toHaveLength(12);
    expect(data.curves!.some((c) => c.series === "LERL (saturation)")).toBe(true);
    expect(existsSync(join(out, "report.html"))).toBe(true);
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("LERL (saturation)");
  }, 120_000);
});
