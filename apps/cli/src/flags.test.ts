import { describe, expect, it } from "vitest";
import { parseFlags, UsageError } from "./command.js";
import { exclusiveFlags, intFlag, listFlag, numberFlag } from "./flags.js";
import { ThrottledProgress } from "@farsight/lab";

describe("numeric flags parse strictly", () => {
  it("integer flags take plain digits only", () => {
    expect(intFlag("episodes", "100", 1, 1)).toBe(100);
    expect(intFlag("seed", "-3", 0)).toBe(-3);
    expect(intFlag("episodes", undefined, 7, 1)).toBe(7);
    for (const bad of ["1e2", "0x10", "10abc", "", " ", "1.0", "2.5", "+", "Infinity", "NaN", "1_000", "99999999999999999999"]) {
      expect(() => intFlag("episodes", bad, 1, 1)).toThrow(new UsageError(`--episodes must be an integer >= 1 in plain digits, got "${bad}"`));
    }
    expect(() => intFlag("episodes", "0", 1, 1)).toThrow(/>= 1/);
  });

  it("number flags take decimals (an exponent allowed) inside their range", () => {
    expect(numberFlag("lr", "5e-4", 0, { min: 0, exclusiveMin: true })).toBe(5e-4);
    expect(numberFlag("seconds", "0.05", 2, { min: 0, exclusiveMin: true })).toBe(0.05);
    expect(numberFlag("quit-reward", "-1000", 0)).toBe(-1000);
    for (const bad of ["0x10", "1.5s", "", "Infinity", "-Infinity", "1,5", "."]) expect(() => numberFlag("seconds", bad, 2)).toThrow(/--seconds must be a decimal number, got/);
    expect(() => numberFlag("seconds", "0", 2, { min: 0, exclusiveMin: true })).toThrow(/--seconds must be a decimal number > 0, got "0"/);
    expect(() => numberFlag("anneal", "-0.5", 1, { min: 0 })).toThrow(/>= 0/);
  });

  it("lists refuse empty entries; flags that exclude each other are an error", () => {
    expect(listFlag("presets", "coat, synthetic", [])).toEqual(["coat", "synthetic"]);
    expect(listFlag("presets", undefined, ["a"])).toEqual(["a"]);
    expect(() => listFlag("presets", "coat,,synthetic", [])).toThrow(/without empty entries/);
    expect(() => listFlag("presets", "coat,", [])).toThrow(/without empty entries/);
    expect(() => exclusiveFlags("x", { a: "1", b: true }, ["a", "b"])).toThrow(/farsight x: --a and --b cannot be used together/);
    expect(() => exclusiveFlags("x", { a: "1", b: false }, ["a", "b"])).not.toThrow();
  });

  it("a flag given twice is an error, not last-one-wins", () => {
    const opts = { seed: { type: "string" }, tag: { type: "string", multiple: true } } as const;
    expect(() => parseFlags("eval", ["--seed", "1", "--seed", "2"], opts)).toThrow(/--seed is given more than once/);
    expect(parseFlags("eval", ["--tag", "a", "--tag", "b"], opts).values.tag).toEqual(["a", "b"]);
  });
});

describe("progress on stderr is throttled", () => {
  it("stays silent for short runs, then prints at most one line per interval and a closing line", () => {
    let t = 0;
    const lines: string[] = [];
    const p = new ThrottledProgress((l) => lines.push(l), { afterMs: 2000, everyMs: 2000, now: () => t });
    for (let i = 0; i < 10; i++) {
      t += 500;
      p.update(i * 10, 100, "eval");
    }
    // t = 500..5000: eligible at 2000 and at 4000 (2 s later), not in between.
    expect(lines).toEqual(["eval: 30/100 (30%) after 2 s, about 5 s left\n", "eval: 70/100 (70%) after 4 s, about 2 s left\n"]);
    p.finish(100, 100, "eval");
    expect(lines[2]).toBe("eval: 100/100 (100%) after 5 s\n");
    const quiet: string[] = [];
    const q = new ThrottledProgress((l) => quiet.push(l), { now: () => 0 });
    q.update(1, 2, "eval");
    q.finish(2, 2, "eval");
    expect(quiet).toEqual([]);
  });
});
