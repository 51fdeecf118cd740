import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One scripted reply of a fake model server. A plain string is `{ content: string }`. */
export interface FakeLlmReply {
  /** The assistant's text. */
  content?: string;
  /** HTTP status; >= 400 sends an error body instead of an answer. Default 200. */
  status?: number;
  /** Wait this long before answering (the request counts as in flight meanwhile). */
  delayMs?: number;
  /** Never answer (until the client gives up or the server closes): a timeout. */
  hang?: boolean;
  /** Close the connection without any answer: a dropped connection. */
  drop?: boolean;
  /** Extra response headers (e.g. `retry-after` with a 429). */
  headers?: Record<string, string>;
  /** Token usage to report; default: whitespace-separated words of the prompt messages and of the answer. */
  usage?: { promptTokens: number; completionTokens: number };
}

/** A request as the fake server saw it. */
export interface FakeLlmRequest {
  path: string;
  model: string;
  messages: { role: string; content: string }[];
  /** Messages as "role: content" lines. */
  promptText: string;
  body: Record<string, unknown>;
}

/** Replies in order, or computed from the request and its 0-based index. */
export type FakeLlmScript = (string | FakeLlmReply)[] | ((request: FakeLlmRequest, index: number) => string | FakeLlmReply);

/** A fake model server on 127.0.0.1 and what it saw. */
export interface FakeLlmServer {
  /** Base URL to give the client: ".../v1" for the OpenAI flavour, the origin for the Ollama flavour. */
  readonly url: string;
  readonly port: number;
  /** Every chat request received, in arrival order. */
  readonly requests: FakeLlmRequest[];
  /** Requests being processed right now and the most ever processed at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Successful answers sent and the token usage reported in them. */
  readonly answered: number;
  readonly promptTokensSent: number;
  readonly completionTokensSent: number;
  close(): Promise<void>;
}

type Flavour = "openai" | "ollama";

/** An OpenAI-compatible server (`POST /v1/chat/completions`, JSON or SSE) with scripted answers. */
export function startFakeOpenAiServer(script: FakeLlmScript): Promise<FakeLlmServer> {
  return startFakeServer("openai", script);
}

/** An Ollama-compatible server (`POST /api/chat`, NDJSON stream or JSON) with scripted answers. */
export function startFakeOllamaServer(script: FakeLlmScript): Promise<FakeLlmServer> {
  return startFakeServer("ollama", script);
}

const words = (text: string): number => (text.trim() === "" ? 0 : text.trim().split(/\s+/).length);

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === "string" ? p : ((p as { text?: string }).text ?? ""))).join("");
  return "";
}

async function startFakeServer(flavour: Flavour, script: FakeLlmScript): Promise<FakeLlmServer> {
  const state = { inFlight: 0, maxInFlight: 0, answered: 0, promptTokensSent: 0, completionTokensSent: 0 };
  const requests: FakeLlmRequest[] = [];
  const chatPath = flavour === "openai" ? "/v1/chat/completions" : "/api/chat";

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    if (req.method !== "POST" || req.url !== chatPath) {
      return sendJson(res, 404, { error: `fake ${flavour} server: no route ${req.method} ${req.url}` });
    }
    const body = JSON.parse(raw) as Record<string, unknown>;
    const messages = ((body.messages as { role: string; content: unknown }[]) ?? []).map((m) => ({ role: m.role, content: textOf(m.content) }));
    const request: FakeLlmRequest = {
      path: req.url,
      model: String(body.model ?? ""),
      messages,
      promptText: messages.map((m) => `${m.role}: ${m.content}`).join("\n"),
      body,
    };
    const index = requests.length;
    requests.push(request);
    let reply: string | FakeLlmReply | undefined;
    if (typeof script === "function") reply = script(request, index);
    else reply = script[index];
    if (reply === undefined) {
      return sendError(res, flavour, 500, `fake ${flavour} server: no scripted answer for request #${index + 1}`);
    }
    const r: FakeLlmReply = typeof reply === "string" ? { content: reply } : reply;
    if (r.hang) return new Promise<void>((resolve) => res.on("close", () => resolve()));
    if (r.drop) return void req.socket.destroy();
    for (const [name, value] of Object.entries(r.headers ?? {})) res.setHeader(name, value);
    if (r.delayMs) await new Promise((resolve) => setTimeout(resolve, r.delayMs));
    if (res.destroyed) return;
    if (r.status !== undefined && r.status >= 400) return sendError(res, flavour, r.status, `fake ${flavour} server: scripted status ${r.status}`);
    const content = r.content ?? "";
    const usage = r.usage ?? { promptTokens: messages.reduce((n, m) => n + words(m.content), 0), completionTokens: words(content) };
    state.answered++;
    state.promptTokensSent += usage.promptTokens;
    state.completionTokensSent += usage.completionTokens;
    if (flavour === "openai") sendOpenAi(res, request, content, usage, body.stream === true);
    else sendOllama(res, request, content, usage, body.stream !== false);
  };

  const server: Server = createServer((req, res) => {
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    let done = false;
    const finish = () => {
      if (!done) state.inFlight--;
      done = true;
    };
    res.on("close", finish);
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: `fake server: ${(err as Error).message}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: flavour === "openai" ? `http://127.0.0.1:${port}/v1` : `http://127.0.0.1:${port}`,
    port,
    requests,
    get inFlight() {
      return state.inFlight;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    get answered() {
      return state.answered;
    },
    get promptTokensSent() {
      return state.promptTokensSent;
    },
    get completionTokensSent() {
      return state.completionTokensSent;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

function sendError(res: ServerResponse, flavour: Flavour, status: number, message: string): void {
  if (flavour === "openai") sendJson(res, status, { error: { message, type: "server_error", code: null } });
  else sendJson(res, status, { error: message });
}

type Usage = { promptTokens: number; completionTokens: number };

function sendOpenAi(res: ServerResponse, request: FakeLlmRequest, content: string, usage: Usage, stream: boolean): void {
  const base = { id: `chatcmpl-fake-${Date.now()}`, created: Math.floor(Date.now() / 1000), model: request.model };
  const openAiUsage = {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
  if (!stream) {
    return sendJson(res, 200, {
      ...base,
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop", logprobs: null }],
      usage: openAiUsage,
    });
  }
  res.writeHead(200, { "content-type": "text/event-stream" });
  const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
  res.write(chunk({ role: "assistant", content }, null));
  res.write(chunk({}, "stop"));
  res.write(`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage: openAiUsage })}\n\n`);
  res.end("data: [DONE]\n\n");
}

function sendOllama(res: ServerResponse, request: FakeLlmRequest, content: string, usage: Usage, stream: boolean): void {
  const created_at = new Date().toISOString();
  const final = {
    model: request.model,
    created_at,
    message: { role: "assistant", content: stream ? "" : content },
    done: true,
    done_reason: "stop",
    total_duration: 1_000_000,
    load_duration: 0,
    prompt_eval_count: usage.promptTokens,
    prompt_eval_duration: 500_000,
    eval_count: usage.completionTokens,
    eval_duration: 500_000,
  };
  if (!stream) return sendJson(res, 200, final);
  res.writeHead(200, { "content-type": "application/x-ndjson" });
  res.write(JSON.stringify({ model: request.model, created_at, message: { role: "assistant", content }, done: false }) + "\n");
  res.end(JSON.stringify(final) + "\n");
}
