import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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
  });

  it("runs the pipeline offline and prints the table, writing demonstrations and results", async () => {
    const out = mkdtempSync(join(tmpdir(), "ilrec-cli-"));
    try {
      const io = capture();
      const code = await runCommand.run(["ilrec", "--env", "synthetic", "--teacher", "heuristic", "--demos", "3", "--steps", "320", "--episodes", "4", "--batch", "8", "--out", out, "--json"], io);
      expect(code).toBe(0);
      const json = JSON.parse(io.out) as { table: { method: string }[]; latencyRatio: number };
      expect(json.table.map((r) => r.method)).toEqual(["IL-Rec policy", "teacher (billp-heuristic)", "A2C, no demonstrations", "behaviour cloning", "random"]);
      expect(json.latencyRatio).toBeGreaterThan(0);
      expect(readFileSync(join(out, "demonstrations.jsonl"), "utf8").split("\n").filter(Boolean).length).toBeGreaterThan(0);
      expect(JSON.parse(readFileSync(join(out, "results.json"), "utf8")).rows).toHaveLength(5);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
