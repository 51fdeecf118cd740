/**
 * The in-memory shape every loader returns, and the helpers loaders share to read text files and to
 * report bad input with the file, the line and the problem.
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { FarsightError, type Catalog } from "@farsight/core";

/** Interactions as columns (dense user and item indices). */
export interface RatingLog {
  readonly user: Int32Array;
  readonly item: Int32Array;
  readonly rating: Float32Array;
  /** Seconds since the epoch, where the format has it. */
  readonly timestamp?: Float64Array;
}

export interface Dataset {
  readonly name: string;
  readonly numUsers: number;
  readonly catalog: Catalog;
  /** The log a world model is trained on. */
  readonly train: RatingLog;
  /** A held-out log (Coat's random-item test set), where the dataset has one. */
  readonly test?: RatingLog;
  /** A fully observed users x items reward matrix (Coat pseudo-GT, KuaiRec small matrix), where known. */
  readonly groundTruth?: Float32Array;
  /**
   * P(a user rated an item) per users x items cell, row-major, where the dataset ships them (Coat's
   * propensities.ascii): the inverse-propensity weights of the `deepfm-ips` user model.
   */
  readonly propensities?: Float32Array;
  /** Item feature vectors (numItems x itemFeatureDim, row-major), where the dataset has them (Coat). */
  readonly itemFeatures?: Float32Array;
  readonly itemFeatureDim?: number;
  /** Column names of `itemFeatures` (`group:value`, e.g. `color:navy`); the group is a DeepFM field. */
  readonly itemFeatureNames?: readonly string[];
  /** User feature vectors (numUsers x userFeatureDim, row-major), where the dataset has them (Coat). */
  readonly userFeatures?: Float32Array;
  readonly userFeatureDim?: number;
  /** Column names of `userFeatures` (`group:value`, e.g. `age:20-30`). */
  readonly userFeatureNames?: readonly string[];
  /** Original user / item identifiers per dense index, where they are not already 0..n-1. */
  readonly userIds?: readonly string[];
  readonly itemIds?: readonly string[];
  /**
   * Values the published data really has outside the model's range and that the loader adjusted, counted by
   * kind (e.g. KuaiRec watch ratios above 5, capped): reported in the preset's `describe`, never silent.
   */
  readonly adjusted?: Readonly<Record<string, number>>;
}

/** A loader error that names the file, the line (1-based) and the problem. */
export function dataError(file: string, line: number | undefined, problem: string): FarsightError {
  const where = line === undefined ? file : `${file}:${line}`;
  return new FarsightError("env/bad-data", `${where}: ${problem}`, { file, line, problem });
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The text encodings the loaders read (our own type: Node's `BufferEncoding` would tie the declarations to @types/node). */
export type TextEncoding = "utf8" | "latin1";

/**
 * Reads a text file, with an error that names it and says what to do when it is missing. A UTF-8 byte-order
 * mark is dropped: kept, it would glue itself to the first id ("\uFEFF1" is a user "1" never met again).
 */
export function readText(file: string, hint = "", encoding: TextEncoding = "utf8"): string {
  try {
    const buf = readFileSync(file);
    return (buf.subarray(0, 3).equals(BOM) ? buf.subarray(3) : buf).toString(encoding);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what = code === "ENOENT" ? "file not found" : `cannot read (${code ?? String(err)})`;
    throw new FarsightError("env/missing-data", `${file}: ${what}${hint ? `. ${hint}` : ""}`, { file }, { cause: err });
  }
}

/** Non-empty lines with their 1-based numbers (a trailing newline and blank lines are skipped). */
export function* lines(text: string): Generator<[line: string, lineNo: number]> {
  let start = 0, no = 1;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end);
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() !== "") yield [line, no];
    start = end + 1;
    no++;
  }
}

/**
 * Non-empty lines of a file with their 1-based numbers, read in 16 MiB chunks: files larger than V8's
 * longest string (KuaiRec's 1 GB big_matrix.csv) cannot go through `readText`.
 */
export function* fileLines(file: string, chunkBytes = 1 << 24): Generator<[line: string, lineNo: number]> {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FarsightError("env/missing-data", `${file}: ${code === "ENOENT" ? "file not found" : `cannot read (${code ?? String(err)})`}`, { file }, { cause: err });
  }
  try {
    const buf = Buffer.alloc(chunkBytes);
    const decoder = new StringDecoder("utf8");
    let rest = "", no = 0, n: number, first = true;
    while ((n = readSync(fd, buf, 0, buf.length, null)) > 0) {
      let text = decoder.write(buf.subarray(0, n));
      if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 BOM (see readText)
      first = false;
      const parts = (rest + text).split("\n");
      rest = parts.pop()!;
      for (let line of parts) {
        no++;
        if (line.endsWith("\r")) line = line.slice(0, -1);
        if (line.trim() !== "") yield [line, no];
      }
    }
    rest += decoder.end();
    if (rest.endsWith("\r")) rest = rest.slice(0, -1);
    if (rest.trim() !== "") yield [rest, no + 1];
  } finally {
    closeSync(fd);
  }
}

/** What a numeric field may hold. Every loader declares one per field: a finite number alone is not enough. */
export interface ValueRange {
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
}

/** Plain decimal notation (an exponent allowed): no hex (`0x10`), no `Infinity`, no trailing junk. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Integer ids: decimal digits, no sign, no leading zeros, no fraction (`1.0` would be another user). */
const INT_ID = /^(?:0|[1-9]\d*)$/;

function rangeText(r: ValueRange): string {
  const kind = r.integer ? "an integer" : "a number";
  if (r.min !== undefined && r.max !== undefined) return `${kind} in ${r.min}..${r.max}`;
  if (r.min !== undefined) return `${kind} >= ${r.min}`;
  if (r.max !== undefined) return `${kind} <= ${r.max}`;
  return kind;
}

/** Parses a number field in plain decimal notation and checks its declared range, or throws naming file, line and field. */
export function num(file: string, lineNo: number, field: string, value: string | undefined, range: ValueRange = {}): number {
  const t = value?.trim() ?? "";
  const v = DECIMAL.test(t) ? Number(t) : NaN;
  const ok = Number.isFinite(v) && (!range.integer || Number.isInteger(v)) && (range.min === undefined || v >= range.min) && (range.max === undefined || v <= range.max);
  if (!ok) throw dataError(file, lineNo, `${field} is ${value === undefined ? "missing" : `"${value}"`}, expected ${rangeText(range)}`);
  return v;
}

/** Checks an integer id field (`user_id`, `video_id`, MovieLens ids) and returns it trimmed, or throws naming file and line. */
export function intId(file: string, lineNo: number, field: string, value: string | undefined): string {
  const t = value?.trim() ?? "";
  if (!INT_ID.test(t)) throw dataError(file, lineNo, `${field} is ${value === undefined ? "missing" : `"${value}"`}, expected an integer id (digits only, no sign, fraction or leading zero)`);
  return t;
}

/** Maps original identifiers to dense indices in order of first appearance. */
export class IdMap {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  get(id: string): number {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.index.set(id, i);
      this.ids.push(id);
    }
    return i;
  }
  has(id: string): boolean {
    return this.index.has(id);
  }
  lookup(id: string): number | undefined {
    return this.index.get(id);
  }
  get size(): number {
    return this.ids.length;
  }
}

/** Collects a rating log column by column. */
export class LogBuilder {
  private readonly u: number[] = [];
  private readonly i: number[] = [];
  private readonly r: number[] = [];
  private readonly ts: number[] = [];
  push(user: number, item: number, rating: number, timestamp?: number): void {
    this.u.push(user);
    this.i.push(item);
    this.r.push(rating);
    if (timestamp !== undefined) this.ts.push(timestamp);
  }
  get length(): number {
    return this.u.length;
  }
  build(): RatingLog {
    const log: RatingLog = { user: Int32Array.from(this.u), item: Int32Array.from(this.i), rating: Float32Array.from(this.r) };
    return this.ts.length === this.u.length && this.ts.length > 0 ? { ...log, timestamp: Float64Array.from(this.ts) } : log;
  }
}

/** Reads a whitespace-separated dense numeric matrix (Coat's .ascii files). */
export function readDenseMatrix(file: string, rows?: number, cols?: number, range: ValueRange = {}, hint = ""): { values: Float32Array; rows: number; cols: number } {
  const text = readText(file, hint);
  const out: number[] = [];
  let nRows = 0, nCols = -1;
  for (const [line, no] of lines(text)) {
    const fields = line.trim().split(/\s+/);
    if (nCols < 0) nCols = fields.length;
    if (fields.length !== nCols) throw dataError(file, no, `row has ${fields.length} values, the first row had ${nCols}`);
    if (cols !== undefined && fields.length !== cols) throw dataError(file, no, `row has ${fields.length} values, expected ${cols}`);
    for (let j = 0; j < fields.length; j++) out.push(num(file, no, `column ${j + 1}`, fields[j], range));
    nRows++;
  }
  if (nRows === 0) throw dataError(file, undefined, "the file is empty");
  if (rows !== undefined && nRows !== rows) throw dataError(file, undefined, `has ${nRows} rows, expected ${rows}`);
  return { values: Float32Array.from(out), rows: nRows, cols: nCols };
}

/** Turns a dense matrix with 0 = missing into a rating log. */
export function logFromDense(values: Float32Array, rows: number, cols: number): RatingLog {
  const b = new LogBuilder();
  for (let u = 0; u < rows; u++) for (let i = 0; i < cols; i++) if (values[u * cols + i] !== 0) b.push(u, i, values[u * cols + i]!);
  return b.build();
}
