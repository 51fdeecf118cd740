/**
 * Flag values, parsed once and strictly for every command. `Number()` accepts far more than a person means
 * (`1e2`, `0x10`, `" 12 "`, `""` -> 0), so each kind of value has its own syntax:
 * - integers: decimal digits with an optional sign (`64`, `-1`); no exponent, hex, fraction or junk;
 * - numbers: plain decimals, an exponent allowed (`0.05`, `5e-4`: learning rates are written so);
 * - choices, lists (comma-separated, no empty element) and flags that exclude each other.
 * Every error names the flag and the value and is a {@link UsageError} (exit code 2, no stack trace).
 */
import { UsageError } from "./errors.js";

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Bounds of a numeric flag. */
export interface FlagRange {
  readonly min?: number;
  readonly max?: number;
  /** The value must be greater than `min` (seconds, learning rates), not merely equal to it. */
  readonly exclusiveMin?: boolean;
  /** The value must be less than `max` (a share of users held out), not equal to it. */
  readonly exclusiveMax?: boolean;
}

function bounds(r: FlagRange): string {
  const parts = [];
  if (r.min !== undefined) parts.push(`${r.exclusiveMin ? ">" : ">="} ${r.min}`);
  if (r.max !== undefined) parts.push(`${r.exclusiveMax ? "<" : "<="} ${r.max}`);
  return parts.length ? ` ${parts.join(" and ")}` : "";
}

function inRange(n: number, r: FlagRange): boolean {
  if (r.min !== undefined && (r.exclusiveMin ? !(n > r.min) : !(n >= r.min))) return false;
  return r.max === undefined || (r.exclusiveMax ? n < r.max : n <= r.max);
}

/** Parses an integer flag (`--episodes 100`), or a usage error naming the flag. `min` is the smallest value. */
export function intFlag(name: string, value: string | undefined, fallback: number, min = -Infinity, max = Infinity): number {
  if (value === undefined) return fallback;
  const n = INTEGER.test(value) ? Number(value) : NaN;
  const r: FlagRange = { ...(min > -Infinity ? { min } : {}), ...(max < Infinity ? { max } : {}) };
  if (!Number.isSafeInteger(n) || !inRange(n, r)) throw new UsageError(`--${name} must be an integer${bounds(r)} in plain digits, got "${value}"`);
  return n;
}

/** Parses a number flag (`--seconds 0.5`, `--lr 5e-4`), or a usage error naming the flag. */
export function numberFlag(name: string, value: string | undefined, fallback: number, range: FlagRange = {}): number {
  if (value === undefined) return fallback;
  const n = DECIMAL.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || !inRange(n, range)) {
    // A share or rate reads best as an interval: "--max-fallback-rate must be in [0, 1]".
    const what = range.min !== undefined && range.max !== undefined
      ? `in ${range.exclusiveMin ? "(" : "["}${range.min}, ${range.max}${range.exclusiveMax ? ")" : "]"} (a decimal number)`
      : `a decimal number${bounds(range)}`;
    throw new UsageError(`--${name} must be ${what}, got "${value}"`);
  }
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

/** Splits a comma-separated flag (`--presets coat,synthetic`); an empty element (`a,,b`, `a,`) is an error. */
export function listFlag(name: string, value: string | undefined, fallback: readonly string[]): string[] {
  if (value === undefined) return [...fallback];
  const items = value.split(",").map((s) => s.trim());
  if (items.some((s) => s === "")) throw new UsageError(`--${name} must be a comma-separated list without empty entries, got "${value}"`);
  return items;
}

/** A usage error when more than one of `names` was given: flags that contradict each other are not silently ranked. */
export function exclusiveFlags(command: string, values: Record<string, unknown>, names: readonly string[], why = ""): void {
  const given = names.filter((n) => values[n] !== undefined && values[n] !== false);
  if (given.length > 1) throw new UsageError(`farsight ${command}: ${given.map((n) => `--${n}`).join(" and ")} cannot be used together${why ? `: ${why}` : ""}`);
}
