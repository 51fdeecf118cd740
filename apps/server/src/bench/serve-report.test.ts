import { describe, expect, it } from "vitest";
import { meanLoadRow, pairOrder } from "./serve-bench.js";
import { batchingBetween, summariseLoad } from "./serve-load.js";
import { batchCell, breakdownTable, compareLoads, loadTable } from "./serve-report.js";

describe("bench serve's arithmetic", () => {
  it("summarises a level: throughput over the wall time, quantiles, CPU per recommendation", () => {
    const lat = Array.from({ length: 101 }, (_, i) => i); // 0..100 ms
    const row = summariseLoad(4, lat, 2, 505);
    expect(row).toEqual({ sessions: 4, recommendations: 101, recsPerSec: 50.5, p50Ms: 50, p95Ms: 95, p99Ms: 99, serverCpuMsPerRec: 5 });
  });

  it("alternates which build goes first (A B, then B A) and averages a build's measurements at a level", () => {
    const turns = [0, 1, 2, 3].map((t) => pairOrder(["current", "f65f141"], t).join(" "));
    expect(turns).toEqual(["current f65f141", "f65f141 current", "current f65f141", "f65f141 current"]);
    const mean = meanLoadRow([summariseLoad(64, [10, 30], 0.1, 4), summariseLoad(64, [20, 40], 0.2, 8)]);
    expect(mean.recommendations).toBe(4);
    expect(mean.recsPerSec).toBeCloseTo((20 + 10) / 2, 10);
    expect(mean.serverCpuMsPerRec).toBeCloseTo((2 + 4) / 2, 10);
    expect(mean.p50Ms).toBeCloseTo((summariseLoad(64, [10, 30], 0.1, 4).p50Ms + summariseLoad(64, [20, 40], 0.2, 8).p50Ms) / 2, 10);
  });

  it("pairs levels by session count and reports speed-up and CPU ratio; a level without a baseline has none", () => {
    const cur = [summariseLoad(1, [10, 20], 0.1, 4), summariseLoad(64, [5, 5], 0.01, 2)];
    const base = [summariseLoad(64, [50, 50], 0.5, 40)];
    const rows = compareLoads("postgres", cur, base);
    expect(rows[0]!.baseline).toBeUndefined();
    expect(rows[0]!.speedup).toBeNaN();
    expect(rows[1]!.speedup).toBeCloseTo(200 / 4, 10);
    expect(rows[1]!.cpuRatio).toBeCloseTo(20 / 1, 10);
    const md = loadTable(rows, "f65f141").split("\n");
    expect(md).toHaveLength(4);
    expect(md[0]).toContain("f65f141 recs/s");
    expect(md[3]).toContain("| postgres | 64 | 200 |");
    expect(md[3]).toContain("| 50.00x | 20.00x | - |");
    expect(md[2]).toMatch(/\| - \| - \| - \|$/);
  });

  it("reports the micro-batching a level saw, from two readings of /info", () => {
    const before = { plan: { batches: 10, requests: 10, meanBatch: 1, windowMs: 2 }, act: { batches: 0, requests: 0, meanBatch: 0, windowMs: 2 } };
    const after = { plan: { batches: 30, requests: 90, meanBatch: 3, windowMs: 2 }, act: { batches: 0, requests: 0, meanBatch: 0, windowMs: 2 } };
    const batching = batchingBetween(before, after);
    expect(batching).toEqual({ plan: { batches: 20, meanBatch: 4, windowMs: 2 }, act: { batches: 0, meanBatch: 0, windowMs: 2 } });
    const row = { ...summariseLoad(64, [5, 5], 0.01, 2), batching };
    expect(batchCell(row)).toBe("plan 4.0 (2 ms)");
    expect(batchCell(summariseLoad(1, [5], 1, 1))).toBe("-");
    expect(batchingBetween(undefined, undefined)).toBeUndefined();
  });

  it("lays breakdowns side by side with the total per step", () => {
    const b = (storage: string, k: number) => ({ storage, steps: 10, roundTripMs: 3 * k, serverCpuMs: 2 * k, plainCpuMs: 1.5 * k, parts: [{ part: "act", wallMs: k, cpuMs: k / 2 }] });
    const md = breakdownTable([b("sqlite", 1), b("postgres", 2)]).split("\n");
    expect(md[0]).toBe("| part | sqlite wall ms | sqlite CPU ms | postgres wall ms | postgres CPU ms |");
    expect(md[2]).toBe("| act | 1.00 | 0.50 | 2.00 | 1.00 |");
    expect(md[3]).toBe("| **total per step** | 3.00 | 2.00 | 6.00 | 4.00 |");
    expect(md[4]).toBe("| **CPU per step, profiler off** |  | 1.50 |  | 3.00 |");
  });
});
