/**
 * The thin server: LangGraph Platform's thread, run and store routes (the subset a `@langchain/langgraph-sdk`
 * Client uses for assistants, threads, runs and the store) over node:http, on 127.0.0.1. The route contract is in
 * the README.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { uuid5 } from "@langchain/langgraph-checkpoint";
import { admit, authorize, checkBoundary, type BoundaryOptions } from "./boundary.js";
import { databaseUnavailable, errorBody, HttpError, type ServedGraph } from "./served-graph.js";
import type { Storage } from "./storage.js";
import { ThreadRecords } from "./threads.js";
import { Runs } from "./runs.js";
import { HeldTuples } from "./held-tuples.js";
import { jsonText } from "./json-text.js";
import { RunRecords } from "./run-records.js";
import { IdempotencyRecords, idempotencyKeyOf } from "./idempotency.js";
import { redactJson } from "./redaction.js";
import { redactText } from "@farsight/core";
import type { StaticHandler } from "./playground/index.js";
import { StoreRoutes } from "./store-routes.js";
import { statelessRun } from "./stateless-runs.js";
import { joinStream } from "./join-stream.js";

export interface ServerOptions {
  readonly graphs: readonly ServedGraph[];
  readonly storage: Storage;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Serves files for paths no API route claims (the playground). */
  readonly staticFiles?: StaticHandler;
  /** Largest request body accepted, in bytes. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** The address to listen on. Default 127.0.0.1; any other than a loopback address needs `authToken`. */
  readonly host?: string;
  /** Names besides the bound address that the Host header may carry (a reverse proxy's, a DNS name). */
  readonly allowedHosts?: readonly string[];
  /** Web origins (`https://app.example`) whose pages may call the server (CORS); others are refused (403). */
  readonly allowOrigins?: readonly string[];
  /** A bearer token every API route but `/ok` and `/ready` asks for (`Authorization: Bearer <token>`), 16+ characters. */
  readonly authToken?: string;
}

export interface RunningServer {
  /** `http://<host>:<port>` (127.0.0.1 unless `host` says otherwise) */
  readonly url: string;
  readonly port: number;
  /** Stops accepting requests, lets running runs finish, closes the storage. */
  close(): Promise<void>;
}

/**
 * Assistant ids are UUIDs derived from the graph id with LangGraph's API server's namespace: every replica, and
 * `langgraph dev` on the same langgraph.json, gives a graph the same assistant id.
 */
const ASSISTANT_NAMESPACE = "6ba7b821-9dad-11d1-80b4-00c04fd430c8";
const STARTED = new Date().toISOString();

export function assistantIdOf(graphId: string): string {
  return uuid5(graphId, ASSISTANT_NAMESPACE);
}

type Handler = (req: IncomingMessage, res: ServerResponse, params: string[], body: () => Promise<Record<string, unknown>>, query: URLSearchParams) => Promise<void>;

/**
 * Starts the server on 127.0.0.1 (or `host`, with a token). Every request passes the boundary checks of
 * boundary.ts (Host, Origin, JSON bodies, bearer token) before any route runs.
 */
export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const host = o.host ?? "127.0.0.1";
  const boundary: BoundaryOptions = {
    host,
    ...(o.allowedHosts ? { allowedHosts: o.allowedHosts } : {}),
    ...(o.allowOrigins ? { allowOrigins: o.allowOrigins } : {}),
    ...(o.authToken ? { authToken: o.authToken } : {}),
  };
  checkBoundary(boundary);
  const threads = new ThreadRecords(o.storage.store);
  const heldTuples = new HeldTuples(o.storage.checkpointer);
  const runs = new Runs(o.graphs, threads, o.storage.lockThread?.bind(o.storage), (id) => o.storage.checkpointer.deleteThread(id), new RunRecords(o.storage.store), new IdempotencyRecords(o.storage.store), heldTuples);
  const store = new StoreRoutes(o.storage.store, o.storage.redact);
  const assistant = (g: ServedGraph) => ({
    assistant_id: assistantIdOf(g.graphId),
    graph_id: g.graphId,
    name: g.graphId,
    description: g.description,
    config: {},
    context: {},
    metadata: { created_by: "system", ...g.metadata },
    version: 1,
    created_at: STARTED,
    updated_at: STARTED,
  });
  const findAssistant = (id: string) => {
    const g = o.graphs.find((x) => x.graphId === id || assistantIdOf(x.graphId) === id);
    if (!g) throw new HttpError(404, "server/no-assistant", `no assistant "${id}"; this server serves ${o.graphs.map((x) => x.graphId).join(", ")}`);
    return g;
  };

  const routes: [string, RegExp, Handler][] = [
    // Liveness: the process answers (a load balancer restarts it otherwise). Says nothing of the database.
    ["GET", /^\/ok$/, async (_q, res) => json(res, 200, { ok: true })],
    // Readiness: the database answers now (503 while it cannot be reached: send traffic elsewhere).
    ["GET", /^\/ready$/, async (_q, res) => {
      const health = o.storage.health;
      if (!health || (await health.check())) return json(res, 200, { ok: true, storage: o.storage.kind });
      res.setHeader("Retry-After", "1");
      json(res, 503, { ok: false, error: "server/database-unavailable", detail: `PostgreSQL at ${o.storage.where} cannot be reached: ${health.reason}` });
    }],
    ["GET", /^\/info$/, async (_q, res) => {
      // What each graph's micro-batching did so far (`farsight bench serve` reads it after a load level).
      const batching = Object.fromEntries(o.graphs.flatMap((g) => {
        const b = g.batching?.();
        return b && Object.keys(b).length ? [[g.graphId, b]] : [];
      }));
      json(res, 200, { version: "farsight-server", storage: o.storage.kind, graphs: o.graphs.map((g) => g.graphId), ...(Object.keys(batching).length ? { batching } : {}) });
    }],
    ["POST", /^\/assistants\/search$/, async (_q, res, _p, body) => {
      const b = await body();
      const limit = intOf(b["limit"], 10);
      const offset = intOf(b["offset"], 0);
      const list = o.graphs.filter((g) => b["graph_id"] === undefined || b["graph_id"] === g.graphId).map(assistant);
      json(res, 200, list.slice(offset, offset + limit));
    }],
    ["GET", /^\/assistants\/([^/]+)$/, async (_q, res, [id]) => json(res, 200, assistant(findAssistant(id!)))],
    ["POST", /^\/threads$/, async (_q, res, _p, body) => json(res, 200, await runs.createThread(await body()))],
    ["POST", /^\/threads\/search$/, async (_q, res, _p, body) => {
      const b = await body();
      json(res, 200, await runs.searchThreads(objectOf(b["metadata"]), intOf(b["limit"], 10), intOf(b["offset"], 0)));
    }],
    ["GET", /^\/threads\/([^/]+)$/, async (_q, res, [id]) => json(res, 200, await runs.thread(id!))],
    ["GET", /^\/threads\/([^/]+)\/state$/, async (_q, res, [id]) => json(res, 200, await runs.state(id!))],
    ["POST", /^\/threads\/([^/]+)\/history$/, async (_q, res, [id], body) => json(res, 200, await runs.history(id!, await body()))],
    ["DELETE", /^\/threads\/([^/]+)$/, async (_q, res, [id]) => {
      await runs.deleteThread(id!);
      res.writeHead(204).end();
    }],
    ["POST", /^\/threads\/([^/]+)\/runs\/wait$/, async (req, res, [id], body) => {
      const b = await body();
      const runId = randomUUID();
      const out = await runs.wait(id!, findAssistant(String(b["assistant_id"] ?? "")), b, idempotencyKeyOf(req.headers["idempotency-key"]));
      res.setHeader("Content-Location", `/threads/${encodeURIComponent(id!)}/runs/${runId}`);
      json(res, 200, out);
    }],
    ["POST", /^\/threads\/([^/]+)\/runs\/stream$/, async (req, res, [id], body) => {
      const b = await body();
      if (req.headers["idempotency-key"] !== undefined) throw new HttpError(422, "server/bad-request", "Idempotency-Key is honoured on /runs/wait and /runs (a stream cannot be replayed); name the checkpoint the answer is for instead (checkpoint_id)");
      await runs.stream(id!, findAssistant(String(b["assistant_id"] ?? "")), b, res);
    }],
    // Background runs: recorded in the store (any replica reads them), executed by the process that accepted them.
    ["POST", /^\/threads\/([^/]+)\/runs$/, async (req, res, [id], body) => {
      const b = await body();
      const g = findAssistant(String(b["assistant_id"] ?? ""));
      const run = await runs.createRun(id!, g, assistantIdOf(g.graphId), b, idempotencyKeyOf(req.headers["idempotency-key"]));
      res.setHeader("Content-Location", `/threads/${encodeURIComponent(id!)}/runs/${String(run["run_id"])}`);
      json(res, 200, run);
    }],
    ["GET", /^\/threads\/([^/]+)\/runs$/, async (_q, res, [id], _b, query) => json(res, 200, await runs.listRuns(id!, query))],
    ["GET", /^\/threads\/([^/]+)\/runs\/([^/]+)$/, async (_q, res, [id, runId]) => json(res, 200, await runs.getRun(id!, runId!))],
    ["GET", /^\/threads\/([^/]+)\/runs\/([^/]+)\/join$/, async (_q, res, [id, runId], _b, query) => {
      const gone = new AbortController();
      res.once("close", () => gone.abort());
      const out = await runs.join(id!, runId!, query, gone.signal);
      if (out) json(res, 200, out);
    }],
    ["GET", /^\/threads\/([^/]+)\/runs\/([^/]+)\/stream$/, async (req, res, [id, runId], _b, query) => joinStream(runs, id!, runId!, req, res, query)],
    // Stateless runs: a thread of their own, deleted once the run ends unless on_completion: "keep" (stateless-runs.ts).
    ["POST", /^\/runs\/wait$/, async (req, res, _p, body) => {
      const b = await body();
      const key = idempotencyKeyOf(req.headers["idempotency-key"]);
      const run = statelessRun(b, key);
      const out = await runs.wait(run.threadId, findAssistant(String(b["assistant_id"] ?? "")), run.body, key, run.temporary);
      res.setHeader("Content-Location", run.location(randomUUID()));
      json(res, 200, out);
    }],
    ["POST", /^\/runs\/stream$/, async (req, res, _p, body) => {
      const b = await body();
      if (req.headers["idempotency-key"] !== undefined) throw new HttpError(422, "server/bad-request", "Idempotency-Key is honoured on /runs/wait (a stream cannot be replayed)");
      const run = statelessRun(b);
      await runs.stream(run.threadId, findAssistant(String(b["assistant_id"] ?? "")), run.body, res, run.temporary);
    }],
    // The store (store-routes.ts): the server's own namespaces (farsight...) are read-only (403).
    ["PUT", /^\/store\/items$/, async (_q, res, _p, body) => {
      await store.put(await body());
      res.writeHead(204).end();
    }],
    ["GET", /^\/store\/items$/, async (_q, res, _p, _b, query) => json(res, 200, await store.get(query))],
    ["DELETE", /^\/store\/items$/, async (_q, res, _p, body) => {
      await store.delete(await body());
      res.writeHead(204).end();
    }],
    ["POST", /^\/store\/items\/search$/, async (_q, res, _p, body) => json(res, 200, await store.search(await body()))],
    ["POST", /^\/store\/namespaces$/, async (_q, res, _p, body) => json(res, 200, await store.namespaces(await body()))],
    ["POST", /^\/threads\/([^/]+)\/runs\/([^/]+)\/cancel$/, async (_q, res, [id, runId], _b, query) => {
      // As LangGraph's server: 202 when the cancel is sent, 204 once the run has stopped (wait=1).
      res.writeHead((await runs.cancelRun(id!, runId!, query)) ? 204 : 202).end();
    }],
  ];

  /** Routes that answer without the database (the probes and the server's description). */
  const withoutDatabase = new Set(["/ok", "/ready", "/info"]);
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err) => {
      const { status, body } = errorBody(err);
      if (status === 503 && body["error"] === "server/database-unavailable") {
        o.storage.health?.markDown(err);
        if (!res.headersSent) res.setHeader("Retry-After", "1");
      }
      sendError(res, err, o.storage.redact ?? redactText);
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    if (!admit(boundary, req, res)) return;
    for (const [method, pattern, handler] of routes) {
      const m = pattern.exec(path);
      if (!m) continue;
      if (req.method !== method) continue;
      authorize(boundary, req, res, path);
      // While the database is known to be down, fail fast: a probe with back-off finds it back (db-health.ts).
      if (o.storage.health?.down && !withoutDatabase.has(path)) {
        throw databaseUnavailable(`PostgreSQL at ${o.storage.where} cannot be reached (${o.storage.health.reason})`);
      }
      const params = m.slice(1).map((p) => decodeURIComponent(p));
      await handler(req, res, params, () => readJson(req, o.maxBodyBytes ?? 1 << 20), url.searchParams);
      return;
    }
    if (req.method === "GET" && o.staticFiles && (await o.staticFiles(path, res))) return;
    throw new HttpError(404, "server/no-route", `no route ${req.method} ${path}; see the route table in apps/server/README.md`);
  };

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await runs.drain();
      await o.storage.close();
    },
  };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const text = jsonText(value);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown, redact: (text: string) => string): void {
  const { status, body: raw } = errorBody(err);
  // An error may quote a model's URL or answer: what the server says and logs is redacted as what it writes.
  const body = redactJson(raw, redact) as Record<string, unknown>;
  if (status >= 500) console.error(`farsight server: ${String(body["detail"])}`);
  if (res.headersSent) {
    res.end();
    return;
  }
  json(res, status, body);
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const body = await readBody(req, maxBytes);
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new HttpError(400, "server/bad-json", `request body is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new HttpError(400, "server/bad-json", "request body must be a JSON object");
  return value as Record<string, unknown>;
}

/**
 * The request's body, at most `maxBytes`. With the stream's events rather than its async iterator: a body is
 * one chunk or a few, and the iterator's promise per chunk costs more than the rest of reading it.
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  // Read already (as the iterator: nothing more), or gone before its end.
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  if (req.destroyed) return Promise.reject(Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // The rest of the body is not kept (the stream flows on, unread); the 413 is answered at once.
        done();
        reject(new HttpError(413, "server/body-too-large", `request body over ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const onClose = () => {
      // Closed before its end (the client went away): as the iterator, a premature close is an error.
      done();
      reject(Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }));
    };
    const done = () => {
      req.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
    };
    req.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
}

function intOf(v: unknown, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 10_000) throw new HttpError(422, "server/bad-request", `limit and offset must be integers in [0, 10000], got ${JSON.stringify(v)}`);
  return v as number;
}

function objectOf(v: unknown): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw new HttpError(422, "server/bad-request", "metadata must be an object");
  return v as Record<string, unknown>;
}
