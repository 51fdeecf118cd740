/**
 * Flags that used to be accepted and silently ignored or misread: each is now a usage error naming the flag,
 * raised before any data loads or training starts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { captureIO } from "../capture-io.js";
import { UsageError } from "../command.js";
import { main } from "../main.js";
import { parseLearnArgs, parseSeeds } from "../bench/learn.js";
import { benchCommand } from "./bench.js";
import { evalCommand } from "./eval.js";
import { runCommand } from "./run.js";
import { trainCommand } from "./train.js";

const dir = mkdtempSync(join(tmpdir(), "farsight-strict-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("numbers in flags", () => {
  it("eval --episodes 1e2 / 0x10 / 10abc are usage errors", async () => {
    for (const v of ["1e2", "0x10", "10abc", "2.5"]) {
      await expect(evalCommand.run(["--episodes", v], captureIO())).rejects.toThrow(new UsageError(`--episodes must be an integer >= 1 in plain digits, got "${v}"`));
    }
  });
  it("bench env --seconds 0 is an error, not NaN", async () => {
    await expect(benchCommand.run(["env", "--seconds", "0", "--presets", "synthetic"], captureIO())).rejects.toThrow(/--seconds must be a decimal number > 0, got "0"/);
    await expect(benchCommand.run(["env", "--seconds", "-1"], captureIO())).rejects.toThrow(/--seconds/);
    await expect(benchCommand.run(["env", "--presets", "synthetic,"], captureIO())).rejects.toThrow(/--presets must be a comma-separated list without empty entries/);
  });
  it("train --lr 0x1 and a repeated --seed are errors", async () => {
    await expect(trainCommand.run(["--lr", "0x1", "--out", dir], captureIO())).rejects.toThrow(/--lr must be a decimal number > 0, got "0x1"/);
    await expect(trainCommand.run(["--seed", "1", "--seed", "2", "--out", dir], captureIO())).rejects.toThrow(/--seed is given more than once/);
  });
});

describe("bench learn lists and seeds", () => {
  it("refuses exponent, hex and empty entries", () => {
    expect(parseSeeds("3")).toEqual([0, 1, 2]);
    expect(parseSeeds("0,3,7")).toEqual([0, 3, 7]);
    for (const v of ["1e1", "0x3", "0,0x3", "1,,2", "2.0", ""]) expect(() => parseSeeds(v)).toThrow(/--seeds must be a count/);
    expect(() => parseLearnArgs(["--methods", "ppo,,a2c"])).toThrow(/--methods must be a comma-separated list without empty entries/);
    expect(() => parseLearnArgs(["--steps", "8000,"])).toThrow(/--steps must be a comma-separated list without empty entries/);
  });
});

describe("train --steps is what trains", () => {
  it("a budget below one update is refused with the arithmetic", async () => {
    await expect(trainCommand.run(["--steps", "64", "--out", join(dir, "p")], captureIO())).rejects.toThrow(
      /--steps 64 is less than one update: ppo collects 10 steps x 32 sessions = 320 transitions per update\. Pass --steps 320 or more, or a smaller --batch/,
    );
  });
  it("a budget that is not a whole number of updates is rounded up, said on stderr, and is exactly what trains", async () => {
    const io = captureIO();
    const out = join(dir, "a2c");
    expect(await trainCommand.run(["--algo", "a2c", "--steps", "100", "--batch", "8", "--out", out, "--eval-episodes", "0", "--json"], io)).toBe(0);
    expect(io.err).toContain("farsight train: --steps 100 rounded up to 120 (a2c collects 5 steps x 8 sessions = 40 transitions per update)");
    const r = JSON.parse(io.out);
    expect(r.requestedSteps).toBe(100);
    expect(r.train.envSteps).toBe(120);
  });
});

describe("specs and flags that would be ignored", () => {
  it("eval --agent random:extra is an error; policy needs its directory", async () => {
    await expect(evalCommand.run(["--agent", "random:extra"], captureIO())).rejects.toThrow(/agent "random" takes no argument, got "random:extra"/);
    await expect(evalCommand.run(["--agent", "policy"], captureIO())).rejects.toThrow(/agent "policy" needs an argument: --agent policy:DIR/);
  });
  it("--llm with a non-LLM planner or teacher is an error (and the spec is shown redacted)", async () => {
    const spec = "openai-compatible:http://bob:hunter2@127.0.0.1:9/v1#m";
    const lerl = runCommand.run(["lerl", "--planner", "saturation", "--llm", spec, "--out", join(dir, "never")], captureIO());
    await expect(lerl).rejects.toThrow(/--llm is only used by --planner llm-category; the planners given \(saturation-aware\) would ignore "openai-compatible:http:\/\/\*\*\*@127\.0\.0\.1:9\/v1#m"/);
    await expect(runCommand.run(["lerl", "--planner", "saturation", "--llm", spec, "--out", join(dir, "never")], captureIO())).rejects.not.toThrow(/hunter2/);
    await expect(runCommand.run(["ilrec", "--teacher", "heuristic", "--llm", "ollama:llama3", "--out", join(dir, "never")], captureIO())).rejects.toThrow(/--llm is only used by --teacher llm/);
  });
  it("flags that mean nothing with the others given are errors", async () => {
    const never = join(dir, "never");
    await expect(runCommand.run(["lerl", "--planner", "saturation,random", "--cohort", "4", "--out", never], captureIO())).rejects.toThrow(/--cohort sets how many sessions share one LLM call; the planners given \(saturation-aware, random\) make no LLM calls/);
    await expect(runCommand.run(["lerl", "--skip-eval", "--episodes", "50", "--out", never], captureIO())).rejects.toThrow(/farsight run lerl: --skip-eval and --episodes cannot be used together/);
  });
  it("run ilrec --help prints IL-Rec's usage, run --help LERL's", async () => {
    const ilrec = captureIO();
    expect(await main(["run", "ilrec", "--help"], ilrec)).toBe(0);
    expect(ilrec.out).toMatch(/^Usage: farsight run ilrec /);
    const lerl = captureIO();
    expect(await main(["run", "--help"], lerl)).toBe(0);
    expect(lerl.out).toMatch(/^Usage: farsight run lerl /);
  });
});
