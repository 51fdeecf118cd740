/**
 * `createBillpGraph`: one BiLLP session (Shi et al., SIGIR 2024) as a LangGraph state machine, the agent graph
 * IL-Rec's teacher plays its demonstrations through.
 *
 *   START -> begin -> plan (Planner) -> act (Actor) -> step (env) -> critic (V(s'), advantage, memories)
 *                     ^_________________________________________________|   (until the session ends)
 *            -> reflect (Reflector, pool) -> END
 *
 * The nodes are thin: they call the same step helpers as {@link runBillpSession} (`beginBillpSession`,
 * `planBillpStep`, `actBillpStep`, `criticBillpStep`, `finishBillpSession`), so both play the same session.
 * The state holds only plain values (the session's {@link BillpProgress}: id, observation, values, the step
 * records; the current plan, decision and env answer; the final trajectory). The components, their memories,
 * the env session and the reflection pool live in the runtime the nodes close over (as in `createLerlGraph`).
 * One invocation plays one session on its own thread; with a checkpointer an interrupted session resumes
 * from the last finished node ({@link BillpGraph.resume}).
 */
import { END, START, StateGraph, Annotation, type BaseCheckpointSaver } from "@langchain/langgraph";
import { FarsightError, type Plan, type UserId } from "@farsight/core";
import type { Session, SessionStep } from "@farsight/env";
import type { ActDecision } from "@farsight/llm-actor";
import {
  actBillpStep, beginBillpSession, criticBillpStep, finishBillpSession, planBillpStep,
  type BillpComponents, type BillpProgress, type BillpSessionOptions, type BillpTrajectory,
} from "./billp-session.js";

const last = <T>(fallback: () => T) => Annotation<T>({ reducer: (_a: T, b: T) => b, default: fallback });

/** The BiLLP graph's state: plain, serialisable values only. */
export const BillpState = Annotation.Root({
  /** The user to serve (input); -1 lets the simulator draw one. */
  user: last(() => -1),
  /** The session between steps (id, s_t, V(s_t), previous plan, recommended items, step records). */
  progress: last<BillpProgress | null>(() => null),
  /** The Planner's plan for s_t, the Actor's slate, the environment's answer. */
  stepPlan: last<Plan | null>(() => null),
  decision: last<ActDecision | null>(() => null),
  result: last<SessionStep | null>(() => null),
  /** The finished session (set by `reflect`). */
  trajectory: last<BillpTrajectory | null>(() => null),
});
export type BillpStateValue = typeof BillpState.State;

/** Options of {@link createBillpGraph}. */
export interface CreateBillpGraphOptions {
  /** A single-session environment (its simulator's `maxSteps` bounds the session). */
  readonly env: Session;
  readonly components: BillpComponents;
  /** Discount, quit reward, reflections retrieved... as for {@link runBillpSession} (the user comes per run). */
  readonly session?: Omit<BillpSessionOptions, "user" | "signal">;
  /** Saves the state after every node so an interrupted session can resume. Default: none (no persistence). */
  readonly checkpointer?: BaseCheckpointSaver;
  /** Prefix of the per-session thread ids (`<prefix>-<n>`). Default "billp". */
  readonly threadPrefix?: string;
}

export interface BillpRunOptions {
  readonly user?: UserId;
  /** Default: `<threadPrefix>-<n>`, n counting the graph's runs. */
  readonly threadId?: string;
  readonly signal?: AbortSignal;
}

export interface BillpGraph {
  /** The compiled LangGraph graph (one invocation = one session). */
  readonly graph: ReturnType<typeof buildGraph>;
  /** Per-invocation config for a thread: thread id and a recursion limit that fits the longest session. */
  config(threadId: string): { configurable: { thread_id: string }; recursionLimit: number };
  /** Plays one session and returns its trajectory. */
  run(options?: BillpRunOptions): Promise<BillpTrajectory>;
  /** Continues an interrupted session from the thread's last checkpoint (needs a checkpointer). */
  resume(threadId: string, options?: { signal?: AbortSignal }): Promise<BillpTrajectory>;
}

function buildGraph(o: CreateBillpGraphOptions, checkpointer: BaseCheckpointSaver | undefined, signalOf: () => AbortSignal | undefined) {
  const { env, components } = o;
  const opts = (s: BillpStateValue): BillpSessionOptions => {
    const signal = signalOf();
    return { ...o.session, ...(s.user >= 0 ? { user: s.user } : {}), ...(signal ? { signal } : {}) };
  };
  const progressOf = (s: BillpStateValue): BillpProgress => {
    if (!s.progress) throw new FarsightError("graph/billp-no-session", "the BiLLP graph reached a step node before its begin node", {});
    return s.progress;
  };
  return new StateGraph(BillpState)
    .addNode("begin", async (s) => ({ progress: await beginBillpSession(env, components, opts(s)), stepPlan: null, decision: null, result: null, trajectory: null }))
    .addNode("plan", async (s) => ({ stepPlan: await planBillpStep(env, components, progressOf(s), opts(s)) }))
    .addNode("act", async (s) => ({ decision: await actBillpStep(env, components, progressOf(s), s.stepPlan!, opts(s)) }))
    .addNode("step", (s) => ({ result: env.step(s.decision!.slate) }))
    .addNode("critic", async (s) => ({ progress: await criticBillpStep(env, components, progressOf(s), s.stepPlan!, s.decision!, s.result!, opts(s)) }))
    .addNode("reflect", async (s) => ({ trajectory: await finishBillpSession(env, components, progressOf(s), opts(s)) }))
    .addEdge(START, "begin")
    // A session can end at reset (nothing to recommend); the loop of runBillpSession then runs no step either.
    .addConditionalEdges("begin", () => (env.done ? "reflect" : "plan"), ["plan", "reflect"])
    .addEdge("plan", "act")
    .addEdge("act", "step")
    .addEdge("step", "critic")
    .addConditionalEdges("critic", (s) => (s.result?.done ? "reflect" : "plan"), ["plan", "reflect"])
    .addEdge("reflect", END)
    .compile(checkpointer ? { checkpointer } : {});
}

/** Builds the BiLLP graph over an environment and the agent's components (see {@link CreateBillpGraphOptions}). */
export function createBillpGraph(options: CreateBillpGraphOptions): BillpGraph {
  let currentSignal: AbortSignal | undefined;
  const graph = buildGraph(options, options.checkpointer, () => currentSignal);
  const prefix = options.threadPrefix ?? "billp";
  // Four nodes per step, plus begin, reflect and the runaway guard's extra step; LangGraph's default is 25.
  const recursionLimit = 4 * (options.env.sim.maxSteps + 2) + 4;
  const config = (threadId: string) => ({ configurable: { thread_id: threadId }, recursionLimit });
  let runs = 0;
  const invoke = async (input: BillpStateValue | Partial<BillpStateValue> | null, threadId: string, signal?: AbortSignal): Promise<BillpTrajectory> => {
    currentSignal = signal;
    try {
      const state = await graph.invoke(input, config(threadId));
      if (!state.trajectory) {
        throw new FarsightError("graph/billp-interrupted", `the BiLLP session on thread ${threadId} stopped before its end; resume it`, { threadId });
      }
      return state.trajectory;
    } finally {
      currentSignal = undefined;
    }
  };
  return {
    graph,
    config,
    run: (run = {}) => invoke({ user: run.user ?? -1 }, run.threadId ?? `${prefix}-${runs++}`, run.signal),
    resume: async (threadId, resumeOptions = {}) => {
      if (!options.checkpointer) throw new FarsightError("graph/billp-no-checkpointer", "resuming a BiLLP session needs a checkpointer", { threadId });
      return invoke(null, threadId, resumeOptions.signal);
    },
  };
}
