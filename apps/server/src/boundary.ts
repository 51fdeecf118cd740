/**
 * What a request must show before any route runs: binding 127.0.0.1 is no boundary against the user's own
 * browser, which any web page can make send requests to it. So:
 *
 * - **Host** must name the address the server is bound to (or `localhost` when that is a loopback address),
 *   an IP literal when bound to every address, or one of `allowedHosts`: a page on `evil.example` that
 *   re-points its name at 127.0.0.1 (DNS rebinding) is refused (421).
 * - **Origin**, when a browser sends one, must be the server's own (the playground) or one of `allowOrigins`
 *   (403 otherwise); preflights (`OPTIONS`) of allowed origins get CORS answers, others 403.
 * - **Bodies** are JSON: `Content-Type: application/json` (415 otherwise; a DELETE without a body needs none),
 *   so that a cross-site form or a `no-cors` fetch (`text/plain`, sent without a preflight) never reaches a route.
 * - **A bearer token** (`authToken`), when set, on every API route but the probes (`/ok`, `/ready`); the
 *   static files (the playground's page) are open, the routes the page calls are not. It is required to bind a
 *   non-loopback address.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";
import { FarsightError } from "@farsight/core";
import { HttpError } from "./served-graph.js";

/** The boundary's settings (see the module comment). */
export interface BoundaryOptions {
  /** The address the server listens on. */
  readonly host: string;
  readonly allowedHosts?: readonly string[];
  readonly allowOrigins?: readonly string[];
  readonly authToken?: string;
}

const ALLOWED_METHODS = "GET, POST, PUT, DELETE, OPTIONS";
const ALLOWED_HEADERS = "Content-Type, Authorization, Idempotency-Key";
/** Routes a load balancer probes without credentials. */
const OPEN_PATHS = new Set(["/ok", "/ready"]);

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Refuses settings that would expose the server: a non-loopback address without a token, a short token. */
export function checkBoundary(o: BoundaryOptions): void {
  if (o.authToken !== undefined && o.authToken.length < 16) {
    throw new FarsightError("server/unauthorized", "the auth token must be at least 16 characters (e.g. `openssl rand -hex 32`)", {});
  }
  if (!isLoopback(o.host) && !o.authToken) {
    throw new FarsightError(
      "server/unauthorized",
      `binding ${o.host} (not a loopback address) needs an auth token: pass --auth-token or set FARSIGHT_SERVER_TOKEN (clients then send Authorization: Bearer <token>), or bind 127.0.0.1`,
      { host: o.host },
    );
  }
  for (const origin of o.allowOrigins ?? []) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) throw new FarsightError("server/forbidden-origin", `an allowed origin is scheme://host[:port] with no path, got ${JSON.stringify(origin)}`, { origin });
  }
}

/** The hostname of a Host header (`[::1]:2024` -> `::1`, `a.example:80` -> `a.example`). */
function hostnameOf(hostHeader: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(hostHeader) ?? /^([^:]+)(?::\d+)?$/.exec(hostHeader);
  return (m?.[1] ?? hostHeader).toLowerCase();
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Checks a request (see the module comment); answers preflights itself. Returns false when it has answered
 * (the caller stops there); throws an {@link HttpError} to refuse.
 */
export function admit(o: BoundaryOptions, req: IncomingMessage, res: ServerResponse): boolean {
  const hostHeader = req.headers.host ?? "";
  const hostname = hostnameOf(hostHeader);
  const bound = o.host.toLowerCase();
  const everywhere = bound === "0.0.0.0" || bound === "::";
  const hostOk =
    hostname === hostnameOf(bound) ||
    (isLoopback(bound) && isLoopback(hostname)) ||
    (everywhere && isIP(hostname) !== 0) ||
    (o.allowedHosts ?? []).some((h) => hostnameOf(h) === hostname);
  if (!hostOk) {
    throw new HttpError(421, "server/bad-host", `Host ${JSON.stringify(hostHeader)} is not this server's address (${o.host}); to reach it under that name, start it with --allowed-host ${hostname || "<name>"}`);
  }

  const origin = req.headers.origin;
  if (origin !== undefined) {
    const own = origin === `http://${hostHeader}` || origin === `https://${hostHeader}`;
    const allowed = own || (o.allowOrigins ?? []).includes(origin);
    if (!allowed) {
      throw new HttpError(403, "server/forbidden-origin", `requests from the web origin ${origin} are refused; to let that page use this server, start it with --allow-origin ${origin}`, { origin });
    }
    if (!own) {
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Access-Control-Expose-Headers", "Content-Location");
    }
    res.setHeader("Vary", "Origin");
    if (req.method === "OPTIONS") {
      res.writeHead(204, { "Access-Control-Allow-Methods": ALLOWED_METHODS, "Access-Control-Allow-Headers": ALLOWED_HEADERS, "Access-Control-Max-Age": "600" }).end();
      return false;
    }
  } else if (req.method === "OPTIONS") {
    res.writeHead(204, { Allow: ALLOWED_METHODS }).end();
    return false;
  }

  // A DELETE may carry a body too (the store's `DELETE /store/items`): when it does, it is JSON as well.
  if (req.method === "POST" || req.method === "PUT" || req.method === "PATCH" || req.method === "DELETE") {
    const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    const hasBody = Number(req.headers["content-length"] ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined;
    if ((hasBody || type !== "") && type !== "application/json") {
      throw new HttpError(415, "server/unsupported-media-type", `request bodies must be JSON sent as Content-Type: application/json, got ${JSON.stringify(req.headers["content-type"] ?? "none")}`);
    }
  }

  return true;
}

/** Asks for the bearer token (when the server has one) on an API route other than the probes; throws 401. */
export function authorize(o: BoundaryOptions, req: IncomingMessage, res: ServerResponse, path: string): void {
  if (o.authToken && !OPEN_PATHS.has(path)) {
    const given = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (!given || !timingSafeEqual(digest(given), digest(o.authToken))) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="farsight"');
      throw new HttpError(401, "server/unauthorized", given ? "the bearer token is not this server's" : "this server requires Authorization: Bearer <token> (the token it was started with: --auth-token or FARSIGHT_SERVER_TOKEN)");
    }
  }
}
