/**
 * One node adapter per component of the LERL loop: `plan` (Planner), `act` (RL policy masked by the plan),
 * `step` (simulator), `reflect` (Reflector and pool, only when sessions ended), `learn` (PPO update at
 * the end of a rollout; the chunk boundary). Each reads the small state, works on the runtime, and
 * returns a small update. `act`, `step` and `learn` drive rl-policy's `Collector` (the halves of its step,
 * its buffer writes, its bootstrap value), the loop flat training runs, so LERL cannot drift from it.
 */
import { setMaxListeners } from "node:events";
import { Annotation, END, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { FarsightError, mean } from "@farsight/core";
import { buildPlanRequest, type PlanRequest } from "@farsight/planner";
import type { LerlRuntime } from "./runtime.js";
import { RECENT_WINDOW, type LerlStateUpdate, type LerlStateValue } from "./state.js";

/** What the graph streams in LangGraph's `custom` mode. */
export interface LerlProgress {
  readonly kind: "step" | "chunk";
  readonly envSteps: number;
  readonly iterations: number;
  readonly sessionsFinished: number;
  /** Mean return / length of the last sessions that ended (NaN before the first). */
  readonly meanRecentReturn: number;
  readonly meanRecentLength: number;
  readonly updates: number;
  readonly poolSize: number;
  readonly llmCalls: number;
  readonly llmLatencyMs: number;
  readonly elapsedMs: number;
  readonly chunk: number;
  readonly lastUpdate: Record<string, number>;
}

/**
 * What a LERL graph is invoked with besides its state: the run's runtime (env, components, collector, buffer),
 * in LangGraph's context rather than closed over by the nodes, so the compiled graph holds no run and a
 * checkpoint never sees these objects. {@link createLerlGraph} binds it to its `graph` (and `run` passes it).
 */
export const LerlContext = Annotation.Root({ runtime: Annotation<LerlRuntime> });
export type LerlContextValue = typeof LerlContext.State;
type LerlConfig = LangGraphRunnableConfig<LerlContextValue>;
type Node = (state: LerlStateValue, config: LerlConfig) => Promise<LerlStateUpdate>;

function runtimeOf(config: LerlConfig): LerlRuntime {
  const rt = config.context?.runtime;
  if (!rt) {
    throw new FarsightError("graph/lerl-no-runtime", "LERL graph: invoke it with { context: { runtime } } (createLerlGraph(...).graph has it bound; lerl.context is the value)", {});
  }
  return rt;
}

/**
 * First node of every invocation. On the runtime's first invocation (or after `run()` starts over) it starts
 * every slot afresh: a new thread starts at attempt 0; a thread with saved state is a resume, whose counters
 * carry over while per-slot plans and session ids are void (attempt + 1 keeps session ids unique). Later
 * invocations on the same runtime continue the live sessions.
 */
export const beginNode: Node = async (state, config) => {
  const rt = runtimeOf(config);
  rt.startedAt = performance.now();
  if (rt.live) return { stopped: "" };
  rt.resetEnv();
  rt.live = true;
  const resumed = state.chunk > 0 || state.iterations > 0;
  return { attempt: resumed ? state.attempt + 1 : 0, sessionIds: [], plans: [], planSteps: [], planSources: [], stepsInChunk: 0, stopped: "" };
};

export const sessionIdOf = (attempt: number, serial: number) => `a${attempt}-s${serial}`;

/** Plans for every active session whose plan is missing or older than `planEvery` steps, in one planner call. */
export const planNode: Node = async (state, config) => {
  const rt = runtimeOf(config);
  const { env, pool } = { ...rt.components, env: rt.env };
  const B = env.batchSize;
  const plans = state.plans.length === B ? state.plans.slice() : Array.from({ length: B }, () => [] as number[]);
  const planSteps = state.planSteps.length === B ? state.planSteps.slice() : new Array<number>(B).fill(-1);
  const sources = state.planSources.length === B ? state.planSources.slice() : new Array<string>(B).fill("");
  const sessionIds = state.sessionIds.length === B ? state.sessionIds.slice() : new Array<string>(B).fill("");
  const requests: PlanRequest[] = [];
  const slots: number[] = [];
  for (let b = 0; b < B; b++) {
    if (!env.active[b]) continue;
    const sid = sessionIdOf(state.attempt, env.sessionSerial[b]!);
    if (sessionIds[b] !== sid) {
      sessionIds[b] = sid;
      planSteps[b] = -1;
    }
    const step = env.steps[b]!;
    if (planSteps[b]! >= 0 && step - planSteps[b]! < rt.options.planEvery) continue;
    const reflections = pool && rt.options.reflectionsPerPlan > 0 ? pool.sampleByReturn(rt.options.reflectionsPerPlan, rt.options.reflectionTau, rt.rng) : [];
    const observation = { ...env.observation(b), sessionId: sid };
    requests.push(buildPlanRequest(observation, { catalog: env.catalog, reflections, historySlates: rt.options.historySlates }));
    slots.push(b);
  }
  if (requests.length === 0) return { sessionIds };
  // Through the planner's Runnable view: a trace shows a `planner:<name>` run inside the `plan` node. The signal
  // reaches the planner, whose model calls (one per session for an LLM planner) may each listen on it.
  const fresh = await withSharedSignal(config, requests.length + 1, (c) => rt.plannerRunnable.invoke(requests, c));
  fresh.forEach((plan, j) => {
    const b = slots[j]!;
    plans[b] = [...plan.categories];
    planSteps[b] = env.steps[b]!;
    sources[b] = plan.source.kind;
  });
  return { plans, planSteps, planSources: sources, sessionIds, plansMade: state.plansMade + requests.length };
};

/**
 * One batched forward pass of the policy through the collector, with the plans in force as its plan mask
 * (and the collector's no-repeat mask, as in flat training). Train mode samples and keeps V(s) for PPO;
 * eval mode acts greedily.
 */
export const actNode: Node = async (state, config) => {
  const rt = runtimeOf(config);
  const train = rt.options.mode === "train";
  rt.plans = state.plans;
  rt.pending = rt.collector.act(!train, train);
  return {};
};

/**
 * Steps the simulator through the collector (which also feeds the tracker), stores the transition (with the
 * slates' per-item feedback) in the rollout buffer, records trajectories, closes finished sessions (their
 * slots get new users) and re-observes.
 */
export const stepNode: Node = async (state, config) => {
  const rt = runtimeOf(config);
  const env = rt.env;
  const { onEpisode } = rt.hooks;
  const B = env.batchSize, K = env.slateSize, cat = env.catalog.itemCategory;
  if (!rt.pending) throw new Error("LERL graph: the step node ran without an action from the act node");
  const collected = rt.collector.envStep(rt.pending);
  rt.pending = null;
  if (rt.buffer) rt.collector.store(rt.buffer, collected);
  rt.collector.afterStep();
  const { result: r, stepped } = collected;
  const slates = collected.act.slates;
  let active = 0;
  const recentReturns = state.recentReturns.slice();
  const recentLengths = state.recentLengths.slice();
  let returnSum = state.returnSum;
  const ended: string[] = [];
  for (let b = 0; b < B; b++) {
    if (!stepped[b]) continue;
    active++;
    const slate = Array.from(slates.subarray(b * K, (b + 1) * K));
    rt.trajectories[b]!.push({
      slate,
      categories: slate.map((i) => cat[i] ?? -1),
      feedback: Array.from(r.feedback.subarray(b * K, (b + 1) * K)),
      reward: r.reward[b]!,
      ...(state.plans[b]?.length ? { planCategories: state.plans[b] } : {}),
    });
    if (!r.done[b]) continue;
    const sid = state.sessionIds[b] ?? sessionIdOf(state.attempt, -1);
    const episode = rt.closeEpisode(b, sid, r.endCode[b]!, r.finalUser[b]!, r.finalReturn[b]!, r.finalLength[b]!);
    ended.push(sid);
    rt.finished.push(episode);
    onEpisode?.(episode);
    recentReturns.push(episode.return);
    recentLengths.push(episode.length);
    returnSum += episode.return;
  }
  if (ended.length) rt.components.planner.forget?.(ended);
  while (recentReturns.length > RECENT_WINDOW) recentReturns.shift();
  while (recentLengths.length > RECENT_WINDOW) recentLengths.shift();
  const update = {
    envSteps: state.envSteps + active,
    iterations: state.iterations + 1,
    stepsInChunk: state.stepsInChunk + 1,
    sessionsFinished: state.sessionsFinished + ended.length,
    recentReturns,
    recentLengths,
    returnSum,
    rewards: Array.from(r.reward),
    done: Array.from(r.done),
    ...llmNumbers(rt),
  };
  config.writer?.(progressOf("step", { ...state, ...update }, rt));
  return update;
};

/** Writes one reflection per finished session into the pool (LLM calls run concurrently). */
export const reflectNode: Node = async (state, config) => {
  const rt = runtimeOf(config);
  const episodes = rt.finished;
  rt.finished = [];
  const { pool } = rt.components;
  const reflector = rt.reflectorRunnable;
  const writing = rt.options.mode === "train" || rt.options.reflectInEval;
  if (!reflector || !pool || !writing) return {};
  const reflections = await withSharedSignal(config, episodes.length, (c) => Promise.all(episodes.map((e) => reflector.invoke(e, c))));
  for (const r of reflections) await pool.add(r);
  return { reflectionsWritten: state.reflectionsWritten + reflections.length, poolSize: pool.size, ...llmNumbers(rt) };
};

/**
 * Runs work that listens on the signal up to `n` times at once (concurrent component calls, a planner's model
 * calls) under a signal of its own that follows the graph's: more than 10 listeners on the graph's signal make
 * Node warn of a leak.
 */
async function withSharedSignal<T>(config: LerlConfig, n: number, work: (config: LerlConfig) => Promise<T>): Promise<T> {
  const outer = config.signal;
  if (!outer || n <= 1) return work(config);
  const inner = new AbortController();
  setMaxListeners(n + 10, inner.signal);
  const follow = () => inner.abort(outer.reason);
  if (outer.aborted) follow();
  else outer.addEventListener("abort", follow, { once: true });
  try {
    return await work({ ...config, signal: inner.signal });
  } finally {
    outer.removeEventListener("abort", follow);
  }
}

/** End of a chunk: a PPO update on the full rollout (train mode), the chunk hook (checkpoint files), budgets. */
export const learnNode: Node = async (state, config) => {
  const rt = runtimeOf(config);
  const { algorithm } = rt.components;
  let updates = state.updates;
  let lastUpdate = state.lastUpdate;
  if (rt.buffer?.full) {
    rt.buffer.finish(rt.collector.bootstrapValue(), algorithm.gamma, algorithm.gaeLambda);
    lastUpdate = algorithm.update(rt.buffer);
    rt.buffer.reset();
    updates++;
    // As trainPolicy: schedules are set for the next rollout from the share of the step budget spent.
    if (rt.budget.steps) algorithm.setProgress?.(state.envSteps / rt.budget.steps);
  }
  // The graph keeps its own episode records (with plans and session ids); the collector's list is dropped here so it stays bounded.
  rt.collector.drainEpisodes();
  const chunk = state.chunk + 1;
  await rt.hooks.onChunk?.(chunk, rt);
  const elapsedMs = state.elapsedMs + (performance.now() - rt.startedAt);
  rt.startedAt = performance.now();
  const next = { ...state, updates, lastUpdate, chunk, elapsedMs, stepsInChunk: 0, poolSize: rt.components.pool?.size ?? 0, ...llmNumbers(rt, true) };
  const stopped = stopReason(next, rt);
  config.writer?.(progressOf("chunk", next, rt));
  return { updates, lastUpdate, chunk, elapsedMs, stepsInChunk: 0, stopped, poolSize: next.poolSize, llmCalls: next.llmCalls, llmLatencyMs: next.llmLatencyMs };
};

/** After `step`: reflect when sessions ended, else close the chunk when it is full, else plan the next step. */
export function routeAfterStep(state: LerlStateValue, config: LerlConfig): "reflect" | "learn" | "plan" {
  return runtimeOf(config).finished.length ? "reflect" : routeAfterReflect(state, config);
}

/** After `learn`: the end of the invocation when a budget is spent (or `run()` asks for one chunk), else the next chunk. */
export function routeAfterLearn(state: LerlStateValue, config: LerlConfig): "plan" | typeof END {
  return state.stopped || runtimeOf(config).oneChunkPerInvocation ? END : "plan";
}

export function routeAfterReflect(state: LerlStateValue, config: LerlConfig): "learn" | "plan" {
  const rt = runtimeOf(config);
  if (state.stepsInChunk >= rt.chunkSteps || rt.env.numActive() === 0) return "learn";
  if (rt.buffer && rt.buffer.full) return "learn";
  return "plan";
}

function stopReason(s: LerlStateValue, rt: LerlRuntime): string {
  const b = rt.budget;
  if (b.steps !== undefined && s.envSteps >= b.steps) return "steps";
  if (b.sessions !== undefined && s.sessionsFinished >= b.sessions) return "sessions";
  if (b.seconds !== undefined && s.elapsedMs >= b.seconds * 1000) return "seconds";
  if (rt.env.numActive() === 0) return "sessions-exhausted";
  return "";
}

/** Calls every time; the latency (a snapshot sorts the latencies) only at chunk ends, to keep steps cheap. */
function llmNumbers(rt: LerlRuntime, withLatency = false): { llmCalls: number; llmLatencyMs?: number } {
  const s = rt.components.stats;
  if (!s) return { llmCalls: 0 };
  if (!withLatency) return { llmCalls: s.calls };
  const snap = s.snapshot();
  return { llmCalls: snap.calls, llmLatencyMs: Number.isFinite(snap.latencyMeanMs) ? snap.latencyMeanMs : 0 };
}

export function progressOf(kind: LerlProgress["kind"], s: LerlStateValue, rt: LerlRuntime): LerlProgress {
  return {
    kind,
    envSteps: s.envSteps,
    iterations: s.iterations,
    sessionsFinished: s.sessionsFinished,
    meanRecentReturn: s.recentReturns.length ? mean(s.recentReturns) : NaN,
    meanRecentLength: s.recentLengths.length ? mean(s.recentLengths) : NaN,
    updates: s.updates,
    poolSize: rt.components.pool?.size ?? 0,
    llmCalls: s.llmCalls,
    llmLatencyMs: s.llmLatencyMs,
    elapsedMs: s.elapsedMs + (performance.now() - rt.startedAt),
    chunk: s.chunk,
    lastUpdate: s.lastUpdate,
  };
}
