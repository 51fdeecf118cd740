/**
 * The served session's fast path answers as LangGraph's compiled session graph does: the same values, pauses,
 * streamed chunks, state and history for the same components and answers (interrupt and checkpoint ids aside);
 * its saves hold no `steps` list; a thread the graph started keeps running on the graph.
 */
import { describe, expect, it } from "vitest";
import { Command, MemorySaver } from "@langchain/langgraph";
import { generateSynthetic, SyntheticWorld } from "@farsight/env";
import { SaturationAwarePlanner } from "@farsight/planner";
import { ReflectionPool, TemplateReflector } from "@farsight/reflector";
import { createSessionGraph, sessionSteps } from "@farsight/graph";
import { FastSessionGraph } from "./fast-session.js";
import { SESSION_CHANNEL } from "./session-log.js";
import { jsonText, jsonTextOf } from "./json-text.js";
import type { GraphLike } from "./served-graph.js";

const data = generateSynthetic({ numCategories: 5, numItems: 40, numUsers: 10, embeddingDim: 4, seed: 1 });

function components(maxSteps: number) {
  return { catalog: data.catalog, planner: new SaturationAwarePlanner(), scorer: new SyntheticWorld(data).scorer, reflector: new TemplateReflector(), pool: new ReflectionPool(), slateSize: 2, maxSteps };
}

/** The pair under test, each on a checkpointer of its own. */
function both(maxSteps: number) {
  const graph = createSessionGraph({ ...components(maxSteps), checkpointer: new MemorySaver(), actInPlanNode: true }) as unknown as GraphLike;
  const saver = new MemorySaver();
  const fast = new FastSessionGraph({ steps: sessionSteps(components(maxSteps)), checkpointer: saver, graph: createSessionGraph({ ...components(maxSteps), checkpointer: saver, actInPlanNode: true }) as unknown as GraphLike });
  return { graph, fast, saver };
}

/** Interrupt ids are each implementation's own (both hex): replaced by a marker. */
function withoutIds(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v), (k, x) => (k === "id" && typeof x === "string" && /^[0-9a-f]{16,64}$/.test(x) ? "<id>" : x));
}

async function drain(g: GraphLike, input: unknown, thread: string) {
  const chunks: unknown[] = [];
  for await (const c of await g.stream(input, { configurable: { thread_id: thread }, streamMode: ["updates", "values"] })) chunks.push(c);
  return withoutIds(chunks);
}

async function stateOf(g: GraphLike, thread: string) {
  const s = await g.getState({ configurable: { thread_id: thread } });
  return withoutIds({ values: s.values, next: s.next, tasks: s.tasks.map((t) => ({ name: t.name, interrupts: t.interrupts.map((i) => i.value) })) });
}

describe("the session fast path", () => {
  it("answers, streams, pauses and ends as the LangGraph session graph does", async () => {
    const { graph, fast } = both(3);
    const cfg = { configurable: { thread_id: "t" } };
    const script: unknown[] = [{ userId: 3, sessionId: "s" }, new Command({ resume: { feedback: [1, 0] } }), new Command({ resume: { feedback: [0, 1] } })];
    const answers: { steps: unknown[] }[] = [];
    for (const input of script) {
      const out = (await fast.invoke(input, cfg)) as { steps: unknown[] };
      answers.push(out);
      expect(withoutIds(out)).toEqual(withoutIds(await graph.invoke(input, cfg)));
      expect(await stateOf(fast, "t")).toEqual(await stateOf(graph, "t"));
      // An answer's text reuses the steps' kept text (json-text.ts), and says what JSON.stringify says.
      expect(jsonText(out)).toBe(JSON.stringify(out));
    }
    // Kept from the first answer on (the session's start has no steps).
    expect(answers.slice(1).map((a) => [a.steps.length > 0, jsonTextOf(a.steps) === JSON.stringify(a.steps)])).toEqual([[true, true], [true, true]]);
    // The last slate's answer ends the session (maxSteps): feedback, then reflect, streamed alike.
    const end = new Command({ resume: { feedback: [1, 1] } });
    expect(await drain(fast, end, "t")).toEqual(await drain(graph, end, "t"));
    expect(await stateOf(fast, "t")).toEqual(await stateOf(graph, "t"));
    expect(((await fast.getState({ configurable: { thread_id: "t" } })).values as { steps: unknown[] }).steps).toHaveLength(3);

    // A session that quits, streamed from its start.
    for (const input of [{ userId: 5 }, new Command({ resume: { feedback: [0, 0] } }), new Command({ resume: { quit: true } })]) {
      expect(await drain(fast, input, "q")).toEqual(await drain(graph, input, "q"));
    }

    // History: the graph's saved states (less its `__start__` input save), newest first, with the same values and pauses.
    const history = async (g: GraphLike, thread: string) => {
      const out: unknown[] = [];
      for await (const s of g.getStateHistory!({ configurable: { thread_id: thread } })) if (s.next[0] !== "__start__") out.push(withoutIds({ values: s.values, next: s.next, interrupts: s.tasks.flatMap((t) => t.interrupts.map((i) => i.value)) }));
      return out;
    };
    expect(await history(fast, "t")).toEqual(await history(graph, "t"));
  });

  it("saves two small records per slate: no steps list, the step it appended, the pause's prompt", async () => {
    const { fast, saver } = both(30);
    const cfg = { configurable: { thread_id: "r" } };
    await fast.invoke({ userId: 1 }, cfg);
    for (let t = 0; t < 5; t++) await fast.invoke(new Command({ resume: { feedback: [1, 0] } }), cfg);
    const saved: Record<string, unknown>[] = [];
    const texts: string[] = [];
    for await (const t of saver.list({ configurable: { thread_id: "r" } })) texts.push(t.checkpoint.channel_values[SESSION_CHANNEL] as string);
    for (const text of texts) saved.push(JSON.parse(text) as Record<string, unknown>);
    // Written from kept pieces (the history list once per slate), and still what JSON.stringify writes.
    expect(texts.map((text) => JSON.stringify(JSON.parse(text)))).toEqual(texts);
    // One save for the start, then per slate: the answer (before planning) and the pause.
    expect(saved).toHaveLength(2 + 5 * 2);
    for (const r of saved) expect(r["values"]).not.toHaveProperty("steps");
    expect(saved.filter((r) => r["added"]).length).toBe(5);
    expect(saved.filter((r) => (r["next"] as string[])[0] === "feedback").every((r) => r["prompt"])).toBe(true);
    expect(((await fast.getState({ configurable: { thread_id: "r" } })).values as { steps: unknown[] }).steps).toHaveLength(5);
  });

  it("a cancel while planning drops the plan and keeps the answer; a cancel after the run changes nothing", async () => {
    const inner = new SaturationAwarePlanner();
    let held: Promise<void> | undefined;
    let entered = () => {};
    const planner = { name: inner.name, usesLlm: false, plan: async (r: Parameters<typeof inner.plan>[0]) => (held ? (entered(), held.then(() => inner.plan(r))) : inner.plan(r)) };
    const saver = new MemorySaver();
    const parts = { ...components(30), planner };
    const fast = new FastSessionGraph({ steps: sessionSteps(parts), checkpointer: saver, graph: createSessionGraph({ ...parts, checkpointer: saver, actInPlanNode: true }) as unknown as GraphLike });
    const cfg = { configurable: { thread_id: "c" } };
    const after = new AbortController();
    const first = (await fast.invoke({ userId: 2 }, { ...cfg, signal: after.signal })) as Record<string, unknown>;
    // Aborting the signal of a run that has ended changes nothing: the pause stays.
    after.abort();
    await new Promise((r) => setTimeout(r, 0));
    expect(first["__interrupt__"]).toBeDefined();
    expect((await fast.getState(cfg)).next).toEqual(["feedback"]);

    let release = () => {};
    held = new Promise<void>((r) => (release = r));
    const planning = new Promise<void>((r) => (entered = r));
    const stop = new AbortController();
    const run = fast.invoke(new Command({ resume: { feedback: [1, 1] } }), { ...cfg, signal: stop.signal });
    await planning;
    stop.abort(new Error("cancelled"));
    await expect(run).rejects.toThrow(/cancelled/);
    const stopped = await fast.getState(cfg);
    expect(stopped.next).toEqual(["plan"]);
    expect((stopped.values as { steps: { feedback: number[] }[] }).steps.map((x) => x.feedback)).toEqual([[1, 1]]);
    // The held plan returns after the cancel: nothing of it is saved.
    held = undefined;
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect((await fast.getState(cfg)).config).toEqual(stopped.config);
    const next = (await fast.invoke(null, cfg)) as { __interrupt__: { value: { step: number } }[] };
    expect(next.__interrupt__[0]!.value.step).toBe(1);
  });

  it("a thread the LangGraph graph started keeps running on the graph", async () => {
    const saver = new MemorySaver();
    const graph = createSessionGraph({ ...components(30), checkpointer: saver, actInPlanNode: true }) as unknown as GraphLike;
    const fast = new FastSessionGraph({ steps: sessionSteps(components(30)), checkpointer: saver, graph });
    const cfg = { configurable: { thread_id: "old" } };
    await graph.invoke({ userId: 4 }, cfg);
    const out = (await fast.invoke(new Command({ resume: { feedback: [1, 0] } }), cfg)) as { steps: unknown[]; __interrupt__: unknown[] };
    expect(out.steps).toHaveLength(1);
    expect(out.__interrupt__).toHaveLength(1);
    const tuple = await saver.getTuple(cfg);
    expect(SESSION_CHANNEL in tuple!.checkpoint.channel_values).toBe(false);
  });
});
