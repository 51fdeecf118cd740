import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./errors.js";
import type { CommandSpec } from "./flag-table.js";

/** Where a command writes. Tests pass their own sinks; the binary passes the process streams. */
export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** True when stdout is a terminal (progress bars) rather than a pipe or file (plain lines). */
  readonly isTTY: boolean;
}

/** One `farsight` subcommand. Each lives in its own file under `commands/`. */
export interface Command {
  readonly name: string;
  /** One line for `farsight --help`. */
  readonly summary: string;
  /** Full help text for `farsight <name> --help`. */
  readonly usage: string;
  /**
   * The flag tables the command parses with (one per sub-command: `run lerl`, `run ilrec`); its help is
   * generated from them. The CLI's tests check every table's flags against the help.
   */
  readonly tables?: readonly CommandSpec[];
  /** Help for a sub-method (`farsight run ilrec --help`), given the arguments before `--help`; else `usage`. */
  helpFor?(argv: string[]): string | undefined;
  /** Returns the process exit code. */
  run(argv: string[], io: CliIO): Promise<number>;
}

/**
 * A registry entry that loads its command only when it runs: `farsight --help` must not pay for importing
 * TF.js, LangGraph and every dataset loader.
 */
export interface LazyCommand {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

/** What the registry and `main` accept: a command, or a lazy entry for one. */
export type CommandEntry = Command | LazyCommand;

export { UsageError } from "./errors.js";
export { choiceFlag, exclusiveFlags, intFlag, listFlag, numberFlag, type FlagRange } from "./flags.js";

type Options = NonNullable<ParseArgsConfig["options"]>;
type FlagValue<T> = T extends { type: "boolean" } ? boolean : string;

/** Parsed flags: booleans for boolean options, strings otherwise, arrays where `multiple` is set. */
export interface ParsedFlags<O extends Options> {
  values: { [K in keyof O]?: O[K] extends { multiple: true } ? FlagValue<O[K]>[] : FlagValue<O[K]> };
  positionals: string[];
}

/**
 * `util.parseArgs` with errors a user can act on: an unknown flag names the command and points to its help.
 * A flag given twice (`--seed 1 ... --seed 2`) is an error unless it is declared `multiple`: parseArgs would
 * keep the last one silently.
 */
export function parseFlags<O extends Options>(command: string, argv: string[], options: O, allowPositionals = false): ParsedFlags<O> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals, strict: true, tokens: true });
  } catch (err) {
    const msg = err instanceof Error ? err.message.replace(/^.*?: /, "") : String(err);
    throw new UsageError(`farsight ${command}: ${msg}\nRun \`farsight ${command} --help\` for the accepted flags.`);
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== "option" || (options[t.name] as { multiple?: boolean } | undefined)?.multiple) continue;
    if (seen.has(t.name)) throw new UsageError(`farsight ${command}: --${t.name} is given more than once; give it once`);
    seen.add(t.name);
  }
  return { values: parsed.values, positionals: parsed.positionals } as unknown as ParsedFlags<O>;
}
