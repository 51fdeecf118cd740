import { rmSync } from "node:fs";
import { get as httpGet, type IncomingMessage } from "node:http";
import { get as httpsGet } from "node:https";
import { FarsightError } from "@farsight/core";
import { downloadFile, partialPath, type DownloadProgress } from "@farsight/core/node";

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

/**
 * Downloads `url` into `dest`, hashing it on the way: @farsight/core/node's streamed download (a connection
 * that breaks is resumed with an HTTP Range request, up to 3 times), without keeping a partial file when it
 * finally fails (a model fetch retries from its next source instead).
 */
export async function downloadToFile(url: string, dest: string, options: DownloadOptions = {}): Promise<{ sha256: string; bytes: number }> {
  try {
    const r = await downloadFile(url, dest, {
      headers: { "user-agent": USER_AGENT, accept: "*/*" },
      progressIntervalMs: 0,
      ...(options.onProgress ? { onProgress: (p: DownloadProgress) => options.onProgress!(p.received, p.total) } : {}),
      ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { sha256: r.sha256, bytes: r.bytes };
  } catch (err) {
    rmSync(partialPath(dest), { force: true });
    throw err;
  }
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
