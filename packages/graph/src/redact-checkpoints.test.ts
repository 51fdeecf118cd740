import { describe, expect, it } from "vitest";
import { MemorySaver } from "@langchain/langgraph";
import { redactorOf } from "@farsight/core";
import { redactCheckpoints } from "./redact-checkpoints.js";

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

describe("redactCheckpoints", () => {
  const saver = redactCheckpoints(new MemorySaver(), redactorOf(['pa"ss\\word-1', "plainsecret9"]));
  const dump = async (v: unknown) => decode((await saver.serde.dumpsTyped(v))[1]);

  it("leaves a checkpoint with nothing secret as the serialiser wrote it", async () => {
    const value = { steps: [{ slate: [1, 2], feedback: [0, 1] }], note: "no url here", "key:x": "a/b" };
    expect(JSON.parse(await dump(value))).toEqual(value);
  });

  it("redacts URL credentials and known secrets in values and keys, also where JSON escapes them", async () => {
    const out = await dump({ a: "see http://user:pw@host/x?api_key=abcdef", b: 'quote pa"ss\\word-1 end', plainsecret9: ["x plainsecret9"] });
    expect(out).not.toMatch(/user:pw|abcdef|plainsecret9|ss\\\\word/);
    expect(JSON.parse(out)).toEqual({ a: "see http://***@host/x?api_key=***", b: "quote *** end", "***": ["x ***"] });
  });

  it("redacts a value that is one string of JSON text (a served session's record), and leaves a clean one as written", async () => {
    const record = JSON.stringify({ note: 'see http://user:pw@host/x and pa"ss\\word-1', n: 1 });
    expect(JSON.parse(JSON.parse(await dump(record)) as string)).toEqual({ note: "see http://***@host/x and ***", n: 1 });
    const clean = JSON.stringify({ note: 'a "quoted" word', n: 2 });
    expect(JSON.parse(await dump(clean))).toBe(clean);
  });
});
