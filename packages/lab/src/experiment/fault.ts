/**
 * Fault injection for the kill tests: with FARSIGHT_FAULT="<point>:<n>" the process kills itself with SIGKILL
 * the n-th time it passes `<point>` (a real death: no exit handler, no flush, no finally). Points are named
 * where a death is worst for a run directory. Unset, as it is outside tests, a point costs one comparison.
 */
const target = parse(process.env["FARSIGHT_FAULT"]);
let passed = 0;

function parse(spec: string | undefined): { point: string; n: number } | undefined {
  const m = spec?.match(/^([a-z-]+):(\d+)$/);
  return m ? { point: m[1]!, n: Number(m[2]) } : undefined;
}

/** Where a kill test may stop the process: `farsight run lerl`'s points are listed in its test; `run ilrec` has `ilrec-seed` (the start of each seed). */
export function faultPoint(point: string): void {
  if (target?.point === point && ++passed === target.n) process.kill(process.pid, "SIGKILL");
}
