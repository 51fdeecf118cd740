import { describe, expect, it } from "vitest";
import { Annotation, Command, interrupt, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { HeldTuples } from "./held-tuples.js";

const State = Annotation.Root({ n: Annotation<number>({ reducer: (_a, b) => b, default: () => 0 }) });

/** A graph that pauses for a number and adds it, forever; the saver counts its database reads. */
function setup() {
  const saver = new MemorySaver();
  let reads = 0;
  const getTuple = saver.getTuple.bind(saver);
  saver.getTuple = (config) => (reads++, getTuple(config));
  const held = new HeldTuples(saver);
  const graph = new StateGraph(State)
    .addNode("ask", (s) => ({ n: s.n + interrupt<number, number>(s.n) }))
    .addEdge(START, "ask")
    .addEdge("ask", "ask")
    .compile({ checkpointer: saver });
  return { saver, held, graph, reads: () => reads };
}

describe("HeldTuples", () => {
  it("hands the checkpoint read before a run to the run's first read, once, with the same outcome", async () => {
    const { held, graph, reads } = setup();
    const cfg = { configurable: { thread_id: "t" } };
    await graph.invoke({ n: 1 }, cfg);
    held.hold("t");
    const before = await graph.getState(cfg); // the server's read: from the database
    const n0 = reads();
    const out = await graph.invoke(new Command({ resume: 5 }), cfg); // LangGraph's own read: the kept tuple
    expect(held.reused).toBe(1);
    expect(reads()).toBe(n0);
    expect(before.values).toEqual({ n: 1 });
    expect(out).toMatchObject({ n: 6 });
    held.release("t");
    // Nothing is kept any more: the next reads go to the database and see the run's writes.
    expect((await graph.getState(cfg)).values).toEqual({ n: 6 });
    expect(reads()).toBeGreaterThan(n0);
    expect(held.reused).toBe(1);
  });

  it("drops what it kept on a write to the thread, on release, and keeps nothing for threads it does not hold", async () => {
    const { saver, held, graph, reads } = setup();
    const a = { configurable: { thread_id: "a" } };
    const b = { configurable: { thread_id: "b" } };
    await graph.invoke({ n: 1 }, a);
    await graph.invoke({ n: 2 }, b);
    // A write to the thread after the check (a run's first save) drops the kept tuple.
    held.hold("a");
    const checked = await graph.getState(a);
    await saver.putWrites(checked.config, [["n", 3]], "some-task");
    let n = reads();
    await graph.getState(a);
    expect(reads()).toBe(n + 1);
    // A run refused after its check: nothing kept outlives the hold.
    held.hold("a");
    await graph.getState(a);
    held.release("a");
    n = reads();
    await graph.getState(a);
    expect(reads()).toBe(n + 1);
    // A thread not held: every read goes to the database.
    n = reads();
    await graph.getState(b);
    await graph.getState(b);
    expect(reads()).toBe(n + 2);
    expect(held.reused).toBe(0);
  });
});
