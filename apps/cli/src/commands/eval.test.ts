import { describe, expect, it } from "vitest";
import { evalCommand } from "./eval.js";

const capture = () => {
  const out: string[] = [];
  return { out, stdout: (t: string) => void out.push(t), stderr: () => {}, isTTY: false };
};

describe("farsight eval: says what the evaluation was", () => {
  it("names the user split from the preset's actual users, and that a baseline is no greedy or sampled policy", async () => {
    const io = capture();
    expect(await evalCommand.run(["--env", "synthetic", "--agent", "random", "--episodes", "20"], io)).toBe(0);
    expect(io.out[0]).toMatch(/^synthetic \/ random \(baseline\) \/ NX_0: 20 episodes, seeds 0, held-out users \(\d+ test, \d+ train\)$/m);
    const json = capture();
    expect(await evalCommand.run(["--env", "synthetic", "--agent", "popularity", "--episodes", "20", "--json"], json)).toBe(0);
    expect(JSON.parse(json.out[0]!).config).toMatchObject({ eval: "baseline", users: "held-out users", sharedUsers: 0, noRepeatWithinSession: true });
    // In FB random may repeat and says so; popularity, a ranking, still never does.
    for (const [agent, noRepeat] of [["random", false], ["popularity", true], ["logging", true]] as const) {
      const fb = capture();
      expect(await evalCommand.run(["--env", "synthetic", "--agent", agent, "--episodes", "20", "--mode", "FB", "--json"], fb)).toBe(0);
      expect(JSON.parse(fb.out[0]!).config).toMatchObject({ mode: "FB", noRepeatWithinSession: noRepeat });
    }
  });
});
