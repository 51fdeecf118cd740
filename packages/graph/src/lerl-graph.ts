/**
 * `createLerlGraph`: LERL (arXiv 2601.19585) as a LangGraph state machine. A planner picks category subsets
 * per session, a PPO policy recommends inside them (items outside the plan score minus infinity), the
 * simulator answers, finished sessions are reflected on into the pool (which feeds later plans) and are
 * replaced by new users, and PPO learns at the end of every rollout (a chunk).
 *
 *   START -> begin -> plan -> act -> step -> reflect? -> learn --(budget left)--> plan
 *                      ^____________________|_________|     \--(budget spent)--> END
 *
 * `createLerlGraph(...).graph` is the compiled graph with its run bound (context, thread, recursion limit):
 * `graph.invoke({})` or `graph.stream({}, { streamMode: ["custom", "updates"] })` runs until a budget is spent,
 * progress arriving as `custom` events. {@link LerlGraph.run} runs the same graph one chunk per invocation
 * (`runtime.oneChunkPerInvocation`), so a checkpointer with `durability: "exit"` saves every chunk at a small per-step cost.
 */
import { END, MemorySaver, START, StateGraph, type BaseCheckpointSaver } from "@langchain/langgraph";
import { actNode, beginNode, learnNode, LerlContext, planNode, reflectNode, routeAfterLearn, routeAfterReflect, routeAfterStep, stepNode, type LerlContextValue, type LerlProgress } from "./nodes.js";
import { DEFAULT_LERL_LOOP, LerlRuntime, type LerlBudget, type LerlComponents, type LerlHooks, type LerlLoopOptions } from "./runtime.js";
import { LerlState, type LerlStateValue } from "./state.js";

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

/** The LERL graph compiled without a run: invoke it with `{ context: { runtime }, configurable: { thread_id } }`. */
export function compileLerlGraph(options: { readonly checkpointer?: BaseCheckpointSaver } = {}) {
  return new StateGraph(LerlState, LerlContext)
    .addNode("begin", beginNode)
    .addNode("plan", planNode)
    .addNode("act", actNode)
    .addNode("step", stepNode)
    .addNode("reflect", reflectNode)
    .addNode("learn", learnNode)
    .addEdge(START, "begin")
    .addEdge("begin", "plan")
    .addEdge("plan", "act")
    .addEdge("act", "step")
    .addConditionalEdges("step", routeAfterStep, ["reflect", "learn", "plan"])
    .addConditionalEdges("reflect", routeAfterReflect, ["learn", "plan"])
    .addConditionalEdges("learn", routeAfterLearn, ["plan", END])
    .compile({ checkpointer: options.checkpointer ?? new MemorySaver() });
}

/** The compiled LERL graph (a LangGraph `CompiledStateGraph` of {@link LerlState} with {@link LerlContext}). */
export type CompiledLerlGraph = ReturnType<typeof compileLerlGraph>;

export interface LerlGraph {
  /**
   * The compiled LangGraph graph with this run bound (`context`, `thread_id`, no practical recursion limit, since
   * the budget ends the run; `durability: "exit"`): `invoke({})` / `stream({}, { streamMode })` run until a
   * budget is spent. A later invocation continues the live sessions (and, after the budget, runs one more chunk).
   */
  readonly graph: CompiledLerlGraph;
  /** The run's LangGraph context (`{ runtime }`), for invoking an unbound {@link compileLerlGraph} graph. */
  readonly context: LerlContextValue;
  readonly runtime: LerlRuntime;
  readonly threadId: string;
  /** The checkpointed state of the thread, or undefined before the first checkpoint. */
  savedState(): Promise<LerlStateValue | undefined>;
  /**
   * Runs chunks until a budget is spent (or the eval env has no session left), one invocation and one checkpoint
   * per chunk. Starts over on every call: continues the thread's saved state when there is one (a resume):
   * counters, finished sessions and the chunk number carry over, the simulator starts fresh sessions (sessions
   * that were running when the process died are not counted).
   */
  run(options?: LerlRunOptions): Promise<LerlStateValue>;
}

/** Builds the LERL graph and its runtime from the components (see {@link CreateLerlGraphOptions}). */
export function createLerlGraph(options: CreateLerlGraphOptions): LerlGraph {
  const loop: LerlLoopOptions = { ...DEFAULT_LERL_LOOP, ...options.loop };
  const rt = new LerlRuntime(options, loop, options.budget ?? {}, options.hooks ?? {});
  const unbound = compileLerlGraph(options.checkpointer ? { checkpointer: options.checkpointer } : {});
  const threadId = options.threadId ?? "lerl";
  const context: LerlContextValue = { runtime: rt };
  const thread = { configurable: { thread_id: threadId } };
  // The budget, not the superstep count, ends a run; the limit stays a number because LangGraph requires one.
  const graph = unbound.withConfig({ ...thread, context, recursionLimit: Number.MAX_SAFE_INTEGER, durability: "exit" });
  // One chunk: begin + (plan + act + step + reflect) per env step + learn; generous slack for short sessions.
  const chunkConfig = { ...thread, recursionLimit: 4 * rt.chunkSteps + 20, durability: "exit" as const, context };
  const savedState = async (): Promise<LerlStateValue | undefined> => {
    const snap = await unbound.getState(thread);
    const v = snap.values as Partial<LerlStateValue> | undefined;
    return v && typeof v.chunk === "number" ? (v as LerlStateValue) : undefined;
  };
  return {
    graph,
    context,
    runtime: rt,
    threadId,
    savedState,
    async run(runOptions: LerlRunOptions = {}) {
      rt.live = false; // the begin node starts every slot afresh (and counts a resume as a new attempt)
      rt.oneChunkPerInvocation = true;
      try {
        for (;;) {
          const stream = await unbound.stream({}, { ...chunkConfig, streamMode: "custom" as const });
          for await (const event of stream) runOptions.onProgress?.(event as LerlProgress);
          const state = (await savedState())!;
          runOptions.onSaved?.(state);
          if (state.stopped || runOptions.signal?.aborted) return state;
        }
      } finally {
        rt.oneChunkPerInvocation = false;
      }
    },
  };
}
