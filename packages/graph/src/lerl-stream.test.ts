import { beforeAll, describe, expect, it } from "vitest";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Episode } from "@farsight/core";
import { CategoryWindowRule, generateSynthetic, Simulator, SyntheticWorld } from "@farsight/env";
import { LlmStats, ScriptedChatModel } from "@farsight/llm";
import { SaturationAwarePlanner, type Planner } from "@farsight/planner";
import { LlmCategoryPlanner } from "@farsight/planner/llm";
import { ReflectionPool, TemplateReflector } from "@farsight/reflector";
import { initBackend, contextFromEnv, createAlgorithm, type OnPolicyAlgorithm } from "@farsight/rl-policy/tf";
import { compileLerlGraph, createLerlGraph, type LerlProgress } from "./index.js";

const SMALL = { numCategories: 6, numItems: 60, numUsers: 40, embeddingDim: 8, seed: 3 };
const B = 4;
const ROLLOUT = 5;

function lerl(steps: number, episodes: Episode[] = [], shape: { batchSize: number; maxSteps: number; quitRule: boolean; planner?: Planner } = { batchSize: B, maxSteps: 12, quitRule: true }) {
  const data = generateSynthetic(SMALL);
  const rules = shape.quitRule ? [new CategoryWindowRule(data.catalog, { window: 4, threshold: 1 })] : [];
  const env = new Simulator(new SyntheticWorld(data), rules, { batchSize: shape.batchSize, maxSteps: shape.maxSteps, feedback: "click", autoReset: true, seed: 1 });
  const algorithm = createAlgorithm({
    algorithm: "ppo",
    context: contextFromEnv(env),
    policy: { seed: 1, hidden: [16], historyLength: 6, encoder: { kind: "mean", itemDim: 8, stateDim: 16, transformer: { heads: 1, layers: 1, ffnDim: 8 } } },
    ppo: { rolloutSteps: ROLLOUT, minibatchSize: 10, epochs: 1 },
  }) as OnPolicyAlgorithm;
  return createLerlGraph({
    env,
    planner: shape.planner ?? new SaturationAwarePlanner({ seed: 1 }),
    algorithm,
    reflector: new TemplateReflector(),
    pool: new ReflectionPool({ maxSize: 500, seed: 1 }),
    loop: { seed: 2 },
    budget: { steps },
    hooks: { onEpisode: (e) => episodes.push(e) },
  });
}

/** Chain runs as a callback handler sees them. */
class RunRecorder extends BaseCallbackHandler {
  name = "run-recorder";
  readonly runs = new Map<string, { name: string | undefined; parent: string | undefined }>();
  override async handleChainStart(_c: unknown, _i: unknown, runId: string, parentRunId?: string, _t?: string[], _m?: Record<string, unknown>, _rt?: string, runName?: string) {
    this.runs.set(runId, { name: runName, parent: parentRunId });
  }
  named(name: string) {
    return [...this.runs.values()].filter((r) => r.name === name);
  }
}

beforeAll(async () => {
  await initBackend(["cpu"]);
});

describe("the LERL graph as a compiled LangGraph graph", () => {
  it("stream() with custom + updates runs the budget in one invocation, like run() does chunk by chunk", async () => {
    const streamedEpisodes: Episode[] = [];
    const g = lerl(100, streamedEpisodes);
    const progress: LerlProgress[] = [];
    const updatedNodes: string[] = [];
    for await (const [mode, chunk] of await g.graph.stream({}, { streamMode: ["custom", "updates"] })) {
      if (mode === "custom") progress.push(chunk as LerlProgress);
      else updatedNodes.push(...Object.keys(chunk as object));
    }
    const state = (await g.savedState())!;
    expect(state.stopped).toBe("steps");
    expect(state.envSteps).toBeGreaterThanOrEqual(100);
    expect(state.chunk).toBe(state.envSteps / (ROLLOUT * B));
    expect(state.updates).toBe(state.chunk);
    // Progress through the custom mode: one event per batched step, one per chunk, the last one the final counters.
    expect(progress.filter((p) => p.kind === "step")).toHaveLength(state.iterations);
    expect(progress.filter((p) => p.kind === "chunk")).toHaveLength(state.chunk);
    expect(progress.at(-1)).toMatchObject({ kind: "chunk", envSteps: state.envSteps, sessionsFinished: state.sessionsFinished, updates: state.updates });
    // Node updates through the updates mode: begin once, learn once per chunk, plan/act/step once per batched step.
    const count = (n: string) => updatedNodes.filter((x) => x === n).length;
    expect(count("begin")).toBe(1);
    expect(count("learn")).toBe(state.chunk);
    expect(count("step")).toBe(state.iterations);
    expect(count("act")).toBe(state.iterations);
    expect(count("reflect")).toBeGreaterThan(0);

    // The same run through run() (one invocation per chunk): the same counters and the same sessions.
    const runEpisodes: Episode[] = [];
    const viaRun = await lerl(100, runEpisodes).run();
    const { elapsedMs: _a, ...streamed } = state;
    const { elapsedMs: _b, ...chunked } = viaRun;
    expect(streamed).toEqual(chunked);
    expect(streamedEpisodes).toEqual(runEpisodes);
  }, 60_000);

  it("invoke() returns the final state; a later invocation continues the live sessions for one more chunk", async () => {
    const g = lerl(40);
    const first = await g.graph.invoke({});
    expect(first.stopped).toBe("steps");
    expect(first.attempt).toBe(0);
    const ids = first.sessionIds;
    const again = await g.graph.invoke({});
    expect(again.chunk).toBe(first.chunk + 1);
    expect(again.attempt).toBe(0);
    // Sessions that were running are still there (same ids unless they ended in that chunk).
    expect(again.sessionIds.some((id, b) => id === ids[b])).toBe(true);
  }, 60_000);

  it("callbacks on stream() see each component call as a run inside its node", async () => {
    const g = lerl(60); // 15 batched steps: past the 12-step session limit, so sessions end and are reflected on
    const recorder = new RunRecorder();
    await g.graph.invoke({}, { callbacks: [recorder] });
    const planners = recorder.named("planner:saturation-aware");
    expect(planners.length).toBeGreaterThan(0);
    for (const p of planners) expect(recorder.runs.get(p.parent!)?.name).toBe("plan");
    const reflectors = recorder.named("reflector:template");
    expect(reflectors.length).toBeGreaterThan(0);
    for (const r of reflectors) expect(recorder.runs.get(r.parent!)?.name).toBe("reflect");
  }, 60_000);

  it.each([
    ["a heuristic planner (16 concurrent reflections)", () => undefined],
    ["an LLM planner (16 concurrent model calls per plan)", () => new LlmCategoryPlanner({ model: new ScriptedChatModel({ responses: () => JSON.stringify({ categories: [1, 3] }) }), stats: new LlmStats() })],
  ])("with %s, no pile of listeners on the graph's signal", async (_name, makePlanner) => {
    // 16 sessions of exactly 3 steps: all end together, and the reflect node writes 16 reflections concurrently.
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    try {
      const planner = makePlanner();
      const state = await lerl(48, [], { batchSize: 16, maxSteps: 3, quitRule: false, ...(planner ? { planner } : {}) }).graph.invoke({});
      expect(state.reflectionsWritten).toBe(16);
      expect(state.plansMade).toBe(state.envSteps); // every session re-plans at every step
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => w.includes("MaxListeners"))).toEqual([]);
  }, 60_000);

  it("an unbound graph refuses an invocation without its runtime, and runs with the context passed in", async () => {
    const unbound = compileLerlGraph();
    await expect(unbound.invoke({}, { configurable: { thread_id: "t" } })).rejects.toMatchObject({ code: "graph/lerl-no-runtime" });
    const g = lerl(20);
    const state = await unbound.invoke({}, { configurable: { thread_id: "t" }, context: { runtime: g.runtime }, recursionLimit: 1_000 });
    expect(state.stopped).toBe("steps");
    expect(state.envSteps).toBe(20);
  }, 60_000);
});
