/**
 * downloadFile against a server this test starts on 127.0.0.1: a connection dropped mid-way is resumed with
 * an HTTP Range request, a `.part` left by an earlier run is continued, a server that ignores Range is
 * restarted cleanly, a wrong checksum leaves no file in place.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadFile, formatProgress, partialPath, type DownloadProgress } from "./download.js";

const body = Buffer.from(Array.from({ length: 3_000_000 }, (_, i) => (i * 7919 + (i >> 11)) % 251));
const sha = createHash("sha256").update(body).digest("hex");

interface Behaviour {
  /** Drop the connection after this many body bytes, for the first `times` requests. */
  dropAfter?: number;
  times?: number;
  /** Answer every request with the whole file (200), ignoring Range. */
  ignoreRange?: boolean;
  /** The client's partial file, watched before a drop. */
  part?: string;
  /** Answer the first ranged request with bytes from elsewhere than asked. */
  shiftRange?: boolean;
}

let server: Server;
let base = "";
let behaviour: Behaviour = {};
let seen: IncomingHttpHeaders[] = [];
const root = mkdtempSync(join(tmpdir(), "farsight-download-"));

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    let start = m && !behaviour.ignoreRange ? Number(m[1]) : 0;
    if (start > 0 && behaviour.shiftRange) {
      behaviour.shiftRange = false;
      start += 5;
    }
    if (start >= body.length) {
      res.writeHead(416, { "content-range": `bytes */${body.length}` });
      return res.end();
    }
    const headers = { "content-length": String(body.length - start), "accept-ranges": "bytes" };
    if (start > 0) res.writeHead(206, { ...headers, "content-range": `bytes ${start}-${body.length - 1}/${body.length}` });
    else res.writeHead(200, headers);
    const drop = behaviour.dropAfter !== undefined && (behaviour.times ?? 1) > 0;
    if (drop) {
      behaviour.times = (behaviour.times ?? 1) - 1;
      // Send part of the body, then cut the connection as a flaky network does, once the client has written
      // what it got (so the resume point is known exactly).
      const upTo = start + behaviour.dropAfter!;
      res.write(body.subarray(start, upTo));
      const wait = setInterval(() => {
        if (!existsSync(behaviour.part!) || statSync(behaviour.part!).size < upTo) return;
        clearInterval(wait);
        res.socket?.destroy();
      }, 5);
      return;
    }
    res.end(body.subarray(start));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

function fresh(name: string, b: Behaviour = {}): string {
  const dest = join(mkdtempSync(join(root, "d-")), name);
  behaviour = { ...b, part: partialPath(dest) };
  seen = [];
  return dest;
}

describe("downloadFile", () => {
  it("resumes a connection dropped mid-way with a Range request and reports progress", async () => {
    const dest = fresh("data.bin", { dropAfter: 1_000_000, times: 1 });
    const progress: DownloadProgress[] = [];
    const notes: string[] = [];
    const r = await downloadFile(`${base}/data.bin`, dest, { progressIntervalMs: 0, onProgress: (p) => progress.push(p), log: (l) => notes.push(l) });
    expect(r.attempts).toBe(2);
    expect(seen).toHaveLength(2);
    expect(seen[0]!.range).toBeUndefined();
    expect(seen[1]!.range).toBe("bytes=1000000-");
    expect(notes.join("\n")).toMatch(/broke after \d+ bytes.*retrying \(1\/3\)/s);
    expect(notes.join("\n")).toMatch(/resuming at/);
    expect(r.sha256).toBe(sha);
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(existsSync(partialPath(dest))).toBe(false);
    const last = progress.at(-1)!;
    expect(last.received).toBe(body.length);
    expect(last.total).toBe(body.length);
    expect(progress.every((p, k) => k === 0 || p.received >= progress[k - 1]!.received)).toBe(true);
    expect(formatProgress("data.bin", { received: 1_500_000, total: 3_000_000, bytesPerSecond: 500_000, etaSeconds: 3, resumedFrom: 0 })).toBe("data.bin: 1.5 / 3.0 MB (50%), 0.5 MB/s, ETA 3 s");
  });

  it("keeps the partial file when it gives up, and the next run continues it", async () => {
    const dest = fresh("twice.bin", { dropAfter: 700_000, times: 1 });
    await expect(downloadFile(`${base}/twice.bin`, dest, { retries: 0 })).rejects.toThrow(/broke after \d+ bytes.*kept in .*twice\.bin\.part and the next attempt resumes/s);
    expect(existsSync(dest)).toBe(false);
    const kept = statSync(partialPath(dest)).size;
    expect(kept).toBe(700_000);
    const r = await downloadFile(`${base}/twice.bin`, dest, { sha256: sha });
    expect(r.resumedFrom).toBe(kept);
    expect(seen.at(-1)!.range).toBe(`bytes=${kept}-`);
    expect(readFileSync(dest).equals(body)).toBe(true);
  });

  it("a checksum mismatch refuses and leaves no file in place, partial or whole", async () => {
    const dest = fresh("wrong.bin", { dropAfter: 400_000, times: 1 });
    await expect(downloadFile(`${base}/wrong.bin`, dest, { sha256: "0".repeat(64) })).rejects.toThrow(/SHA-256 [0-9a-f]{64} does not match the expected 0{64}; the download was deleted/);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(partialPath(dest))).toBe(false);
  });

  it("starts over when the server ignores Range or sends another range, and accepts a 416 for a partial file that is already whole", async () => {
    const dest = fresh("norange.bin", { ignoreRange: true });
    writeFileSync(partialPath(dest), body.subarray(0, 12345));
    const r = await downloadFile(`${base}/norange.bin`, dest);
    expect(r.resumedFrom).toBe(0);
    expect(readFileSync(dest).equals(body)).toBe(true);

    const shifted = fresh("shifted.bin", { shiftRange: true });
    writeFileSync(partialPath(shifted), body.subarray(0, 1000));
    const notes: string[] = [];
    await downloadFile(`${base}/shifted.bin`, shifted, { sha256: sha, log: (l) => notes.push(l) });
    expect(seen.map((h) => h.range)).toEqual(["bytes=1000-", undefined]);
    expect(notes.join("\n")).toMatch(/asked for bytes from 1000, the server sent "bytes 1005-2999999\/3000000"/);
    expect(readFileSync(shifted).equals(body)).toBe(true);

    const whole = fresh("whole.bin");
    writeFileSync(partialPath(whole), body);
    const w = await downloadFile(`${base}/whole.bin`, whole, { sha256: sha });
    expect(seen.map((h) => h.range)).toEqual([`bytes=${body.length}-`]);
    expect(w.bytes).toBe(body.length);
    expect(existsSync(whole)).toBe(true);
  });

  it("names the URL and the status of an HTTP error, without retrying a 404", async () => {
    behaviour = {};
    const dest = fresh("x.bin");
    const notFound = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => notFound.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(notFound.address() as AddressInfo).port}/x.bin`;
    await expect(downloadFile(url, dest)).rejects.toThrow(new RegExp(`download of ${url.replace(/\./g, "\\.")} failed: HTTP 404$`));
    await new Promise((resolve) => notFound.close(resolve));
  });
});
