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
  /** OpenAI flavour: answer with this function call instead of text (what a server does for a forced tool). */
  toolCall?: { name: string; arguments: string };
  /** The error message sent with a status >= 400. */
  error?: string;
  /** Send exactly this body (e.g. `{"choices": []}` or an HTML page) with this status and content type. */
  raw?: { body: string; status?: number; contentType?: string };
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
  /** Health probes answered: `GET /v1/models` (OpenAI flavour) or `GET /api/tags` (Ollama flavour). */
  readonly probes: number;
  /** Stops listening and destroys every open connection, in-flight requests included (a killed server). */
  close(): Promise<void>;
}

/** Where a fake server listens. */
export interface FakeLlmServerOptions {
  /** Port on 127.0.0.1; default 0 (any free port). Pass a closed server's port to "restart" it. */
  port?: number;
}

type Flavour = "openai" | "ollama";

/** An OpenAI-compatible server (`POST /v1/chat/completions`, JSON or SSE) with scripted answers. */
export function startFakeOpenAiServer(script: FakeLlmScript, options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  return startFakeServer("openai", script, options);
}

/** An Ollama-compatible server (`POST /api/chat`, NDJSON stream or JSON) with scripted answers. */
export function startFakeOllamaServer(script: FakeLlmScript, options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  return startFakeServer("ollama", script, options);
}

const words = (text: string): number => (text.trim() === "" ? 0 : text.trim().split(/\s+/).length);

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === "string" ? p : ((p as { text?: string }).text ?? ""))).join("");
  return "";
}

async function startFakeServer(flavour: Flavour, script: FakeLlmScript, options: FakeLlmServerOptions): Promise<FakeLlmServer> {
  const state = { inFlight: 0, maxInFlight: 0, answered: 0, promptTokensSent: 0, completionTokensSent: 0, probes: 0 };
  const requests: FakeLlmRequest[] = [];
  const chatPath = flavour === "openai" ? "/v1/chat/completions" : "/api/chat";
  const probePath = flavour === "openai" ? "/v1/models" : "/api/tags";

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    if (req.method === "GET" && routeOf(req.url) === probePath) {
      // The cheap calls real servers answer (vLLM, llama-server, LM Studio: /v1/models; Ollama: /api/tags).
      state.probes++;
      const model = { id: "fake-model", name: "fake-model", model: "fake-model", object: "model" };
      return sendJson(res, 200, flavour === "openai" ? { object: "list", data: [model] } : { models: [model] });
    }
    if (req.method !== "POST" || routeOf(req.url) !== chatPath) {
      return sendJson(res, 404, { error: `fake ${flavour} server: no route ${req.method} ${req.url}` });
    }
    const body = JSON.parse(raw) as Record<string, unknown>;
    const messages = ((body.messages as { role: string; content: unknown }[]) ?? []).map((m) => ({ role: m.role, content: textOf(m.content) }));
    const request: FakeLlmRequest = {
      path: req.url ?? "",
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
    if (r.raw) {
      res.writeHead(r.raw.status ?? 200, { "content-type": r.raw.contentType ?? "application/json" });
      return void res.end(r.raw.body);
    }
    if (r.status !== undefined && r.status >= 400) return sendError(res, flavour, r.status, r.error ?? `fake ${flavour} server: scripted status ${r.status}`);
    const content = r.content ?? "";
    const usage = r.usage ?? { promptTokens: messages.reduce((n, m) => n + words(m.content), 0), completionTokens: words(content) };
    state.answered++;
    state.promptTokensSent += usage.promptTokens;
    state.completionTokensSent += usage.completionTokens;
    if (flavour === "openai") sendOpenAi(res, request, content, usage, body.stream === true, r.toolCall);
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
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
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
    get probes() {
      return state.probes;
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

function sendOpenAi(res: ServerResponse, request: FakeLlmRequest, content: string, usage: Usage, stream: boolean, toolCall?: FakeLlmReply["toolCall"]): void {
  const base = { id: `chatcmpl-fake-${Date.now()}`, created: Math.floor(Date.now() / 1000), model: request.model };
  const openAiUsage = {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
  const call = toolCall && { id: "call_fake_0", type: "function", function: toolCall };
  if (!stream) {
    const message = call ? { role: "assistant", content: null, tool_calls: [call] } : { role: "assistant", content };
    return sendJson(res, 200, {
      ...base,
      object: "chat.completion",
      choices: [{ index: 0, message, finish_reason: call ? "tool_calls" : "stop", logprobs: null }],
      usage: openAiUsage,
    });
  }
  res.writeHead(200, { "content-type": "text/event-stream" });
  const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
  if (call) res.write(chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, ...call }] }, null));
  else {
    // Word by word, so a client that streams sees several chunks.
    const parts = content.match(/\S+\s*|\s+/g) ?? [""];
    parts.forEach((part, i) => res.write(chunk(i === 0 ? { role: "assistant", content: part } : { content: part }, null)));
  }
  res.write(chunk({}, call ? "tool_calls" : "stop"));
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

/** What a server that constrains its decoding honours (as vLLM, llama.cpp's server, OpenAI and Ollama do). */
export interface ConstrainedServerOptions {
  /** OpenAI flavour: `json_schema` / `json_object` response formats and forced `tools`; Ollama flavour: `format`. */
  supports: readonly ("json_schema" | "json_object" | "tools" | "format")[];
  /** A request asking for an unsupported constraint: HTTP 400 (reject, default) or plain text (ignore). */
  unsupported?: "reject" | "ignore";
  /** What the model "says" without a constraint it honours. Default: friendly prose without JSON. */
  garbage?: string;
}

/**
 * One reply of a server that answers with `value` as JSON only when the request carries a constraint it
 * supports (response_format json_schema / json_object, a forced tool, Ollama's format), and with prose
 * otherwise: a model that does not follow a schema written in the prompt.
 */
export function constrainedReply(request: FakeLlmRequest, value: unknown, options: ConstrainedServerOptions): FakeLlmReply {
  const body = request.body;
  const garbage = options.garbage ?? "Sure! Based on the history I would go with something relaxing, maybe jazz.";
  const json = JSON.stringify(value);
  const refuse = (what: string): FakeLlmReply =>
    options.unsupported === "ignore" ? { content: garbage } : { status: 400, error: `${what} is not supported by this server` };
  const tools = body.tools as { function?: { name?: string } }[] | undefined;
  if (tools?.length) {
    if (!options.supports.includes("tools")) return refuse("tools");
    return { toolCall: { name: tools[0]!.function?.name ?? "answer", arguments: json } };
  }
  const format = (body.response_format as { type?: string } | undefined)?.type;
  if (format === "json_schema" || format === "json_object") {
    return options.supports.includes(format) ? { content: json } : refuse(`response_format ${format}`);
  }
  if (body.format !== undefined && body.format !== "") {
    return options.supports.includes("format") ? { content: json } : refuse("format");
  }
  return { content: garbage };
}

/** The path of a request URL without its query: a client may send one on every request (`?api_key=`), as real servers accept. */
function routeOf(url: string | undefined): string {
  return (url ?? "").replace(/\?.*$/, "");
}
