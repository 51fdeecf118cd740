import { afterEach, describe, expect, it, vi } from "vitest";
import { Command, isInterrupted, INTERRUPT } from "@langchain/langgraph";
import { generateSynthetic, SyntheticWorld } from "@farsight/env";
import { AllCategoriesPlanner, SaturationAwarePlanner } from "@farsight/planner";
import { initBackend, createPpoPolicy } from "@farsight/rl-policy/tf";
import { batchPolicy, BatchingPlanner, createSessionGraph, MicroBatcher, type SessionPrompt } from "./index.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("MicroBatcher", () => {
  it("answers requests of one window in one call, and none waits past the window", async () => {
    vi.useFakeTimers();
    const calls: number[][] = [];
    const b = new MicroBatcher((xs: number[]) => (calls.push(xs), xs.map((x) => x * 10)), { windowMs: 2, maxBatch: 8 });
    const done: number[] = [];
    const first = b.submit(1).then((v) => done.push(v));
    await vi.advanceTimersByTimeAsync(1);
    const second = b.submit(2).then((v) => done.push(v));
    expect(calls).toEqual([]); // the window opened by the first request is still open
    await vi.advanceTimersByTimeAsync(1); // the first request's window closes: both are sent, together
    expect(calls).toEqual([[1, 2]]);
    await Promise.all([first, second]);
    expect(done).toEqual([10, 20]);
    // The second request waited 1 ms, not a window of its own; a later request opens a new window.
    const third = b.submit(3);
    await vi.advanceTimersByTimeAsync(2);
    expect(await third).toBe(30);
    expect(calls).toEqual([[1, 2], [3]]);
    expect(b.stats()).toMatchObject({ batches: 2, requests: 3, largestBatch: 2, meanBatch: 1.5, windowMs: 2, maxBatch: 8 });
  });

  it("sends a full batch at once, and a failed call fails each of its requests", async () => {
    vi.useFakeTimers();
    const calls: number[][] = [];
    const b = new MicroBatcher((xs: number[]) => {
      calls.push(xs);
      if (xs.includes(0)) throw new Error("no zeros");
      return xs;
    }, { windowMs: 50, maxBatch: 3 });
    const full = [b.submit(1), b.submit(2), b.submit(3)];
    expect(calls).toEqual([[1, 2, 3]]); // no timer had to fire
    expect(await Promise.all(full)).toEqual([1, 2, 3]);
    const failing = [b.submit(0), b.submit(4)].map((p) => p.then(() => "ok", (e: Error) => e.message));
    await vi.advanceTimersByTimeAsync(50);
    expect(await Promise.all(failing)).toEqual(["no zeros", "no zeros"]);
  });

  it("refuses a window or batch size it cannot keep", () => {
    expect(() => new MicroBatcher((x: number[]) => x, { windowMs: -1 })).toThrow(/windowMs/);
    expect(() => new MicroBatcher((x: number[]) => x, { maxBatch: 0 })).toThrow(/maxBatch/);
  });
});

const data = generateSynthetic({ numCategories: 5, numItems: 40, numUsers: 10, embeddingDim: 4, seed: 1 });

function promptOf(out: unknown): SessionPrompt {
  expect(isInterrupted(out)).toBe(true);
  return (out as Record<string, { value: SessionPrompt }[]>)[INTERRUPT]![0]!.value;
}

describe("batched sessions", () => {
  it("a batched policy and planner answer concurrent sessions as the unbatched ones do, in shared calls", async () => {
    await initBackend();
    const policy = createPpoPolicy({ numItems: 40, numCategories: 5, slateSize: 3, itemCategory: data.catalog.itemCategory, featureDim: 0 }, { seed: 2, hidden: [8], historyLength: 4, encoder: { kind: "mean", itemDim: 4, stateDim: 8, transformer: { heads: 1, layers: 1, ffnDim: 4 } } });
    // Batches sent when full (six sessions, a window no step takes): which sessions share a call does not
    // depend on the machine's speed.
    const batched = batchPolicy(policy, { windowMs: 10_000, maxBatch: 6 });
    const planner = new BatchingPlanner(new SaturationAwarePlanner({ seed: 3 }), { windowMs: 10_000, maxBatch: 6 });
    const plain = createSessionGraph({ catalog: data.catalog, planner: new SaturationAwarePlanner({ seed: 3 }), policy, slateSize: 3, maxSteps: 5 });
    const shared = createSessionGraph({ catalog: data.catalog, planner, policy: batched, slateSize: 3, maxSteps: 5 });
    /** Six people, each answering the slates of their own session at once with the others; every prompt seen. */
    const play = async (graph: typeof plain, prefix: string) =>
      Promise.all(Array.from({ length: 6 }, async (_, u) => {
        const cfg = { configurable: { thread_id: `${prefix}-${u}` } };
        const prompts: SessionPrompt[] = [];
        let out: unknown = await graph.invoke({ sessionId: `s${u}`, userId: u }, cfg);
        while (isInterrupted(out)) {
          const p = promptOf(out);
          prompts.push(p);
          out = await graph.invoke(new Command({ resume: { feedback: p.slate.map((i) => (i + u) % 2) } }), cfg);
        }
        return prompts;
      }));
    const alone = await play(plain, "plain");
    const together = await play(shared, "batched");
    expect(together).toEqual(alone);
    expect(alone.every((ps) => ps.length === 5)).toBe(true);
    // One forward pass (and one plan call) per step for the six sessions.
    expect(batched.batcher.stats()).toMatchObject({ requests: 30, batches: 5, largestBatch: 6 });
    expect(planner.batcher.stats()).toMatchObject({ requests: 30, batches: 5, largestBatch: 6 });
    policy.dispose();
  });

  it("a batched planner passes a caller's signal straight through", async () => {
    const inner = new AllCategoriesPlanner();
    const spy = vi.spyOn(inner, "plan");
    const planner = new BatchingPlanner(inner);
    const graph = createSessionGraph({ catalog: data.catalog, planner, scorer: new SyntheticWorld(data).scorer, slateSize: 2, maxSteps: 2 });
    await graph.invoke({ userId: 1 }, { configurable: { thread_id: "signal" } });
    const signal = new AbortController().signal;
    const request = spy.mock.calls[0]![0]![0]!;
    await planner.plan([request], { signal });
    expect(spy.mock.calls.at(-1)).toEqual([[request], { signal }]);
    expect(planner.batcher.stats().requests).toBe(1);
  });
});
