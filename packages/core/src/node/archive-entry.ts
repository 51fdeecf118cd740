/** One member of an archive, as its headers describe it. */
export interface ArchiveEntryInfo {
  /** The path as the archive names it (`/`-separated; directories end without `/`). */
  readonly path: string;
  readonly type: "file" | "directory" | "other";
  /** Uncompressed size in bytes. */
  readonly size: number;
}

/**
 * Called once per entry, in archive order. For a file, `content` yields its bytes exactly once; an entry the
 * callback does not read is skipped. The next entry is not read before the returned promise settles.
 */
export type EntryHandler = (entry: ArchiveEntryInfo, content: AsyncIterable<Buffer>) => Promise<void>;
