import { afterEach, describe, expect, it, vi } from "vitest";
import { RandomCategoryPlanner, SaturationAwarePlanner } from "@farsight/planner";
import { planWithRetry, unreliable } from "./planner-with-retry.ts";

/** LangChain's retry waits 1-2 s (doubling) between attempts: fake timers run the waits without waiting. */
async function fastForward<T>(work: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  const done = { settled: false };
  const p = work().finally(() => (done.settled = true));
  p.catch(() => {});
  while (!done.settled) await vi.advanceTimersByTimeAsync(250);
  return p;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("example: a planner as a Runnable, piped with .withRetry()", () => {
  it("retries the unreliable planner until it answers, and the trace shows each attempt", async () => {
    const flaky = unreliable(new RandomCategoryPlanner({ seed: 4, maxCategories: 2 }), 2);
    const out = await fastForward(() => planWithRetry({ planner: flaky }));
    expect(flaky.calls()).toBe(3);
    expect(out.plans).toHaveLength(8);
    // The plans are the unreliable planner's own, not the fallback's.
    for (const p of out.plans) expect(p.source.by).toBe("random");
    const attempts = out.trace.filter((r) => r.name === "planner:unreliable-random");
    expect(attempts.map((a) => a.failed)).toEqual([true, true, false]);
    expect(out.trace.some((r) => r.name === "planner:saturation-aware")).toBe(false);
    expect(out.trace[0]!.name).toBe("plan-step");
  });

  it("falls back to the non-LLM planner when every attempt fails", async () => {
    const down = unreliable(new RandomCategoryPlanner({ seed: 4 }), Infinity);
    const out = await fastForward(() => planWithRetry({ planner: down, attempts: 2 }));
    expect(down.calls()).toBe(2);
    for (const p of out.plans) expect(p.source.by).toBe(new SaturationAwarePlanner().name);
    expect(out.trace.filter((r) => r.name === "planner:unreliable-random").map((a) => a.failed)).toEqual([true, true]);
    expect(out.trace.filter((r) => r.name === "planner:saturation-aware").map((a) => a.failed)).toEqual([false]);
  });

  it("pipes the plans into category masks that allow exactly the planned categories", async () => {
    const out = await planWithRetry({ planner: new SaturationAwarePlanner() });
    out.plans.forEach((p, i) => {
      const allowed = [...out.masks[i]!.keys()].filter((c) => out.masks[i]![c] === 1);
      expect(allowed).toEqual([...p.categories].sort((a, b) => a - b));
      expect(out.masks[i]).toHaveLength(out.numCategories);
    });
  });
});
