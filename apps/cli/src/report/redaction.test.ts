// Credentials in a model spec or URL never reach config.json, report.html or the terminal.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { captureIO } from "../capture-io.js";
import type { Command } from "../command.js";
import { main } from "../main.js";
import { readRunDir, RunDirWriter, configSection } from "@farsight/lab";

const dir = mkdtempSync(join(tmpdir(), "farsight-redact-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const spec = "openai-compatible:http://alice:hunter2@10.1.2.3:8000/v1?api_key=sk-123#qwen";

describe("redaction where a spec is written or printed", () => {
  it("config.json keeps host, path and model, without the credentials", () => {
    new RunDirWriter(join(dir, "run")).writeConfig({ command: "run lerl", llm: spec, nested: { mirror: "https://u:p@m.example/d" } });
    const text = readFileSync(join(dir, "run", "config.json"), "utf8");
    expect(JSON.parse(text)).toEqual({ command: "run lerl", llm: "openai-compatible:http://***@10.1.2.3:8000/v1?api_key=***#qwen", nested: { mirror: "https://***@m.example/d" } });
    expect(text).not.toMatch(/hunter2|sk-123|u:p@/);
  });

  it("the report's configuration table redacts a config.json written before redaction existed", () => {
    const old = join(dir, "old");
    mkdirSync(old);
    writeFileSync(join(old, "config.json"), JSON.stringify({ llm: spec }));
    const html = configSection(readRunDir(old)).html;
    expect(html).toContain("10.1.2.3:8000/v1");
    expect(html).not.toMatch(/hunter2|sk-123/);
  });

  it("everything a command prints goes through the redaction helper", async () => {
    const leaky: Command = {
      name: "leak",
      summary: "prints a spec",
      usage: "farsight leak",
      async run(_argv, io) {
        io.stdout(`model ${spec}\n`);
        throw new Error(`cannot reach ${spec}`);
      },
    };
    const io = captureIO();
    expect(await main(["leak"], io, [leaky])).toBe(1);
    expect(io.out).toBe("model openai-compatible:http://***@10.1.2.3:8000/v1?api_key=***#qwen\n");
    expect(io.err).toContain("cannot reach openai-compatible:http://***@10.1.2.3:8000/v1");
    expect(io.out + io.err).not.toMatch(/hunter2|sk-123/);
  });
});
