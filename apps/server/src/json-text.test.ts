import { describe, expect, it } from "vitest";
import { appendWithText, jsonText, jsonTextOf, withJsonText } from "./json-text.js";

describe("jsonText", () => {
  it("writes what JSON.stringify writes, for values with and without kept text", () => {
    let steps: readonly unknown[] = [];
    for (let k = 0; k < 5; k++) steps = appendWithText(steps, { slate: [k, k + 1], feedback: [k % 2], reward: k / 3, planCategories: k % 2 ? undefined : [1], thought: 'say "hi"\n' });
    expect(jsonTextOf(steps)).toBe(JSON.stringify(steps));
    const values = { sessionId: "s", userId: 3, missing: undefined, fn: () => 1, when: new Date(0), nested: { a: [1, { b: null }] }, steps, done: false, "quoted \"key\"": 1 };
    expect(jsonText(values)).toBe(JSON.stringify(values));
    for (const v of [null, 1, "x", [1, 2], {}, { a: undefined }, new Date(5), steps]) expect(jsonText(v)).toBe(JSON.stringify(v));
  });

  it("uses the kept text instead of walking the value", () => {
    const list = withJsonText([1, 2, 3], "[7]");
    expect(jsonText({ list })).toBe('{"list":[7]}');
    // A list whose text is not known gets none when appended to.
    expect(jsonTextOf(appendWithText([1], 2))).toBeUndefined();
  });
});
