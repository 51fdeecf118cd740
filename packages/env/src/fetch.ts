/**
 * `farsight data fetch`: downloads datasets from their official URLs into a data directory, verifies
 * checksums, unpacks archives and records what was fetched in `<dir>/<name>/SOURCE.json`.
 *
 * Checksums: Coat's files are pinned (SHA-256 of the files this project's research verified); MovieLens
 * archives are checked against the `.md5` file GroupLens publishes beside each archive; KuaiRec and
 * KuaiRand have no pinned value here, so their SHA-256 is computed, printed and recorded (trust on first use).
 * `baseUrl` replaces every URL's directory (tests serve fixtures from 127.0.0.1; mirrors work the same way).
 *
 * Everything streams: a download goes to `<dataDir>/.farsight-downloads/<name>--<file>.part` with progress lines
 * (bytes, rate, ETA), a broken connection is resumed with an HTTP Range request (a `.part` left by an
 * interrupted run is resumed by the next run), and archives are unpacked entry by entry from disk (see
 * ./archive.ts), so KuaiRec's ~0.4 GB archive is never held in memory.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FarsightError, redactText, redactUrl } from "@farsight/core";
import { checkOrdinaryPath, downloadFile, formatProgress } from "@farsight/core/node";
import { extractArchive, safeEntryPath } from "./archive.js";

export { safeEntryPath } from "./archive.js";

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
  /**
   * Files the dataset's loader needs, as paths relative to the dataset folder: `*` matches inside one folder
   * name, a leading `**` segment any folders above (none included). A download that lacks one is refused before
   * anything is installed (a MovieLens archive without u.item, or with two top folders so that u.item is not
   * at the top, would otherwise install and fail only when loaded).
   */
  readonly required?: readonly string[];
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
    required: ["u.data", "u.item"],
  },
  {
    name: "movielens-1m",
    description: "MovieLens 1M (GroupLens); research use only, not redistributable",
    license: "GroupLens research licence: no redistribution; cite Harper & Konstan 2015",
    downloads: [{ url: "https://files.grouplens.org/datasets/movielens/ml-1m.zip", archive: "zip", md5Url: "https://files.grouplens.org/datasets/movielens/ml-1m.zip.md5" }],
    required: ["movies.dat", "ratings.dat"],
  },
  {
    name: "kuairec",
    description: "KuaiRec 2.0 (Kuaishou), small and big matrices; about 0.4 GB zipped",
    license: "CC BY-SA 4.0",
    downloads: [{ url: "https://zenodo.org/records/18164998/files/KuaiRec.zip", archive: "zip" }],
    required: ["**/small_matrix.csv", "**/item_categories.csv"],
  },
  {
    name: "kuairand-pure",
    description: "KuaiRand-Pure (Kuaishou): 184 MB logs + 10 MB features",
    license: "CC BY-SA 4.0",
    downloads: [{ url: "https://zenodo.org/records/10439422/files/KuaiRand-Pure.tar.gz", archive: "tar.gz" }],
    required: ["**/log_standard_*_pure.csv", "**/video_features_basic_pure.csv"],
  },
];

export interface FetchOptions {
  /** Root data directory; the dataset goes to `<dataDir>/<name>`. */
  readonly dataDir: string;
  /** Replaces the directory part of every URL (mirrors, tests). */
  readonly baseUrl?: string;
  /** Progress lines (to stderr in the CLI). */
  readonly log?: (line: string) => void;
  /** Seconds between progress lines (bytes, rate, ETA). Default 2. */
  readonly progressEverySeconds?: number;
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

function rebase(url: string, baseUrl: string | undefined): string {
  if (!baseUrl) return url;
  // A query (a signed mirror's token) stays after the file name: `https://m/d?token=t` -> `https://m/d/f.zip?token=t`.
  const q = baseUrl.search(/[?#]/);
  const [dir, query] = q < 0 ? [baseUrl, ""] : [baseUrl.slice(0, q), baseUrl.slice(q)];
  return `${dir.replace(/\/+$/, "")}/${url.slice(url.lastIndexOf("/") + 1)}${query}`;
}

/** Downloads, verifies and unpacks one dataset. */
export async function fetchDataset(source: DatasetSource, o: FetchOptions): Promise<FetchResult> {
  const f = o.fetchImpl ?? fetch;
  const log = o.log ?? (() => {});
  const dir = join(o.dataDir, source.name);
  checkOrdinaryPath(o.dataDir, "directory", { what: "the data directory (--data-dir)" });
  checkOrdinaryPath(dir, "directory", { what: `the dataset folder of ${source.name}` });
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
  } finally {
    // The downloads folder stays only while it holds a `.part` to resume from.
    try {
      rmdirSync(downloadsDir(o.dataDir));
    } catch {
      // not empty (a partial download to resume) or already gone
    }
  }
}

/** The folder where downloads wait (and `.part` files stay for a resume) until they are unpacked. */
export const downloadsDir = (dataDir: string) => join(dataDir, ".farsight-downloads");

async function md5File(path: string): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function download(source: DatasetSource, o: FetchOptions, f: typeof fetch, log: (line: string) => void, staging: string): Promise<Omit<FetchResult, "dir">> {
  const written: string[] = [];
  const sha: Record<string, string> = {};
  const unverified: string[] = [];
  const parking = downloadsDir(o.dataDir);
  mkdirSync(parking, { recursive: true });
  for (const d of source.downloads) {
    const url = rebase(d.url, o.baseUrl);
    const shown = redactUrl(url);
    const fileName = url.slice(url.lastIndexOf("/") + 1).replace(/[?#].*$/, "");
    // One stable name per dataset and file, so an interrupted fetch resumes from its `.part` next time.
    const local = join(parking, `${source.name}--${fileName}`);
    log(`fetching ${shown}`);
    const got = await downloadFile(url, local, {
      fetchImpl: f,
      ...(d.sha256 ? { sha256: d.sha256 } : {}),
      log,
      progressIntervalMs: (o.progressEverySeconds ?? 2) * 1000,
      onProgress: (p) => log(formatProgress(fileName, p)),
    }).catch((err: unknown) => {
      if (err instanceof FarsightError && err.code === "core/download-checksum-mismatch") throw new FarsightError("env/checksum-mismatch", err.message, err.context);
      if (err instanceof FarsightError && err.code === "core/download-failed") throw new FarsightError("env/download-failed", err.message, err.context, { cause: err });
      throw err;
    });
    sha[shown] = got.sha256;
    try {
      if (d.md5Url) {
        const md5Url = rebase(d.md5Url, o.baseUrl);
        const res = await f(md5Url, { redirect: "follow" }).catch((err: Error) => {
          throw new FarsightError("env/download-failed", `download of ${redactUrl(md5Url)} failed: ${redactText(err.message)}`, { url: redactUrl(md5Url) }, { cause: err });
        });
        if (!res.ok) throw new FarsightError("env/download-failed", `download of ${redactUrl(md5Url)} failed: HTTP ${res.status}`, { url: redactUrl(md5Url), status: res.status });
        const expected = (await res.text()).match(/[0-9a-f]{32}/i)?.[0]?.toLowerCase();
        if (!expected) throw new FarsightError("env/checksum-mismatch", `${redactUrl(md5Url)}: no MD5 value in the checksum file`, { url: redactUrl(md5Url) });
        const md5 = await md5File(local);
        if (md5 !== expected) throw new FarsightError("env/checksum-mismatch", `${shown}: MD5 ${md5} does not match ${expected} published at ${redactUrl(md5Url)}`, { url: shown });
      } else if (!d.sha256 && !source.files) unverified.push(shown);
      if (d.archive === "file") {
        const path = d.saveAs ?? fileName;
        const target = safeEntryPath(staging, path, shown);
        const want = source.files?.[path];
        if (want && got.sha256 !== want) throw new FarsightError("env/checksum-mismatch", `${shown}: ${path} has SHA-256 ${got.sha256}, expected ${want}`, { url: shown, file: path });
        mkdirSync(join(target, ".."), { recursive: true });
        renameSync(local, target);
        written.push(path);
      } else {
        log(`unpacking ${fileName}`);
        const files = await extractArchive(local, staging, { kind: d.archive, what: shown, ...(source.files ? { expected: source.files } : {}), log });
        written.push(...files.map((x) => x.path));
      }
    } finally {
      // A complete download is not kept: the unpacked folder is what a loader reads.
      rmSync(local, { force: true });
    }
  }
  for (const path of Object.keys(source.files ?? {})) {
    if (!written.includes(path)) throw new FarsightError("env/checksum-mismatch", `${source.name}: expected file ${path} was not in the downloads`, { file: path });
  }
  checkRequired(source, written);
  for (const u of unverified) log(`warning: no published checksum pinned for ${u}; recorded SHA-256 ${sha[u]} in SOURCE.json`);
  writeFileSync(join(staging, "SOURCE.json"), JSON.stringify({ name: source.name, license: source.license, sha256: sha, unverified, fetchedAt: new Date().toISOString() }, null, 2) + "\n");
  return { name: source.name, files: written, sha256: sha, unverified };
}

/** Refuses a download that lacks a file the loader needs (see {@link DatasetSource.required}); it is still in staging. */
function checkRequired(source: DatasetSource, written: readonly string[]): void {
  const missing = (source.required ?? []).filter((pattern) => !written.some((path) => globMatch(pattern, path)));
  if (missing.length === 0) return;
  const shown = written.length > 8 ? `${written.slice(0, 8).join(", ")} and ${written.length - 8} more` : written.join(", ") || "no files";
  throw new FarsightError(
    "env/bad-archive",
    `${source.name}: the download lacks ${missing.join(", ")}, which the loader needs (it holds ${shown}); nothing was installed. ` +
      `The archive is damaged or not the published one (a mirror with another layout?): fetch it again from the official URL.`,
    { name: source.name, missing },
  );
}

/** `*` matches inside one path segment; a leading `**` segment matches any folders above (none included). */
export function globMatch(pattern: string, path: string): boolean {
  const anyDepth = pattern.startsWith("**/");
  const body = (anyDepth ? pattern.slice(3) : pattern).split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*");
  return new RegExp(`^${anyDepth ? "(?:.*/)?" : ""}${body}$`).test(path);
}
