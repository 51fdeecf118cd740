/**
 * One place that removes secrets from text before it is written or printed (config.json, report.html, logs,
 * error messages): the user-info part of URLs (`http://user:pass@host` -> `http://***@host`) and the values
 * of query parameters whose name says they hold a secret (`?api_key=...`, `&token=...`). The rest of the text
 * is left byte-for-byte as it was, so a redacted spec still names the host, path and model.
 */

/** Query-parameter names whose values are secrets (matched case-insensitively, `_` and `-` ignored). */
const SECRET_PARAM = /^(?:.*(?:key|token|secret|password|passwd|pwd|credential|signature).*|auth|authorization|sig|code)$/i;

/** A URL inside free text: a scheme, `://` and everything up to whitespace, a quote or a bracket. */
const URL_IN_TEXT = /\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'<>`]+/g;

/** The mark that replaces a secret. */
export const REDACTED = "***";

/** Redacts one URL (or a string holding one, such as a model spec `openai-compatible:http://u:p@h/v1#m`). */
export function redactUrl(url: string): string {
  return url.replace(URL_IN_TEXT, redactOne);
}

function redactOne(url: string): string {
  const scheme = url.indexOf("://") + 3;
  // The authority ends at the first "/", "?" or "#"; an "@" inside it separates the user info.
  const rest = url.slice(scheme);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf("@");
  let out = at < 0 ? url : `${url.slice(0, scheme)}${REDACTED}${url.slice(scheme + at)}`;
  out = out.replace(/([?&;])([^=&#;\s]+)=([^&#;\s]*)/g, (m, sepChar: string, name: string, value: string) =>
    value !== "" && value !== REDACTED && SECRET_PARAM.test(name.replace(/[-_]/g, "")) ? `${sepChar}${name}=${REDACTED}` : m,
  );
  return out;
}

/** Redacts every URL in a text (log lines, error messages, HTML). */
export function redactText(text: string): string {
  return text.replace(URL_IN_TEXT, redactOne);
}

/** A deep copy of a JSON-like value with every string redacted (configs before they are written). */
export function redactDeep<T>(value: T): T {
  if (typeof value === "string") return redactText(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}
