import type { LabIO } from "@farsight/lab";
import type { CliIO } from "./command.js";

/**
 * The {@link LabIO} a command hands to @farsight/lab: progress on stdout (silent with `quiet`, e.g. under
 * --json, so stdout stays one object), warnings on stderr always. `progress: "stderr"` keeps stdout for tables.
 */
export function labIO(io: CliIO, o: { quiet?: boolean; progress?: "stdout" | "stderr" } = {}): LabIO {
  const write = o.progress === "stderr" ? io.stderr : io.stdout;
  return { write: o.quiet ? () => {} : (t) => write(t), warn: (t) => io.stderr(t), isTTY: o.quiet ? false : io.isTTY };
}
