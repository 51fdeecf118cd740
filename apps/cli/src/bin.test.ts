// A reader that closes the pipe early (`farsight data list | head -1`) ends the command quietly: no EPIPE stack.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

describe("farsight | head", () => {
  it("exits 0 without a stack trace when stdout's reader has gone", async () => {
    const child = spawn(process.execPath, [bin, "data", "list"], { stdio: ["ignore", "pipe", "pipe"] });
    // Closed before the child has started: every write it makes meets a closed pipe.
    child.stdout.destroy();
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(err).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  });
});
