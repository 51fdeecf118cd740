import { afterEach, describe, expect, it, vi } from "vitest";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { RunnableLambda } from "@langchain/core/runnables";
import { FarsightError, type Episode, type Plan, type PlanRequest, type Planner, type Policy, type PolicyActRequest } from "@farsight/core";
import { TabularAverageCritic } from "@farsight/critic";
import { loadPreset, makeSimulator } from "@farsight/env";
import { CatalogGreedyActor } from "@farsight/llm-actor";
import { AllCategoriesPlanner, SaturationAwarePlanner } from "@farsight/planner";
import { TemplateReflector } from "@farsight/reflector";
import { asRunnable, componentKind } from "./runnables.js";

const request = (sessionId: string, candidates = [0, 1, 2, 3]): PlanRequest => ({
  sessionId,
  step: 0,
  candidates: candidates.map((id) => ({ id })),
  history: [],
  reflections: [],
});

/** Fails its first `failures` calls (as a timed-out model would), then answers with category 2. */
class FlakyPlanner implements Planner {
  readonly name = "flaky";
  readonly usesLlm = false;
  calls = 0;
  constructor(private readonly failures: number) {}
  async plan(requests: readonly PlanRequest[]): Promise<Plan[]> {
    this.calls++;
    if (this.calls <= this.failures) throw new Error(`timeout on call ${this.calls}`);
    return requests.map(() => ({ categories: [2], source: { kind: "heuristic", by: this.name } }));
  }
}

/** Records every chain run a callback handler is told about. */
class RunRecorder extends BaseCallbackHandler {
  name = "run-recorder";
  readonly starts: { runName: string | undefined; runId: string; parentRunId: string | undefined; tags: string[] | undefined; metadata: Record<string, unknown> | undefined }[] = [];
  readonly errors: string[] = [];
  readonly ends: string[] = [];
  override async handleChainStart(_chain: unknown, _inputs: unknown, runId: string, parentRunId?: string, tags?: string[], metadata?: Record<string, unknown>, _runType?: string, runName?: string) {
    this.starts.push({ runName, runId, parentRunId, tags, metadata });
  }
  override async handleChainEnd(_outputs: unknown, runId: string) {
    this.ends.push(runId);
  }
  override async handleChainError(_err: unknown, runId: string) {
    this.errors.push(runId);
  }
}

/** Drives LangChain's retry back-off (1-2 s per retry) with fake timers instead of waiting. */
async function withFakeTimers<T>(work: () => Promise<T>): Promise<T> {
  vi.useFakeTimers();
  let settled = false;
  const p = work().finally(() => (settled = true));
  p.catch(() => {});
  // eslint-disable-next-line no-unmodified-loop-condition -- `settled` is set when the work's promise settles
  while (!settled) await vi.advanceTimersByTimeAsync(500);
  return p;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("asRunnable", () => {
  it("a planner's view answers like the planner, one plan per request", async () => {
    const planner = new SaturationAwarePlanner({ seed: 1 });
    const requests = [request("a"), request("b")];
    const viaRunnable = await asRunnable(planner).invoke(requests);
    const direct = await new SaturationAwarePlanner({ seed: 1 }).plan(requests);
    expect(viaRunnable).toEqual(direct);
    expect(viaRunnable).toHaveLength(2);
  });

  it(".withRetry() retries a failing planner until it answers", async () => {
    const planner = new FlakyPlanner(2);
    const recorder = new RunRecorder();
    const plans = await withFakeTimers(() => asRunnable(planner).withRetry({ stopAfterAttempt: 3 }).invoke([request("a")], { callbacks: [recorder] }));
    expect(planner.calls).toBe(3);
    expect(plans).toEqual([{ categories: [2], source: { kind: "heuristic", by: "flaky" } }]);
    // Each attempt is its own traced planner run: two failed, one succeeded.
    const attempts = recorder.starts.filter((s) => s.runName === "planner:flaky");
    expect(attempts).toHaveLength(3);
    expect(recorder.errors.filter((id) => attempts.some((a) => a.runId === id))).toHaveLength(2);
  });

  it(".withRetry() gives up after its attempts with the planner's own error", async () => {
    const planner = new FlakyPlanner(5);
    await expect(withFakeTimers(() => asRunnable(planner).withRetry({ stopAfterAttempt: 2 }).invoke([request("a")]))).rejects.toThrow("timeout on call 2");
    expect(planner.calls).toBe(2);
  });

  it(".withFallbacks() moves to another planner when one fails", async () => {
    const plans = await asRunnable(new FlakyPlanner(99)).withFallbacks([asRunnable(new AllCategoriesPlanner())]).invoke([request("a", [1, 4])]);
    expect(plans[0]!.categories).toEqual([1, 4]);
  });

  it(".pipe composes: requests -> planner -> category masks, and callbacks see the planner's run inside the chain", async () => {
    const toMasks = RunnableLambda.from((plans: Plan[]) => plans.map((p) => [0, 1, 2, 3, 4].map((c) => (p.categories.includes(c) ? 1 : 0))));
    const chain = RunnableLambda.from((ids: string[]) => ids.map((id) => request(id, [3, 4])))
      .pipe(asRunnable(new AllCategoriesPlanner(), { tags: ["mine"], metadata: { team: "recs" } }))
      .pipe(toMasks)
      .withConfig({ runName: "plan-masks" });
    const recorder = new RunRecorder();
    const masks = await chain.invoke(["a", "b"], { callbacks: [recorder] });
    expect(masks).toEqual([[0, 0, 0, 1, 1], [0, 0, 0, 1, 1]]);
    const root = recorder.starts.find((s) => s.runName === "plan-masks")!;
    const plannerRun = recorder.starts.find((s) => s.runName === "planner:all-categories")!;
    expect(plannerRun).toBeDefined();
    expect(plannerRun.parentRunId).toBe(root.runId);
    expect(plannerRun.tags).toEqual(expect.arrayContaining(["farsight:planner", "mine"]));
    expect(plannerRun.metadata).toMatchObject({ farsight_component: "planner", farsight_name: "all-categories", uses_llm: false, team: "recs" });
    expect(recorder.ends).toContain(plannerRun.runId);
  });

  it("the run is renamed by the runName option or by .withConfig(), and .withConfig() adds tags", async () => {
    const recorder = new RunRecorder();
    await asRunnable(new AllCategoriesPlanner(), { runName: "high-level" }).invoke([request("a")], { callbacks: [recorder] });
    await asRunnable(new AllCategoriesPlanner()).withConfig({ runName: "renamed", tags: ["ab-test:b"] }).invoke([request("a")], { callbacks: [recorder] });
    expect(recorder.starts.map((s) => s.runName)).toEqual(["high-level", "renamed"]);
    expect(recorder.starts[1]!.tags).toEqual(expect.arrayContaining(["farsight:planner", "ab-test:b"]));
  });

  it("the caller's signal reaches the component", async () => {
    let seen: AbortSignal | undefined;
    const planner: Planner = { name: "sees-signal", usesLlm: false, plan: async (rs, o) => ((seen = o?.signal), rs.map(() => ({ categories: [0], source: { kind: "heuristic", by: "x" } }))) };
    const controller = new AbortController();
    await asRunnable(planner).invoke([request("a")], { signal: controller.signal });
    expect(seen).toBeDefined();
    controller.abort();
    expect(seen!.aborted).toBe(true);
  });

  it("views a reflector, a critic, an actor and a policy, each under its kind's run name", async () => {
    const recorder = new RunRecorder();
    const config = { callbacks: [recorder] };
    const episode: Episode = { sessionId: "s1", userId: 3, steps: [{ slate: [5], categories: [1], feedback: [1], reward: 1 }], return: 1, length: 1, endReason: "quit" };
    const reflection = await asRunnable(new TemplateReflector(), { context: { categoryNames: ["a", "b"] } }).invoke(episode, config);
    expect(reflection.sessionId).toBe("s1");
    const observation = { sessionId: "s1", userId: 3, step: 0, history: [], returnSoFar: 0 };
    const judgement = await asRunnable(new TabularAverageCritic()).invoke({ observation }, config);
    expect(Number.isFinite(judgement.value)).toBe(true);
    const sim = await makeSimulator(await loadPreset("synthetic", { synthetic: { numCategories: 4, numItems: 40, numUsers: 10, embeddingDim: 8, seed: 3 } }), "train", { batchSize: 1, seed: 0 });
    const actor = new CatalogGreedyActor({ catalog: sim.catalog, scorer: sim.scorer });
    const decision = await asRunnable(actor).invoke({ observation, k: 2 }, config);
    expect(decision).toEqual(await actor.act({ observation, k: 2 }));
    expect(decision.slate).toHaveLength(2);
    const policy: Policy = {
      kind: "fixed",
      context: { numItems: 3, numCategories: 1, slateSize: 1, itemCategory: new Int32Array(3), featureDim: 0 },
      options: {},
      act: (r: PolicyActRequest) => ({ slates: new Int32Array(r.history.batchSize).fill(2), logProb: new Float32Array(1), value: new Float32Array(1), action: new Float32Array(0), mask: null }),
      dispose: () => {},
    };
    const history = { batchSize: 1, length: 1, items: new Int32Array([3]), feedback: new Float32Array(1), valid: new Float32Array(1) };
    const acted = await asRunnable(policy).invoke({ history }, config);
    expect(Array.from(acted.slates)).toEqual([2]);
    expect(recorder.starts.map((s) => s.runName)).toEqual(["reflector:template", "critic:tabular-average-critic", `actor:${actor.name}`, "policy:fixed"]);
  });

  it("refuses a value that is no component, with a code", () => {
    expect(() => componentKind({ run: () => 1 })).toThrow(FarsightError);
    expect(() => asRunnable({} as Planner)).toThrow(expect.objectContaining({ code: "graph/not-a-component" }));
  });
});
