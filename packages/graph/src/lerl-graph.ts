/**
 * `createLerlGraph`: LERL (arXiv 2601.19585) as a LangGraph state machine. A planner picks category subsets
 * per session, a PPO policy recommends inside them (items outside the plan score minus infinity), the
 * simulator answers, finished sessions are reflected on into the pool (which feeds later plans) and are
 * replaced by new users, and PPO learns at the end of every rollout.
 *
 *   START -> plan -> act -> step -> reflect? -> learn (end of chunk) -> END
 *                 ^____________________|_________|   (plan again until the chunk is full)
 *
 * One invocation runs one chunk (a rollout: `rolloutSteps` batched env steps plus the update) and the
 * checkpointer saves the state once at its end (`durability: "exit"`), which keeps LangGraph's per-step cost
 * small and never hits `recursionLimit`; {@link LerlGraph.run} invokes chunk after chunk until a budget is spent.
 */
import { END, MemorySaver, START, StateGraph, type BaseCheckpointSaver } from "@langchain/langgraph";
import { actNode, learnNode, LerlContext, planNode, reflectNode, routeAfterReflect, routeAfterStep, stepNode, type LerlProgress } from "./nodes.js";
import { DEFAULT_LERL_LOOP, LerlRuntime, type LerlBudget, type LerlComponents, type LerlHooks, type LerlLoopOptions } from "./runtime.js";
import { LerlState, type LerlStateUpdate, type LerlStateValue } from "./state.js";

export interface CreateLerlGraphOptions extends LerlComponents {
  readonly loop?: Partial<LerlLoopOptions>;
  readonly budget?: LerlBudget;
  readonly hooks?: LerlHooks;
  /** Where the state is checkpointed (e.g. `SqliteSaver.fromConnString(runDir + "/graph.sqlite")`). Default: memory. */
  readonly checkpointer?: BaseCheckpointSaver;
  /** Checkpoint thread. Default "lerl". */
  readonly threadId?: string;
}

export interface LerlRunOptions {
  /** Every `custom` stream event: one per env step and one per chunk. */
  readonly onProgress?: (progress: LerlProgress) => void;
  /**
   * After each chunk, once its state is checkpointed. Progress events of a chunk arrive before its state
   * is saved, so a record written from them can outlive a kill that loses the chunk; one written here cannot.
   */
  readonly onSaved?: (state: LerlStateValue) => void;
  /** Stops at the next chunk boundary. */
  readonly signal?: AbortSignal;
}

export interface LerlGraph {
  /** The compiled LangGraph graph (one invocation = one chunk). */
  readonly graph: ReturnType<typeof buildGraph>;
  readonly runtime: LerlRuntime;
  readonly threadId: string;
  /** The checkpointed state of the thread, or undefined before the first chunk. */
  savedState(): Promise<LerlStateValue | undefined>;
  /**
   * Runs chunks until a budget is spent (or the eval env has no session left). Continues the thread's saved
   * state when there is one (a resume): counters, finished sessions and the chunk number carry over, the
   * simulator starts fresh sessions (sessions that were running when the process died are not counted).
   */
  run(options?: LerlRunOptions): Promise<LerlStateValue>;
}

/** The graph itself holds no run: nodes find the env, components and collector in `config.context.runtime`. */
function buildGraph(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(LerlState, LerlContext)
    .addNode("plan", planNode)
    .addNode("act", actNode)
    .addNode("step", stepNode)
    .addNode("reflect", reflectNode)
    .addNode("learn", learnNode)
    .addEdge(START, "plan")
    .addEdge("plan", "act")
    .addEdge("act", "step")
    .addConditionalEdges("step", routeAfterStep, ["reflect", "learn", "plan"])
    .addConditionalEdges("reflect", routeAfterReflect, ["learn", "plan"])
    .addEdge("learn", END)
    .compile({ checkpointer });
}

/** Builds the LERL graph and its runtime from the components (see {@link CreateLerlGraphOptions}). */
export function createLerlGraph(options: CreateLerlGraphOptions): LerlGraph {
  const loop: LerlLoopOptions = { ...DEFAULT_LERL_LOOP, ...options.loop };
  const rt = new LerlRuntime(options, loop, options.budget ?? {}, options.hooks ?? {});
  const graph = buildGraph(options.checkpointer ?? new MemorySaver());
  const threadId = options.threadId ?? "lerl";
  // plan + act + step + reflect per env step, plus learn; generous slack for short sessions.
  const recursionLimit = 4 * rt.chunkSteps + 20;
  const config = { configurable: { thread_id: threadId }, recursionLimit, durability: "exit" as const };
  const savedState = async (): Promise<LerlStateValue | undefined> => {
    const snap = await graph.getState({ configurable: { thread_id: threadId } });
    const v = snap.values as Partial<LerlStateValue> | undefined;
    return v && typeof v.chunk === "number" ? (v as LerlStateValue) : undefined;
  };
  return {
    graph,
    runtime: rt,
    threadId,
    savedState,
    async run(runOptions: LerlRunOptions = {}) {
      const previous = await savedState();
      rt.resetEnv();
      // A (re)start: slots hold new sessions, so per-slot plans are void; counters carry over.
      let input: LerlStateUpdate = { attempt: previous ? previous.attempt + 1 : 0, sessionIds: [], plans: [], planSteps: [], planSources: [], stepsInChunk: 0, stopped: "" };
      for (;;) {
        rt.startedAt = performance.now();
        const stream = await graph.stream(input, { ...config, context: { runtime: rt }, streamMode: "custom" as const });
        for await (const event of stream) runOptions.onProgress?.(event as LerlProgress);
        const state = (await savedState())!;
        runOptions.onSaved?.(state);
        if (state.stopped || runOptions.signal?.aborted) return state;
        input = { stopped: "" };
      }
    },
  };
}
