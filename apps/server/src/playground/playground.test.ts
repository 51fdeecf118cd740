import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalog } from "@farsight/core";
import { generateSynthetic, SyntheticWorld } from "@farsight/env";
import { SaturationAwarePlanner } from "@farsight/planner";
import { openStorage, playground, playgroundCatalog, sessionAssistant, staticDirectory, startServer, type RunningServer } from "../index.js";

// Item 1 has a secondary category; no titles, so the page falls back to "item <id>".
const catalog = createCatalog({ itemCategories: [[0], [2, 1], [1]], categoryNames: ["jazz", "pop", "news"] });

describe("playgroundCatalog", () => {
  it("lists every item's categories, the primary one first, and a title for each", () => {
    expect(playgroundCatalog(catalog)).toEqual({
      numItems: 3,
      categoryNames: ["jazz", "pop", "news"],
      itemCategories: [[0], [2, 1], [1]],
      itemTitles: ["item 0", "item 1", "item 2"],
    });
  });
});

describe("the playground's routes", () => {
  const data = generateSynthetic({ numCategories: 4, numItems: 30, numUsers: 5, embeddingDim: 4, seed: 2 });
  let server: RunningServer;
  const get = async (path: string) => {
    const res = await fetch(server.url + path);
    return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
  };

  beforeAll(async () => {
    const storage = await openStorage("memory");
    const session = await sessionAssistant(
      { catalog: data.catalog, numUsers: 5, planner: new SaturationAwarePlanner(), scorer: new SyntheticWorld(data).scorer, slateSize: 2 },
      { checkpointer: storage.checkpointer, store: storage.store, replicaId: "t" },
    );
    server = await startServer({ graphs: [session], storage, staticFiles: playground(data.catalog) });
  });
  afterAll(() => server.close());

  it("serves the page at / and /playground, its style and its compiled script, all offline", async () => {
    const page = await get("/");
    expect(page).toMatchObject({ status: 200, type: "text/html; charset=utf-8" });
    expect((await get("/playground")).text).toBe(page.text);
    expect(page.text).toContain('<script type="module" src="/playground/client/main.js">');
    const css = await get("/playground/playground.css");
    expect(css).toMatchObject({ status: 200, type: "text/css; charset=utf-8" });
    // Follow the script's imports: each is relative (a browser resolves no package names) and served.
    const seen = new Map<string, string>();
    const queue = ["main.js"];
    while (queue.length) {
      const name = queue.shift()!;
      if (seen.has(name)) continue;
      const js = await get(`/playground/client/${name}`);
      expect(js, `client/${name} is served (run the build first)`).toMatchObject({ status: 200, type: "text/javascript; charset=utf-8" });
      seen.set(name, js.text);
      for (const m of js.text.matchAll(/^\s*(?:import|export)\b[^;]*?from\s*["']([^"']+)["']/gm)) {
        expect(m[1], `client/${name} imports only sibling files`).toMatch(/^\.\/[\w-]+\.js$/);
        queue.push(m[1]!.slice(2));
      }
    }
    expect([...seen.keys()].sort()).toEqual(["api.js", "main.js", "view.js"]);
    for (const [name, text] of [["index.html", page.text], ["playground.css", css.text], ...seen] as const) {
      expect(text, `${name} refers to no other host`).not.toMatch(/https?:\/\//);
    }
  });

  it("serves the catalogue the page reads categories from", async () => {
    const res = await get("/playground/catalog.json");
    expect(res.type).toBe("application/json");
    expect(JSON.parse(res.text)).toEqual(JSON.parse(JSON.stringify(playgroundCatalog(data.catalog))));
  });

  it("answers 404 for anything else, and leaves the API routes alone", async () => {
    for (const path of ["/playground/client/api.d.ts", "/playground/client/../index.js", "/playground/index.html", "/playground/nope.css", "/package.json", "/playground/client/%2e%2e%2fplayground.css"]) {
      expect((await get(path)).status, `${path}`).toBe(404);
    }
    expect(JSON.parse((await get("/ok")).text)).toEqual({ ok: true });
  });
});

describe("staticDirectory", () => {
  const dir = mkdtempSync(join(tmpdir(), "farsight-static-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves index.html at / and files inside the folder, and nothing a link leads out of it to", async () => {
    const site = join(dir, "site");
    const outside = join(dir, "secret.txt");
    writeFileSync(outside, "secret");
    mkdirSync(site);
    writeFileSync(join(site, "index.html"), "<p>mine</p>");
    writeFileSync(join(site, "app.js"), "1");
    symlinkSync(outside, join(site, "leak.txt"));
    const served: { path: string; status: number; body: string }[] = [];
    const handler = staticDirectory(site);
    for (const path of ["/", "/playground", "/app.js", "/playground/app.js", "/leak.txt", "/missing.js"]) {
      let status = 404;
      let body = "";
      const res = { writeHead: (s: number) => void (status = s), end: (b: Buffer) => void (body = String(b)) } as unknown as import("node:http").ServerResponse;
      await handler(path, res);
      served.push({ path, status, body });
    }
    expect(served).toEqual([
      { path: "/", status: 200, body: "<p>mine</p>" },
      { path: "/playground", status: 200, body: "<p>mine</p>" },
      { path: "/app.js", status: 200, body: "1" },
      { path: "/playground/app.js", status: 200, body: "1" },
      { path: "/leak.txt", status: 404, body: "" },
      { path: "/missing.js", status: 404, body: "" },
    ]);
  });
});
