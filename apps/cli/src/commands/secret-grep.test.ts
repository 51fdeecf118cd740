/**
 * No secret reaches a file a run writes. A secret sits in every credential position of an --llm spec (the
 * URL's user info, an api_key query parameter, the Basic header a client builds from the user info, a key
 * taken from the environment), and the model leaks all of them: its reflections quote them, so they travel
 * into the reflection pool, the planner's prompts, the checkpoints, the results and the report. `run lerl`
 * against a fake OpenAI-compatible server with `--record` (every prompt and answer kept in llm-records.jsonl), then
 * `report` (to another file), and every byte of every file under the run directory is searched.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startFakeOpenAiServer } from "@farsight/testing";
import { captureIO } from "../capture-io.js";
import { main } from "../main.js";

const PASSWORD = "pw-Zq81userinfo";
const QUERY_KEY = "qk-Yx72apikeyquery";
const ENV_KEY = "sk-envderived-Wv63abc";
const BASIC = Buffer.from(`ada:${PASSWORD}`).toString("base64");
const SECRETS = [PASSWORD, QUERY_KEY, ENV_KEY, BASIC];

const dir = mkdtempSync(join(tmpdir(), "farsight-secret-grep-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function filesUnder(d: string): string[] {
  return readdirSync(d).flatMap((name) => {
    const p = join(d, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("redaction at the write boundary of a run", () => {
  it("run lerl with a leaking model, then report: no secret in any file under the run directory", async () => {
    const previous = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = ENV_KEY;
    let spec = "";
    const leak = () => `model at ${spec} (Authorization: Basic ${BASIC}; Bearer ${ENV_KEY}); password ${PASSWORD}, key ${QUERY_KEY}`;
    const server = await startFakeOpenAiServer((req) =>
      req.promptText.includes("Which one content category") ? JSON.stringify({ category: "jazz", confidence: 0.9 })
        : req.promptText.includes("Long-term satisfaction") ? JSON.stringify({ reflection: `Vary categories. ${leak()}` })
        : JSON.stringify({ categories: [1 + (req.promptText.length % 5), 4, 9], rationale: leak() }),
    );
    try {
      spec = `openai-compatible:http://ada:${PASSWORD}@127.0.0.1:${server.port}/v1?api_key=${QUERY_KEY}#fake-model`;
      const out = join(dir, "run");
      const run = captureIO();
      const code = await main(["run", "lerl", "--planner", "llm", "--llm", spec, "--steps", "40", "--batch", "4", "--episodes", "4", "--out", out, "--accept-collapse", "--record"], run);
      expect({ code, err: run.err }).toEqual({ code: 0, err: expect.any(String) });
      const report = captureIO();
      expect(await main(["report", out, "--out", join(out, "again.html")], report)).toBe(0);
      // The model really leaked: its reflections reached the planner's prompts.
      expect(server.requests.some((r) => r.promptText.includes("Vary categories."))).toBe(true);

      const files = filesUnder(out);
      expect(files.map((f) => f.slice(out.length + 1))).toEqual(expect.arrayContaining(["config.json", "results.json", "report.html", "again.html", "llm-records.jsonl"]));
      // The records hold the leaking answers (redacted) and the prompts that quote them, so the search below means something.
      const records = readFileSync(join(out, "llm-records.jsonl"), "utf8");
      expect(records).toContain("(Authorization: Basic ");
      expect(records).toContain("Vary categories.");
      expect(readFileSync(join(out, "again.html"), "utf8")).toContain("LLM answers");
      const found = files.flatMap((f) => {
        const bytes = readFileSync(f).toString("latin1");
        return SECRETS.filter((s) => bytes.includes(s)).map((secret) => ({ file: f.slice(out.length + 1), secret }));
      });
      expect(found).toEqual([]);
      for (const text of [run.out, run.err, report.out, report.err]) for (const s of SECRETS) expect(text).not.toContain(s);
    } finally {
      await server.close();
      if (previous === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = previous;
    }
  }, 180_000);
});
