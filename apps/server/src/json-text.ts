/**
 * JSON text of answers that reuses text already written. A served session's values hold its `steps`, a list
 * that grows by one step per slate and is sent whole in every answer: serialising it again on every answer
 * was the largest single cost of the answer after the database. The session log (session-log.ts) knows each
 * list as the previous one plus one step, so it keeps the list's text beside it (`withJsonText`), built by
 * appending the new step's text, and an answer's serialisation (`jsonText`) writes that text instead of
 * walking the list again. The text is the same, byte for byte, as `JSON.stringify` gives.
 */

/** Text kept per array or object (by identity: a value registered here is never changed afterwards). */
const texts = new WeakMap<object, string>();

/** Registers `text` as the JSON text of `value` (which must not change after this) and returns `value`. */
export function withJsonText<T extends object>(value: T, text: string): T {
  texts.set(value, text);
  return value;
}

/** The JSON text registered for `value`, if any. */
export function jsonTextOf(value: object): string | undefined {
  return texts.get(value);
}

/**
 * `JSON.stringify(value)`, using registered text for `value` itself or for any value of its own top-level
 * keys (one level deep: where answers hold their long lists).
 */
export function jsonText(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const kept = texts.get(value);
  if (kept !== undefined) return kept;
  if (Array.isArray(value) || typeof (value as { toJSON?: unknown }).toJSON === "function") return JSON.stringify(value);
  let out = "";
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    const text = v !== null && typeof v === "object" ? (texts.get(v) ?? JSON.stringify(v)) : JSON.stringify(v);
    // As JSON.stringify: a key whose value has no JSON form (undefined, a function, a symbol) is left out.
    if (text === undefined) continue;
    out += `${out ? "," : "{"}${JSON.stringify(key)}:${text}`;
  }
  return out ? `${out}}` : "{}";
}

/**
 * `[...list, item]`, with its JSON text registered when `list`'s is known (or `list` is empty): the new text
 * is the old one with the item's appended, so a list that grows by one is never serialised whole again.
 */
export function appendWithText<T>(list: readonly T[], item: T): readonly T[] {
  const next = [...list, item];
  const before = list.length === 0 ? "[]" : texts.get(list);
  if (before === undefined) return next;
  const itemText = JSON.stringify(item) ?? "null";
  return withJsonText(next, before === "[]" ? `[${itemText}]` : `${before.slice(0, -1)},${itemText}]`);
}
