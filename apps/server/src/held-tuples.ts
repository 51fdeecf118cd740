/**
 * One checkpoint read per run instead of two. Before a run the server reads the thread's latest checkpoint
 * (the pending interrupt an answer must match, the checkpoint id a retry names); LangGraph's `invoke` then
 * reads the same checkpoint again, a second round trip and a second deserialisation of every channel. While
 * the server holds the thread (its own bookkeeping and, with PostgreSQL, the thread's lock: no other process
 * can write it), the tuple it read is handed to that next read, once; any write to the thread, and the end of
 * the server's hold, drop it. Reads of other threads, of a named checkpoint or of a namespace go to the database.
 */
import type { BaseCheckpointSaver, CheckpointTuple } from "@langchain/langgraph-checkpoint";
import type { RunnableConfig } from "@langchain/core/runnables";

export class HeldTuples {
  /** Threads the server holds and will read before running: their next latest-checkpoint read is kept. */
  private readonly armed = new Set<string>();
  private readonly kept = new Map<string, CheckpointTuple>();
  /** Reads answered from a kept tuple (for tests and the bench). */
  reused = 0;

  /** Patches `checkpointer` (the instance, as the redaction does) so that its reads and writes pass through here. */
  constructor(checkpointer: BaseCheckpointSaver) {
    const getTuple = checkpointer.getTuple.bind(checkpointer);
    const put = checkpointer.put.bind(checkpointer);
    const putWrites = checkpointer.putWrites.bind(checkpointer);
    const deleteThread = checkpointer.deleteThread.bind(checkpointer);
    checkpointer.getTuple = async (config: RunnableConfig) => {
      const thread = latestOf(config);
      if (thread === undefined) return getTuple(config);
      const kept = this.kept.get(thread);
      if (kept) {
        this.kept.delete(thread);
        this.reused++;
        return kept;
      }
      const tuple = await getTuple(config);
      if (tuple && this.armed.delete(thread)) this.kept.set(thread, tuple);
      return tuple;
    };
    checkpointer.put = (config, ...rest) => {
      this.forget(config);
      return put(config, ...rest);
    };
    checkpointer.putWrites = (config, ...rest) => {
      this.forget(config);
      return putWrites(config, ...rest);
    };
    checkpointer.deleteThread = (threadId: string) => {
      this.release(threadId);
      return deleteThread(threadId);
    };
  }

  /** The server holds `threadId` and is about to read it, then run it: keep that read for the run. */
  hold(threadId: string): void {
    this.kept.delete(threadId);
    this.armed.add(threadId);
  }

  /** The server's hold ended (the run finished or was refused): nothing kept for it survives. */
  release(threadId: string): void {
    this.armed.delete(threadId);
    this.kept.delete(threadId);
  }

  private forget(config: RunnableConfig): void {
    const thread = config.configurable?.["thread_id"] as string | undefined;
    if (thread !== undefined) this.release(thread);
  }
}

/** The thread of a read of its latest checkpoint in the root namespace; undefined for any other read. */
function latestOf(config: RunnableConfig): string | undefined {
  const c = config.configurable ?? {};
  if (c["checkpoint_id"] || (c["checkpoint_ns"] ?? "") !== "") return undefined;
  return typeof c["thread_id"] === "string" ? c["thread_id"] : undefined;
}
