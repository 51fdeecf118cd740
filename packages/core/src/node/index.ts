/**
 * `@farsight/core/node`: the Node-only part of core (node: built-ins and yauzl), kept out of the main
 * entry so that `@farsight/core` stays platform-neutral and dependency-free. Streamed downloads (progress,
 * HTTP Range resume, SHA-256) and streamed ZIP reading (yauzl, ZIP64, CRC-checked), shared by @farsight/env's
 * dataset fetch and @farsight/llm's model fetch. Tar reading lives in @farsight/env, its only user.
 */
export { downloadFile, formatProgress, partialPath, type DownloadFileOptions, type DownloadProgress, type DownloadResult } from "./download.js";
export type { ArchiveEntryInfo, EntryHandler } from "./archive-entry.js";
export { extractZipEntry, openZipEntry, readZipDirectory, readZipFile, type ZipEntry } from "./zip.js";
export { sha256Tap } from "./hash-tap.js";
export { crc32Update } from "./crc32.js";
export { checkOrdinaryPath, describeKind, isSpecialPath, SPECIAL_ROOTS, type OrdinaryPathOptions } from "./ordinary-path.js";
