// Types of what check.test.ts imports from check.mjs (the check itself is plain JavaScript, run with node).
export function readmePeerRanges(): Record<string, string>;
export function peerRangeMismatches(): string[];
