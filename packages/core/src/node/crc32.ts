import * as zlib from "node:zlib";

const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** Table CRC-32 (ISO-HDLC, as ZIP uses) for Node versions before zlib.crc32 (20.15). */
function crc32Js(crc: number, data: Buffer): number {
  let c = ~crc;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const native = (zlib as { crc32?: (data: Buffer, value?: number) => number }).crc32;

/** Continues a CRC-32 over `data` (start with 0); zlib's native one where Node has it. */
export function crc32Update(crc: number, data: Buffer): number {
  return native ? native(data, crc >>> 0) : crc32Js(crc, data);
}
