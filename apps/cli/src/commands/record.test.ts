/**
 * `--record`: every LLM answer of a run in its run directory (llm-records.jsonl), and `farsight report`'s
 * per-role section. A fake OpenAI-compatible server plans valid ids for some conversations and an id that is
 * not a candidate for the others (those fall back after their repairs), so the file holds both outcomes.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { AnswerRecord } from "@farsight/llm";
import { startFakeOpenAiServer } from "@farsight/testing";
import { captureIO } from "../capture-io.js";
import { main } from "../main.js";
import { commands } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "farsight-record-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A conversation's first prompt (repair turns cut off), hashed: the same conversation always gets the same kind of answer. */
function conversationHash(promptText: string): number {
  const first = promptText.split("\nassistant:")[0]!;
  let h = 0;
  for (let i = 0; i < first.length; i++) h = (h * 31 + first.charCodeAt(i)) >>> 0;
  return h;
}

function readRecords(file: string): AnswerRecord[] {
  return readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as AnswerRecord);
}

describe("farsight run lerl --record, then farsight report", () => {
  it("writes one record per settled answer (counts as in results.json) and the report shows them per role", async () => {
    const server = await startFakeOpenAiServer((req) => {
      if (req.promptText.includes("Which one content category")) return JSON.stringify({ category: "jazz", confidence: 0.9 });
      if (req.promptText.includes("Long-term satisfaction")) return JSON.stringify({ reflection: `Session of ${req.promptText.length % 89} words; vary the categories.` });
      const h = conversationHash(req.promptText);
      return JSON.stringify({ categories: h % 3 === 0 ? [999] : [1 + (h % 5), 7], rationale: "r" });
    });
    try {
      const out = join(dir, "lerl");
      const spec = `openai-compatible:${server.url}#fake-model`;
      const run = captureIO();
      const argv = ["run", "lerl", "--planner", "llm", "--llm", spec, "--steps", "40", "--batch", "4", "--episodes", "4", "--out", out];
      expect(await main([...argv, "--record", "--accept-collapse", "--max-fallback-rate", "1"], run, commands)).toBe(0);

      const records = readRecords(join(out, "llm-records.jsonl"));
      const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { llm: { stats: { answersByComponent: Record<string, { answers: number; model: number; repaired: number; cache: number; fallback: number }> } } };
      // Every answer the run counted has its record, with the same outcome.
      const counted = results.llm.stats.answersByComponent;
      const tally: Record<string, Record<string, number>> = {};
      for (const r of records) {
        tally[r.role] ??= { answers: 0, model: 0, repaired: 0, cache: 0, fallback: 0 };
        tally[r.role]!.answers!++;
        tally[r.role]![r.outcome]!++;
      }
      expect(tally).toEqual(counted);
      expect(Object.keys(tally).sort()).toEqual(["planner/llm-category", "reflector/llm"]);

      const plans = records.filter((r) => r.role === "planner/llm-category");
      const fallbacks = plans.filter((r) => !r.valid);
      expect(fallbacks.length).toBeGreaterThan(0);
      expect(plans.length - fallbacks.length).toBeGreaterThan(0);
      for (const r of plans) {
        expect(r.session).toMatch(/\S/);
        expect(r.calls.length).toBeGreaterThan(0);
        expect(r.calls[0]!.messages.some((m) => m.role === "human")).toBe(true);
        // The call's answer is the server's text, its verdict structured()'s.
        expect([r.valid, r.calls.at(-1)!.validation!.split(":")[0]]).toEqual(r.valid ? [true, "valid"] : [false, "schema"]);
      }
      // A fallback says why and carries the repair turns it took (each a continuation of the first prompt).
      const f = fallbacks[0]!;
      expect(f).toMatchObject({ outcome: "fallback", reason: expect.stringContaining("model answer unusable (schema)") });
      expect(f.calls.length).toBe(3);
      expect(f.calls.slice(1).every((c) => c.continues === true)).toBe(true);
      expect(f.calls.every((c) => c.answer === '{"categories":[999],"rationale":"r"}')).toBe(true);
      // The valid plans' keys are the sorted categories, as the quality guards see them.
      expect(plans.find((r) => r.valid)!.key).toMatch(/^\d+(,\d+)*$/);

      const report = captureIO();
      expect(await main(["report", out, "--out", join(out, "report-2.html")], report, commands)).toBe(0);
      const planLine = report.out.split("\n").find((l) => l.trim().startsWith("planner/llm-category:"))!;
      const valid = plans.filter((r) => r.valid).length;
      expect(planLine).toContain(`${plans.length} answers`);
      expect(planLine).toContain(`${Math.round((100 * valid) / plans.length)}% valid`);
      expect(planLine).toContain("model answer unusable (schema)");
      const html = readFileSync(join(out, "report-2.html"), "utf8");
      expect(html).toContain('<section id="llm-answers"><h2>LLM answers</h2>');
      expect(html).toContain("planner/llm-category: examples");
      expect(html).toContain("reflector/llm: examples");
      // Both an accepted plan and a fallback are shown with the request they answered.
      expect(html).toContain("fallback: model answer unusable (schema)");
      expect(html).toContain("{&quot;categories&quot;:[999],&quot;rationale&quot;:&quot;r&quot;}");
    } finally {
      await server.close();
    }
  }, 180_000);

  it("records a non-LLM planner's plans with their requests (a distill teacher), and a record file that cannot be written stops the run with lab/llm-record-write", async () => {
    const io = captureIO();
    const out = join(dir, "random-teacher");
    expect(await main(["run", "lerl", "--planner", "random", "--record", "--steps", "10", "--batch", "2", "--skip-eval", "--out", out], io, commands)).toBe(0);
    const records = readFileSync(join(out, "llm-records.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      expect(r).toMatchObject({ role: "planner/random", valid: true, calls: [], model: expect.stringContaining("no LLM") });
      expect(r.input.candidates.length).toBeGreaterThan(0);
      expect(r.value.categories.every((c: number) => r.input.candidates.some((o: { id: number }) => o.id === c))).toBe(true);
    }
    const { llmRecordSink } = await import("@farsight/lab");
    const { mkdirSync } = await import("node:fs");
    const blocked = join(dir, "blocked");
    mkdirSync(join(blocked, "llm-records.jsonl"), { recursive: true });
    expect(() => llmRecordSink(blocked)).toThrow(expect.objectContaining({ code: "lab/llm-record-write", message: expect.stringContaining("llm-records.jsonl cannot be opened for appending") }));
  });
});

/** A BiLLP agent's server: the first candidate as the actor's pick, a fixed critic value, one diagnosis, one thought. */
function billpServer() {
  return startFakeOpenAiServer((request) => {
    const text = request.promptText;
    if (text.includes("Which one content category")) return JSON.stringify({ category: "jazz", confidence: 0.9 });
    if (text.includes("You are the actor of a recommender agent")) return `recommend[${/Candidates:\n1\. (.*) \(/.exec(text)?.[1] ?? ""}]`;
    if (text.includes("You are the critic of a recommender agent")) return "Value: 2";
    if (text.includes("Diagnose a possible reason")) return JSON.stringify({ diagnosis: "Repetition.", plan: "Rotate categories." });
    return JSON.stringify({ thought: "Try something new.", categories: [1] });
  });
}

describe("farsight run ilrec --teacher llm --record", () => {
  it("keeps the LLM teacher's answers, and the run's report shows them", async () => {
    const server = await billpServer();
    try {
      const out = join(dir, "ilrec");
      const io = captureIO();
      const argv = ["run", "ilrec", "--teacher", "llm", "--llm", `openai-compatible:${server.url}#m`, "--demos", "1", "--teacher-max-steps", "3", "--steps", "64", "--episodes", "1",
        "--batch", "4", "--bc-steps", "20", "--serve", "sampled", "--out", out, "--record", "--max-fallback-rate", "1", "--accept-collapse"];
      expect(await main(argv, io, commands)).toBe(0);
      const records = readRecords(join(out, "llm-records.jsonl"));
      expect(new Set(records.map((r) => r.role))).toEqual(new Set(["planner/llm-thought", "llm-actor", "llm-critic", "reflector/llm-failure"]));
      // The run's own report (written at its end) has the section.
      expect(readFileSync(join(out, "report.html"), "utf8")).toContain("llm-actor: examples");
      // --record is not a setting of the run: config.json does not hold it.
      expect(JSON.parse(readFileSync(join(out, "config.json"), "utf8")).flags).not.toHaveProperty("record");
    } finally {
      await server.close();
    }
  }, 120_000);
});

describe("farsight billp --record", () => {
  it("keeps the planner's, actor's, critic's and reflector's answers in the run directory", async () => {
    const server = await billpServer();
    try {
      const out = join(dir, "billp");
      const io = captureIO();
      expect(await main(["billp", "--llm", `openai-compatible:${server.url}#m`, "--sessions", "2", "--max-steps", "3", "--record", "--out", out, "--max-fallback-rate", "1", "--output", "text"], io, commands)).toBe(0);
      expect(io.out).toContain(`run directory: ${out}`);
      const records = readRecords(join(out, "llm-records.jsonl"));
      expect(new Set(records.map((r) => r.role))).toEqual(new Set(["planner/llm-thought", "llm-actor", "llm-critic", "reflector/llm-failure"]));
      const actor = records.find((r) => r.role === "llm-actor")!;
      expect(actor.calls[0]!.answer).toMatch(/^recommend\[/);
      expect(Array.isArray(actor.value)).toBe(true);
      expect(records.find((r) => r.role === "llm-critic")!.value).toBe(2);
      const report = captureIO();
      expect(await main(["report", out], report, commands)).toBe(0);
      expect(report.out).toMatch(/llm-actor: \d+ answers/);
    } finally {
      await server.close();
    }
  }, 120_000);
});
