// A --record path that cannot be written is reported as a write error naming the file, not as a model failure.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkModel, createChatModel } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "farsight-record-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = join(dir, "script.jsonl");
writeFileSync(script, JSON.stringify({ answer: '{"category": "jazz", "confidence": 0.5}' }) + "\n");

describe("recording write errors", () => {
  it("a path that is a directory fails when the model is built, as a write error", async () => {
    const target = join(dir, "a-directory");
    mkdirSync(target);
    await expect(createChatModel(`scripted:${script}`, { recordTo: target })).rejects.toThrow(
      new RegExp(`the recording file ${target.replace(/[.]/g, "\\.")} cannot be opened for writing: EISDIR\\. Pass another --record path`),
    );
  });

  it("a write that fails after the model answered says the model did answer", async () => {
    const target = join(dir, "later.jsonl");
    const model = await createChatModel(`scripted:${script}`, { recordTo: target, cache: false });
    // The file turns into a directory between opening and the first write.
    rmSync(target);
    mkdirSync(target);
    await expect(model!.invoke("hi")).rejects.toThrow(/the recording file .*later\.jsonl could not be written \(the model did answer\): EISDIR/);
  });

  it("`llm check --record DIR` (checkModel) fails with the write error before calling the model", async () => {
    const target = join(dir, "check-dir");
    mkdirSync(target);
    await expect(checkModel(`scripted:${script}`, { recordTo: target })).rejects.toThrow(/the recording file .*check-dir cannot be opened for writing: EISDIR/);
    const ok = await checkModel(`scripted:${script}`, { recordTo: join(dir, "fine.jsonl") });
    expect(ok.result.ok).toBe(true);
  });
});
