/**
 * Answer budgets that fit the schema: the longest JSON a schema allows, in characters, and the token budget that
 * follows from it. A grammar-constrained answer can only be as long as its schema lets it be, so a budget derived
 * from the schema never cuts a valid answer (a fixed 256-token cap cut the BiLLP actor's answers mid-string), and a
 * short schema (a critic's integer) does not reserve hundreds of tokens.
 */

/** Longest free-text string assumed where a schema sets no `maxLength` (the grammar adds the same cap). */
export const DEFAULT_MAX_STRING = 300;
/** Longest list assumed where a schema sets no `maxItems` (the grammar adds the same cap to lists of scalars). */
export const DEFAULT_MAX_ITEMS = 32;
/**
 * Whitespace a grammar may put before an element: node-llama-cpp's own JSON-schema grammar allows a newline and the
 * indentation (or one space); the llama-cpp adapter's compact grammar one space. The larger is kept: a budget only
 * has to be long enough.
 */
const WHITESPACE = 4;
/** Upper bound of any schema-derived budget: an unbounded schema (free objects) gets this, not more. */
export const MAX_SCHEMA_TOKENS = 2048;

/**
 * The most characters a JSON value matching `schema` can take when written compactly: strings at their
 * `maxLength` (or {@link DEFAULT_MAX_STRING}), lists at `maxItems` (or {@link DEFAULT_MAX_ITEMS}), enums at their
 * longest value, every listed property present. Infinity for what has no bound (a free object or any value).
 */
export function maxJsonChars(schema: unknown, depth = 0): number {
  if (depth > 32 || !schema || typeof schema !== "object") return Infinity;
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.enum)) return Math.max(0, ...s.enum.map((v) => JSON.stringify(v).length));
  if ("const" in s) return JSON.stringify(s.const).length;
  const branches = (s.oneOf ?? s.anyOf) as unknown[] | undefined;
  if (Array.isArray(branches)) return Math.max(0, ...branches.map((b) => maxJsonChars(b, depth + 1)));
  const type = Array.isArray(s.type) ? s.type : [s.type];
  let most = 0;
  for (const t of type) {
    if (t === "string") {
      // Quotes, and an escape (\" or \n) costs two characters: count every character as possibly escaped by half.
      const n = typeof s.maxLength === "number" ? s.maxLength : DEFAULT_MAX_STRING;
      most = Math.max(most, Math.ceil(n * 1.5) + 2);
    } else if (t === "integer" || t === "number") most = Math.max(most, 24);
    else if (t === "boolean") most = Math.max(most, 5);
    else if (t === "null") most = Math.max(most, 4);
    else if (t === "array") {
      const n = typeof s.maxItems === "number" ? s.maxItems : DEFAULT_MAX_ITEMS;
      const item = maxJsonChars(s.items, depth + 1);
      most = Math.max(most, 2 + n * (item + 1 + WHITESPACE));
    } else if (t === "object" || (t === undefined && s.properties)) {
      const props = Object.entries((s.properties as Record<string, unknown>) ?? {});
      if (props.length === 0 || (s.additionalProperties !== false && s.additionalProperties !== undefined)) return Infinity;
      most = Math.max(most, 2 + props.reduce((n, [k, v]) => n + JSON.stringify(k).length + 2 + WHITESPACE + maxJsonChars(v, depth + 1), 0));
    } else return Infinity;
  }
  return most;
}

/**
 * Tokens to allow for an answer to `schema`: its longest compact JSON ({@link maxJsonChars}), one token per
 * character at worst (tokenizers merge characters, rarely split one ASCII character; the whitespace a grammar allows
 * between elements is counted in); at most `cap` ({@link MAX_SCHEMA_TOKENS}). `fallback` when the schema has no bound.
 */
export function schemaTokenBudget(schema: unknown, options: { cap?: number; fallback?: number } = {}): number {
  const cap = options.cap ?? MAX_SCHEMA_TOKENS;
  const chars = maxJsonChars(schema);
  if (!Number.isFinite(chars)) return Math.min(cap, options.fallback ?? cap);
  return Math.min(cap, chars + 32);
}
