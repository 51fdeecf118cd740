/** A user error: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Codes of @farsight/lab's errors that are the caller's choice (an unknown planner, a directory that cannot
 * hold the run): the CLI answers them as usage errors, the message alone and exit code 2. Listed here rather
 * than imported, so `farsight --help` never loads the experiment layer.
 */
export const USAGE_ERROR_CODES: ReadonlySet<string> = new Set(["lab/bad-option", "lab/run-dir-busy", "lab/run-dir-refused", "core/special-path", "lab/run-dir-outside", "lab/run-dir-not-regular", "lab/report-overwrite"]);

/** A usage error, or a lab error whose code says the caller chose wrongly. */
export function isUsageError(err: unknown): err is Error {
  if (err instanceof UsageError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === "string" && USAGE_ERROR_CODES.has(code);
}
