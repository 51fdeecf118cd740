import { startFakeOpenAiServer, type FakeLlmRequest, type FakeLlmServer } from "@farsight/testing";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../main.js";
import { planCommand } from "./plan.js";
import { captureIO } from "../capture-io.js";


let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The preflight request every LLM run sends first (`farsight llm check`'s question), and a good answer to it. */
const isPreflight = (req: FakeLlmRequest) => req.promptText.includes("Which one content category");
const PREFLIGHT_ANSWER = JSON.stringify({ category: "jazz", confidence: 0.9 });
const planRequests = (s: FakeLlmServer) => s.requests.filter((r) => !isPreflight(r));

interface PlanJson {
  sessions: { request: { sessionId: string; candidates: { id: number }[]; history: unknown[]; reflections: unknown[] }; plan: { categories: number[]; source: { kind: string } } }[];
  prompts?: { sessions: string[]; prompt: unknown }[];
  counters?: { unknownIdsDropped: number; fallbacks: number; modelCalls: number };
  llmStats: { calls: number; fallbacks: number };
  pool: { size: number };
}

describe("farsight plan", () => {
  it("prints one heuristic planning step for three sessions, with history, reflections and provenance", async () => {
    const io = captureIO();
    const code = await main(["plan", "--env", "synthetic", "--planner", "saturation-aware"], io, [planCommand]);
    expect(io.err).toBe("");
    expect(code).toBe(0);
    expect(io.out).toMatch(/^plan: env synthetic \(\d+ categories, slate 1\), planner saturation-aware, 3 sessions after 4 warm-up steps/);
    expect(io.out.match(/^session s\d+ /gm)).toHaveLength(3);
    expect(io.out.match(/^ {2}source: {6}heuristic by saturation-aware$/gm)).toHaveLength(3);
    expect(io.out).toMatch(/reflection: {2}\(return [\d.]+\) Ended \(/);
  });

  it("takes the short names as aliases and labels the quit-rule oracle", async () => {
    const alias = captureIO();
    expect(await main(["plan", "--planner", "saturation", "--sessions", "1"], alias, [planCommand])).toBe(0);
    expect(alias.out).toMatch(/planner saturation-aware, 1 session/);
    const oracle = captureIO();
    expect(await main(["plan", "--planner", "oracle-saturation", "--sessions", "2"], oracle, [planCommand])).toBe(0);
    expect(oracle.out).toMatch(/planner oracle-saturation \(oracle: reads the quit rule\)/);
    expect(oracle.out.match(/^ {2}source: {6}heuristic by oracle-saturation \(oracle: reads the category-window quit rule\)$/gm)).toHaveLength(2);
    // KuaiSim's click-driven temper is not about categories: the oracle refuses it, naming the rule.
    const clicks = captureIO();
    expect(await main(["plan", "--env", "synthetic-kuaisim-rules", "--temper", "kuaisim", "--planner", "oracle-saturation", "--sessions", "1"], clicks, [planCommand])).toBe(2);
    expect(clicks.err).toMatch(/oracle-saturation reads a category quit rule .* preset synthetic-kuaisim-rules uses response-temper/);
    const reflection = captureIO();
    expect(await main(["plan", "--planner", "reflection", "--sessions", "1", "--json"], reflection, [planCommand])).toBe(0);
    expect(JSON.parse(reflection.out)).toMatchObject({ planner: "reflection-guided", oracle: false });
    const bad = captureIO();
    expect(await main(["plan", "--planner", "genius"], bad, [planCommand])).toBe(2);
    expect(bad.err).toMatch(/--planner must be one of llm-category \(alias llm\), .*saturation-aware \(alias saturation\)/);
  });

  it("plans through an OpenAI-compatible server, drops unknown ids, and shows the prompt", async () => {
    server = await startFakeOpenAiServer((req) => (isPreflight(req) ? PREFLIGHT_ANSWER : '{"categories": [0, 1, 99], "rationale": "fresh"}'));
    const io = captureIO();
    const code = await main(
      ["plan", "--planner", "llm-category", "--llm", `openai-compatible:${server.url}#m`, "--sessions", "2", "--show-prompt", "--json"],
      io,
      [planCommand],
    );
    expect(io.err).toBe("");
    expect(code).toBe(0);
    const out = JSON.parse(io.out) as PlanJson;
    expect(planRequests(server)).toHaveLength(2);
    for (const part of ["[Candidate Categories]", "[User Interaction History]", "[Reflective Summaries]", "[Your Task]"]) {
      expect(planRequests(server)[0]!.promptText).toContain(part);
    }
    expect(out.sessions).toHaveLength(2);
    for (const s of out.sessions) {
      expect(s.plan).toMatchObject({ categories: [0, 1], source: { kind: "llm" } });
      expect(s.request.history.length).toBeGreaterThan(0);
      expect(s.request.reflections.length).toBeGreaterThan(0);
    }
    expect(out.prompts).toHaveLength(2);
    expect(JSON.stringify(out.prompts![0]!.prompt)).toContain("[Reflective Summaries]");
    expect(out.counters).toMatchObject({ unknownIdsDropped: 2, fallbacks: 0, modelCalls: 2 });
    expect(out.llmStats.calls).toBe(3); // the preflight's call and one per session
  });

  it("falls back, and counts it, when the model answers garbage (accepted with --max-fallback-rate 1)", async () => {
    server = await startFakeOpenAiServer(() => "no idea, sorry");
    const io = captureIO();
    const code = await main(["plan", "--planner", "llm-thought", "--llm", `openai-compatible:${server.url}#m`, "--sessions", "2", "--max-fallback-rate", "1", "--json"], io, [planCommand]);
    expect(code).toBe(0);
    expect(io.err).toMatch(/warning: model openai-compatible:\S+#m did not answer the preflight request/);
    const out = JSON.parse(io.out) as PlanJson;
    expect(out.sessions.map((s) => s.plan.source.kind)).toEqual(["fallback", "fallback"]);
    expect(out.llmStats.fallbacks).toBe(2);
  });

  it("plans a cohort in one call and shows that one prompt", async () => {
    server = await startFakeOpenAiServer((req) => {
      if (isPreflight(req)) return PREFLIGHT_ANSWER;
      const labels = [...req.promptText.matchAll(/^(S\d+) \(step/gm)].map((m) => m[1]);
      return JSON.stringify({ plans: labels.map((session) => ({ session, categories: [3, 4] })) });
    });
    const io = captureIO();
    const code = await main(["plan", "--planner", "llm-category", "--llm", `openai-compatible:${server.url}#m`, "--cohort", "4", "--show-prompt"], io, [planCommand]);
    expect(code).toBe(0);
    expect(planRequests(server)).toHaveLength(1);
    expect(io.out.match(/^--- prompt for /gm)).toHaveLength(1);
    expect(io.out).toMatch(/^S3 \(step 4/m);
    // Two categories: the plan schema asks for at least minCategories (2) of the candidates.
    expect(io.out.match(/^ {2}plan: {8}3 \(.*4 \(/gm)).toHaveLength(3);
  });

  it("asks for --llm when an LLM planner gets no model, and rejects unknown planners", async () => {
    const io = captureIO();
    expect(await main(["plan", "--planner", "llm-category"], io, [planCommand])).toBe(2);
    expect(io.err).toContain("--llm");
    const io2 = captureIO();
    expect(await main(["plan", "--planner", "oracle"], io2, [planCommand])).toBe(2);
    expect(io2.err).toContain("--planner must be one of");
  });
});
