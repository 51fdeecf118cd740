import { createHash, type Hash } from "node:crypto";
import { createReadStream, existsSync, renameSync, rmSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { FarsightError } from "../errors.js";
import { redactText, redactUrl } from "../redact.js";

/** Where a transfer stands; rate and ETA are over the bytes of this process's transfer. */
export interface DownloadProgress {
  /** Bytes of the file on disk so far (resumed bytes included). */
  readonly received: number;
  /** Size of the whole file, when the server says. */
  readonly total?: number;
  readonly bytesPerSecond: number;
  readonly etaSeconds?: number;
  /** Bytes that were already on disk when this transfer started (a resumed download). */
  readonly resumedFrom: number;
}

export interface DownloadFileOptions {
  /** Expected SHA-256 (hex) of the whole file: a mismatch deletes the download and throws. */
  readonly sha256?: string;
  /** Called at most every `progressIntervalMs` while bytes arrive, and once at the end. */
  readonly onProgress?: (p: DownloadProgress) => void;
  /** Default 1000 ms. */
  readonly progressIntervalMs?: number;
  /** Notes about resumes and retries (one line each). */
  readonly log?: (line: string) => void;
  /** How often a broken transfer is resumed before giving up. Default 3. */
  readonly retries?: number;
  /** Abort an attempt when no byte arrives for this long. Default 30_000 ms. */
  readonly idleTimeoutMs?: number;
  readonly fetchImpl?: typeof fetch;
  readonly signal?: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface DownloadResult {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Bytes reused from an earlier partial download (0 for a fresh one). */
  readonly resumedFrom: number;
  /** HTTP requests made (1 when nothing broke). */
  readonly attempts: number;
}

const fail = (url: string, message: string, context: Record<string, unknown> = {}, cause?: unknown) =>
  new FarsightError("core/download-failed", message, { url: redactUrl(url), ...context }, cause === undefined ? undefined : { cause });

/** The partial file a download of `dest` writes to and resumes from. */
export const partialPath = (dest: string) => `${dest}.part`;

async function hashFile(path: string): Promise<Hash> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash;
}

/** "bytes 100-199/1000" -> { start: 100, total: 1000 }; "bytes *\/1000" -> { total: 1000 }. */
function contentRange(value: string | null): { start?: number; total?: number } {
  const m = value?.match(/^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/i);
  if (!m) return {};
  return { ...(m[1] !== undefined ? { start: Number(m[1]) } : {}), ...(m[2] !== "*" ? { total: Number(m[2]) } : {}) };
}

/**
 * Downloads `url` to `dest`, streaming: bytes go to `<dest>.part` as they arrive (never held in memory), with
 * progress; a broken connection is resumed with an HTTP Range request (also across runs: a `.part` left by an
 * interrupted run is continued); the SHA-256 is computed on the way and checked when `sha256` is given; the
 * file is renamed to `dest` only when complete and verified, so `dest` never holds a partial or wrong file.
 */
export async function downloadFile(url: string, dest: string, options: DownloadFileOptions = {}): Promise<DownloadResult> {
  const f = options.fetchImpl ?? fetch;
  const part = partialPath(dest);
  const shown = redactUrl(url);
  const retries = options.retries ?? 3;
  const idleMs = options.idleTimeoutMs ?? 30_000;
  const interval = options.progressIntervalMs ?? 1000;
  let hash: Hash | undefined;
  let hashed = 0;
  let resumedFrom = existsSync(part) ? statSync(part).size : 0;
  let attempts = 0;
  let total: number | undefined;
  const started = Date.now();
  const startBytes = resumedFrom;
  let lastReport = 0;
  const report = (received: number, force = false) => {
    if (!options.onProgress) return;
    const now = Date.now();
    if (!force && now - lastReport < interval) return;
    lastReport = now;
    const rate = ((received - startBytes) * 1000) / Math.max(1, now - started);
    options.onProgress({ received, ...(total !== undefined ? { total } : {}), bytesPerSecond: rate, ...(total !== undefined && rate > 0 ? { etaSeconds: (total - received) / rate } : {}), resumedFrom: startBytes });
  };
  for (;;) {
    attempts++;
    let have = existsSync(part) ? statSync(part).size : 0;
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener("abort", onAbort);
    let idle: NodeJS.Timeout | undefined;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => controller.abort(new Error(`no data for ${Math.round(idleMs / 1000)} s`)), idleMs);
    };
    let brokenAfter: string | undefined;
    try {
      touch();
      let res: Response;
      try {
        res = await f(url, { redirect: "follow", signal: controller.signal, headers: { "accept-encoding": "identity", ...options.headers, ...(have > 0 ? { range: `bytes=${have}-` } : {}) } });
      } catch (err) {
        if (options.signal?.aborted) throw err;
        // fetch() says "fetch failed"; the reason (ECONNREFUSED, a DNS error) is its cause. Not retried:
        // resuming is for transfers that broke, a server that cannot be reached is reported at once.
        const cause = (err as { cause?: Error }).cause;
        const reason = `${(err as Error).message}${cause?.message ? ` (${cause.message})` : ""}`;
        throw fail(url, `download of ${shown} failed: ${redactText(reason)}`, {}, err);
      }
      if (res.status === 416 && have > 0) {
        // Nothing left to send: the partial file is complete if it has the size the server reports.
        const { total: t } = contentRange(res.headers.get("content-range"));
        await res.body?.cancel();
        if (t === have) {
          total = t;
          break;
        }
        rmSync(part, { force: true });
        hash = undefined;
        throw Object.assign(fail(url, `${shown}: the server refused to resume at byte ${have}`), { retryable: true });
      }
      if (res.status !== 200 && res.status !== 206) {
        await res.body?.cancel();
        throw Object.assign(fail(url, `download of ${shown} failed: HTTP ${res.status}`, { status: res.status }), { retryable: res.status >= 500 });
      }
      const range = contentRange(res.headers.get("content-range"));
      if (res.status === 206 && range.start !== have) {
        // A range we did not ask for: its bytes cannot be appended; start again from byte 0.
        await res.body?.cancel();
        rmSync(part, { force: true });
        hash = undefined;
        throw Object.assign(fail(url, `${shown}: asked for bytes from ${have}, the server sent "${res.headers.get("content-range")}"`), { retryable: true });
      }
      if (res.status === 206) {
        total = range.total;
        if (have > 0) options.log?.(`${shown}: resuming at ${(have / 1e6).toFixed(1)} MB`);
      } else {
        // A 200: the server ignores Range, so the whole file comes again.
        if (have > 0) options.log?.(`${shown}: the server does not resume; starting again from byte 0`);
        have = 0;
        resumedFrom = 0;
        const length = Number(res.headers.get("content-length"));
        total = res.status === 200 && Number.isFinite(length) && length > 0 ? length : undefined;
      }
      if (have === 0) {
        hash = createHash("sha256");
        hashed = 0;
      } else if (!hash || hashed !== have) {
        hash = await hashFile(part);
        hashed = have;
      }
      const h = hash;
      let received = have;
      if (!res.body) throw fail(url, `${shown}: the response has no body`);
      // Each chunk is on disk before the next is read, so a broken connection loses nothing already received
      // and the resume asks for exactly the missing bytes.
      const out = await open(part, have > 0 ? "a" : "w");
      try {
        for await (const chunk of Readable.fromWeb(res.body as WebReadableStream<Uint8Array>)) {
          touch();
          const buf = chunk as Buffer;
          await out.write(buf);
          h.update(buf);
          hashed += buf.length;
          received += buf.length;
          report(received);
        }
      } catch (err) {
        if (options.signal?.aborted) throw err;
        brokenAfter = `the connection broke after ${received} bytes (${redactText((err as Error).message)})`;
      } finally {
        await out.close();
      }
      if (!brokenAfter && total !== undefined && received !== total) brokenAfter = `the connection closed after ${received} of ${total} bytes`;
      if (!brokenAfter) break;
      throw Object.assign(fail(url, `${shown}: ${brokenAfter}`, { bytes: received, ...(total !== undefined ? { total } : {}) }), { retryable: true });
    } catch (err) {
      const retryable = (err as { retryable?: boolean }).retryable === true;
      if (!retryable || attempts > retries) {
        const left = existsSync(part) ? statSync(part).size : 0;
        const hint = left > 0 ? `; ${left} bytes are kept in ${part} and the next attempt resumes from there` : "";
        if (err instanceof FarsightError) throw new FarsightError(err.code, `${err.message}${hint}`, { ...err.context, partial: left > 0 ? part : undefined }, { cause: err.cause });
        throw err;
      }
      options.log?.(`${(err as Error).message}; retrying (${attempts}/${retries})`);
    } finally {
      clearTimeout(idle);
      options.signal?.removeEventListener("abort", onAbort);
    }
  }
  const bytes = statSync(part).size;
  if (!hash || hashed !== bytes) {
    hash = await hashFile(part);
  }
  const sha256 = hash.digest("hex");
  report(bytes, true);
  if (options.sha256 && sha256 !== options.sha256.toLowerCase()) {
    rmSync(part, { force: true });
    throw new FarsightError("core/download-checksum-mismatch", `${shown}: SHA-256 ${sha256} does not match the expected ${options.sha256}; the download was deleted and nothing was written to ${dest}`, {
      url: shown,
      sha256,
      expected: options.sha256,
    });
  }
  renameSync(part, dest);
  return { path: dest, bytes, sha256, resumedFrom, attempts };
}

const mb = (n: number) => (n / 1e6).toFixed(1);
function duration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.ceil((s % 3600) / 60)} min`;
}

/** "KuaiRec.zip: 120.5 / 410.2 MB (29%), 8.3 MB/s, ETA 35 s" */
export function formatProgress(label: string, p: DownloadProgress): string {
  const size = p.total !== undefined ? `${mb(p.received)} / ${mb(p.total)} MB (${Math.floor((100 * p.received) / Math.max(1, p.total))}%)` : `${mb(p.received)} MB`;
  const eta = p.etaSeconds !== undefined ? `, ETA ${duration(p.etaSeconds)}` : "";
  const resumed = p.resumedFrom > 0 ? ` [resumed at ${mb(p.resumedFrom)} MB]` : "";
  return `${label}: ${size}, ${mb(p.bytesPerSecond)} MB/s${eta}${resumed}`;
}
