/**
 * One table per command is the only place a flag is declared. From it come the `util.parseArgs` options, the
 * parsed and validated values (their TypeScript types inferred from the table) and the `--help` text
 * (`help.ts`), so a default in the help cannot differ from the one the code uses and no flag can be parsed
 * without being documented.
 *
 * Write a table with {@link defineCommand}; `parseCommand(spec, argv)` reads a command line, `readFlags` and
 * `flagValues` do the same in two steps for commands that merge raw values first (`run lerl --resume`).
 */
import { parseFlags } from "./command.js";
import { UsageError } from "./errors.js";
import { choiceFlag, exclusiveFlags, intFlag, listFlag, numberFlag, type FlagRange } from "./flags.js";

/** What every flag says about itself, whatever its kind. */
interface FlagCommon {
  /** One sentence or two for `--help`; wrapped to the terminal. */
  readonly help: string;
  /** The value's name in the help (`--steps N`); defaults to one derived from the kind. */
  readonly placeholder?: string;
  /** Help section the flag is listed under (flags without one come first, under "Flags"). */
  readonly group?: string;
  /**
   * The default as a person reads it, for flags whose default is computed or left to a component
   * (`"$FARSIGHT_LLM, else none"`, `"the env's"`); when `default` is set, the help shows that instead.
   */
  readonly defaultHelp?: string;
  /** Refuse the command without this flag; the text says what the value is for. */
  readonly required?: string;
}

/** An integer in plain digits (`--episodes 100`). */
export interface IntFlagSpec extends FlagCommon, FlagRange {
  readonly kind: "int";
  readonly default?: number;
}

/** A decimal number, an exponent allowed (`--lr 5e-4`). */
export interface NumberFlagSpec extends FlagCommon, FlagRange {
  readonly kind: "number";
  readonly default?: number;
}

/** One of a fixed set of names, with optional documented aliases (`--planner saturation`). */
export interface ChoiceFlagSpec<C extends string = string> extends FlagCommon {
  readonly kind: "choice";
  readonly choices: readonly C[];
  readonly default?: C;
  /** Short names mapped to a choice; listed in the help beside it. */
  readonly aliases?: Readonly<Record<string, C>>;
  /** One help line per choice; without it the choices are listed inline. */
  readonly choiceHelp?: Readonly<Partial<Record<C, string>>>;
  /** Choices that also take a parameter as `name:param` (`distilled:DIR`); whoever builds the value checks the parameter. */
  readonly parameterised?: readonly C[];
}

/** Comma-separated values; with `choices`, each is checked (aliases resolved, repeats dropped). */
export interface ListFlagSpec<C extends string = string> extends FlagCommon {
  readonly kind: "list";
  readonly choices?: readonly C[];
  readonly default?: readonly C[];
  readonly aliases?: Readonly<Record<string, C>>;
  readonly choiceHelp?: Readonly<Partial<Record<C, string>>>;
  /** Choices that also take a parameter as `name:param` (`noisy-oracle:0.5`); whoever builds the value checks the parameter. */
  readonly parameterised?: readonly C[];
}

/** Free text (`--prompt`) or a file or directory (`path`); `multiple` collects every occurrence. */
export interface StringFlagSpec extends FlagCommon {
  readonly kind: "string" | "path";
  readonly default?: string;
  readonly multiple?: boolean;
}

/** A switch: off unless given. */
export interface BooleanFlagSpec extends FlagCommon {
  readonly kind: "boolean";
}

export type FlagSpec = IntFlagSpec | NumberFlagSpec | ChoiceFlagSpec | ListFlagSpec | StringFlagSpec | BooleanFlagSpec;
export type FlagKind = FlagSpec["kind"];
export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** Flags that contradict each other: giving more than one is a usage error, never silently ranked. */
export interface Exclusion {
  readonly flags: readonly string[];
  readonly why?: string;
}

/** One command's (or sub-command's) flags and help. */
export interface CommandSpec<F extends FlagTable = FlagTable> {
  /** As typed after `farsight`: `"eval"`, `"run lerl"`, `"bench env"`. */
  readonly command: string;
  /** The forms after the command name, one usage line each (`["fetch <name>", "list"]`); default: none. */
  readonly forms?: readonly string[];
  /** Paragraphs between the usage lines and the flags. A paragraph with a line break is printed as written. */
  readonly description?: readonly string[];
  readonly flags: F;
  /** Paragraphs after the flags. */
  readonly notes?: readonly string[];
  readonly exclusive?: readonly Exclusion[];
  /** Positional arguments are allowed (the command checks their number and meaning). */
  readonly positionals?: boolean;
}

type Base<S> = S extends { kind: "boolean" }
  ? boolean
  : S extends { kind: "int" | "number" }
    ? number
    : S extends { kind: "choice"; choices: readonly (infer C)[] }
      ? C
      : S extends { kind: "list"; choices: readonly (infer C)[] }
        ? C[]
        : S extends { kind: "list" }
          ? string[]
          : S extends { multiple: true }
            ? string[]
            : string;

/** The parsed value of one flag: defaults filled in, `undefined` only where the table has no default. */
export type FlagValue<S> = S extends { kind: "boolean" } | { multiple: true } ? Base<S> : S extends { default: unknown } | { required: string } ? Base<S> : Base<S> | undefined;

/** Parsed values of a table, keyed by flag name. */
export type FlagValues<F extends FlagTable> = { -readonly [K in keyof F]: FlagValue<F[K]> };

/** Values as typed on the command line: strings, booleans, string arrays for `multiple` flags. */
export type RawFlags<F extends FlagTable> = { [K in keyof F]?: F[K] extends { kind: "boolean" } ? boolean : F[K] extends { multiple: true } ? string[] : string };

/** Declares a command's table; `const` keeps choice names literal so the values' types follow from the table. */
export function defineCommand<const F extends FlagTable>(spec: CommandSpec<F>): CommandSpec<F> {
  return spec;
}

/** Declares a table of flags shared by several commands (spread into their `flags`). */
export function defineFlags<const F extends FlagTable>(flags: F): F {
  return flags;
}

type ParseArgsOptions = Record<string, { type: "string" | "boolean"; multiple?: boolean }>;

/** The `util.parseArgs` options of a table. */
export function parseArgsOptions(flags: FlagTable): ParseArgsOptions {
  return Object.fromEntries(
    Object.entries(flags).map(([name, f]) => [name, f.kind === "boolean" ? { type: "boolean" as const } : { type: "string" as const, ...("multiple" in f && f.multiple ? { multiple: true } : {}) }]),
  );
}

/** Reads the command line into raw values (no conversion yet); unknown, repeated and exclusive flags are refused. */
export function readFlags<F extends FlagTable>(spec: CommandSpec<F>, argv: string[]): { given: RawFlags<F>; positionals: string[] } {
  const { values, positionals } = parseFlags(spec.command, argv, parseArgsOptions(spec.flags), spec.positionals ?? false);
  for (const x of spec.exclusive ?? []) exclusiveFlags(spec.command, values, x.flags, x.why);
  return { given: values as RawFlags<F>, positionals };
}

function resolveChoice(name: string, f: ChoiceFlagSpec | ListFlagSpec, raw: string): string {
  const choices = f.choices!;
  const value = f.aliases?.[raw] ?? raw;
  if (choices.includes(value)) return value;
  const colon = value.indexOf(":");
  const parameterised = "parameterised" in f ? f.parameterised : undefined;
  if (colon > 0 && parameterised?.includes(value.slice(0, colon))) return value;
  const aliasesOf = (c: string) => Object.entries(f.aliases ?? {}).filter(([, v]) => v === c).map(([k]) => k);
  const named = f.aliases ? choices.map((c) => (aliasesOf(c).length ? `${c} (alias ${aliasesOf(c).join(", ")})` : c)) : choices;
  // choiceFlag words the message the same way for every flag.
  return choiceFlag(name, value, named as readonly string[], "");
}

/** Converts one raw value by its spec (the default when absent). */
function convert(name: string, f: FlagSpec, raw: string | boolean | string[] | undefined): unknown {
  switch (f.kind) {
    case "boolean":
      return raw === true;
    case "int":
      return raw === undefined ? f.default : intFlag(name, raw as string, 0, f.min ?? -Infinity, f.max ?? Infinity);
    case "number":
      return raw === undefined ? f.default : numberFlag(name, raw as string, 0, f);
    case "choice":
      return raw === undefined ? f.default : resolveChoice(name, f, raw as string);
    case "list": {
      if (raw === undefined) return f.default === undefined ? undefined : [...f.default];
      const items = listFlag(name, raw as string, []);
      return f.choices ? [...new Set(items.map((v) => resolveChoice(name, f, v)))] : items;
    }
    default:
      if (raw === undefined) return "multiple" in f && f.multiple ? [] : f.default;
      return raw;
  }
}

/** Converts and validates raw values by the table: every flag of the table gets a value or `undefined`. */
export function flagValues<F extends FlagTable>(spec: CommandSpec<F>, given: RawFlags<F>): FlagValues<F> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(spec.flags)) {
    const raw = (given as Record<string, string | boolean | string[] | undefined>)[name];
    if (raw === undefined && f.required) {
      throw new UsageError(`farsight ${spec.command}: --${name} ${f.placeholder ?? placeholderOf(f)} is required (${f.required})`);
    }
    out[name] = convert(name, f, raw);
  }
  return out as FlagValues<F>;
}

/** Reads and converts a command line: raw values (as typed), parsed values and positionals. */
export function parseCommand<F extends FlagTable>(spec: CommandSpec<F>, argv: string[]): { values: FlagValues<F>; given: RawFlags<F>; positionals: string[] } {
  const { given, positionals } = readFlags(spec, argv);
  return { values: flagValues(spec, given), given, positionals };
}

/** The value's name in the help when the table gives none. */
export function placeholderOf(f: FlagSpec): string {
  switch (f.kind) {
    case "boolean":
      return "";
    case "int":
      return "N";
    case "number":
      return "X";
    case "path":
      return "PATH";
    case "list":
      return "A,B";
    case "choice":
      return "NAME";
    default:
      return "TEXT";
  }
}

/** The default as printed in the help (`undefined` for switches and flags without one). */
export function defaultText(f: FlagSpec): string | undefined {
  if (f.kind === "boolean") return undefined;
  if (f.default !== undefined) return Array.isArray(f.default) ? f.default.join(",") : String(f.default);
  return f.defaultHelp;
}
