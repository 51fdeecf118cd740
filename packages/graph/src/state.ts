/**
 * The LERL graph's state: a cohort of B concurrent sessions as small, serialisable values (numbers,
 * short arrays). Models, buffers, the simulator and the reflection pool live in the runtime
 * ({@link LerlRuntime}), which reaches the nodes through LangGraph's context, so a checkpoint stays a few kilobytes.
 */
import { Annotation } from "@langchain/langgraph";

const last = <T>(fallback: () => T) => Annotation<T>({ reducer: (_a: T, b: T) => b, default: fallback });

/** Mean return / length of the last sessions kept in the state, for the progress line. */
export const RECENT_WINDOW = 50;

export const LerlState = Annotation.Root({
  /** Environment transitions so far (slot-steps: B sessions stepping once count B), the training budget unit. */
  envSteps: last(() => 0),
  /** Batched env steps so far (each one is B transitions). */
  iterations: last(() => 0),
  /** Batched env steps since the last learn node (the chunk ends at the learn node). */
  stepsInChunk: last(() => 0),
  /** Sessions that ended so far (over the whole run, resumes included). */
  sessionsFinished: last(() => 0),
  /** Returns and lengths of the last {@link RECENT_WINDOW} finished sessions. */
  recentReturns: last<number[]>(() => []),
  recentLengths: last<number[]>(() => []),
  /** Sum of the returns of every finished session (its mean is `returnSum / sessionsFinished`). */
  returnSum: last(() => 0),
  /** Policy updates so far. */
  updates: last(() => 0),
  /** Chunks completed (a chunk ends after a learn node); names the weight/pool snapshot directory. */
  chunk: last(() => 0),
  /** How many times the run was (re)started on this thread: prefixes session ids so they stay unique. */
  attempt: last(() => 0),
  /** Wall-clock milliseconds spent in earlier invocations (budgets in seconds survive resumes). */
  elapsedMs: last(() => 0),
  /** Per slot: the serialised id of the session that holds it (empty when idle). */
  sessionIds: last<string[]>(() => []),
  /** Per slot: the plan's categories in force, and the session step at which it was made (-1 = none). */
  plans: last<number[][]>(() => []),
  planSteps: last<number[]>(() => []),
  /** Per slot: where the plan came from (`llm`, `heuristic`, `fallback`, `cache`). */
  planSources: last<string[]>(() => []),
  /** Per slot: the last step's reward and whether the session ended. */
  rewards: last<number[]>(() => []),
  done: last<number[]>(() => []),
  /** Plans made (fresh, not reused) and reflections written, for accounting. */
  plansMade: last(() => 0),
  reflectionsWritten: last(() => 0),
  /** Size of the reflection pool after the last reflect node. */
  poolSize: last(() => 0),
  /** Model calls and mean latency seen by the run's LlmStats (0 with non-LLM components). */
  llmCalls: last(() => 0),
  llmLatencyMs: last(() => 0),
  /** Last update's statistics (losses, entropy...). */
  lastUpdate: last<Record<string, number>>(() => ({})),
  /** Why the run stopped (`steps`, `sessions`, `seconds`, `sessions-exhausted`), or "" while it runs. */
  stopped: last(() => ""),
});

export type LerlStateValue = typeof LerlState.State;
export type LerlStateUpdate = typeof LerlState.Update;
