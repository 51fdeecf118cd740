import { describe, expect, it } from "vitest";
import { formatLlmThroughput, runLlmThroughputBench, startFixedLatencyServer } from "./llm-throughput.js";

describe("bench llm --throughput (fixed-latency fake server on 127.0.0.1)", () => {
  it("every level plans every request through the model, one call per plan, and the table names each level", async () => {
    const server = await startFixedLatencyServer(1);
    try {
      const r = await runLlmThroughputBench({ spec: `openai-compatible:${server.url}#fake`, levels: [1, 4], plans: 6 });
      expect(r.rows.map((x) => x.level)).toEqual(["serial", 1, 4]);
      for (const row of r.rows) {
        expect(row.plans).toBeGreaterThan(0);
        expect(row.modelShare).toBe(1); // schema-valid answers: no plan from a fallback counts as throughput
        expect(row.calls).toBe(row.plans); // cache off: one call per plan
        expect(row.cpuSecondsPerPlan).toBeGreaterThan(0);
      }
      expect(r.rows[0]!.vsSerial).toBe(1);
      expect(formatLlmThroughput(r)).toMatch(/\| 0 \| 4 \| \d+ \|/);
      expect(formatLlmThroughput(r)).toContain("| CPU s/plan |");
    } finally {
      await server.close();
    }
  }, 60_000);
});
