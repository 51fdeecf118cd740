import type { CliIO } from "./command.js";

/** A {@link CliIO} that collects what a command prints: for tests that call `main()` or a command in process. */
export function captureIO(isTTY = false): CliIO & { out: string; err: string } {
  const io = { out: "", err: "", isTTY } as CliIO & { out: string; err: string };
  (io as { stdout: CliIO["stdout"] }).stdout = (t) => void (io.out += t);
  (io as { stderr: CliIO["stderr"] }).stderr = (t) => void (io.err += t);
  return io;
}
