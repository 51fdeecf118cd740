#!/usr/bin/env node
/**
 * The consumer check: Farsight as a user outside the monorepo gets it. Packs every public package (pnpm pack
 * turns `workspace:*` into versions), installs the tarballs with plain npm into fresh projects in a temporary
 * folder, and checks:
 *   - footprint: each install's size against its budget, and no native compile where none is promised;
 *   - types: every README snippet marked runnable (a ```ts runnable block) and every example in examples/
 *     type-check against the installed packages with `skipLibCheck: false`, with TypeScript 5.9 and the current
 *     7.x, no error at all with either, and no TF.js declaration reached under 7.x (see TF_DECLARATIONS); an
 *     example that imports `@farsight/core` alone type-checks with core alone installed;
 *   - behaviour: each compiled snippet and example runs to completion under Node; a ```ts runnable vitest
 *     block is a test file (conformance suites register vitest tests) and passes under `vitest run`.
 * Registry dependencies come from npm's cache when it has them (`--prefer-offline`), else from the registry; the
 * CLI's better-sqlite3 addon from the workspace's own build when it matches (see localPrebuilds).
 *
 *   node tooling/consumer/check.mjs [--keep] [--json <file>] [--only footprint]
 *
 * Prints one table and exits 1 when any check fails. Run after `pnpm build`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PNPM = ["-y", "pnpm@10.34.9"];
const MB = 1024 * 1024;

/** What a consumer installs, and what it may cost. Sizes are the installed node_modules (file bytes). */
export const SCENARIOS = [
  { name: "core + env (no learned models)", packages: ["@farsight/core", "@farsight/env"], maxMB: 5, native: false },
  // A non-LLM user of the planners, or someone implementing `Planner`: the LLM planners' peers (@farsight/llm,
  // @langchain/core, zod) are optional, so none of them is installed (the check below asserts that, and the error).
  { name: "core + planner (non-LLM planners, no LangChain)", packages: ["@farsight/core", "@farsight/planner"], maxMB: 5, native: false, absent: ["@farsight/llm", "@langchain/core", "zod"] },
  // The provider a user of hosted models adds (an optional peer of @farsight/llm, at the range llm accepts).
  { name: "core + llm + planner + one provider (@langchain/openai)", packages: ["@farsight/core", "@farsight/llm", "@farsight/planner"], peers: [["@farsight/llm", "@langchain/openai"]], maxMB: 60, native: false },
  // 150 MB until 2026-12-06; +5 for the maintained archive readers issue 28 asked for (node-tar 3.1 MB with its
  // dependencies, yauzl 0.1 MB) when the CLI measured 146-148 MB: 150.9 MB with them.
  { name: "cli (every package, TF.js)", packages: ["@farsight/cli"], maxMB: 155, native: true },
];

/** The peers every package names at one range, stated in the root README's table (`| \`name\` | \`range\` |`). */
const SHARED_PEERS = ["@langchain/core", "zod", "@langchain/langgraph"];

/** The README's range of each shared peer. */
export function readmePeerRanges() {
  const ranges = {};
  for (const m of readFileSync(join(ROOT, "README.md"), "utf8").matchAll(/^\| `(@?[a-z/@.-]+)` \| `([^`]+)` \|$/gm)) {
    if (SHARED_PEERS.includes(m[1])) ranges[m[1]] = m[2];
  }
  return ranges;
}

/**
 * Where a package.json (any public or private workspace package: dependencies, devDependencies, peerDependencies)
 * names a shared peer at another range than the README states, as "package field name: range (README: range)".
 */
export function peerRangeMismatches() {
  const stated = readmePeerRanges();
  const out = SHARED_PEERS.filter((n) => !stated[n]).map((n) => `README.md states no range for ${n}`);
  const dirs = ["packages", "apps"].flatMap((p) => readdirSync(join(ROOT, p)).map((d) => join(ROOT, p, d))).concat(join(ROOT, "examples"));
  for (const dir of dirs) {
    const file = join(dir, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8"));
    for (const field of ["dependencies", "devDependencies", "peerDependencies"]) {
      for (const name of SHARED_PEERS) {
        const range = pkg[field]?.[name];
        if (range !== undefined && stated[name] && range !== stated[name]) out.push(`${pkg.name} ${field} ${name}: ${range} (README: ${stated[name]})`);
      }
    }
  }
  return out;
}

/**
 * A project pinned at the lowest @langchain/core the packages accept (the floor of the README's range): it
 * type-checks and runs a planner with a chat model of the user's own (LangChain's FakeListChatModel), the case that
 * broke with a second copy of core.
 */
const LOWEST_LANGCHAIN_CORE = (readmePeerRanges()["@langchain/core"] ?? "").replace(/^[\^~]/, "");
const LOWEST_SOURCE = `import { FakeListChatModel } from "@langchain/core/utils/testing";
import { createCatalog } from "@farsight/core";
import { LlmStats } from "@farsight/llm";
import { buildPlanRequest } from "@farsight/planner";
import { LlmCategoryPlanner } from "@farsight/planner/llm";

const catalog = createCatalog({ itemCategories: [[0], [1], [2], [0]], categoryNames: ["jazz", "pop", "news"] });
const model = new FakeListChatModel({ responses: ['{"categories": [0, 2]}'] }); // the user's own model, their core copy
const stats = new LlmStats();
const planner = new LlmCategoryPlanner({ model, stats, seed: 0 });
const observation = { sessionId: "s", userId: 0, step: 0, history: [], returnSoFar: 0 };
const [plan] = await planner.plan([buildPlanRequest(observation, { catalog, reflections: [] })]);
if (!plan || plan.source.kind !== "llm") throw new Error(\`the plan did not come from the user's model: \${JSON.stringify(plan)}\`);
console.log("plan", plan.categories.join(","), "from", plan.source.by);
`;

/**
 * Run in the core + planner install: a non-LLM planner plans, and importing "@farsight/planner/llm" fails with
 * `core/peer-missing` naming the missing peer and the install line.
 */
const PLANNER_WITHOUT_LLM = `import { createCatalog } from "@farsight/core";
import { buildPlanRequest, SaturationAwarePlanner } from "@farsight/planner";
const catalog = createCatalog({ itemCategories: [[0], [1], [2]], categoryNames: ["a", "b", "c"] });
const observation = { sessionId: "s", userId: 0, step: 0, history: [], returnSoFar: 0 };
const [plan] = await new SaturationAwarePlanner({ seed: 0 }).plan([buildPlanRequest(observation, { catalog, reflections: [] })]);
if (!plan?.categories.length) throw new Error("no plan");
const err = await import("@farsight/planner/llm").then(() => null, (e) => e);
if (err?.code !== "core/peer-missing" || !/npm install @farsight\\/llm @langchain\\/core zod/.test(err.message)) throw new Error(\`expected core/peer-missing, got \${err?.code}: \${err?.message}\`);
console.log("plan", plan.categories.join(","), "from", plan.source.kind + ";", "@farsight/planner/llm:", err.message);
`;

/** Installed next to the CLI scenario to compile and run the snippets and examples (not counted in its size). */
const TOOLING = ["typescript@5.9.3", "@types/node@^20.19.0"];

/**
 * TypeScript 7 (the native compiler; `npm install typescript` gives it since 2026), installed in a folder of its own and
 * run as `node <folder>/node_modules/typescript/bin/tsc`. Since TypeScript 6 `types` defaults to `[]`, so a Node
 * project lists `"types": ["node"]`, as the configuration below does.
 */
const TS7 = "typescript@7";
/**
 * TF.js 4.22's own declarations do not type-check under TypeScript 7 with `skipLibCheck: false` (the globals `Long`
 * and `EmscriptenModule` of @types packages 7.x no longer loads by default; `@webgpu/types` clashes with 7.x's
 * lib.dom: 182 errors with 7.0.2), and a compiler checks every .d.ts a program reaches. So no public declaration
 * may reach them: `@farsight/rl-policy/tf` shows tensors through its own structural types (its src/tensor-view.ts)
 * and the packages above it name only those. The 7.x run lists its files, and any of these in the list fails.
 */
const TF_DECLARATIONS = /node_modules\/(@tensorflow\/|@webgpu\/types\/|@types\/(long|emscripten|offscreencanvas|seedrandom)\/)/;

/** `{ errors, tfFiles }`: the `error TS` lines of a tsc run with --listFiles, and the TF.js declaration files it read. */
function tscReport(output) {
  const lines = output.split("\n");
  return { errors: lines.filter((l) => /error TS\d+/.test(l)), tfFiles: lines.filter((l) => !/error TS\d+/.test(l) && TF_DECLARATIONS.test(l.trim())) };
}

/** The `@farsight/*` entries a source file imports (`@farsight/rl-policy`, `@farsight/rl-policy/tf`, ...). */
function farsightImports(code) {
  return [...new Set([...code.matchAll(/from\s+"(@farsight\/[a-z-]+(?:\/[a-z-]+)?)"/g)].map((m) => m[1]))];
}

function parseArgs(argv) {
  const out = { keep: false, json: null, only: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--keep") out.keep = true;
    else if (argv[i] === "--json") out.json = argv[++i];
    else if (argv[i] === "--only") out.only = argv[++i];
    else throw new Error(`consumer-check: unknown argument ${argv[i]}`);
  }
  return out;
}

function run(cmd, args, cwd, what) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" }, maxBuffer: 64 * MB });
  if (r.status !== 0) throw new Error(`${what} failed (${cmd} ${args.join(" ")} in ${cwd}):\n${(r.stdout + r.stderr).trim().split("\n").slice(-30).join("\n")}`);
  return r.stdout;
}

/** Every public package of the workspace: name -> folder. */
export function publicPackages() {
  const out = new Map();
  for (const parent of ["packages", "apps"]) {
    for (const d of readdirSync(join(ROOT, parent))) {
      const file = join(ROOT, parent, d, "package.json");
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, "utf8"));
      if (!pkg.private) out.set(pkg.name, join(ROOT, parent, d));
    }
  }
  return out;
}

/** Every import specifier the public packages export (`@farsight/core`, `@farsight/core/node`, ...). */
export function publicEntries(packages = publicPackages()) {
  const out = [];
  for (const [name, dir] of packages) {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    for (const key of Object.keys(pkg.exports ?? { ".": null })) if (key !== "./package.json") out.push(name + key.slice(1));
  }
  return out;
}

/** A source importing the types of every entry (type-only: the file is compiled, never run). */
function everyEntrySource(entries) {
  const imports = entries.map((e, i) => `import type * as entry${i} from "${e}";`);
  return `// Every public entry, for the compilers: each one's declarations are type-checked with skipLibCheck false.\n${imports.join("\n")}\nexport type Entries = [${entries.map((_, i) => `typeof entry${i}`).join(", ")}];\n`;
}

/** The workspace packages `name` needs, itself included (through dependencies and non-optional peers). */
function closure(name, packages) {
  const seen = new Set();
  const visit = (n) => {
    if (seen.has(n) || !packages.has(n)) return;
    seen.add(n);
    const pkg = JSON.parse(readFileSync(join(packages.get(n), "package.json"), "utf8"));
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep);
  };
  visit(name);
  return [...seen];
}

function dirBytes(dir) {
  let total = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += statSync(p).size;
    }
  };
  if (existsSync(dir)) walk(dir);
  return total;
}

/** The `n` largest packages of an install, as "name size" (what a budget is spent on). */
function largestPackages(nodeModules, n) {
  const sizes = [];
  for (const e of existsSync(nodeModules) ? readdirSync(nodeModules, { withFileTypes: true }) : []) {
    if (!e.isDirectory() || e.name.startsWith(".")) continue;
    const names = e.name.startsWith("@") ? readdirSync(join(nodeModules, e.name)).map((d) => `${e.name}/${d}`) : [e.name];
    for (const name of names) sizes.push([name, dirBytes(join(nodeModules, name))]);
  }
  return sizes.sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, b]) => `${name} ${(b / MB).toFixed(1)}`).join(", ");
}

/**
 * Bytes of what a native compile leaves besides its addon (object files, dependency lists, makefiles under a
 * package's build/): present only where the prebuilt binary could not be downloaded and the package was
 * compiled from source, as on machines without access to GitHub's release downloads.
 */
function compileLeftovers(nodeModules) {
  let total = 0;
  const sumExceptAddons = (d, top) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) sumExceptAddons(p, false);
      else if (e.isFile() && !(top && e.name.endsWith(".node"))) total += statSync(p).size;
    }
  };
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const p = join(d, e.name);
      // node-gyp's output folder: build/config.gypi beside build/Release/<addon>.node.
      if (e.name === "build" && existsSync(join(p, "config.gypi"))) {
        for (const f of readdirSync(p, { withFileTypes: true })) {
          const q = join(p, f.name);
          if (f.isDirectory()) sumExceptAddons(q, f.name === "Release");
          else total += statSync(q).size;
        }
      } else walk(p);
    }
  };
  if (existsSync(nodeModules)) walk(nodeModules);
  return total;
}

/** Native addons built or downloaded at install (`*.node` files), as paths relative to node_modules. */
function nativeAddons(nodeModules) {
  const found = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".node")) found.push(relative(nodeModules, p));
    }
  };
  if (existsSync(nodeModules)) walk(nodeModules);
  return found;
}

/** ```ts runnable blocks of every README and doc, with where they come from and what runs them (node or vitest). */
export function runnableSnippets() {
  const files = [join(ROOT, "README.md"), ...["packages", "apps"].flatMap((p) => readdirSync(join(ROOT, p)).map((d) => join(ROOT, p, d, "README.md"))), ...readdirSync(join(ROOT, "docs")).map((f) => join(ROOT, "docs", f))];
  const out = [];
  for (const file of files.filter((f) => existsSync(f) && f.endsWith(".md"))) {
    const lines = readFileSync(file, "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      const m = /^```ts\s+runnable(?:\s+(vitest))?\s*$/.exec(lines[i]);
      if (!m) continue;
      const end = lines.indexOf("```", i + 1);
      if (end < 0) throw new Error(`${relative(ROOT, file)}:${i + 1}: unterminated runnable snippet`);
      out.push({ from: `${relative(ROOT, file)}:${i + 1}`, code: lines.slice(i + 1, end).join("\n"), runner: m[1] ?? "node" });
      i = end;
    }
  }
  return out;
}

/**
 * npm-installs into `dir`: the tarballs (named in package.json as file: dependencies, so a later install in the
 * same folder keeps them whatever npm's `save` setting) and `extra` registry specs.
 */
function install(dir, tarballs, extra = []) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "package.json");
  const pkg = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : { name: `consumer-${basename(dir)}`, private: true, type: "module", dependencies: {} };
  for (const t of tarballs) pkg.dependencies[JSON.parse(execFileSync("tar", ["-xOzf", t, "package/package.json"], { encoding: "utf8" })).name] = `file:${t}`;
  writeFileSync(file, JSON.stringify(pkg, null, 2));
  const started = Date.now();
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...extra], dir, `npm install in ${basename(dir)}`);
  return Date.now() - started;
}

const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(0)} s in`;

/**
 * better-sqlite3 (the run-directory store of the CLI and the server) ships prebuilt addons on GitHub, which CI
 * machines cannot reach: there npm compiled SQLite from source for the CLI scenario, about 90 s of the check. The
 * workspace's install holds the addon of the same version for this Node; packed as a prebuilt tarball in a folder
 * that prebuild-install reads (`local-prebuilds`, set in the scenario's .prebuild-installrc), the CLI's install
 * unpacks it and loads it, as a user's install does with the downloaded one. The footprint is the same either way
 * (compile intermediates are not counted). Another version, platform or Node finds no matching file there and
 * compiles as before. Returns the folder, or null when the workspace has no built addon.
 */
function localPrebuilds(dir) {
  let pkgFile;
  try {
    pkgFile = createRequire(join(ROOT, "apps", "cli", "package.json")).resolve("better-sqlite3/package.json");
  } catch {
    return null;
  }
  const pkgDir = dirname(pkgFile);
  if (!existsSync(join(pkgDir, "build", "Release", "better_sqlite3.node"))) return null;
  const { version } = JSON.parse(readFileSync(pkgFile, "utf8"));
  mkdirSync(dir, { recursive: true });
  // prebuild-install's name for a glibc Linux / macOS / Windows build: name-vVERSION-node-vABI-PLATFORM-ARCH.tar.gz.
  const file = join(dir, `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`);
  execFileSync("tar", ["-czf", file, "-C", pkgDir, "build/Release/better_sqlite3.node"]);
  return dir;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), "farsight-consumer-"));
  const started = Date.now();
  const results = [];
  const fail = (check, detail) => results.push({ check, ok: false, detail });
  const pass = (check, detail) => results.push({ check, ok: true, detail });
  try {
    const packages = publicPackages();
    const tgzDir = join(work, "tgz");
    mkdirSync(tgzDir);
    // One recursive pack (one pnpm start instead of one per package); pnpm names each tarball scope-name-version.tgz.
    const filters = [...packages.values()].flatMap((dir) => ["--filter", `./${relative(ROOT, dir)}`]);
    run("npx", [...PNPM, "-r", ...filters, "pack", "--pack-destination", tgzDir], ROOT, "pnpm pack of the public packages");
    const tarball = new Map();
    for (const [name, dir] of packages) {
      const file = join(tgzDir, `${name.replace(/^@/, "").replace("/", "-")}-${JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version}.tgz`);
      if (!existsSync(file)) throw new Error(`pnpm pack made no ${basename(file)} for ${name} (in ${tgzDir}: ${readdirSync(tgzDir).join(", ")})`);
      tarball.set(name, file);
    }
    process.stderr.write(`consumer-check: packed ${packages.size} packages into ${tgzDir} (${seconds(started)})\n`);
    const prebuilds = localPrebuilds(join(work, "prebuilds"));
    const mismatches = peerRangeMismatches();
    (mismatches.length === 0 ? pass : fail)("peer ranges: every package.json at the README's ranges", mismatches.length ? mismatches.join("\n") : SHARED_PEERS.map((n) => `${n} ${readmePeerRanges()[n]}`).join(", "));

    for (const s of SCENARIOS) {
      const dir = join(work, s.name.replace(/[^a-z]+/gi, "-").replace(/-+$/, ""));
      const needed = [...new Set(s.packages.flatMap((p) => closure(p, packages)))];
      const peers = (s.peers ?? []).map(([from, name]) => `${name}@${JSON.parse(readFileSync(join(packages.get(from), "package.json"), "utf8")).peerDependencies[name]}`);
      if (prebuilds) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, ".prebuild-installrc"), `local-prebuilds=${prebuilds}\n`);
      }
      const ms = install(dir, needed.map((p) => tarball.get(p)), peers);
      const bytes = dirBytes(join(dir, "node_modules"));
      const leftovers = compileLeftovers(join(dir, "node_modules"));
      const addons = nativeAddons(join(dir, "node_modules")).filter((a) => !a.includes("obj.target"));
      // The budget is for what a user installs: without the intermediates of a compile from source (a user
      // with internet access gets the prebuilt addon instead). Both figures are printed.
      const sizeOk = bytes - leftovers <= s.maxMB * MB;
      const nativeOk = s.native || addons.length === 0;
      const compiled = leftovers > 0 ? ` (${(leftovers / MB).toFixed(1)} MB of it compile intermediates: ${((bytes - leftovers) / MB).toFixed(1)} MB without them)` : "";
      const present = (s.absent ?? []).filter((p) => existsSync(join(dir, "node_modules", p)));
      const detail = `${(bytes / MB).toFixed(1)} MB${compiled}, budget ${s.maxMB} MB; largest: ${largestPackages(join(dir, "node_modules"), 4)}; native addons: ${addons.length ? addons.join(", ") : "none"}${present.length ? `; installed although optional: ${present.join(", ")}` : ""}; install ${(ms / 1000).toFixed(1)}s`;
      (sizeOk && nativeOk && present.length === 0 ? pass : fail)(`footprint: ${s.name}`, detail);
      process.stderr.write(`consumer-check: footprint of ${s.name} (${seconds(started)})\n`);
      s.dir = dir;
    }

    // Without its optional peers, @farsight/planner's main entry loads and "@farsight/planner/llm" says what to install.
    const plannerOnly = SCENARIOS.find((s) => s.absent?.includes("@farsight/llm"));
    const probe = spawnSync(process.execPath, ["--input-type=module", "-e", PLANNER_WITHOUT_LLM], { cwd: plannerOnly.dir, encoding: "utf8", timeout: 60_000 });
    (probe.status === 0 ? pass : fail)(`runs: @farsight/planner without its LLM peers (${plannerOnly.name})`, (probe.stdout + probe.stderr).trim().split("\n").slice(-8).join("\n"));

    if (args.only !== "footprint") {
      // The lowest supported @langchain/core: the user's own model passes the planner's types and runs.
      const low = join(work, "lowest-langchain-core");
      install(low, [...new Set(["@farsight/core", "@farsight/llm", "@farsight/planner"].flatMap((p) => closure(p, packages)))].map((p) => tarball.get(p)), [`@langchain/core@${LOWEST_LANGCHAIN_CORE}`, ...TOOLING]);
      const installed = JSON.parse(readFileSync(join(low, "node_modules", "@langchain", "core", "package.json"), "utf8")).version;
      mkdirSync(join(low, "src"));
      writeFileSync(join(low, "src", "planner.ts"), LOWEST_SOURCE);
      writeFileSync(join(low, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: false, outDir: "dist", rootDir: "src" }, include: ["src"] }));
      const lowTsc = spawnSync("npx", ["tsc", "-p", "."], { cwd: low, encoding: "utf8" });
      const lowRun = lowTsc.status === 0 ? spawnSync(process.execPath, [join(low, "dist", "planner.js")], { cwd: low, encoding: "utf8", timeout: 120_000 }) : null;
      const lowCopies = new Set(spawnSync("npm", ["ls", "@langchain/core", "--all", "--parseable"], { cwd: low, encoding: "utf8" }).stdout.trim().split("\n").filter((l) => l.endsWith(join("@langchain", "core")))).size;
      const lowOk = installed === LOWEST_LANGCHAIN_CORE && lowTsc.status === 0 && lowRun?.status === 0 && lowCopies === 1;
      (lowOk ? pass : fail)(
        `lowest @langchain/core (${LOWEST_LANGCHAIN_CORE}): your own chat model in LlmCategoryPlanner`,
        lowOk ? `one copy of @langchain/core ${installed}; ${lowRun.stdout.trim()}` : `installed ${installed}, copies ${lowCopies}\n${(lowTsc.stdout + lowTsc.stderr + (lowRun ? lowRun.stdout + lowRun.stderr : "")).trim().split("\n").slice(0, 30).join("\n")}`,
      );

      const cli = SCENARIOS[SCENARIOS.length - 1].dir;
      // What a user composing graphs installs beside the CLI's packages: LangGraph itself, tooling to compile, and
      // @farsight/testing with vitest for the snippets that test a component; @farsight/sweep-postgres (the CLI's
      // optional peer) so that every public package is there for the entry check below.
      install(cli, [tarball.get("@farsight/testing"), tarball.get("@farsight/sweep-postgres")], [...TOOLING, `@langchain/langgraph@${readmePeerRanges()["@langchain/langgraph"]}`, "vitest@~4.1.0"]);
      const src = join(cli, "src");
      mkdirSync(src);
      const sources = [];
      // Every entry of every public package, imported by one file both compilers check (and nothing runs), so
      // that the declarations of entries no example uses (the CLI's, the server's, ...) are checked too.
      const entries = publicEntries(packages);
      writeFileSync(join(src, "every-entry.ts"), everyEntrySource(entries));
      for (const f of readdirSync(join(ROOT, "examples")).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
        cpSync(join(ROOT, "examples", f), join(src, f));
        sources.push({ file: f, from: `examples/${f}` });
      }
      runnableSnippets().forEach((s, i) => {
        const file = s.runner === "vitest" ? `snippet-${i + 1}.test.ts` : `snippet-${i + 1}.ts`;
        writeFileSync(join(src, file), `// ${s.from}\n${s.code}\nexport {};\n`);
        sources.push({ file, from: s.from, runner: s.runner });
      });
      writeFileSync(
        join(cli, "tsconfig.json"),
        // A user's usual settings (TypeScript 5.9: every installed @types package visible).
        JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: false, outDir: "dist", rootDir: "src" }, include: ["src"] }, null, 2),
      );
      process.stderr.write(`consumer-check: lowest @langchain/core and the CLI's tooling installed (${seconds(started)})\n`);
      const tsc = spawnSync("npx", ["tsc", "-p", "."], { cwd: cli, encoding: "utf8" });
      process.stderr.write(`consumer-check: TypeScript 5.9 checked (${seconds(started)})\n`);
      const ts5 = JSON.parse(readFileSync(join(cli, "node_modules", "typescript", "package.json"), "utf8")).version;
      if (tsc.status === 0) pass(`types: examples and runnable snippets (TypeScript ${ts5}, skipLibCheck false)`, `${sources.length} files, and the ${entries.length} public entries`);
      else fail(`types: examples and runnable snippets (TypeScript ${ts5}, skipLibCheck false)`, (tsc.stdout + tsc.stderr).trim().split("\n").slice(0, 40).join("\n"));

      // TypeScript 7.x on the same sources and installed packages, with a Node project's 7.x configuration.
      const ts7dir = join(work, "typescript-7");
      install(ts7dir, [], [TS7]);
      const ts7 = JSON.parse(readFileSync(join(ts7dir, "node_modules", "typescript", "package.json"), "utf8")).version;
      const ts7bin = join(ts7dir, "node_modules", "typescript", "bin", "tsc");
      const ts7options = { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: false, types: ["node"], noEmit: true };
      writeFileSync(join(cli, "tsconfig.ts7.json"), JSON.stringify({ compilerOptions: ts7options, include: ["src"] }, null, 2));
      const allRun = spawnSync(process.execPath, [ts7bin, "-p", "tsconfig.ts7.json", "--listFiles"], { cwd: cli, encoding: "utf8" });
      const all = tscReport(allRun.stdout + allRun.stderr);
      // The sources on each TF.js-backed entry, named so that the line shows they were among those checked.
      const onEntry = (entry) => sources.filter((s) => farsightImports(readFileSync(join(src, s.file), "utf8")).includes(entry)).length;
      const tfBacked = ["@farsight/rl-policy", "@farsight/rl-policy/tf", "@farsight/graph", "@farsight/lab"].map((e) => `${e} ${onEntry(e)}`).join(", ");
      (allRun.status === 0 && all.errors.length === 0 ? pass : fail)(
        `types: TypeScript ${ts7}, every example, runnable snippet and public entry (skipLibCheck false)`,
        all.errors.length === 0 ? `${sources.length} files and the ${entries.length} public entries, no error; sources on ${tfBacked}` : `${all.errors.length} errors:\n${all.errors.slice(0, 30).join("\n")}`,
      );
      (allRun.status === 0 && all.tfFiles.length === 0 && onEntry("@farsight/rl-policy/tf") > 0 ? pass : fail)(
        `types: TypeScript ${ts7}, no TF.js declaration reached from any public declaration`,
        all.tfFiles.length === 0 ? `${allRun.stdout.split("\n").filter((l) => l.trim().endsWith(".d.ts")).length} declaration files read, none of @tensorflow/*, @webgpu/types or their @types` : all.tfFiles.slice(0, 20).join("\n"),
      );

      // Examples on @farsight/core and @farsight/env alone type-check in the core + env scenario, where nothing else is
      // installed, not even @types/node (`types: []`, 7.x's default): their declarations name no Node global either.
      const coreDir = SCENARIOS[0].dir;
      const lean = sources.filter((s) => s.from.startsWith("examples/") && (() => {
        const imports = farsightImports(readFileSync(join(src, s.file), "utf8"));
        return imports.length > 0 && imports.every((p) => SCENARIOS[0].packages.includes(p));
      })());
      mkdirSync(join(coreDir, "src"), { recursive: true });
      for (const s of lean) cpSync(join(src, s.file), join(coreDir, "src", s.file));
      writeFileSync(join(coreDir, "tsconfig.json"), JSON.stringify({ compilerOptions: { ...ts7options, types: [] }, include: ["src"] }, null, 2));
      const leanRun = spawnSync(process.execPath, [ts7bin, "-p", "."], { cwd: coreDir, encoding: "utf8" });
      (leanRun.status === 0 && lean.length > 0 ? pass : fail)(
        `types: TypeScript ${ts7}, examples on ${SCENARIOS[0].packages.join(" / ")} alone, with only those installed and types []`,
        leanRun.status === 0 ? lean.map((s) => s.from).join(", ") || "no such example" : (leanRun.stdout + leanRun.stderr).trim().split("\n").slice(0, 20).join("\n"),
      );
      process.stderr.write(`consumer-check: TypeScript 7 installed and checked (${seconds(started)})\n`);
      if (tsc.status === 0) {
        for (const s of sources) {
          const started = Date.now();
          const r = s.runner === "vitest"
            ? spawnSync("npx", ["vitest", "run", `src/${s.file}`], { cwd: cli, encoding: "utf8", timeout: 300_000 })
            : spawnSync(process.execPath, [join(cli, "dist", s.file.replace(/\.ts$/, ".js"))], { cwd: cli, encoding: "utf8", timeout: 300_000 });
          const detail = `${((Date.now() - started) / 1000).toFixed(1)}s`;
          if (r.status === 0) pass(`runs: ${s.from}`, detail);
          else fail(`runs: ${s.from}`, `${detail}, exit ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split("\n").slice(-8).join("\n")}`);
        }
      }
    }
  } catch (err) {
    fail("consumer check", err instanceof Error ? err.message : String(err));
  } finally {
    if (!args.keep) rmSync(work, { recursive: true, force: true });
    else process.stderr.write(`consumer-check: kept ${work}\n`);
  }
  for (const r of results) console.log(`${r.ok ? "ok  " : "FAIL"} ${r.check}: ${r.detail}`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`consumer check: ${results.length - failed} passed, ${failed} failed`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ results, scenarios: SCENARIOS.map(({ dir: _d, ...s }) => s) }, null, 2));
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
