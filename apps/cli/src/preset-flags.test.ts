import { describe, expect, it } from "vitest";
import { dataCommand } from "./commands/data.js";
import { evalCommand } from "./commands/eval.js";
import { presetOptionsFrom } from "./preset-flags.js";

const capture = () => {
  const out: string[] = [];
  return { out, stdout: (t: string) => void out.push(t), stderr: () => {}, isTTY: false };
};

describe("quit-rule and user-split flags (every preset-building command)", () => {
  it("parse into preset options, strictly", () => {
    expect(presetOptionsFrom({})).toEqual({});
    expect(presetOptionsFrom({ "quit-window": "4", "quit-threshold": "0", "same-users": true })).toEqual({ rule: { window: 4, threshold: 0 }, sameUsers: true });
    expect(presetOptionsFrom({ "quit-threshold": "12.5" })).toEqual({ rule: { threshold: 12.5 } });
    expect(() => presetOptionsFrom({ "quit-window": "0" })).toThrow(/--quit-window must be an integer >= 1 in plain digits, got "0"/);
    expect(() => presetOptionsFrom({ "quit-window": "2.5" })).toThrow(/--quit-window must be an integer/);
    expect(() => presetOptionsFrom({ "quit-threshold": "-1" })).toThrow(/--quit-threshold must be a decimal number >= 0, got "-1"/);
    expect(presetOptionsFrom({ temper: "kuaisim" })).toEqual({ temper: "kuaisim" });
    expect(presetOptionsFrom({ "user-model": "deepfm" })).toEqual({ userModel: { kind: "deepfm", uncertaintyPenalty: 0 } });
    expect(presetOptionsFrom({ "user-model": "ensemble", "uncertainty-penalty": "0.5" })).toEqual({ userModel: { kind: "ensemble", uncertaintyPenalty: 0.5 } });
    expect(presetOptionsFrom({ "user-model": "deepfm-ensemble", "uncertainty-penalty": "1" })).toEqual({ userModel: { kind: "deepfm-ensemble", uncertaintyPenalty: 1 } });
    expect(() => presetOptionsFrom({ "uncertainty-penalty": "1" })).toThrow(/--uncertainty-penalty needs --user-model ensemble or deepfm-ensemble .* got --user-model mf \(the default\)/);
    expect(() => presetOptionsFrom({ "user-model": "deepfm-ips", "uncertainty-penalty": "1" })).toThrow(/got --user-model deepfm-ips/);
  });

  it("the user model reaches every command that builds a preset (data describe's greedy baseline here)", async () => {
    await expect(dataCommand.run(["describe", "synthetic", "--episodes", "5", "--user-model", "dnn"], capture())).rejects.toThrow(/--user-model must be one of mf, deepfm, ensemble, deepfm-ensemble, deepfm-ips; got "dnn"/);
    const io = capture();
    expect(await dataCommand.run(["describe", "synthetic", "--episodes", "10", "--user-model", "mf", "--json"], io)).toBe(0);
    expect(JSON.parse(io.out.join(""))).toMatchObject({ preset: "synthetic" });
  });

  it("eval runs with them and says the rule and the users it ran with", async () => {
    const io = capture();
    expect(await evalCommand.run(["--env", "synthetic", "--episodes", "20", "--quit-window", "2", "--quit-threshold", "0", "--same-users"], io)).toBe(0);
    expect(io.out[0]).toMatch(/, same users \(300 test, 300 train\)$/m);
    expect(io.out[1]).toMatch(/quit rule: category window 2, threshold 0 \(given\), at most 30 steps/);
    const json = capture();
    expect(await evalCommand.run(["--env", "synthetic", "--episodes", "20", "--quit-window", "2", "--json"], json)).toBe(0);
    expect(JSON.parse(json.out[0]!).config).toMatchObject({ users: "held-out users", window: 2, threshold: 1, evalUsers: "held-out" });
  });

  it("a flag the preset's rule does not have is an error naming it; data fetch and list refuse them", async () => {
    await expect(evalCommand.run(["--env", "synthetic-kuaisim-rules", "--episodes", "5", "--quit-window", "3"], capture())).rejects.toThrow(/synthetic-kuaisim-rules quits on a temper .* no window or threshold/);
    await expect(evalCommand.run(["--env", "synthetic", "--episodes", "5", "--temper", "kuaisim"], capture())).rejects.toThrow(/preset synthetic quits on a window rule; a temper model applies to synthetic-kuaisim-rules and kuairand-pure-kuaisim-rules only/);
    await expect(evalCommand.run(["--env", "synthetic-kuaisim-rules", "--episodes", "5", "--temper", "recsim"], capture())).rejects.toThrow(/--temper must be one of lerl, kuaisim; got "recsim"/);
    await expect(dataCommand.run(["list", "--same-users"], capture())).rejects.toThrow(/--same-users belongs to "data describe"/);
  });

  it("data describe prints the rule, where its threshold came from, and the users", async () => {
    const io = capture();
    expect(await dataCommand.run(["describe", "synthetic", "--episodes", "30", "--same-users", "--quit-window", "3"], io)).toBe(0);
    expect(io.out.join("")).toMatch(/quit rule: category window 3, threshold 1 \(given\), at most 30 steps\n {2}threshold: given \(--quit-window \/ --quit-threshold\)\nevaluated on same users \(300; --same-users: EasyRL4Rec's setting\)/);
  });
});
