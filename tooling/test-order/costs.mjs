#!/usr/bin/env node
/**
 * Per-file test cost from a vitest JSON report (the one .ci/run writes to .ci/out/vitest.json): prints the files
 * longest first, and with --write stores those of a second or more in tooling/test-order/costs.json, the order the
 * suite's sequencer (tooling/test-order/sequencer.ts) starts them in.
 *
 *   node tooling/test-order/costs.mjs .ci/out/vitest.json [--top 20] [--write]
 *
 * A file's figure is its tests' time in the worker (vitest's startTime..endTime, without its imports), measured
 * beside the other worker: a relative cost for ordering, not a speed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const args = process.argv.slice(2);
const report = args.find((a) => !a.startsWith("--") && !/^\d+$/.test(a));
if (!report) throw new Error("usage: node tooling/test-order/costs.mjs <vitest JSON report> [--top N] [--write]");
const top = args.includes("--top") ? Number(args[args.indexOf("--top") + 1]) : 20;
const r = JSON.parse(readFileSync(report, "utf8"));
// The report names files by absolute path on the machine that ran it: keep the part from the repository's folders.
const local = (name) => {
  const m = /(?:^|\/)((?:packages|apps|examples|tooling)\/.*)$/.exec(name);
  return m ? m[1] : relative(ROOT, name);
};
const files = r.testResults
  .map((f) => ({ file: local(f.name), seconds: Math.round((f.endTime - f.startTime) / 100) / 10, tests: f.assertionResults.length }))
  .sort((a, b) => b.seconds - a.seconds);
const total = files.reduce((s, f) => s + f.seconds, 0);
console.log(`${files.length} files, ${total.toFixed(0)} s of tests in the workers (imports not included)`);
for (const f of files.slice(0, top)) console.log(`${f.seconds.toFixed(1).padStart(7)} s  ${String(f.tests).padStart(3)} tests  ${f.file}`);
if (args.includes("--write")) {
  const costs = Object.fromEntries(files.filter((f) => f.seconds >= 1).map((f) => [f.file, f.seconds]));
  writeFileSync(join(ROOT, "tooling", "test-order", "costs.json"), `${JSON.stringify(costs, null, 2)}\n`);
  console.log(`wrote tooling/test-order/costs.json (${Object.keys(costs).length} files of 1 s or more)`);
}
