/** Result of pulling one JSON value out of a model's free-text answer. */
export type ExtractedJson = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Finds the JSON value in a model answer. Models without native structured output wrap JSON in code fences,
 * add prose before or after it, or think aloud in <think> tags; we try, in order: the whole answer, each
 * fenced block, then each balanced {...} / [...] span (string-aware), and return the first that parses.
 */
export function extractJson(answer: string): ExtractedJson {
  const text = answer.replace(/<think>[\s\S]*?<\/think>/gi, "").trim();
  if (text === "") return { ok: false, error: "the answer is empty" };
  const candidates: string[] = [text];
  for (const m of text.matchAll(/```[a-zA-Z0-9_-]*\s*\n?([\s\S]*?)```/g)) candidates.push(m[1]!.trim());
  candidates.push(...balancedSpans(text, 8));
  let firstError: string | undefined;
  for (const candidate of candidates) {
    try {
      return { ok: true, value: JSON.parse(candidate) };
    } catch (err) {
      // Prefer the error of the most JSON-looking candidate: the first one that starts like JSON.
      if (firstError === undefined && /^[{[]/.test(candidate)) firstError = (err as Error).message;
    }
  }
  return { ok: false, error: firstError ?? "no JSON object or array found in the answer" };
}

/** Up to `limit` substrings that start with { or [ and end at the matching bracket, outside of strings. */
function balancedSpans(text: string, limit: number): string[] {
  const spans: string[] = [];
  for (let start = 0; start < text.length && spans.length < limit; start++) {
    const open = text[start];
    if (open !== "{" && open !== "[") continue;
    const end = matchingEnd(text, start);
    if (end < 0) {
      // Unbalanced (e.g. a truncated answer): keep the tail so its parse error is reported.
      spans.push(text.slice(start));
      break;
    }
    spans.push(text.slice(start, end + 1));
    start = end;
  }
  return spans;
}

function matchingEnd(text: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{") stack.push("}");
    else if (c === "[") stack.push("]");
    else if (c === "}" || c === "]") {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}
