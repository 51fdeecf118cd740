/**
 * The base of every error Farsight throws on purpose: `code` is stable for programs, `message` tells a
 * person what went wrong and what to change, `context` carries the values that explain it.
 */
export class FarsightError extends Error {
  readonly code: string;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FarsightError";
    this.code = code;
    this.context = context;
  }
}
