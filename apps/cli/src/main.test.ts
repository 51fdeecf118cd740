import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Command } from "./command.js";
import { commands } from "./commands/index.js";
import { main, version } from "./main.js";
import { captureIO } from "./capture-io.js";


const echo: Command = {
  name: "echo",
  summary: "prints its arguments",
  usage: "farsight echo [words...]",
  run: async (argv, io) => {
    io.stdout(argv.join(" "));
    return 0;
  },
};

describe("farsight CLI", () => {
  it("prints help listing the commands", async () => {
    const io = captureIO();
    expect(await main(["--help"], io, [echo])).toBe(0);
    expect(io.out).toMatch(/Usage: farsight <command>/);
    expect(io.out).toMatch(/echo\s+prints its arguments/);
  });

  it("prints the package version", async () => {
    const io = captureIO();
    expect(await main(["--version"], io)).toBe(0);
    expect(io.out.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(io.out.trim()).toBe(version());
  });

  it("runs a subcommand and shows its own help", async () => {
    const io = captureIO();
    expect(await main(["echo", "a", "b"], io, [echo])).toBe(0);
    expect(io.out).toBe("a b");
    const help = captureIO();
    expect(await main(["echo", "--help"], help, [echo])).toBe(0);
    expect(help.out).toMatch(/farsight echo \[words/);
  });

  it("rejects an unknown command with exit code 2 and a hint", async () => {
    const io = captureIO();
    expect(await main(["ech"], io, [echo])).toBe(2);
    expect(io.err).toMatch(/unknown command "ech".*Did you mean echo/);
  });

  it("reports a failing command without a stack trace", async () => {
    const boom: Command = { ...echo, name: "boom", run: async () => { throw new Error("disk full"); } };
    const io = captureIO();
    expect(await main(["boom"], io, [boom])).toBe(1);
    expect(io.err).toMatch(/farsight boom: disk full/);
    expect(io.err).not.toMatch(/at .*main\.ts/);
  });

  it("every registered command loads lazily, under its own name, with usage text", async () => {
    const names = commands.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const entry of commands) {
      const command = await entry.load();
      expect(command.name).toBe(entry.name);
      expect(command.usage.length).toBeGreaterThan(20);
      expect(entry.summary.length).toBeGreaterThan(10);
    }
  });

  it("loads a lazy command only when it runs", async () => {
    let loads = 0;
    const lazy = { name: "echo", summary: "prints its arguments", load: async () => (loads++, echo) };
    const io = captureIO();
    expect(await main(["--help"], io, [lazy])).toBe(0);
    expect(loads).toBe(0);
    expect(await main(["echo", "x"], io, [lazy])).toBe(0);
    expect(loads).toBe(1);
    expect(io.out).toMatch(/x$/);
  });

  it("the built bin runs as a program", () => {
    const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
    const out = execFileSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    expect(out).toMatch(/Commands:/);
    const bad = spawnSync(process.execPath, [bin, "no-such-command"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
  });
});
