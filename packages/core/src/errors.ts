import type { FarsightErrorCode } from "./error-codes.js";

/**
 * The base of every error Farsight throws on purpose: `code` is stable for programs (one of
 * {@link FarsightErrorCode}, listed with their meanings in `FARSIGHT_ERROR_CODES`), `message` tells a person
 * what went wrong and what to change, `context` carries the values that explain it.
 */
export class FarsightError extends Error {
  readonly code: FarsightErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: FarsightErrorCode, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FarsightError";
    this.code = code;
    this.context = context;
  }
}
