/**
 * A fetch for OpenAI-compatible clients that checks a chat-completion answer before the client reads it.
 * A server that answers 200 with an HTML page (a wrong base URL, a proxy's login page) or with an empty
 * `choices` array made LangChain fail with "Cannot read properties of undefined (reading 'message')".
 * Such an answer is turned into an HTTP 502 whose message names the server and what it returned; 502 makes
 * the retry layer treat it as the server error it is (bounded retries), and the message survives the SDK.
 */
import { redactUrl } from "@farsight/core";

const SNIPPET = 120;

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > SNIPPET ? `${flat.slice(0, SNIPPET)}...` : flat;
}

/** What is wrong with a chat-completion body, or undefined when it has a first choice with a message. */
export function chatAnswerProblem(text: string, contentType: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const kind = /html/i.test(contentType) || /^\s*</.test(text) ? "an HTML page" : `a body that is not JSON (${contentType || "no content-type"})`;
    return `${kind} instead of a chat completion: "${snippet(text)}". Check the base URL (it usually ends in /v1)`;
  }
  const choices = (body as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return `JSON without a "choices" array: ${snippet(text)}`;
  if (choices.length === 0) return `an empty "choices" array (no answer): ${snippet(text)}`;
  const first = choices[0] as { message?: unknown; delta?: unknown } | null;
  if (!first || typeof first !== "object" || (!first.message && !first.delta)) return `a first choice without a message: ${snippet(text)}`;
  return undefined;
}

/** Wraps `inner` (default: global fetch) so bad chat-completion answers from `server` become clear 502 errors. */
export function checkedChatFetch(server: string, inner: typeof fetch = fetch): typeof fetch {
  const shown = redactUrl(server);
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const res = await inner(input, init);
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    // Only non-streamed chat completions are checked; errors keep the server's own status and body.
    if (!res.ok || !/\/chat\/completions(?:\?|$)/.test(url) || /text\/event-stream/i.test(res.headers.get("content-type") ?? "")) return res;
    const text = await res.text();
    const problem = chatAnswerProblem(text, res.headers.get("content-type") ?? "");
    if (problem === undefined) return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
    const message = `the OpenAI-compatible server ${shown} answered HTTP ${res.status} with ${problem}`;
    return new Response(JSON.stringify({ error: { message, type: "farsight_bad_answer" } }), { status: 502, headers: { "content-type": "application/json" } });
  }) as typeof fetch;
}
