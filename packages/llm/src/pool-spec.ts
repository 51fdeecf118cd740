/**
 * The `pool:` spec: several HTTP model endpoints behind one model. Two forms:
 *   pool:<spec>[?concurrency=N],<spec>[?concurrency=N],...[?structured=<method>]
 *   pool:<file.json>
 * Members are split at "," (no spec form uses one; write a comma inside a URL as %2C). A trailing
 * `?structured=` belongs to the whole pool, since all its endpoints share one structured-output method.
 */
import { readFileSync } from "node:fs";
import { redactUrl } from "@farsight/core";

/** The providers a pool can hold: HTTP servers it can probe and fail over between. */
export const POOL_PROVIDERS = ["openai", "openai-compatible", "ollama"] as const;
export type PoolProvider = (typeof POOL_PROVIDERS)[number];

/** One endpoint of a pool: its own spec (without options) and its concurrency limit, when given. */
export interface PoolMemberSpec {
  spec: string;
  provider: PoolProvider;
  /** Most requests in flight at this endpoint; default the provider's (openai 8, openai-compatible 4, ollama 2). */
  maxConcurrency?: number;
}

/** Health-probe timing of a pool; a `pool:<file.json>` may set these, `createChatModel`'s `pool` option too. */
export interface PoolTiming {
  /** First re-probe of a down endpoint after this many ms; doubles after each failed probe. Default 1000. */
  probeIntervalMs?: number;
  /** Longest wait between probes of a down endpoint. Default 30_000. */
  probeMaxIntervalMs?: number;
  /** Deadline of one probe. Default 5000. */
  probeTimeoutMs?: number;
}

/** A parsed pool spec (the `structured` override is parsed with the rest of the spec grammar). */
export interface PoolSpec extends PoolTiming {
  endpoints: PoolMemberSpec[];
  /** The JSON file the pool came from, for messages. */
  file?: string;
  /** `"structured"` of a pool file (the inline form carries it as `?structured=`). */
  structured?: string;
}

type Fail = (problem: string) => Error;

/** Parses what follows "pool:"; `fail` builds the caller's bad-spec error. Reads the file of the file form. */
export function parsePoolSpec(rest: string, fail: Fail): PoolSpec {
  const s = rest.trim();
  if (!s) throw fail("pool needs at least one endpoint: pool:<spec>,<spec>,... or pool:<file.json>");
  if (isPoolFile(s)) return readPoolFile(s, fail);
  const members = s.split(",").map((m) => m.trim());
  return { endpoints: checkMembers(members.map((m, i) => parseMember(m, `endpoint ${i + 1}`, fail)), fail) };
}

/** A value after "pool:" that names a file: ends in .json and does not start with a provider prefix. */
function isPoolFile(s: string): boolean {
  return /\.json$/i.test(s) && !s.includes(",") && !/^(openai|openai-compatible|ollama|llama-cpp|scripted|pool|none):/.test(s);
}

function parseMember(text: string, where: string, fail: Fail, concurrency?: unknown): PoolMemberSpec {
  if (!text) throw fail(`${where} is empty (two commas in a row, or a trailing comma?)`);
  let spec = text;
  let maxConcurrency: number | undefined;
  const m = /\?concurrency=([^?#]*)$/.exec(spec);
  if (m) {
    maxConcurrency = concurrencyOf(m[1], `${where} ("${redactUrl(text)}")`, fail);
    spec = spec.slice(0, m.index);
  } else if (concurrency !== undefined) {
    maxConcurrency = concurrencyOf(concurrency, where, fail);
  }
  if (/\?structured=/.test(spec)) {
    throw fail(`${where} ("${redactUrl(text)}") has its own ?structured=: a pool's endpoints share one method, so put ?structured=<method> once at the end of the pool spec`);
  }
  const provider = spec.slice(0, Math.max(0, spec.indexOf(":")));
  if (provider === "pool") throw fail(`${where} is a pool itself; list its endpoints in this pool instead`);
  if (!(POOL_PROVIDERS as readonly string[]).includes(provider)) {
    throw fail(`${where} ("${redactUrl(text)}") is not an HTTP endpoint: a pool holds ${POOL_PROVIDERS.join(", ")} specs`);
  }
  return { spec, provider: provider as PoolProvider, ...(maxConcurrency !== undefined ? { maxConcurrency } : {}) };
}

function concurrencyOf(value: unknown, where: string, fail: Fail): number {
  const n = typeof value === "number" ? value : /^\d+$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1) throw fail(`${where}: concurrency must be a whole number >= 1, got "${String(value)}"`);
  return n;
}

function checkMembers(endpoints: PoolMemberSpec[], fail: Fail): PoolMemberSpec[] {
  const seen = new Set<string>();
  for (const e of endpoints) {
    // Counts are kept per endpoint spec, so the same endpoint twice would be one endpoint counted as two.
    if (seen.has(e.spec)) throw fail(`endpoint "${redactUrl(e.spec)}" is listed twice (raise its ?concurrency= instead)`);
    seen.add(e.spec);
  }
  return endpoints;
}

const FILE_KEYS = new Set(["endpoints", "structured", "probeIntervalMs", "probeMaxIntervalMs", "probeTimeoutMs"]);

function readPoolFile(file: string, fail: Fail): PoolSpec {
  const inFile = (problem: string) => fail(`pool file ${file}: ${problem}`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw inFile(`cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw inFile(`is not valid JSON (${(err as Error).message})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw inFile('must hold a JSON object such as {"endpoints": ["openai-compatible:http://127.0.0.1:8000/v1#model"]}');
  const o = json as Record<string, unknown>;
  const unknownKey = Object.keys(o).find((k) => !FILE_KEYS.has(k));
  if (unknownKey) throw inFile(`unknown field "${unknownKey}"; known: ${[...FILE_KEYS].join(", ")}`);
  if (!Array.isArray(o.endpoints) || o.endpoints.length === 0) throw inFile('"endpoints" must be a non-empty array of specs or {"spec", "concurrency"} objects');
  const endpoints = o.endpoints.map((e: unknown, i) => {
    const where = `endpoints[${i}]`;
    if (typeof e === "string") return parseMember(e.trim(), where, inFile);
    if (e !== null && typeof e === "object" && typeof (e as { spec?: unknown }).spec === "string") {
      const { spec, concurrency, ...extra } = e as { spec: string; concurrency?: unknown };
      if (Object.keys(extra).length) throw inFile(`${where}: unknown field "${Object.keys(extra)[0]}"; known: spec, concurrency`);
      return parseMember(spec.trim(), where, inFile, concurrency);
    }
    throw inFile(`${where} must be a spec string or {"spec": "...", "concurrency": N}`);
  });
  const timing: PoolTiming = {};
  for (const key of ["probeIntervalMs", "probeMaxIntervalMs", "probeTimeoutMs"] as const) {
    const v = o[key];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw inFile(`"${key}" must be a positive number of milliseconds`);
    timing[key] = v;
  }
  if (o.structured !== undefined && typeof o.structured !== "string") throw inFile('"structured" must be a method name such as "tools"');
  return { endpoints: checkMembers(endpoints, inFile), file, ...timing, ...(o.structured !== undefined ? { structured: o.structured as string } : {}) };
}
