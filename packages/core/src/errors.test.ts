import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FARSIGHT_ERROR_CODES, FarsightError, type FarsightErrorCode } from "./index.js";

const ROOT = new URL("../../../", import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "node_modules" || name === "dist" ? [] : sources(path);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

describe("error codes", () => {
  it("are one union, spelled <package>/<kebab-case>, each with a one-line meaning", () => {
    const codes = Object.keys(FARSIGHT_ERROR_CODES) as FarsightErrorCode[];
    const packages = new Set(["core", "env", "llm", "planner", "reflector", "llm-actor", "critic", "rl-policy", "graph", "lab", "cli", "server"]);
    expect(codes.filter((c) => !/^[a-z][a-z-]*\/[a-z0-9]+(-[a-z0-9]+)*$/.test(c) || !packages.has(c.split("/")[0]!))).toEqual([]);
    expect(Object.entries(FARSIGHT_ERROR_CODES).filter(([, meaning]) => meaning.length < 10 || meaning.includes("\n"))).toEqual([]);
    const err = new FarsightError("env/missing-data", "dataset not found", { name: "coat" });
    expect(err.code).toBe("env/missing-data");
    // A code outside the union does not compile (checked by `tsc -p tsconfig.check.json`, which reads this file).
    // @ts-expect-error: "env-missing-data" is not a FarsightErrorCode
    expect(new FarsightError("env-missing-data", "x").code).toBe("env-missing-data");
  });

  it("every code thrown in the packages and the CLI is in the union, and every code in the union is thrown", () => {
    const files = ["packages", "apps"].flatMap((top) => readdirSync(join(ROOT, top)).map((d) => join(ROOT, top, d, "src"))).flatMap(sources);
    const thrown = new Set<string>();
    for (const file of files) for (const m of readFileSync(file, "utf8").matchAll(/(?:new (?:FarsightError|LlmRunError)\(\s*"([^"]+)"|super\(\s*"([a-z-]+\/[^"]+)"|new HttpError\(\s*\d+,\s*"([^"]+)")/g)) thrown.add((m[1] ?? m[2] ?? m[3])!);
    expect([...thrown].filter((c) => !(c in FARSIGHT_ERROR_CODES))).toEqual([]);
    expect(Object.keys(FARSIGHT_ERROR_CODES).filter((c) => !thrown.has(c))).toEqual([]);
  });

  it("the core README lists every code with its meaning", () => {
    const readme = readFileSync(join(ROOT, "packages/core/README.md"), "utf8");
    const rows = [...readme.matchAll(/^\| `([^`]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
    expect(Object.fromEntries(rows.filter(([code]) => code!.includes("/")))).toEqual(FARSIGHT_ERROR_CODES);
  });
});
