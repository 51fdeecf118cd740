/**
 * The server's boundary against the user's own browser and other hosts: JSON bodies only (415), Host checked
 * (DNS rebinding, 421), cross-origin requests refused unless allowed (with CORS preflight answers), an optional
 * bearer token, required to bind a non-loopback address.
 */
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { Client } from "@langchain/langgraph-sdk";
import { generateSynthetic, SyntheticWorld } from "@farsight/env";
import { SaturationAwarePlanner } from "@farsight/planner";
import { TemplateReflector } from "@farsight/reflector";
import { openStorage, sessionAssistant, startServer, type RunningServer, type ServerOptions } from "./index.js";

const data = generateSynthetic({ numCategories: 5, numItems: 40, numUsers: 10, embeddingDim: 4, seed: 1 });
const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const storage = await openStorage("memory");
  const session = await sessionAssistant(
    { catalog: data.catalog, numUsers: 10, planner: new SaturationAwarePlanner(), scorer: new SyntheticWorld(data).scorer, reflector: new TemplateReflector(), slateSize: 2, maxSteps: 4 },
    { checkpointer: storage.checkpointer, store: storage.store, replicaId: "r1" },
  );
  const server = await startServer({ graphs: [session], storage, ...options });
  servers.push(server);
  return server;
}

/** A raw request (fetch may not set Host), answered with its status, headers and parsed body. */
function raw(server: RunningServer, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, method, path, headers }, (res) => {
      let text = "";
      res.on("data", (d) => (text += String(d)));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const threadCount = async (s: RunningServer, headers: Record<string, string> = {}) =>
  ((await raw(s, "POST", "/threads/search", { "Content-Type": "application/json", ...headers }, "{}")).body as unknown as unknown[]).length;

describe("the server's boundary", () => {
  it("takes JSON bodies only: a text/plain POST (what a cross-site form or no-cors fetch sends) is refused, 415", async () => {
    const s = await serve();
    const out = await raw(s, "POST", "/threads", { "Content-Type": "text/plain" }, JSON.stringify({ metadata: { by: "a web page" } }));
    expect(out.status).toBe(415);
    expect(out.body["error"]).toBe("server/unsupported-media-type");
    expect((await raw(s, "POST", "/threads", {}, "{}")).status).toBe(415);
    expect(await threadCount(s)).toBe(0);
    expect((await raw(s, "POST", "/threads", { "Content-Type": "application/json; charset=utf-8" }, "{}")).status).toBe(200);
  });

  it("refuses a Host it is not bound to (DNS rebinding), unless --allowed-host names it", async () => {
    const s = await serve({ allowedHosts: ["farsight.internal"] });
    const evil = await raw(s, "GET", "/threads/x", { Host: `evil.example:${s.port}` });
    expect(evil.status).toBe(421);
    expect(evil.body["error"]).toBe("server/bad-host");
    expect((await raw(s, "POST", "/threads", { Host: "evil.example", "Content-Type": "application/json" }, "{}")).status).toBe(421);
    expect(await threadCount(s)).toBe(0);
    for (const host of [`127.0.0.1:${s.port}`, `localhost:${s.port}`, "farsight.internal", `farsight.internal:${s.port}`]) {
      expect((await raw(s, "GET", "/info", { Host: host })).status).toBe(200);
    }
  });

  it("refuses cross-origin requests unless --allow-origin names the origin, and answers CORS preflights", async () => {
    const s = await serve({ allowOrigins: ["http://app.example:3000"] });
    const json = { "Content-Type": "application/json" };
    const cross = await raw(s, "POST", "/threads", { ...json, Origin: "http://evil.example" }, "{}");
    expect(cross.status).toBe(403);
    expect(cross.body["error"]).toBe("server/forbidden-origin");
    expect(cross.headers["access-control-allow-origin"]).toBeUndefined();
    expect((await raw(s, "OPTIONS", "/threads", { Origin: "http://evil.example", "Access-Control-Request-Method": "POST" })).status).toBe(403);
    expect(await threadCount(s)).toBe(0);

    const preflight = await raw(s, "OPTIONS", "/threads", { Origin: "http://app.example:3000", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,authorization" });
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("http://app.example:3000");
    expect(String(preflight.headers["access-control-allow-methods"])).toMatch(/POST/);
    expect(String(preflight.headers["access-control-allow-headers"]).toLowerCase()).toMatch(/content-type/);
    expect(String(preflight.headers["vary"])).toMatch(/Origin/);
    const allowed = await raw(s, "POST", "/threads", { ...json, Origin: "http://app.example:3000" }, "{}");
    expect(allowed.status).toBe(200);
    expect(allowed.headers["access-control-allow-origin"]).toBe("http://app.example:3000");
    // The playground is served by the server itself: its requests are same-origin.
    expect((await raw(s, "POST", "/threads", { ...json, Origin: s.url }, "{}")).status).toBe(200);
    expect(await threadCount(s)).toBe(2);
  });

  it("asks for the bearer token when it has one (not on /ok and /ready), and the SDK sends it", async () => {
    const s = await serve({ authToken: "s3cret-token-1234" });
    const none = await raw(s, "POST", "/threads", { "Content-Type": "application/json" }, "{}");
    expect(none.status).toBe(401);
    expect(none.body["error"]).toBe("server/unauthorized");
    expect(none.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect((await raw(s, "GET", "/threads/x", { Authorization: "Bearer wrong" })).status).toBe(401);
    expect((await raw(s, "GET", "/ok", {})).status).toBe(200);
    expect((await raw(s, "GET", "/ready", {})).status).toBe(200);
    const client = new Client({ apiUrl: s.url, defaultHeaders: { Authorization: "Bearer s3cret-token-1234" } });
    const thread = await client.threads.create();
    expect((await client.threads.get(thread.thread_id)).thread_id).toBe(thread.thread_id);
  });

  it("refuses to bind a non-loopback address without a token", async () => {
    await expect(serve({ host: "0.0.0.0" })).rejects.toThrow(/auth token/);
    const s = await serve({ host: "0.0.0.0", authToken: "s3cret-token-1234" });
    expect((await raw(s, "GET", "/threads/x", { Host: `127.0.0.1:${s.port}` })).status).toBe(401);
  });
});
