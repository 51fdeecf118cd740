import { describe, expect, it } from "vitest";
import type { Episode } from "@farsight/core";
import { LlmStats, ScriptedChatModel } from "@farsight/llm";
import { TemplateReflector, episodeFacts } from "./index.js";
import { LlmFailureReflector, LlmReflector } from "./llm.js";

const names = ["Action", "Puzzle", "Drama", "Comedy"];

/** Five steps: Comedy liked early, then Drama floods the slates until the user quits. */
const episode: Episode = {
  sessionId: "u7-s2",
  userId: 7,
  steps: [
    { slate: [30, 10], categories: [3, 1], feedback: [1, 1], reward: 1 },
    { slate: [31, 20], categories: [3, 2], feedback: [1, 0], reward: 0.5 },
    { slate: [21, 22], categories: [2, 2], feedback: [0, 1], reward: 0.5 },
    { slate: [23, 24], categories: [2, 2], feedback: [0, 0], reward: 0 },
    { slate: [25, 32], categories: [2, 3], feedback: [0, 1], reward: 0.5 },
  ],
  return: 2.5,
  length: 5,
  endReason: "quit",
};

describe("episodeFacts and TemplateReflector", () => {
  it("tallies categories in first-seen order, the tail window and position repeats", () => {
    const f = episodeFacts(episode, 3);
    expect(f.categoriesSeen).toEqual([3, 1, 2]);
    expect(f.tallies.find((t) => t.id === 2)).toMatchObject({ shown: 6, shownInTail: 5 });
    expect(f.tallies.find((t) => t.id === 3)!.meanFeedback).toBe(1);
    expect(f.tailItems).toBe(6);
    // Same category at the same position as the step before: 1 (step 1) + 1 (step 2) + 2 (step 3) + 1 (step 4).
    expect(f.positionRepeats).toBe(5);
  });

  it("names what repeated before the user left and what earned reward", async () => {
    const r = await new TemplateReflector().reflect(episode, { categoryNames: names });
    expect(r.text).toContain("Ended (quit) after 5 steps, return 2.5.");
    expect(r.text).toContain("Repeated before leaving: Drama x5.");
    expect(r.text).toContain("Same category in the same slot as the step before 5x.");
    expect(r.text).toContain("Rewarding: Puzzle 1, Comedy 1.");
    expect(r.text).toContain("Next: favour Puzzle, Comedy; rotate away from Drama sooner.");
    expect(r).toMatchObject({ return: 2.5, length: 5, categories: [3, 1, 2], sessionId: "u7-s2", userId: 7, source: { kind: "heuristic" } });
  });
});

describe("LlmReflector (LERL)", () => {
  it("sends categories, feedback, steps and return, and asks for repetition effects and an insight under 20 words", async () => {
    const model = new ScriptedChatModel({ responses: () => '{"reflection": "Drama flooded the last steps and the user quit; rotate Comedy back in."}' });
    const r = await new LlmReflector({ model, candidateCategories: [0, 1, 2, 3] }).reflect(episode, { categoryNames: names });
    expect(r.text).toBe("Drama flooded the last steps and the user quit; rotate Comedy back in.");
    expect(r.source.kind).toBe("llm");
    const prompt = model.prompts[0]!;
    expect(prompt).toContain("- 0 (Action)\n- 1 (Puzzle)\n- 2 (Drama)\n- 3 (Comedy)");
    expect(prompt).toContain("- Step 0: categories [Comedy, Puzzle]; feedback [1, 1]; reward 1");
    expect(prompt).toContain("- Step 4: categories [Drama, Comedy]; feedback [0, 1]; reward 0.5");
    expect(prompt).toContain("Total steps: 5");
    expect(prompt).toContain("Long-term satisfaction (return): 2.5");
    expect(prompt).toContain("Repetition effects");
    expect(prompt).toContain("Actionable insights");
    expect(prompt).toContain("fewer than 20 words");
    // The schema (what a grammar enforces) holds the 20 words the answer may keep, at 8 characters a word, no more.
    expect(prompt).toContain('"reflection":{"type":"string","description":"the reflection text","maxLength":160}');
  });

  it("cuts an answer to 20 words and counts it", async () => {
    const long = Array.from({ length: 35 }, (_, i) => `w${i}`).join(" ");
    const reflector = new LlmReflector({ model: new ScriptedChatModel({ responses: () => JSON.stringify({ reflection: long }) }) });
    const r = await reflector.reflect(episode);
    expect(r.text.split(" ")).toHaveLength(20);
    expect(reflector.counters).toMatchObject({ truncated: 1, fallbacks: 0 });
  });

  it("rejects when the caller aborts instead of writing a fallback", async () => {
    const stats = new LlmStats();
    const reflector = new LlmReflector({ model: new ScriptedChatModel({ responses: () => "{}", delayMs: 10_000 }), stats });
    const controller = new AbortController();
    const pending = reflector.reflect(episode, { signal: controller.signal });
    controller.abort(new Error("run cancelled"));
    await expect(pending).rejects.toThrow("run cancelled");
    expect(stats.fallbacks).toBe(0);
  });

  it("records a fallback under its component name", async () => {
    const stats = new LlmStats();
    const r = await new LlmReflector({ model: new ScriptedChatModel({ responses: () => "no idea" }), stats, maxRepairs: 0 }).reflect(episode);
    expect(r.source).toMatchObject({ kind: "fallback", by: "llm->template" });
    expect(stats.snapshot().fallbacksByComponent).toEqual({ "reflector/llm": 1 });
  });
});

describe("LlmFailureReflector (BiLLP)", () => {
  it("shows the trajectory with item titles and asks for a diagnosis and a plan", async () => {
    const model = new ScriptedChatModel({ responses: () => '{"diagnosis": "Too much Drama", "plan": "Alternate Drama with Comedy."}' });
    const titles = Array.from({ length: 40 }, (_, i) => `Title ${i}`);
    const r = await new LlmFailureReflector({ model }).reflect(episode, { categoryNames: names, itemTitles: titles });
    expect(r.text).toBe("Too much Drama. Plan: Alternate Drama with Comedy.");
    const prompt = model.prompts[0]!;
    expect(prompt).toContain("The session ended (quit) after 5 steps with a total reward of 2.5.");
    expect(prompt).toContain("- Step 2: items [Title 21, Title 22]; categories [Drama, Drama]; feedback [0, 1]");
    expect(prompt).toContain("Diagnose a possible reason");
    expect(prompt).toContain("high-level plan");
    // 60 words at 8 characters, shared by the two text fields.
    expect(prompt.match(/"maxLength":240/g)).toHaveLength(2);
  });
});

describe("LlmReflector over HTTP", () => {
  it("reflects through an Ollama-compatible server started on 127.0.0.1", async () => {
    const { startFakeOllamaServer } = await import("../../testing/src/fake-llm-server.js");
    const { createChatModel } = await import("@farsight/llm");
    const server = await startFakeOllamaServer(() => 'Here you go: {"reflection": "Drama streaks ended the session; mix Comedy earlier."}');
    try {
      const stats = new LlmStats();
      const model = await createChatModel(`ollama:llama3@${server.url}`, { stats, cache: false });
      const r = await new LlmReflector({ model, stats }).reflect(episode, { categoryNames: names });
      expect(r).toMatchObject({ text: "Drama streaks ended the session; mix Comedy earlier.", source: { kind: "llm", by: `ollama:llama3@${server.url}` } });
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]!.promptText).toContain("Long-term satisfaction (return): 2.5");
      expect(stats.calls).toBe(1);
    } finally {
      await server.close();
    }
  });
});
