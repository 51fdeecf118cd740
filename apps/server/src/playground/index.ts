/**
 * The route hook for the playground page: GET requests no API route claims are offered to a
 * {@link StaticHandler}. `staticDirectory(dir)` serves the files of one folder (index.html at `/` and
 * `/playground`); the playground's own files are added here by the playground's author.
 */
import { readFile, realpath } from "node:fs/promises";
import { extname, join, sep } from "node:path";
import type { ServerResponse } from "node:http";

/** Answers a GET for `path` and returns true, or returns false to let the server answer 404. */
export type StaticHandler = (path: string, res: ServerResponse) => Promise<boolean>;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** Serves the files under `dir`; `/` and `/playground` are `index.html`. Paths outside `dir` are refused. */
export function staticDirectory(dir: string): StaticHandler {
  return async (path, res) => {
    const rel = path === "/" || path === "/playground" || path === "/playground/" ? "index.html" : path.replace(/^\/(playground\/)?/, "");
    let root: string;
    let file: string;
    try {
      root = await realpath(dir);
      file = await realpath(join(root, rel));
    } catch {
      return false;
    }
    if (file !== root && !file.startsWith(root + sep)) return false;
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return false;
    }
    res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Content-Length": body.length });
    res.end(body);
    return true;
  };
}
