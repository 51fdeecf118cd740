import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Episode } from "@farsight/core";
import { CategoryWindowRule, generateSynthetic, loadPreset, Simulator, SyntheticWorld, type EnvSetup } from "@farsight/env";
import { LlmStats, ScriptedChatModel } from "@farsight/llm";
import { AllCategoriesPlanner, RandomCategoryPlanner, SaturationAwarePlanner, type Planner } from "@farsight/planner";
import { LlmCategoryPlanner } from "@farsight/planner/llm";
import { ReflectionPool, TemplateReflector, type Reflector } from "@farsight/reflector";
import { LlmReflector } from "@farsight/reflector/llm";
import { initBackend, contextFromEnv, createAlgorithm, type OnPolicyAlgorithm } from "@farsight/rl-policy/tf";
import { createLerlGraph, evaluateLerl, trainLerl, type LerlProgress } from "./index.js";

const SMALL = { numCategories: 6, numItems: 60, numUsers: 40, embeddingDim: 8, seed: 3 };
const B = 4;
const ROLLOUT = 5;

function smallEnv(seed = 1): Simulator {
  const data = generateSynthetic(SMALL);
  return new Simulator(new SyntheticWorld(data), [new CategoryWindowRule(data.catalog, { window: 4, threshold: 1 })], { batchSize: B, maxSteps: 12, feedback: "click", autoReset: true, seed });
}

function smallPpo(env: Simulator): OnPolicyAlgorithm {
  return createAlgorithm({ algorithm: "ppo", context: contextFromEnv(env), policy: { seed: 1, hidden: [16], historyLength: 6, encoder: { kind: "mean", itemDim: 8, stateDim: 16, transformer: { heads: 1, layers: 1, ffnDim: 8 } } },
    ppo: { rolloutSteps: ROLLOUT, minibatchSize: 10, epochs: 1 }, }) as OnPolicyAlgorithm;
}

async function train(planner: Planner, o: { steps: number; reflector?: Reflector; stats?: LlmStats; planEvery?: number }) {
  const env = smallEnv();
  const episodes: Episode[] = [];
  const progress: LerlProgress[] = [];
  const pool = new ReflectionPool({ maxSize: 500, seed: 1 });
  const g = createLerlGraph({
    env,
    planner,
    algorithm: smallPpo(env),
    reflector: o.reflector ?? new TemplateReflector(),
    pool,
    ...(o.stats ? { stats: o.stats } : {}),
    loop: { planEvery: o.planEvery ?? 1, seed: 2 },
    budget: { steps: o.steps },
    hooks: { onEpisode: (e) => episodes.push(e) },
  });
  const state = await g.run({ onProgress: (p) => progress.push(p) });
  return { state, episodes, progress, pool, env };
}

/** Every item shown lies in the categories of the plan in force at its step. */
function expectSlatesInsidePlans(episodes: readonly Episode[]): number {
  let checked = 0;
  for (const e of episodes) {
    for (const s of e.steps) {
      expect(s.planCategories?.length).toBeGreaterThan(0);
      for (const c of s.categories) expect(s.planCategories).toContain(c);
      checked++;
    }
  }
  return checked;
}

beforeAll(async () => {
  await initBackend(["cpu"]);
});

describe("LERL graph with non-LLM planners", () => {
  it.each([
    ["saturation-aware", () => new SaturationAwarePlanner({ seed: 1 })],
    ["random", () => new RandomCategoryPlanner({ seed: 1, maxCategories: 2 })],
  ])("trains with the %s planner: budgets, learning, reflections for every finished session, slates inside plans", async (_name, make) => {
    const { state, episodes, progress, pool } = await train(make(), { steps: 120 });
    // The budget is checked at chunk ends: a chunk is ROLLOUT batched steps of B transitions.
    expect(state.envSteps).toBeGreaterThanOrEqual(120);
    expect(state.envSteps).toBeLessThan(120 + ROLLOUT * B);
    expect(state.stopped).toBe("steps");
    expect(state.updates).toBe(state.envSteps / (ROLLOUT * B));
    expect(state.sessionsFinished).toBe(episodes.length);
    expect(episodes.length).toBeGreaterThan(3);
    expect(pool.size).toBe(episodes.length);
    expect(pool.all().map((r) => r.sessionId)).toEqual(episodes.map((e) => e.sessionId));
    for (const e of episodes) expect(e.steps.length).toBe(e.length);
    expect(new Set(episodes.map((e) => e.sessionId)).size).toBe(episodes.length);
    expect(expectSlatesInsidePlans(episodes)).toBeGreaterThan(0);
    // One custom-stream event per batched step and one per chunk.
    expect(progress.filter((p) => p.kind === "step").length).toBe(state.iterations);
    expect(progress.filter((p) => p.kind === "chunk").length).toBe(state.chunk);
    expect(progress.at(-1)!.sessionsFinished).toBe(state.sessionsFinished);
  });

  it("stops on a sessions budget and on a seconds budget", async () => {
    const env = smallEnv();
    const g = createLerlGraph({ env, planner: new AllCategoriesPlanner(), algorithm: smallPpo(env), budget: { sessions: 5 } });
    const s = await g.run();
    expect(s.stopped).toBe("sessions");
    expect(s.sessionsFinished).toBeGreaterThanOrEqual(5);
    const env2 = smallEnv();
    const timed = await createLerlGraph({ env: env2, planner: new AllCategoriesPlanner(), algorithm: smallPpo(env2), budget: { seconds: 0.001 } }).run();
    expect(timed.stopped).toBe("seconds");
    expect(timed.chunk).toBe(1);
    expect(timed.elapsedMs).toBeGreaterThan(0);
  }, 60_000);
});

/** A scripted LLM: plans always name categories 1 and 3 (and an id that does not exist); reflections are fixed text. */
function scriptedModel() {
  return new ScriptedChatModel({
    responses: (prompt) => {
      if (prompt.includes("Long-term satisfaction")) return JSON.stringify({ reflection: "Repeating one category ended the session; mix categories early." });
      const labels = [...prompt.matchAll(/^S(\d+) \(step/gm)].map((m) => Number(m[1]));
      if (labels.length) return JSON.stringify({ plans: labels.map((n) => ({ session: `S${n}`, categories: [1, 3] })) });
      return JSON.stringify({ categories: [1, 3, 99], rationale: "scripted" });
    },
  });
}

describe("LERL graph with a scripted LLM planner and reflector", () => {
  it.each([
    ["one call per session per step", 1, 1],
    ["plan every 3 steps", 3, 1],
    ["a cohort of 4 sessions per call", 1, 4],
  ])("%s: plans follow the model, calls are counted", async (_name, planEvery, cohortSize) => {
    const model = scriptedModel();
    const stats = new LlmStats();
    const planner = new LlmCategoryPlanner({ model, stats, cohortSize });
    const reflector = new LlmReflector({ model, stats });
    const { state, episodes, pool } = await train(planner, { steps: 60, reflector, stats, planEvery });
    for (const e of episodes) for (const s of e.steps) expect(s.planCategories).toEqual([1, 3]);
    expectSlatesInsidePlans(episodes);
    expect(planner.counters.unknownIdsDropped).toBe(cohortSize === 1 ? state.plansMade : 0);
    const planCalls = planner.counters.modelCalls;
    // One call per fresh plan, or (B = 4 sessions fit one cohort) one call per batched step.
    expect(planCalls).toBe(cohortSize === 1 ? state.plansMade : state.iterations);
    // Every step re-plans every session, unless plans are reused for planEvery steps.
    expect(state.plansMade === state.envSteps).toBe(planEvery === 1);
    expect(stats.calls).toBe(planCalls + episodes.length);
    expect(state.llmCalls).toBeLessThanOrEqual(stats.calls);
    expect(pool.all().every((r) => r.source.kind === "llm")).toBe(true);
    expect(pool.all().every((r) => r.text.startsWith("Repeating one category"))).toBe(true);
    // Later plans saw the pool: some planner prompt quotes a reflection.
    expect(episodes.length).toBeGreaterThan(0);
    expect(model.prompts.some((p) => !p.includes("Long-term satisfaction") && p.includes("Repeating one category"))).toBe(true);
  });
});

describe("trainLerl in a run directory", () => {
  let dir: string;
  let setup: EnvSetup;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "farsight-graph-"));
    setup = await loadPreset("synthetic", { synthetic: SMALL });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const small = { policy: { hidden: [16], historyLength: 6, encoder: { kind: "mean" as const, itemDim: 8, stateDim: 16, transformer: { heads: 1, layers: 1, ffnDim: 8 } } }, ppo: { rolloutSteps: ROLLOUT, minibatchSize: 10, epochs: 1 } };

  it("refuses to overwrite a run, resumes one with its counters, pool and weights, and evaluates it", async () => {
    const runDir = join(dir, "run");
    const first = await trainLerl({ setup, steps: 40, seed: 0, batchSize: B, planner: new SaturationAwarePlanner(), reflector: new TemplateReflector(), runDir, ...small });
    expect(first.state.chunk).toBe(2);
    await expect(trainLerl({ setup, steps: 80, seed: 0, batchSize: B, planner: new SaturationAwarePlanner(), runDir, ...small })).rejects.toThrow(/--resume/);
    // 160 more steps are 40 batched steps, more than a session's 30-step limit: every slot finishes a session.
    const second = await trainLerl({ setup, steps: 200, seed: 0, batchSize: B, planner: new SaturationAwarePlanner(), reflector: new TemplateReflector(), runDir, resume: true, ...small });
    expect(second.resumedFromChunk).toBe(2);
    expect(second.state.attempt).toBe(1);
    expect(second.state.chunk).toBe(10);
    expect(second.state.sessionsFinished).toBeGreaterThanOrEqual(first.state.sessionsFinished + B);
    expect(second.state.updates).toBe(10);
    const before = first.pool.all().map((r) => r.sessionId);
    expect(second.pool.all().slice(0, before.length).map((r) => r.sessionId)).toEqual(before);
    expect(second.pool.size).toBe(second.state.sessionsFinished);
    const ev = await evaluateLerl(setup, { algorithm: second.algorithm, makePlanner: (s) => new SaturationAwarePlanner({ seed: s }), pool: second.pool }, { episodes: 12, seeds: [0], batchSize: 4 });
    expect(ev.metrics.episodes).toBe(12);
    expect(ev.metrics.len).toBeGreaterThan(0);
    expect(ev.metrics.llm_calls_per_rec).toBe(0);
  }, 60_000);
});
