/**
 * The route hook for the playground page: GET requests no API route claims are offered to a
 * {@link StaticHandler}. `playground(catalog)` serves the built-in page (apps/server/README.md, Playground);
 * `staticDirectory(dir)` serves the files of any folder instead (index.html at `/` and `/playground`).
 */
import { readFile, realpath } from "node:fs/promises";
import { extname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { ServerResponse } from "node:http";
import { categoriesOf, type Catalog } from "@farsight/core";

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
    const file = await fileInside(dir, rel);
    return file !== null && sendFile(file, res);
  };
}

/** What the page needs to know about the catalogue that the interrupt payload does not carry. */
export interface PlaygroundCatalog {
  readonly numItems: number;
  readonly categoryNames: readonly string[];
  /** Per item, its categories (the primary one first). */
  readonly itemCategories: readonly (readonly number[])[];
  /** Per item, its title (`item <id>` when the catalogue has none). */
  readonly itemTitles: readonly string[];
}

// Both src/playground/ and dist/playground/ sit two levels below the package root, so these resolve from either:
// the HTML and CSS are shipped in src/, the page's script is compiled from src/playground/client/ into dist/.
const STATIC_DIR = fileURLToPath(new URL("../../src/playground/static/", import.meta.url));
const CLIENT_DIR = fileURLToPath(new URL("../../dist/playground/client/", import.meta.url));

/**
 * The playground: a page where a person plays the user of the `session` assistant (see apps/server/README.md),
 * at `/` and `/playground`, its style and script under `/playground/`, and the catalogue's category names,
 * item categories and titles at `/playground/catalog.json`.
 */
export function playground(catalog: Catalog): StaticHandler {
  let catalogJson: Buffer | undefined;
  return async (path, res) => {
    if (path === "/" || path === "/playground" || path === "/playground/") {
      return sendFile(join(STATIC_DIR, "index.html"), res);
    }
    if (path === "/playground/catalog.json") {
      catalogJson ??= Buffer.from(JSON.stringify(playgroundCatalog(catalog)));
      res.writeHead(200, { "Content-Type": TYPES[".json"]!, "Content-Length": catalogJson.length, "Cache-Control": "no-cache" });
      res.end(catalogJson);
      return true;
    }
    const client = /^\/playground\/client\/([\w-]+\.js)$/.exec(path);
    if (client) {
      const file = await fileInside(CLIENT_DIR, client[1]!);
      return file !== null && sendFile(file, res);
    }
    const asset = /^\/playground\/([\w-]+\.(?:css|svg))$/.exec(path);
    if (asset) {
      const file = await fileInside(STATIC_DIR, asset[1]!);
      return file !== null && sendFile(file, res);
    }
    return false;
  };
}

/** The catalogue as the page reads it from `/playground/catalog.json`. */
export function playgroundCatalog(catalog: Catalog): PlaygroundCatalog {
  const itemCategories: number[][] = [];
  const itemTitles: string[] = [];
  for (let i = 0; i < catalog.numItems; i++) {
    const all = categoriesOf(catalog, i);
    const primary = catalog.itemCategory[i]!;
    itemCategories.push([primary, ...all.filter((c) => c !== primary)]);
    itemTitles.push(catalog.itemTitles?.[i] ?? `item ${i}`);
  }
  return { numItems: catalog.numItems, categoryNames: [...catalog.categoryNames], itemCategories, itemTitles };
}

/** `rel` resolved under `dir`, or null when it is missing or escapes `dir` (a link or `..`). */
async function fileInside(dir: string, rel: string): Promise<string | null> {
  try {
    const root = await realpath(dir);
    const file = await realpath(join(root, rel));
    return file === root || file.startsWith(root + sep) ? file : null;
  } catch {
    return null;
  }
}

async function sendFile(file: string, res: ServerResponse): Promise<boolean> {
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return false;
  }
  // no-cache: after an upgrade of the server a browser never runs yesterday's script against today's routes.
  res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Content-Length": body.length, "Cache-Control": "no-cache" });
  res.end(body);
  return true;
}
