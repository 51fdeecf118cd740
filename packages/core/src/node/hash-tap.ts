import { createHash } from "node:crypto";
import { Transform } from "node:stream";

/**
 * A pass-through stream that hashes (sha256) and counts the bytes flowing through it: a download and an
 * extraction check what they wrote without reading the file a second time.
 */
export function sha256Tap(onBytes?: (bytes: number) => void): { readonly stream: Transform; readonly bytes: number; digest(): string } {
  const hash = createHash("sha256");
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      onBytes?.(bytes);
      done(null, chunk);
    },
  });
  return {
    stream,
    get bytes() {
      return bytes;
    },
    digest: () => hash.digest("hex"),
  };
}
