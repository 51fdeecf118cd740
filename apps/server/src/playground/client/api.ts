/**
 * The playground's side of the route contract (apps/server/README.md): create a thread, start a session run,
 * answer each pause, leave. Runs in the browser (and in Node 20, whose `fetch` is the same), so it imports
 * nothing but types.
 */
import type { SessionPrompt } from "@farsight/graph";

/** The served session's values, as the run routes return them. */
export interface SessionValues {
  readonly sessionId: string;
  readonly userId: number;
  readonly step: number;
  readonly steps: readonly { readonly slate: readonly number[]; readonly feedback: readonly number[]; readonly reward: number; readonly planCategories: readonly number[] }[];
  readonly planCategories: readonly number[];
  readonly planSource: string;
  readonly slate: readonly number[];
  readonly returnSoFar: number;
  readonly done: boolean;
  readonly reflection: string;
}

/** One run's outcome: the next slate to answer, or the end of the session. */
export interface RunOutcome {
  readonly values: SessionValues;
  /** The pause's payload; absent when the session has ended. */
  readonly prompt?: SessionPrompt;
}

/** What the catalogue route tells the page (`/playground/catalog.json`). */
export interface CatalogInfo {
  readonly numItems: number;
  readonly categoryNames: readonly string[];
  readonly itemCategories: readonly (readonly number[])[];
  readonly itemTitles: readonly string[];
}

/** The `session` assistant's description (its metadata says what serves). */
export interface AssistantInfo {
  readonly assistant_id: string;
  readonly graph_id: string;
  readonly metadata: Record<string, unknown>;
}

/** A request the server refused (its `detail` says why) or could not be reached. */
export class PlaygroundError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when the server did not answer. */
    readonly status: number,
    /** The server's error code, e.g. `server/no-interrupt`. */
    readonly code: string,
  ) {
    super(message);
    this.name = "PlaygroundError";
  }
}

/** Talks to one server; `base` is its URL (empty: the page's own origin); `token` its bearer token, if it asks for one. */
export class PlaygroundApi {
  constructor(private readonly base = "", private readonly graphId = "session", private readonly token?: string) {}

  assistant(): Promise<AssistantInfo> {
    return this.request("GET", `/assistants/${encodeURIComponent(this.graphId)}`);
  }

  catalog(): Promise<CatalogInfo> {
    return this.request("GET", "/playground/catalog.json");
  }

  async createThread(metadata: Record<string, unknown> = {}): Promise<string> {
    const thread = await this.request<{ thread_id: string }>("POST", "/threads", { metadata: { ...metadata, client: "playground" } });
    return thread.thread_id;
  }

  /** Starts the session of user `userId` on the thread; resolves at its first slate. */
  start(threadId: string, userId: number): Promise<RunOutcome> {
    return this.run(threadId, { input: { userId } });
  }

  /** Answers the slate (one number per item: 1 = click, 0 = skip); resolves at the next slate or the end. */
  answer(threadId: string, feedback: readonly number[]): Promise<RunOutcome> {
    return this.run(threadId, { command: { resume: { feedback } } });
  }

  /** Leaves the session; resolves with its end (the reflection written). */
  leave(threadId: string): Promise<RunOutcome> {
    return this.run(threadId, { command: { resume: { quit: true } } });
  }

  /**
   * Where the thread's session stands, as the server holds it: its pending slate, or its end. A run that stopped
   * between two nodes (its server died) is continued first, as the route contract allows.
   */
  async current(threadId: string): Promise<RunOutcome> {
    const thread = await this.request<{ status: string; values: Partial<SessionValues>; interrupts?: Record<string, { value: SessionPrompt }[]> }>("GET", `/threads/${encodeURIComponent(threadId)}`);
    const prompt = Object.values(thread.interrupts ?? {})[0]?.[0]?.value;
    const values = thread.values ?? {};
    if (prompt) return { values: values as SessionValues, prompt };
    if (values.done === true) return { values: values as SessionValues };
    if (thread.status === "busy") throw new PlaygroundError(`thread ${threadId} is busy: a run on it is in progress; reload the page in a moment`, 409, "playground/busy");
    if (values.sessionId === undefined) throw new PlaygroundError(`thread ${threadId} holds no session; start one below`, 409, "playground/no-session");
    return this.run(threadId, {});
  }

  private async run(threadId: string, body: Record<string, unknown>): Promise<RunOutcome> {
    const out = await this.request<SessionValues & { __interrupt__?: { value: SessionPrompt }[] }>("POST", `/threads/${encodeURIComponent(threadId)}/runs/wait`, { assistant_id: this.graphId, ...body });
    const { __interrupt__: pauses, ...values } = out;
    const prompt = pauses?.[0]?.value;
    return prompt ? { values, prompt } : { values };
  }

  private async request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: { ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new PlaygroundError(`the server did not answer ${method} ${path} (${err instanceof Error ? err.message : String(err)}); is farsight serve still running?`, 0, "network");
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new PlaygroundError(`${method} ${path} answered ${res.status} with something that is not JSON: ${text.slice(0, 200)}`, res.status, "bad-json");
    }
    if (!res.ok) {
      const e = parsed as { detail?: unknown; error?: unknown };
      throw new PlaygroundError(`${method} ${path} failed (${res.status}): ${typeof e.detail === "string" ? e.detail : text.slice(0, 200)}`, res.status, typeof e.error === "string" ? e.error : "http");
    }
    return parsed as T;
  }
}

/** The numbers shown when a session ends. */
export interface SessionSummary {
  readonly steps: number;
  readonly clicks: number;
  readonly shown: number;
  readonly return: number;
  readonly reflection: string;
}

export function summarise(v: SessionValues): SessionSummary {
  let clicks = 0;
  let shown = 0;
  for (const s of v.steps) {
    shown += s.slate.length;
    clicks += s.feedback.filter((f) => f > 0).length;
  }
  return { steps: v.steps.length, clicks, shown, return: v.returnSoFar, reflection: v.reflection };
}
