import { describe, expect, it } from "vitest";
import { captureIO } from "./capture-io.js";
import type { Command } from "./command.js";
import { commands } from "./commands/index.js";
import { UsageError } from "./errors.js";
import { defaultText, defineCommand, flagValues, parseArgsOptions, parseCommand, readFlags, type CommandSpec, type FlagSpec } from "./flag-table.js";
import { renderHelp } from "./help.js";
import { main } from "./main.js";
import { PLANNER_ALIASES } from "./planners.js";

async function allTables(): Promise<{ command: Command; table: CommandSpec }[]> {
  const out: { command: Command; table: CommandSpec }[] = [];
  for (const entry of commands) {
    const command = await entry.load();
    for (const table of command.tables ?? []) out.push({ command, table });
  }
  return out;
}

/** The help entry of one flag: its first line and the continuation lines below it, whitespace collapsed. */
function entryOf(help: string, name: string): string | undefined {
  const lines = help.split("\n");
  const start = lines.findIndex((l) => new RegExp(`^  --${name}( |$)`).test(l));
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && /^ {5,}/.test(lines[end]!)) end++;
  return lines.slice(start, end).join(" ").replace(/\s+/g, " ");
}

/** A value the flag accepts, written as a user would type it. */
function sampleValue(f: FlagSpec): string | undefined {
  switch (f.kind) {
    case "int":
      return String(f.default ?? f.min ?? 1);
    case "number":
      return String(f.default ?? (f.min !== undefined ? f.min + 0.5 : 0.5));
    case "choice":
      return f.default ?? f.choices[0];
    case "list":
      return (f.default ?? f.choices ?? ["a"]).join(",");
    case "boolean":
      return undefined;
    default:
      return f.default ?? "x";
  }
}

describe("every command's help and parser come from one flag table", () => {
  it("every command has a table, and `farsight <cmd> --help` prints the help generated from it", async () => {
    for (const entry of commands) expect((await entry.load()).tables?.length ?? 0, `${entry.name} has no flag table`).toBeGreaterThan(0);
    const tables = await allTables();
    // Every sub-command (run lerl, run ilrec, bench env...) reached through main prints its own table's help.
    for (const { table } of tables) {
      const io = captureIO();
      expect(await main([...table.command.split(" "), "--help"], io)).toBe(0);
      expect(io.out, `${table.command} --help`).toBe(renderHelp(table));
    }
  });

  it("every flag appears in the help with its default (or says it is required), within 100 columns", async () => {
    for (const { table } of await allTables()) {
      const help = renderHelp(table, 100);
      // Only a word longer than the column (a URL in an example spec) may stick out.
      expect(help.split("\n").filter((l) => l.trim().includes(" ") && l.length > 100), `${table.command}`).toEqual([]);
      for (const [name, f] of Object.entries(table.flags)) {
        const entry = entryOf(help, name);
        expect(entry, `${table.command} --${name} is missing from the help`).toBeDefined();
        // A switch is off unless given; every other flag shows its default or says it is required.
        const d = defaultText(f);
        expect(f.kind === "boolean" || f.required !== undefined || d !== undefined, `${table.command} --${name} documents no default`).toBe(true);
        const shown = f.kind === "boolean" ? `--${name}` : f.required ? "(required)" : `(default: ${(d ?? "").replace(/\s+/g, " ")})`;
        expect(entry, `${table.command} --${name}`).toContain(shown);
      }
    }
  });

  it("the parser takes exactly the table's flags: each one (its documented default included) parses, anything else is refused", async () => {
    for (const { table } of await allTables()) {
      expect(Object.keys(parseArgsOptions(table.flags)).sort()).toEqual(Object.keys(table.flags).sort());
      expect(() => readFlags(table, ["--no-such-flag", "1"]), `${table.command}`).toThrow(/Unknown option '--no-such-flag'/);
      for (const [name, f] of Object.entries(table.flags)) {
        const v = sampleValue(f);
        const { given } = readFlags(table, v === undefined ? [`--${name}`] : [`--${name}=${v}`]);
        const parsed = flagValues({ ...table, flags: { [name]: f } }, given)[name];
        // The default shown in the help, typed back in, is the value the code uses without the flag.
        const hasDefault = "default" in f && f.default !== undefined;
        const expected = f.kind === "boolean" ? true : hasDefault ? flagValues({ ...table, flags: { [name]: f } }, {})[name] : parsed;
        expect(parsed, `${table.command} --${name}`).toEqual(expected);
      }
    }
  });

  it("a flag taken out of a table is gone from both its help and its parser", async () => {
    const { table } = (await allTables()).find((t) => t.table.command === "eval")!;
    const { batch: _batch, ...rest } = table.flags;
    const without = { ...table, flags: rest };
    expect(renderHelp(without)).not.toMatch(/--batch/);
    expect(renderHelp(table)).toMatch(/--batch B/);
    expect(() => readFlags(without, ["--batch", "8"])).toThrow(/Unknown option '--batch'/);
    expect(readFlags(table, ["--batch", "8"]).given.batch).toBe("8");
  });

  it("run lerl and plan take one set of planner names and the same documented aliases", async () => {
    const tables = await allTables();
    const planner = (cmd: string) => tables.find((t) => t.table.command === cmd)!.table.flags["planner"] as FlagSpec & { choices: readonly string[]; aliases: Record<string, string> };
    const run = planner("run lerl"), plan = planner("plan");
    for (const name of run.choices) expect(plan.choices).toContain(name);
    expect(plan.aliases).toEqual(PLANNER_ALIASES);
    expect(run.aliases).toEqual(Object.fromEntries(Object.entries(PLANNER_ALIASES).filter(([, name]) => run.choices.includes(name))));
    for (const cmd of ["run lerl", "plan"]) {
      const help = renderHelp(tables.find((t) => t.table.command === cmd)!.table);
      const documented = Object.entries(planner(cmd).aliases).map(([alias, name]) => `${name} (alias ${alias})`);
      expect(documented.filter((d) => !help.includes(d)), `${cmd}`).toEqual([]);
    }
  });
});

describe("flag tables parse", () => {
  const spec = defineCommand({
    command: "t",
    flags: {
      n: { kind: "int", min: 1, default: 3, help: "n." },
      x: { kind: "number", min: 0, max: 1, exclusiveMax: true, help: "x.", defaultHelp: "none" },
      c: { kind: "choice", choices: ["alpha", "beta"], aliases: { a: "alpha" }, default: "beta", help: "c." },
      l: { kind: "list", choices: ["p", "q"], default: ["p"], help: "l." },
      out: { kind: "path", required: "where it goes", placeholder: "DIR", help: "out." },
      tag: { kind: "string", multiple: true, help: "tags.", defaultHelp: "none" },
      on: { kind: "boolean", help: "on." },
      off: { kind: "boolean", help: "off." },
    },
    exclusive: [{ flags: ["on", "off"], why: "pick one" }],
  });

  it("fills defaults, resolves aliases, drops repeated list entries, and types the values from the table", () => {
    const { values } = parseCommand(spec, ["--out", "d", "--c", "a", "--l", "q,p,q", "--tag", "u", "--tag", "v"]);
    // Compile-time check of the inferred types: a wrong field type fails `tsc -p tsconfig.check.json`.
    const typed: { n: number; x: number | undefined; c: "alpha" | "beta"; l: ("p" | "q")[]; out: string; tag: string[]; on: boolean } = values;
    expect(typed).toEqual({ n: 3, x: undefined, c: "alpha", l: ["q", "p"], out: "d", tag: ["u", "v"], on: false, off: false });
  });

  it("refuses a missing required flag, a bad choice, an out-of-range number and contradicting flags", () => {
    expect(() => parseCommand(spec, [])).toThrow(new UsageError("farsight t: --out DIR is required (where it goes)"));
    expect(() => parseCommand(spec, ["--out", "d", "--c", "gamma"])).toThrow(/--c must be one of alpha \(alias a\), beta; got "gamma"/);
    expect(() => parseCommand(spec, ["--out", "d", "--x", "1"])).toThrow(/--x must be in \[0, 1\) \(a decimal number\), got "1"/);
    expect(() => parseCommand(spec, ["--out", "d", "--on", "--off"])).toThrow(/farsight t: --on and --off cannot be used together: pick one/);
    expect(() => parseCommand(spec, ["--out", "d", "--n", "1", "--n", "2"])).toThrow(/--n is given more than once/);
  });

  it("renders choices, aliases, defaults and exclusions", () => {
    const help = renderHelp(spec, 100);
    expect(help).toMatch(/^Usage: farsight t \[flags\]\n/);
    expect(entryOf(help, "c")).toContain("One of: alpha (alias a), beta. (default: beta)");
    expect(entryOf(help, "out")).toContain("--out DIR out. (required)");
    expect(help).toContain("Not together: --on, --off (pick one).");
  });
});
