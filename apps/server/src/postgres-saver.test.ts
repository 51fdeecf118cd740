/**
 * The one-statement saver writes what the package's PostgresSaver writes: the same graph played through each
 * (on one database, threads of their own) leaves the same states, history and pending interrupts, and a save
 * is one round trip.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Annotation, Command, END, interrupt, START, StateGraph, type BaseCheckpointSaver } from "@langchain/langgraph";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { OneStatementPostgresSaver } from "./postgres-saver.js";
import { freshDatabase, POSTGRES_SKIP_REASON, POSTGRES_URL } from "./test-postgres.js";

if (!POSTGRES_URL) console.log(`[postgres-saver] skipped: ${POSTGRES_SKIP_REASON}`);

const State = Annotation.Root({
  step: Annotation<number>({ reducer: (_a, b) => b, default: () => 0 }),
  answers: Annotation<number[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
  note: Annotation<string>({ reducer: (_a, b) => b, default: () => "" }),
});

/** plan -> ask (interrupt) -> plan ... until three answers: several channels change per node. */
function graph(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(State)
    .addNode("plan", (s) => ({ note: `plan ${s.step}` }))
    .addNode("ask", (s) => {
      const a = interrupt<{ step: number }, number>({ step: s.step });
      return { step: s.step + 1, answers: [a] };
    })
    .addEdge(START, "plan")
    .addEdge("plan", "ask")
    .addConditionalEdges("ask", (s) => (s.answers.length >= 3 ? END : "plan"), ["plan", END])
    .compile({ checkpointer });
}

async function play(checkpointer: BaseCheckpointSaver, thread: string) {
  const g = graph(checkpointer);
  const cfg = { configurable: { thread_id: thread }, durability: "async" as const };
  await g.invoke({ step: 0 }, cfg);
  for (const a of [5, 7]) await g.invoke(new Command({ resume: a }), cfg);
  const paused = await g.getState(cfg);
  await g.invoke(new Command({ resume: 9 }), cfg);
  const history = [];
  for await (const s of g.getStateHistory(cfg)) history.push({ values: s.values, next: s.next, source: s.metadata?.source, step: s.metadata?.step });
  return { paused: { values: paused.values, next: paused.next, interrupts: paused.tasks.map((t) => t.interrupts.map((i) => i.value)) }, end: (await g.getState(cfg)).values, history };
}

describe.skipIf(!POSTGRES_URL)("OneStatementPostgresSaver", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let pools: pg.Pool[] = [];
  const pool = () => {
    const p = new pg.Pool({ connectionString: db.url });
    // pg-pool's end() resolves before its clients' connections have closed, so the DROP DATABASE ... WITH (FORCE)
    // of afterAll can terminate one still closing (57P01); with no listener that error is unhandled and fails the run.
    p.on("error", () => undefined);
    pools.push(p);
    return p;
  };
  beforeAll(async () => {
    db = await freshDatabase(POSTGRES_URL!);
    await new PostgresSaver(pool()).setup();
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    pools = [];
    await db?.drop();
  });

  it("leaves the states, history and interrupts the package's saver leaves", async () => {
    const theirs = await play(new PostgresSaver(pool()), "package");
    const ours = await play(new OneStatementPostgresSaver(pool()), "one-statement");
    expect(ours).toEqual(theirs);
    expect(ours.end).toMatchObject({ step: 3, answers: [5, 7, 9] });
    expect(ours.paused.interrupts).toEqual([[{ step: 2 }]]);
  });

  it("saves a checkpoint and a task's writes in one statement each", async () => {
    const p = pool();
    const sent: string[] = [];
    const query = p.query.bind(p) as (...a: unknown[]) => unknown;
    (p as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
      sent.push(String(a[0]));
      return query(...a);
    };
    const g = graph(new OneStatementPostgresSaver(p));
    const cfg = { configurable: { thread_id: "counted" } };
    await g.invoke({ step: 0 }, cfg);
    const history = [];
    for await (const s of g.getStateHistory(cfg)) history.push(s);
    const checkpointInserts = sent.filter((q) => q.includes('INSERT INTO "public".checkpoints'));
    // One statement per checkpoint (its blobs inside it), none on their own and no BEGIN/COMMIT around them.
    expect(checkpointInserts).toHaveLength(history.length);
    expect(sent.filter((q) => /^\s*INSERT INTO "public".checkpoint_blobs/.test(q))).toEqual([]);
    expect(sent.filter((q) => /^\s*(BEGIN|COMMIT)/.test(q))).toEqual([]);
    expect(sent.filter((q) => q.includes("checkpoint_writes") && q.startsWith("INSERT")).length).toBeGreaterThan(0);
  });

  it("keeps the last of two writes to one special channel, as the package does", async () => {
    const saver = new OneStatementPostgresSaver(pool());
    const config = { configurable: { thread_id: "writes", checkpoint_ns: "", checkpoint_id: "1" } };
    const g = graph(saver);
    await g.invoke({ step: 0 }, { configurable: { thread_id: "writes" } });
    const tuple = await saver.getTuple({ configurable: { thread_id: "writes" } });
    const at = { configurable: { ...config.configurable, checkpoint_id: tuple!.config.configurable!["checkpoint_id"] as string } };
    await saver.putWrites(at, [["__error__", "first"], ["__error__", "second"]], "task-x");
    const after = await saver.getTuple({ configurable: { thread_id: "writes" } });
    expect(after!.pendingWrites!.filter(([task]) => task === "task-x").map(([, , v]) => v)).toEqual(["second"]);
  });
});
