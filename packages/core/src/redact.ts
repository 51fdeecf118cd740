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

/** Names whose values are secrets (query parameters, environment variables), `_` and `-` ignored. */
const SECRET_NAME = /key|token|secret|password|passwd|pwd|credential|signature|^auth(orization)?$|^sig$/i;
/** Shorter values are not taken as secrets (they would redact ordinary words). */
const MIN_SECRET = 6;

type Env = Readonly<Record<string, string | undefined>>;
const processEnv = (): Env => (globalThis as { process?: { env?: Env } }).process?.env ?? {};

/** Base64 of a text's UTF-8 bytes (what an HTTP client puts after `Basic `), without Node's Buffer. */
function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * The secrets of model specs (or any text holding URLs) and of an environment: URL passwords, the Basic
 * header value a client builds from the user info, values of secret-named query parameters, and values of
 * secret-named environment variables (`OPENAI_API_KEY`...). Values shorter than 6 characters are left out.
 */
export function secretsOf(texts: readonly string[], env: Env = processEnv()): string[] {
  const out = new Set<string>();
  for (const text of texts) {
    for (const [raw] of text.matchAll(/\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'<>`#]+/g)) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        continue;
      }
      if (url.password) {
        const [user, password] = [decodeURIComponent(url.username), decodeURIComponent(url.password)];
        out.add(password).add(url.password).add(base64(`${user}:${password}`));
      }
      for (const [name, value] of url.searchParams) if (value && SECRET_NAME.test(name.replace(/[-_]/g, ""))) out.add(value);
    }
  }
  for (const [name, value] of Object.entries(env)) if (value && isSecretVariable(name, value)) out.add(value);
  return [...out].filter((s) => s.length >= MIN_SECRET);
}

/**
 * Whether an environment variable holds a secret: its name says so (`OPENAI_API_KEY`, `HF_TOKEN`), except the
 * shell's working directories (`PWD` matches "pwd") and values that are absolute paths (a credentials *file*
 * such as `GOOGLE_APPLICATION_CREDENTIALS`): redacting those would blank every path under them.
 */
function isSecretVariable(name: string, value: string): boolean {
  if (name === "PWD" || name === "OLDPWD" || value.startsWith("/")) return false;
  return SECRET_NAME.test(name.replace(/[-_]/g, ""));
}

/** A function that redacts a text: by shape ({@link redactText}), then every given secret wherever it appears. */
export function redactorOf(secrets: readonly string[]): (text: string) => string {
  // Longest first: a secret that contains another is removed whole.
  const known = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = redactText(text);
    for (const s of known) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  };
}

/** A copy of a JSON value with every string (keys too) passed through `redact`. */
export function redactJson(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactJson(v, redact));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactJson(v, redact)]));
  return value;
}

/** Secrets of the specs this process was given (see {@link registerSecrets}). */
const registered = new Set<string>();

/**
 * Makes the secrets of these texts (model specs, URLs) known to {@link redactForWrite}: a run calls it with
 * its `--llm` spec before it writes anything, so a password or key is removed even where it appears alone
 * (a model's answer quoting it, a Basic header in an error message).
 */
export function registerSecrets(texts: readonly string[]): void {
  for (const s of secretsOf(texts, {})) registered.add(s);
}

/**
 * The one redaction step at the write boundary of runs: every text a run writes (run-directory files, the
 * report, checkpointed pools) passes through it. It removes what {@link redactText} finds by shape, every
 * registered secret and the values of the environment's secret-named variables (read at each call, so a key
 * set later is covered too).
 */
export function redactForWrite(text: string): string {
  return redactorOf([...registered, ...secretsOf([], processEnv())])(text);
}
