import { readFileSync } from "node:fs";
import { redactForWrite } from "@farsight/core";
import type { CliIO, CommandEntry } from "./command.js";
import { isUsageError } from "./errors.js";
import { commands as builtinCommands } from "./commands/index.js";
import { renameDeprecatedPresets } from "./preset-alias.js";

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export function helpText(commands: readonly CommandEntry[] = builtinCommands): string {
  const width = Math.max(8, ...commands.map((c) => c.name.length));
  const lines = [
    "farsight: composable LLM + RL agents for long-horizon interactive recommendation",
    "",
    "Usage: farsight <command> [flags]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Flags:",
    "  -h, --help     show help (also `farsight <command> --help`)",
    "  -v, --version  print the version",
    "",
    "Docs: README.md and docs/ in the repository.",
  ];
  return lines.join("\n") + "\n";
}

/**
 * Runs the CLI and returns the exit code; never calls process.exit, so tests can call it in process.
 * Everything printed goes through the one redaction helper: a model spec or mirror URL with credentials
 * (`http://user:pass@host`, `?api_key=`) never reaches a terminal or a log file.
 */
export async function main(argv: string[], rawIo: CliIO, commands: readonly CommandEntry[] = builtinCommands): Promise<number> {
  const io: CliIO = { stdout: (t) => rawIo.stdout(redactForWrite(t)), stderr: (t) => rawIo.stderr(redactForWrite(t)), isTTY: rawIo.isTTY };
  const [first, ...rest] = argv;
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    if (first === "help" && rest[0]) return main([rest[0], "--help"], io, commands);
    io.stdout(helpText(commands));
    return 0;
  }
  if (first === "-v" || first === "--version") {
    io.stdout(`${version()}\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === first);
  if (!entry) {
    const near = commands.filter((c) => c.name.startsWith(first.slice(0, 2))).map((c) => c.name);
    io.stderr(`farsight: unknown command "${first}".${near.length ? ` Did you mean ${near.join(" or ")}?` : ""}\n`);
    io.stderr(`Run \`farsight --help\` for the list of commands.\n`);
    return 2;
  }
  const command = "run" in entry ? entry : await entry.load();
  const helpAt = rest.findIndex((a) => a === "-h" || a === "--help");
  if (helpAt >= 0) {
    // `farsight run ilrec --help` is IL-Rec's help, not the command's first method's.
    const usage = command.helpFor?.(rest.slice(0, helpAt)) ?? command.usage;
    io.stdout(usage.endsWith("\n") ? usage : usage + "\n");
    return 0;
  }
  try {
    return await command.run(await renameDeprecatedPresets(rest, io.stderr), io);
  } catch (err) {
    if (isUsageError(err)) {
      io.stderr(`${err.message}\n`);
      return 2;
    }
    const e = err as Error;
    io.stderr(`farsight ${first}: ${e?.message ?? String(err)}\n`);
    if (process.env.FARSIGHT_DEBUG) io.stderr(`${e?.stack ?? ""}\n`);
    // An outcome the command checks for (e.g. too many LLM fallbacks) says all there is; a stack would not help.
    else if ((err as { expected?: boolean }).expected !== true) io.stderr("(set FARSIGHT_DEBUG=1 for the stack trace)\n");
    return 1;
  }
}
