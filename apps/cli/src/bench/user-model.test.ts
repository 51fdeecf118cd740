import { describe, expect, it } from "vitest";
import type { CliIO } from "../command.js";
import { benchCommand } from "../commands/bench.js";
import { evalCommand } from "../commands/eval.js";
import { trainCommand } from "../commands/train.js";

function capture(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [], err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), isTTY: false };
}

describe("--user-model and bench user-model", () => {
  it("checks the user model flags before any data loads or training starts", async () => {
    await expect(evalCommand.run(["--user-model", "dnn"], capture())).rejects.toThrow(/--user-model must be one of mf, deepfm, ensemble, deepfm-ensemble, deepfm-ips; got "dnn"/);
    await expect(trainCommand.run(["--uncertainty-penalty", "1", "--out", "/nonexistent/never-created"], capture())).rejects.toThrow(/--uncertainty-penalty needs --user-model ensemble/);
    await expect(trainCommand.run(["--user-model", "ensemble", "--uncertainty-penalty=-1", "--out", "/nonexistent/never-created"], capture())).rejects.toThrow(/--uncertainty-penalty must be a decimal number >= 0/);
    await expect(benchCommand.run(["user-model", "--models", "mf,dnn"], capture())).rejects.toThrow(/unknown user model "dnn"/);
    await expect(benchCommand.run(["user-model", "--env", "synthetic"], capture())).rejects.toThrow(/preset synthetic has no test log/);
  });

  it("eval records which user model the predicted world used", async () => {
    const io = capture();
    expect(await evalCommand.run(["--agent", "random", "--episodes", "20", "--user-model", "mf", "--json"], io)).toBe(0);
    expect(JSON.parse(io.out[0]!).config.userModel).toBe("mf");
  });
});
