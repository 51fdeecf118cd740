import { createWriteStream } from "node:fs";
import { get as httpGet, type IncomingMessage } from "node:http";
import { get as httpsGet } from "node:https";
import { pipeline } from "node:stream/promises";
import { FarsightError } from "@farsight/core";
import { sha256Tap } from "./hash-tap.js";

export interface DownloadOptions {
  /** Called as bytes arrive (total is undefined when the server sends no length). */
  onProgress?: (received: number, total: number | undefined) => void;
  /** Abort when no byte arrives for this long, in ms. Default 30_000. */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
}

const USER_AGENT = "farsight-models (node)";

/** GETs `url` following redirects; resolves with the 200 response (status errors name the URL). */
function request(url: string, options: DownloadOptions, redirects = 5): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(new FarsightError("llm/download", `not a URL: "${url}"`, { url }));
      return;
    }
    const get = parsed.protocol === "http:" ? httpGet : httpsGet;
    const req = get(parsed, { headers: { "user-agent": USER_AGENT, accept: "*/*" }, signal: options.signal }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects <= 0) return reject(new FarsightError("llm/download", `${url}: too many redirects`, { url }));
        return resolve(request(new URL(res.headers.location, parsed).toString(), options, redirects - 1));
      }
      if (status !== 200) {
        res.resume();
        return reject(new FarsightError("llm/download", `${url}: HTTP ${status} ${res.statusMessage ?? ""}`.trim(), { url, status }));
      }
      resolve(res);
    });
    req.setTimeout(options.idleTimeoutMs ?? 30_000, () => req.destroy(new Error(`no data for ${Math.round((options.idleTimeoutMs ?? 30_000) / 1000)} s`)));
    req.on("error", (err) => reject(new FarsightError("llm/download", `${url}: ${err.message}`, { url }, { cause: err })));
  });
}

/** Downloads `url` into `dest` (created or truncated), hashing it on the way. */
export async function downloadToFile(url: string, dest: string, options: DownloadOptions = {}): Promise<{ sha256: string; bytes: number }> {
  const res = await request(url, options);
  const length = Number(res.headers["content-length"]);
  const total = Number.isFinite(length) && length > 0 ? length : undefined;
  const tap = sha256Tap((bytes) => options.onProgress?.(bytes, total));
  try {
    await pipeline(res, tap.stream, createWriteStream(dest));
  } catch (err) {
    throw new FarsightError("llm/download", `${url}: download broke off after ${tap.bytes} bytes: ${(err as Error).message}`, { url, bytes: tap.bytes }, { cause: err });
  }
  if (total !== undefined && tap.bytes !== total) {
    throw new FarsightError("llm/download", `${url}: got ${tap.bytes} of ${total} bytes (connection closed early)`, { url, bytes: tap.bytes, total });
  }
  return { sha256: tap.digest(), bytes: tap.bytes };
}

/** GETs a JSON document (a package index's API). */
export async function downloadJson(url: string, options: DownloadOptions = {}): Promise<unknown> {
  const res = await request(url, options);
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FarsightError("llm/download", `${url}: the answer is not JSON (${(err as Error).message}): ${text.slice(0, 120)}`, { url });
  }
}
