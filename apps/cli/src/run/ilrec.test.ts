import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../command.js";
import { runCommand } from "../commands/run.js";

function capture(): CliIO & { out: string } {
  const io = { out: "", isTTY: false, stderr: () => {} } as unknown as CliIO & { out: string };
  (io as { stdout: CliIO["stdout"] }).stdout = (t) => void (io.out += t);
  return io;
}

describe("farsight run ilrec", () => {
  it("rejects an LLM teacher without a model and unknown choices, naming the flag", async () => {
    await expect(runCommand.run(["ilrec", "--teacher", "llm"], capture())).rejects.toThrow(/--teacher llm needs a model: pass --llm/);
    await expect(runCommand.run(["ilrec", "--teacher", "oracle"], capture())).rejects.toThrow(/--teacher must be one of llm, heuristic/);
    await expect(runCommand.run(["ilrec", "--reward", "gail"], capture())).rejects.toThrow(/--reward must be one of env, airl, env\+airl/);
    await expect(runCommand.run(["ilrec", "--serve", "top"], capture())).rejects.toThrow(/--serve must be one of greedy, sampled, both/);
    await expect(runCommand.run(["ilrec", "--advantage", "oracle"], capture())).rejects.toThrow(/--advantage must be one of critic, teacher/);
    await expect(runCommand.run(["ilrec", "--anneal=-1"], capture())).rejects.toThrow(/--anneal must be a decimal number >= 0, got "-1"/);
  });

  it("runs the pipeline offline and prints the table, writing demonstrations and results", async () => {
    const out = mkdtempSync(join(tmpdir(), "ilrec-cli-"));
    try {
      const io = capture();
      const code = await runCommand.run(["ilrec", "--env", "synthetic", "--teacher", "heuristic", "--demos", "3", "--steps", "320", "--episodes", "4", "--batch", "8", "--bc-steps", "40", "--serve", "sampled", "--out", out, "--json"], io);
      expect(code).toBe(0);
      const json = JSON.parse(io.out) as { table: { method: string }[]; latencyRatio: number; report: string };
      // --serve sampled: one row per learned policy, the sampled one.
      expect(json.table.map((r) => r.method)).toEqual(["IL-Rec policy (sampled)", "teacher (billp-heuristic)", "A2C, no demonstrations (sampled)", "behaviour cloning (sampled)", "random"]);
      expect(json.latencyRatio).toBeGreaterThan(0);
      expect(readFileSync(join(out, "demonstrations.jsonl"), "utf8").split("\n").filter(Boolean).length).toBeGreaterThan(0);
      expect(JSON.parse(readFileSync(join(out, "results.json"), "utf8")).rows).toHaveLength(5);
      // The run ends with its report (checked in a browser by report/ilrec-report.browser.test.ts).
      expect(json.report).toBe(join(out, "report.html"));
      expect(existsSync(json.report)).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
