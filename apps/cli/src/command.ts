import { parseArgs, type ParseArgsConfig } from "node:util";

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

/** A user error: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;
type FlagValue<T> = T extends { type: "boolean" } ? boolean : string;

/** Parsed flags: booleans for boolean options, strings otherwise, arrays where `multiple` is set. */
export interface ParsedFlags<O extends Options> {
  values: { [K in keyof O]?: O[K] extends { multiple: true } ? FlagValue<O[K]>[] : FlagValue<O[K]> };
  positionals: string[];
}

/**
 * `util.parseArgs` with errors a user can act on: an unknown flag names the command and points to its help.
 */
export function parseFlags<O extends Options>(command: string, argv: string[], options: O, allowPositionals = false): ParsedFlags<O> {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true }) as unknown as ParsedFlags<O>;
  } catch (err) {
    const msg = err instanceof Error ? err.message.replace(/^.*?: /, "") : String(err);
    throw new UsageError(`farsight ${command}: ${msg}\nRun \`farsight ${command} --help\` for the accepted flags.`);
  }
}

/** Parses an integer flag, with the flag's name in the error. */
export function intFlag(name: string, value: string | undefined, fallback: number, min = -Infinity): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer${min > -Infinity ? ` >= ${min}` : ""}, got "${value}"`);
  return n;
}

/** Parses a number flag, with the flag's name in the error. */
export function numberFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${value}"`);
  return n;
}

/** Checks a flag against its accepted values. */
export function choiceFlag<T extends string>(name: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(", ")}; got "${value}"`);
  }
  return value as T;
}
