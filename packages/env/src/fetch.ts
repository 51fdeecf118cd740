/**
 * `farsight data fetch`: downloads datasets from their official URLs into a data directory, verifies
 * checksums, unpacks archives and records what was fetched in `<dir>/<name>/SOURCE.json`.
 *
 * Checksums: Coat's files are pinned (SHA-256 of the files this project's research verified); MovieLens
 * archives are checked against the `.md5` file GroupLens publishes beside each archive; KuaiRec and
 * KuaiRand have no pinned value here, so their SHA-256 is computed, printed and recorded (trust on first use).
 * `baseUrl` replaces every URL's directory (tests serve fixtures from 127.0.0.1; mirrors work the same way).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { FarsightError, redactText, redactUrl } from "@farsight/core";
import { readTar, readZip, type ArchiveEntry } from "./archive.js";

export interface Download {
  readonly url: string;
  readonly archive: "zip" | "tar.gz" | "file";
  /** Pinned checksum of the downloaded file. */
  readonly sha256?: string;
  /** URL of a published checksum file (`<md5>  name` or just the hex), fetched beside the download. */
  readonly md5Url?: string;
  /** Where a plain file goes, relative to the dataset folder (archives unpack into it). */
  readonly saveAs?: string;
}

export interface DatasetSource {
  readonly name: string;
  readonly description: string;
  readonly license: string;
  readonly downloads: readonly Download[];
  /** Pinned SHA-256 of files after unpacking, relative to the dataset folder. */
  readonly files?: Readonly<Record<string, string>>;
}

export const DATASET_SOURCES: readonly DatasetSource[] = [
  {
    name: "coat",
    description: "Coat shopping ratings (Schnabel et al., ICML 2016) + the pseudo-GT matrix EasyRL4Rec pays (BetsyHJ/RL4Rec)",
    license: "research use; cite Schnabel et al. 2016 (pseudo-GT: MIT, BetsyHJ/RL4Rec)",
    downloads: [
      { url: "https://www.cs.cornell.edu/~schnabts/mnar/coat.zip", archive: "zip" },
      { url: "https://raw.githubusercontent.com/BetsyHJ/RL4Rec/master/data/coat_pseudoGT_ratingM.ascii", archive: "file", saveAs: "coat_pseudoGT_ratingM.ascii" },
    ],
    files: {
      "train.ascii": "f9088c6e95fa9a42e8be6a92fc77252b95b969e34ed1299c611420da68680873",
      "test.ascii": "51fa28550f5bedebc6959d0e7b5e242b173c3c8d16317c7e49b89441304504ce",
      "coat_pseudoGT_ratingM.ascii": "fee71820f155a3f43ab50858734a23102c8328cf9bd0e586ed5a7db2fb084223",
      "user_item_features/item_features.ascii": "72b08cc0766d3e9899231aea90c815b5bb08e07dcfba569d5f182da649099f5a",
      "user_item_features/item_features_map.txt": "2675dfaa38b89a9cbb1997f0cfcd46ed7e0e366dc515d12d95508d1f356e5d25",
      "user_item_features/user_features.ascii": "593b59c63a3f983575d3a770b32158fdfa4e2e4f63aafffdee70d1600ff072f8",
      "user_item_features/user_features_map.txt": "3b8c825ad4445d4a46a400629c5fb43c805ff5a7982b2e436b69e7262c8a013a",
    },
  },
  {
    name: "movielens-100k",
    description: "MovieLens 100K (GroupLens); research use only, not redistributable",
    license: "GroupLens research licence: no redistribution; cite Harper & Konstan 2015",
    downloads: [{ url: "https://files.grouplens.org/datasets/movielens/ml-100k.zip", archive: "zip", md5Url: "https://files.grouplens.org/datasets/movielens/ml-100k.zip.md5" }],
  },
  {
    name: "movielens-1m",
    description: "MovieLens 1M (GroupLens); research use only, not redistributable",
    license: "GroupLens research licence: no redistribution; cite Harper & Konstan 2015",
    downloads: [{ url: "https://files.grouplens.org/datasets/movielens/ml-1m.zip", archive: "zip", md5Url: "https://files.grouplens.org/datasets/movielens/ml-1m.zip.md5" }],
  },
  {
    name: "kuairec",
    description: "KuaiRec 2.0 (Kuaishou), small and big matrices; about 0.4 GB zipped",
    license: "CC BY-SA 4.0",
    downloads: [{ url: "https://zenodo.org/records/18164998/files/KuaiRec.zip", archive: "zip" }],
  },
  {
    name: "kuairand-pure",
    description: "KuaiRand-Pure (Kuaishou): 184 MB logs + 10 MB features",
    license: "CC BY-SA 4.0",
    downloads: [{ url: "https://zenodo.org/records/10439422/files/KuaiRand-Pure.tar.gz", archive: "tar.gz" }],
  },
];

export interface FetchOptions {
  /** Root data directory; the dataset goes to `<dataDir>/<name>`. */
  readonly dataDir: string;
  /** Replaces the directory part of every URL (mirrors, tests). */
  readonly baseUrl?: string;
  /** Progress lines (to stderr in the CLI). */
  readonly log?: (line: string) => void;
  readonly fetchImpl?: typeof fetch;
}

export interface FetchResult {
  readonly name: string;
  readonly dir: string;
  readonly files: readonly string[];
  /** SHA-256 of every download, by URL. */
  readonly sha256: Readonly<Record<string, string>>;
  /** Downloads whose checksum could only be recorded, not verified. */
  readonly unverified: readonly string[];
}

const hex = (algo: "sha256" | "md5", data: Buffer) => createHash(algo).update(data).digest("hex");

function rebase(url: string, baseUrl: string | undefined): string {
  if (!baseUrl) return url;
  // A query (a signed mirror's token) stays after the file name: `https://m/d?token=t` -> `https://m/d/f.zip?token=t`.
  const q = baseUrl.search(/[?#]/);
  const [dir, query] = q < 0 ? [baseUrl, ""] : [baseUrl.slice(0, q), baseUrl.slice(q)];
  return `${dir.replace(/\/+$/, "")}/${url.slice(url.lastIndexOf("/") + 1)}${query}`;
}

async function get(url: string, f: typeof fetch): Promise<Buffer> {
  let res: Response;
  try {
    res = await f(url, { redirect: "follow" });
  } catch (err) {
    throw new FarsightError("env/download-failed", `download of ${redactUrl(url)} failed: ${redactText((err as Error).message)}`, { url: redactUrl(url) }, { cause: err });
  }
  if (!res.ok) throw new FarsightError("env/download-failed", `download of ${redactUrl(url)} failed: HTTP ${res.status}`, { url: redactUrl(url), status: res.status });
  return Buffer.from(await res.arrayBuffer());
}

/**
 * Drops a top folder shared by every entry (`ml-100k/u.data` -> `u.data`). Path safety is checked on the
 * result (see {@link safeEntryPath}), so a stripped `top/../x` cannot turn into `../x` unnoticed.
 */
function flatten(entries: ArchiveEntry[]): ArchiveEntry[] {
  const tops = new Set(entries.map((e) => (e.path.includes("/") ? e.path.slice(0, e.path.indexOf("/")) : "")));
  if (tops.size !== 1 || tops.has("")) return entries;
  const top = [...tops][0]!.length + 1;
  return entries.map((e) => ({ path: e.path.slice(top), data: e.data }));
}

/**
 * The absolute path an archive entry unpacks to under `root`, or an error. Refused: absolute paths, drive
 * letters, backslashes, NUL, empty, `.` and `..` segments; and, as the last guard, anything that does not
 * resolve strictly inside `root`.
 */
export function safeEntryPath(root: string, entry: string, what: string): string {
  const unsafe = (why: string) => new FarsightError("env/bad-archive", `${what}: unsafe path "${entry}" in archive (${why}); nothing was written`, { archive: what, entry });
  if (entry === "" || entry.includes("\0")) throw unsafe("empty or NUL");
  if (entry.includes("\\")) throw unsafe("backslash");
  if (entry.startsWith("/") || /^[A-Za-z]:/.test(entry)) throw unsafe("absolute");
  const segments = entry.split("/");
  if (segments.some((seg) => seg === ".." || seg === "." || seg === "")) throw unsafe("`..`, `.` or empty segment");
  const base = resolve(root);
  const target = resolve(base, entry);
  if (!target.startsWith(base + sep)) throw unsafe(`resolves outside ${base}`);
  return target;
}

/** Downloads, verifies and unpacks one dataset. */
export async function fetchDataset(source: DatasetSource, o: FetchOptions): Promise<FetchResult> {
  const f = o.fetchImpl ?? fetch;
  const log = o.log ?? (() => {});
  const dir = join(o.dataDir, source.name);
  if (existsSync(dir)) {
    throw new FarsightError("env/already-fetched", `${dir} already exists; remove it (or pass another data directory) to fetch ${source.name} again`, { dir });
  }
  mkdirSync(o.dataDir, { recursive: true });
  // Everything unpacks into a hidden sibling folder that is renamed into place only after every checksum
  // and path check passed: a failed fetch leaves no folder that `data list` or a loader would take as the dataset.
  const staging = mkdtempSync(join(o.dataDir, `.${source.name}.partial-`));
  try {
    const result = await download(source, o, f, log, staging);
    renameSync(staging, dir);
    return { ...result, dir };
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

async function download(source: DatasetSource, o: FetchOptions, f: typeof fetch, log: (line: string) => void, staging: string): Promise<Omit<FetchResult, "dir">> {
  const written: string[] = [];
  const sha: Record<string, string> = {};
  const unverified: string[] = [];
  for (const d of source.downloads) {
    const url = rebase(d.url, o.baseUrl);
    const shown = redactUrl(url);
    log(`fetching ${shown}`);
    const data = await get(url, f);
    sha[shown] = hex("sha256", data);
    if (d.sha256 && sha[shown] !== d.sha256) {
      throw new FarsightError("env/checksum-mismatch", `${shown}: SHA-256 ${sha[shown]} does not match the pinned ${d.sha256}`, { url: shown });
    }
    if (d.md5Url) {
      const md5Url = rebase(d.md5Url, o.baseUrl);
      const expected = (await get(md5Url, f)).toString("utf8").match(/[0-9a-f]{32}/i)?.[0]?.toLowerCase();
      if (!expected) throw new FarsightError("env/checksum-mismatch", `${redactUrl(md5Url)}: no MD5 value in the checksum file`, { url: redactUrl(md5Url) });
      const got = hex("md5", data);
      if (got !== expected) throw new FarsightError("env/checksum-mismatch", `${shown}: MD5 ${got} does not match ${expected} published at ${redactUrl(md5Url)}`, { url: shown });
    } else if (!d.sha256 && !source.files) unverified.push(shown);
    const raw: ArchiveEntry[] =
      d.archive === "zip" ? readZip(data, shown) : d.archive === "tar.gz" ? readTar(data, true, shown) : [{ path: d.saveAs ?? url.slice(url.lastIndexOf("/") + 1).replace(/[?#].*$/, ""), data }];
    // Every path is checked as the archive names it and again after its top folder is stripped (a shared
    // top folder ".." must not be stripped into safety either), before the first byte is written.
    for (const e of raw) safeEntryPath(staging, e.path, shown);
    const entries = d.archive === "file" ? raw : flatten(raw);
    const targets = entries.map((e) => safeEntryPath(staging, e.path, shown));
    entries.forEach((e, k) => {
      if (source.files?.[e.path] && hex("sha256", e.data) !== source.files[e.path]) {
        throw new FarsightError("env/checksum-mismatch", `${shown}: ${e.path} has SHA-256 ${hex("sha256", e.data)}, expected ${source.files[e.path]}`, { url: shown, file: e.path });
      }
      mkdirSync(dirname(targets[k]!), { recursive: true });
      writeFileSync(targets[k]!, e.data);
      written.push(e.path);
    });
  }
  for (const path of Object.keys(source.files ?? {})) {
    if (!written.includes(path)) throw new FarsightError("env/checksum-mismatch", `${source.name}: expected file ${path} was not in the downloads`, { file: path });
  }
  for (const u of unverified) log(`warning: no published checksum pinned for ${u}; recorded SHA-256 ${sha[u]} in SOURCE.json`);
  writeFileSync(join(staging, "SOURCE.json"), JSON.stringify({ name: source.name, license: source.license, sha256: sha, unverified, fetchedAt: new Date().toISOString() }, null, 2) + "\n");
  return { name: source.name, files: written, sha256: sha, unverified };
}
