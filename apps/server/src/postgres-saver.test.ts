/**
 * The one-statement saver writes what the package's PostgresSaver writes: the same graph played through each
 * (on one database, threads of their own) leaves the same states, history and pending interrupts, and a save
 * is one round trip.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Annotation, Command, END, interrupt, START, StateGraph, type BaseCheckpointSaver } from "@langchain/langgraph";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { redactorOf } from "@farsight/core";
import { redactCheckpoints } from "@farsight/graph";
import { OneStatementPostgresSaver } from "./postgres-saver.js";
import { freshDatabase, POSTGRES_SKIP_REASON, POSTGRES_URL } from "@farsight/testing/postgres";

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

  it("reads back a checkpoint it wrote without its blob, and whole once another replica or a write changed it", async () => {
    // Behind the write boundary's redaction, as the server runs it: what is kept is what was stored.
    const ours = redactCheckpoints(new OneStatementPostgresSaver(pool()), redactorOf(["secret-Qv93x"]));
    const other = new OneStatementPostgresSaver(pool());
    const pkg = new PostgresSaver(pool());
    const thread = { configurable: { thread_id: "kept", checkpoint_ns: "" } };
    const save = async (saver: OneStatementPostgresSaver, id: string, parent: string | undefined, value: string) => {
      const checkpoint = { v: 4, id, ts: new Date().toISOString(), channel_values: { record: value }, channel_versions: { record: id }, versions_seen: {} };
      const config = { configurable: { ...thread.configurable, ...(parent ? { checkpoint_id: parent } : {}) } };
      await saver.put(config, checkpoint, { source: "loop", step: 0, parents: {} }, { record: id });
    };
    const valueOf = async (saver: BaseCheckpointSaver) => (await saver.getTuple(thread))?.checkpoint.channel_values["record"];

    await save(ours, "0001", undefined, "first secret-Qv93x");
    const kept = await ours.getTuple(thread);
    expect(ours.keptReads).toBe(1);
    expect(kept?.checkpoint.channel_values["record"]).toBe("first ***");
    // What the package reads from the database, but for the metadata's key order (jsonb's).
    expect(kept).toEqual(await pkg.getTuple(thread));
    // Each read its own objects: LangGraph's loop changes a checkpoint's versions in place.
    kept!.checkpoint.channel_versions["record"] = "changed";
    expect((await ours.getTuple(thread))?.checkpoint.channel_versions["record"]).toBe("0001");
    expect(ours.keptReads).toBe(2);

    // Another replica writes the thread: the next read is the database's row, not what this process kept.
    await save(other, "0002", "0001", "second");
    expect(await valueOf(ours)).toBe("second");
    expect(ours.keptReads).toBe(2);

    // A task's writes on the newest checkpoint: read back with them.
    await save(ours, "0003", "0002", "third");
    await ours.putWrites({ configurable: { ...thread.configurable, checkpoint_id: "0003" } }, [["__error__", "boom"]], "task-y");
    const withWrites = await ours.getTuple(thread);
    expect(withWrites?.pendingWrites?.map(([, , v]) => v)).toEqual(["boom"]);
    expect(ours.keptReads).toBe(2);

    // A value that is not a string is never kept: a reader could change it.
    await ours.put({ configurable: { ...thread.configurable, checkpoint_id: "0003" } }, { v: 4, id: "0004", ts: new Date().toISOString(), channel_values: { record: { n: 1 } }, channel_versions: { record: "0004" }, versions_seen: {} }, { source: "loop", step: 1, parents: {} }, { record: "0004" });
    expect(await valueOf(ours)).toEqual({ n: 1 });
    expect(ours.keptReads).toBe(2);

    // Deleted: nothing kept survives.
    await save(ours, "0005", "0004", "fifth");
    expect(await valueOf(ours)).toBe("fifth");
    expect(ours.keptReads).toBe(3);
    await ours.deleteThread("kept");
    expect(await ours.getTuple(thread)).toBeUndefined();
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
