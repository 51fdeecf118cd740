// The graphs langgraph.json names load and run as LangGraph's API server would run them: with its checkpointer.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Command, isInterrupted, MemorySaver } from "@langchain/langgraph";
import * as graphs from "./graphs.js";

const config = JSON.parse(readFileSync(new URL("../../langgraph.json", import.meta.url), "utf8")) as { graphs: Record<string, string> };

describe("langgraph.json graphs", () => {
  it("names an exported compiled graph for session, billp and lerl", () => {
    expect(Object.keys(config.graphs)).toEqual(["session", "billp", "lerl"]);
    for (const [name, path] of Object.entries(config.graphs)) {
      expect(path).toBe(`./src/langgraph/graphs.ts:${name}`);
      expect(typeof (graphs as Record<string, { invoke?: unknown }>)[name]?.invoke, `${name} is a graph`).toBe("function");
    }
  });

  it("session pauses at a slate and resumes with feedback on the server's checkpointer", async () => {
    graphs.session.checkpointer = new MemorySaver();
    const cfg = { configurable: { thread_id: "s1" } };
    const out = await graphs.session.invoke({ userId: 4 }, cfg);
    expect(isInterrupted(out)).toBe(true);
    const next = await graphs.session.invoke(new Command({ resume: { feedback: [1] } }), cfg);
    expect(next.steps).toHaveLength(1);
    expect(isInterrupted(next)).toBe(true);
  });

  it("billp plays one simulated session", async () => {
    const b = await graphs.billp.invoke({ user: 3 }, { recursionLimit: 500 });
    expect(b.trajectory!.episode.userId).toBe(3);
    expect(b.trajectory!.episode.length).toBeGreaterThan(0);
  });
});
