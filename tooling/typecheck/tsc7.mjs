#!/usr/bin/env node
// `tsc7`: TypeScript 7's compiler under a name of its own, so that it can sit beside TypeScript 5.9's `tsc` (the
// consumer check's 5.9 and `npx tsc` stay 5.9). Runs the native compiler as TypeScript 7's own `tsc` script does.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

const pkg = createRequire(import.meta.url).resolve("typescript7/package.json");
await import(pathToFileURL(join(dirname(pkg), "bin", "tsc")).href);
