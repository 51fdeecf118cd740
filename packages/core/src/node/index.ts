/**
 * `@farsight/core/node`: the Node-only part of core (node: built-ins, no dependency), kept out of the main
 * entry so that `@farsight/core` stays platform-neutral. Streamed downloads (progress, HTTP Range resume,
 * SHA-256) and streamed archive reading (ZIP with ZIP64, tar/tar.gz with pax), shared by @farsight/env's
 * dataset fetch and @farsight/llm's model fetch.
 */
export { downloadFile, formatProgress, partialPath, type DownloadFileOptions, type DownloadProgress, type DownloadResult } from "./download.js";
export { readTarFile, readTarStream, type ArchiveEntryInfo, type EntryHandler } from "./tar.js";
export { extractZipEntry, openZipEntry, readZipDirectory, readZipFile, type ZipEntry } from "./zip.js";
export { sha256Tap } from "./hash-tap.js";
export { crc32Update } from "./crc32.js";
export { checkOrdinaryPath, describeKind, isSpecialPath, SPECIAL_ROOTS, type OrdinaryPathOptions } from "./ordinary-path.js";
