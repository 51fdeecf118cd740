import { randomSchemaAnswers, startFakeOpenAiServer, type FakeLlmServer } from "@farsight/testing";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../main.js";
import { billpCommand } from "./billp.js";
import { captureIO } from "../capture-io.js";


let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface BillpJson {
  components: Record<string, string>;
  sessions: { length: number; return: number; endReason: string; replacements: number; reflection?: string; steps?: { advantage: number }[] }[];
  summary: { sessions: number; meanLength: number; replacementRate: number; reflections: number; actorFallbackRate: number };
  counters: { actor?: { modelCalls: number; replaced: number; fallback: number; parseFailures: number }; critic?: { evaluations: number } };
  llmStats: { calls: number };
  llmAnswers: { components: Record<string, { shares: { fallback: number } }> };
}

describe("farsight billp", () => {
  it("runs sessions with the non-LLM components and prints each trajectory", async () => {
    const io = captureIO();
    const code = await main(["billp", "--sessions", "3", "--max-steps", "8", "--steps"], io, [billpCommand]);
    expect(io.err).toBe("");
    expect(code).toBe(0);
    expect(io.out).toMatch(/^billp: env synthetic, no model \(non-LLM components\); planner saturation-aware, actor catalog-greedy, critic scorer-critic, reflector template/);
    expect(io.out.match(/^session s\d+ \(user \d+\): length \d+/gm)).toHaveLength(3);
    // The non-LLM actor and critic score with the test world's ground truth: said, not hidden.
    expect(io.out).toMatch(/^sessions on the test simulator \(held-out users\); oracle: the actor and critic score with the test world's ground truth$/m);
    expect(io.out).toMatch(/^ {2}step 0: \[.+\] \(direct\) reward [\d.]+ V 0\.00 -> /m);
    expect(io.out).toMatch(/^summary: 3 sessions, mean length [\d.]+, .* replacements 0\.0%/m);
  });

  it("runs an LLM agent through an OpenAI-compatible server and reports grounding and accounting as JSON", async () => {
    server = await startFakeOpenAiServer((request, index) => {
      const text = request.promptText;
      // Request 0 is the preflight (`farsight llm check`'s question), before any session.
      if (text.includes("Which one content category")) return JSON.stringify({ category: "jazz", confidence: 0.9 });
      if (text.includes("You are the actor of a recommender agent")) {
        // Every other answer invents a title; the rest name the first candidate.
        const first = /Candidates:\n1\. (.*) \(/.exec(text)?.[1] ?? "";
        return index % 2 === 0 ? "recommend[Something That Does Not Exist]" : `recommend[${first}]`;
      }
      if (text.includes("You are the critic of a recommender agent")) return "Value: 7";
      if (text.includes("Diagnose a possible reason")) return JSON.stringify({ diagnosis: "Repetition.", plan: "Rotate categories." });
      return JSON.stringify({ thought: "Try something new.", categories: [index % 5] });
    });
    const io = captureIO();
    const code = await main(["billp", "--llm", `openai-compatible:${server.url}#m`, "--sessions", "2", "--max-steps", "4", "--quit-reward=-1000", "--json", "--steps", "--max-fallback-rate", "1", "--output", "text"], io, [billpCommand]);
    expect(io.err).toBe("");
    expect(code).toBe(0);
    const out = JSON.parse(io.out) as BillpJson;
    expect(out.components).toEqual({ planner: "llm-thought", actor: "llm-actor", critic: "llm-critic", reflector: "llm-failure" });
    expect(out).toMatchObject({ users: "held-out users", oracles: [] });
    expect(out.sessions).toHaveLength(2);
    expect(out.summary.replacementRate).toBeGreaterThan(0);
    expect(out.counters.actor!.replaced).toBeGreaterThan(0);
    expect(out.sessions.every((s) => s.reflection?.includes("Rotate categories"))).toBe(true);
    expect(out.summary.reflections).toBe(2);
    expect(out.llmStats.calls).toBe(server.requests.length);
    // Half the actor's answers invent a title: above the default --max-fallback-rate 0.2, accepted here with 1.
    expect(out.llmAnswers.components["llm-actor"]!.shares.fallback).toBeGreaterThan(0.2);
  });

  it("by default the actor and critic answer structured JSON: against random schema-valid answers nothing falls back", async () => {
    // A server with constrained decoding: every answer is a random value of the schema it was sent (candidate titles
    // for the actor, an integer of the range for the critic). With BiLLP's text lines (--output text) the same server
    // would be asked for prose it never writes.
    server = await startFakeOpenAiServer(randomSchemaAnswers(7));
    const io = captureIO();
    const code = await main(["billp", "--llm", `openai-compatible:${server.url}#random-but-valid`, "--sessions", "2", "--max-steps", "3", "--json", "--accept-collapse"], io, [billpCommand]);
    expect(code).toBe(0);
    const out = JSON.parse(io.out) as BillpJson;
    for (const role of ["planner/llm-thought", "llm-actor", "llm-critic", "reflector/llm-failure"]) expect(out.llmAnswers.components[role]!.shares.fallback).toBe(0);
    expect(out.counters.actor).toMatchObject({ fallback: 0, parseFailures: 0 });
    expect(out.summary.actorFallbackRate).toBe(0);
  });

  it("rejects an LLM critic without a model", async () => {
    const io = captureIO();
    expect(await main(["billp", "--critic", "llm"], io, [billpCommand])).toBe(2);
    expect(io.err).toMatch(/--critic llm needs a model/);
  });
});
