/**
 * `farsight bench llm`: a chat model (default the fetched SmolLM2 in process) in every LLM role. Per role and per
 * answer mode: calls, usable answers, latency p50/p95, tokens/s; then LLM calls per recommendation and cache
 * hits of the LERL planner for every-step, every-k and cohort planning. The default is small (minutes on 2 busy
 * cores); the numbers are for this model on this machine, not a verdict on LLM planning.
 */
import type { Episode, Plan } from "@farsight/core";
import { LlmCritic } from "@farsight/critic/llm";
import { loadPreset, makeSimulator, Session } from "@farsight/env";
import { evaluateLerl, policyDefaults, runBillpSession, trainSimulator } from "@farsight/graph";
import { createChatModel, LlmStats, type LlmStatsSnapshot } from "@farsight/llm";
import { LlmActor } from "@farsight/llm-actor/llm";
import { LlmCategoryPlanner, LlmThoughtPlanner } from "@farsight/planner/llm";
import { ReflectionPool } from "@farsight/reflector";
import { LlmFailureReflector, LlmReflector } from "@farsight/reflector/llm";
import { initBackend, contextFromEnv, createAlgorithm, type OnPolicyAlgorithm } from "@farsight/rl-policy/tf";
import { formatLlmThroughput, runLlmThroughputBench, startFixedLatencyServer, type LlmThroughputResult } from "@farsight/lab";
import { UsageError, type CliIO } from "../command.js";
import { JSON_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import type { BenchTarget } from "./registry.js";

type Mode = "native" | "prompt-only";
interface RoleRow {
  role: string;
  mode: Mode;
  calls: number;
  answers: number;
  usable: number;
  repairs: number;
  p50Ms: number;
  p95Ms: number;
  tokensPerSecond: number;
  promptTokensPerCall: number;
}
interface PlanningRow {
  option: string;
  planEvery: number;
  cohort: number;
  slates: number;
  callsPerRec: number;
  cacheHitRate: number;
  modelPlans: number;
  meanLen: number;
}

const table = defineCommand({
  command: "bench llm",
  description: [
    "A chat model in every LLM role: per role and answer mode (native constraints or prompt only) calls, usable answers, latency p50/p95, tokens/s; " +
      "then LLM calls per recommendation and cache hits of the LERL planner for every-step, every-k and cohort planning.",
  ],
  flags: {
    llm: { kind: "string", default: "llama-cpp:", placeholder: "SPEC", help: "the model (llama-cpp: is the fetched smollm2, in process)." },
    sessions: { kind: "int", min: 1, default: 2, help: "BiLLP sessions per answer mode." },
    episodes: { kind: "int", min: 1, default: 8, placeholder: "E", help: "LERL sessions per planning option." },
    "max-steps": { kind: "int", min: 1, default: 3, help: "BiLLP session cap." },
    cohort: { kind: "int", min: 0, default: 0, help: "also plan N sessions per call (0: off; a cohort answer outgrows a small model's answer budget)." },
    throughput: { kind: "boolean", help: "only plans/s at --levels concurrent sessions against serial (same run), on --llm and a fixed-latency fake server." },
    levels: { kind: "list", default: ["1", "4", "8", "16"], placeholder: "N,...", help: "--throughput: concurrency levels." },
    plans: { kind: "int", min: 1, default: 16, help: "--throughput: plans per level and round." },
    rounds: { kind: "int", min: 1, default: 1, help: "--throughput: rounds (each runs serial and every level)." },
    "fake-latency": { kind: "int", min: 0, default: 200, placeholder: "MS", help: "--throughput: latency of the fake HTTP server (0: skip it)." },
    threads: { kind: "int", min: 1, default: 1, placeholder: "N", help: "--throughput: llama.cpp threads per context, every level." },
    ...JSON_FLAG,
  },
});

function row(role: string, mode: Mode, snap: LlmStatsSnapshot, answers: number, usable: number): RoleRow {
  const seconds = (snap.latencyMeanMs * snap.calls) / 1000;
  return {
    role, mode, calls: snap.calls, answers, usable, repairs: snap.repairs,
    p50Ms: snap.latencyP50Ms, p95Ms: snap.latencyP95Ms,
    tokensPerSecond: seconds > 0 ? snap.completionTokens / seconds : 0,
    promptTokensPerCall: snap.calls ? snap.promptTokens / snap.calls : 0,
  };
}

const fromModel = (p: Plan) => p.source.kind === "llm" || p.source.kind === "cache";

export const llmBench: BenchTarget = {
  name: "llm",
  summary: "a chat model in every LLM role: usable answers with/without native constraints, latency, tokens/s, calls per rec",
  table,
  async run(argv: string[], io: CliIO, json: boolean) {
    const { values } = parseCommand(table, argv);
    const { llm: spec, sessions, episodes } = values;
    if (values.throughput) return throughput(values, io, json);
    const maxSteps = values["max-steps"];
    // Off by default: a cohort answer (one plan per session) outgrows a small model's answer budget, its plans
    // fall back to the heuristic, and the heuristic's long sessions make the bench run for the better part of an hour.
    const cohortSize = values.cohort;
    const say = (line: string) => (json ? undefined : io.stderr(`${line}\n`));
    const modelFor = async (stats: LlmStats, mode: Mode) =>
      (await createChatModel(spec, { stats, ...(spec.startsWith("llama-cpp:") ? { llamaCpp: { constrain: mode === "native" } } : {}) }))!;
    const t0 = performance.now();
    await (await modelFor(new LlmStats(), "native")).invoke("Hi");
    const loadMs = performance.now() - t0;
    const setup = await loadPreset("synthetic");
    const roles: RoleRow[] = [];

    // BiLLP roles in short sessions; native = JSON under the model's constraints, prompt-only = BiLLP's text
    // lines (actor, critic) and JSON asked for in the prompt with repair turns (planner, reflector).
    for (const mode of ["native", "prompt-only"] as const) {
      say(`bench llm: BiLLP roles (${mode}), ${sessions} session(s) of at most ${maxSteps} steps`);
      const s = { planner: new LlmStats(), actor: new LlmStats(), critic: new LlmStats(), reflector: new LlmStats() };
      const sim = await makeSimulator(setup, "test", { batchSize: 1, seed: 0, maxSteps });
      const output = mode === "native" ? "structured" : "text";
      const planner = new LlmThoughtPlanner({ model: await modelFor(s.planner, mode), stats: s.planner, seed: 0 });
      const actor = new LlmActor({ model: await modelFor(s.actor, mode), catalog: sim.catalog, stats: s.actor, seed: 0, output });
      const critic = new LlmCritic({ model: await modelFor(s.critic, mode), catalog: sim.catalog, stats: s.critic, output });
      const reflector = new LlmFailureReflector({ model: await modelFor(s.reflector, mode), stats: s.reflector });
      const plans: Plan[] = [];
      const pool = new ReflectionPool({ seed: 0 });
      for (let i = 0; i < sessions; i++) {
        const t = await runBillpSession(new Session(sim), { planner, actor, critic, reflector, reflections: pool });
        plans.push(...t.steps.map((x) => x.plan));
      }
      roles.push(row("BiLLP thought planner", mode, s.planner.snapshot(), plans.length, plans.filter(fromModel).length));
      roles.push(row("BiLLP actor", mode, s.actor.snapshot(), actor.counters.slots, actor.counters.slots - actor.counters.fallback));
      const c = critic.counters;
      roles.push(row("BiLLP critic", mode, s.critic.snapshot(), c.modelCalls, c.modelCalls - c.nonNumeric - c.modelErrors - c.empty));
      roles.push(row("BiLLP failure reflector", mode, s.reflector.snapshot(), reflector.counters.reflections, reflector.counters.reflections - reflector.counters.fallbacks));
    }

    // LERL planner (and its reflector on the sessions it produced) in the LERL graph's evaluation, with an
    // untrained PPO policy: the planning options change how often the model is asked, not what it is asked.
    await initBackend();
    const env = await trainSimulator(setup, "truth", 8, 0);
    const algorithm = createAlgorithm({ algorithm: "ppo", context: contextFromEnv(env), policy: policyDefaults(setup, 0) }) as OnPolicyAlgorithm;
    const planning: PlanningRow[] = [];
    const finished: Episode[] = [];
    for (const mode of ["native", "prompt-only"] as const) {
      const options: [string, number, number][] = mode === "native" ? [["every step (LERL)", 1, 1], ["every 3 steps", 3, 1]] : [["every step (LERL)", 1, 1]];
      if (mode === "native" && cohortSize > 1) options.push([`cohort of ${cohortSize}, every step`, 1, cohortSize]);
      for (const [option, planEvery, cohort] of options) {

        const stats = new LlmStats();
        const model = await modelFor(stats, mode);
        const made: LlmCategoryPlanner[] = [];
        const makePlanner = (seed: number) => {
          const p = new LlmCategoryPlanner({ model, stats, seed, cohortSize: cohort, feedbackMeaning: "1 = click, 0 = no click" });
          made.push(p);
          return p;
        };
        // Prompt-only answers mostly fall back to the heuristic, whose sessions run to 30 steps with up to three
        // calls per plan (repairs): one session is enough to measure the rate and keeps the bench to minutes.
        const n = mode === "native" ? episodes : 1;
        say(`bench llm: LERL planner (${mode}), ${option}, ${n} session(s)`);
        const r = await evaluateLerl(setup, { algorithm, makePlanner, pool: new ReflectionPool({ seed: 0 }), stats, loop: { planEvery } }, {
          episodes: n, seeds: [0], batchSize: Math.min(8, n), onEpisode: (e) => void (mode === "native" && planEvery === 1 && cohort === 1 && finished.push(e)),
        });
        const snap = stats.snapshot();
        // Fresh plans (not reused between re-planning steps): from the model, or the fallback planner's.
        const fromModelPlans = made.reduce((n, p) => n + p.counters.fromModel, 0);
        const fallbacks = made.reduce((n, p) => n + p.counters.fallbacks, 0);
        const plansAsked = fromModelPlans + fallbacks;
        const slates = Math.round(r.metrics.len! * n);
        if (planEvery === 1 && cohort === 1) roles.push(row("LERL category planner", mode, snap, plansAsked, fromModelPlans));
        if (mode === "native") {
          planning.push({
            option, planEvery, cohort, slates, callsPerRec: r.metrics.llm_calls_per_rec!, meanLen: r.metrics.len!,
            cacheHitRate: snap.calls + snap.cacheHits ? snap.cacheHits / (snap.calls + snap.cacheHits) : 0,
            modelPlans: plansAsked ? fromModelPlans / plansAsked : 0,
          });
        }
      }
      say(`bench llm: LERL reflector (${mode}), ${Math.min(4, finished.length)} sessions`);
      const rs = new LlmStats();
      const reflector = new LlmReflector({ model: await modelFor(rs, mode), stats: rs, feedbackMeaning: "1 = click, 0 = no click" });
      for (const e of finished.slice(0, 4)) await reflector.reflect(e);
      roles.push(row("LERL reflector", mode, rs.snapshot(), reflector.counters.reflections, reflector.counters.reflections - reflector.counters.fallbacks));
    }

    const result = { spec, loadMs, sessions, maxSteps, episodes, roles, planning };
    if (!json) io.stdout(formatLlmBench(result));
    return result;
  },
};

/** `--throughput`: lab's interleaved grid on the model, then on a fake OpenAI-compatible server with a fixed latency. */
async function throughput(
  values: { llm: string; levels: string[]; plans: number; rounds: number; cohort: number; threads: number; "fake-latency": number },
  io: CliIO,
  json: boolean,
) {
  const levels = values.levels.map((l) => {
    const n = Number(l);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--levels must be integers >= 1, got "${l}"`);
    return n;
  });
  const say = (line: string) => (json ? undefined : io.stderr(`${line}\n`));
  const base = { levels, plans: values.plans, rounds: values.rounds, cohort: Math.max(1, values.cohort), threads: values.threads, say };
  const results: LlmThroughputResult[] = [await runLlmThroughputBench({ ...base, spec: values.llm })];
  if (values["fake-latency"] > 0) {
    const server = await startFixedLatencyServer(values["fake-latency"]);
    try {
      results.push(await runLlmThroughputBench({ ...base, spec: `openai-compatible:${server.url}#fixed-latency-${values["fake-latency"]}ms` }));
    } finally {
      await server.close();
    }
  }
  if (!json) for (const r of results) io.stdout(formatLlmThroughput(r) + "\n");
  return { throughput: results };
}

const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(0)}%` : "-");

/** The bench's tables as text (also pasted into packages/llm/README.md). */
export function formatLlmBench(r: { spec: string; loadMs: number; roles: RoleRow[]; planning: PlanningRow[]; episodes: number }): string {
  const lines = [`model ${r.spec}: loaded and first answer in ${(r.loadMs / 1000).toFixed(1)} s`, ""];
  lines.push("| role | mode | calls | usable answers | repairs | p50 ms | p95 ms | tokens/s | prompt tokens/call |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const x of r.roles) {
    lines.push(`| ${x.role} | ${x.mode} | ${x.calls} | ${x.usable}/${x.answers} (${pct(x.usable, x.answers)}) | ${x.repairs} | ${x.p50Ms.toFixed(0)} | ${x.p95Ms.toFixed(0)} | ${x.tokensPerSecond.toFixed(1)} | ${x.promptTokensPerCall.toFixed(0)} |`);
  }
  lines.push("", `LERL planner, native constraints, ${r.episodes} evaluation sessions per option (untrained PPO inside the plan):`, "");
  lines.push("| planning | LLM calls / slate | cache hit rate | plans from the model | mean Len |", "| --- | --- | --- | --- | --- |");
  for (const p of r.planning) lines.push(`| ${p.option} | ${p.callsPerRec.toFixed(3)} | ${pct(p.cacheHitRate, 1)} | ${pct(p.modelPlans, 1)} | ${p.meanLen.toFixed(1)} |`);
  return lines.join("\n") + "\n";
}
