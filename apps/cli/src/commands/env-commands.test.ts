import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadMovieLens100k } from "@farsight/env";
import { zipBytes } from "@farsight/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../command.js";
import { benchCommand } from "./bench.js";
import { dataCommand } from "./data.js";
import { evalCommand } from "./eval.js";

function capture(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [], err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), isTTY: false };
}

/** A ZIP with stored (uncompressed) entries, as the dataset pages serve them. */
function zip(files: Record<string, string>): Buffer {
  return zipBytes(Object.entries(files).map(([path, data]) => ({ path, data })), { method: 0 });
}

const genres = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
  "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"];
const items = Array.from({ length: 12 }, (_, i) => `${i + 1}|Movie ${i + 1}|01-Jan-1995||http://x|${genres.map((_g, g) => (g === 1 + (i % 4) ? 1 : 0)).join("|")}`);
const ratings: string[] = [];
for (let u = 1; u <= 8; u++) for (let i = 1; i <= 12; i++) if ((u + i) % 3 !== 0) ratings.push(`${u}\t${i}\t${1 + ((u * i) % 5)}\t${880000000 + u * 100 + i}`);
const archive = zip({
  "ml-100k/u.data": ratings.join("\n") + "\n",
  "ml-100k/u.item": items.join("\n") + "\n",
  "ml-100k/u.genre": genres.map((g, i) => `${g}|${i}`).join("\n") + "\n",
});

let server: Server;
let base = "";
let md5 = createHash("md5").update(archive).digest("hex");
const dir = mkdtempSync(join(tmpdir(), "farsight-cli-data-"));

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/ml-100k.zip") res.end(archive);
    else if (req.url === "/ml-100k.zip.md5") res.end(`MD5 (ml-100k.zip) = ${md5}\n`);
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe("farsight data fetch", () => {
  it("downloads, checks the published MD5, unpacks and records the source; the loader reads the result", async () => {
    const io = capture();
    expect(await dataCommand.run(["fetch", "movielens-100k", "--data-dir", dir, "--base-url", base, "--json"], io)).toBe(0);
    const result = JSON.parse(io.out.join(""));
    expect(result.files.sort()).toEqual(["u.data", "u.genre", "u.item"]);
    const ds = loadMovieLens100k(join(dir, "movielens-100k"));
    expect(ds.numUsers).toBe(8);
    expect(ds.catalog.numItems).toBe(12);
    const source = JSON.parse(readFileSync(join(dir, "movielens-100k", "SOURCE.json"), "utf8"));
    expect(source.sha256[`${base}/ml-100k.zip`]).toBe(createHash("sha256").update(archive).digest("hex"));
  });

  it("refuses a download whose checksum does not match, and reports HTTP errors with the URL", async () => {
    md5 = "0".repeat(32);
    const fresh = mkdtempSync(join(dir, "fresh-"));
    await expect(dataCommand.run(["fetch", "movielens-100k", "--data-dir", fresh, "--base-url", base], capture())).rejects.toThrow(/MD5 .* does not match 0{32}/);
    expect(readdirSync(fresh)).toEqual([]);
    const list = capture();
    expect(await dataCommand.run(["list", "--data-dir", fresh, "--json"], list)).toBe(0);
    expect(JSON.parse(list.out.join("")).datasets.find((d: { name: string }) => d.name === "movielens-100k").found).toBeNull();
    // The folder fetched above is not overwritten by a second fetch.
    await expect(dataCommand.run(["fetch", "movielens-100k", "--data-dir", dir, "--base-url", base], capture())).rejects.toThrow(/movielens-100k already exists; remove it/);
    await expect(dataCommand.run(["fetch", "movielens-1m", "--data-dir", dir, "--base-url", base], capture())).rejects.toThrow(/ml-1m\.zip failed: HTTP 404/);
    await expect(dataCommand.run(["fetch", "nope", "--data-dir", dir], capture())).rejects.toThrow(/unknown dataset "nope"/);
  });

  it("evaluates on the fetched data end to end (MF-completed ground truth, distance rule)", async () => {
    const io = capture();
    const code = await evalCommand.run(["--env", "movielens-100k", "--agent", "popularity", "--episodes", "50", "--seed", "1", "--data-dir", dir, "--json"], io);
    expect(code).toBe(0);
    const { metrics, config } = JSON.parse(io.out.join(""));
    expect(metrics.episodes).toBe(50);
    expect(metrics.len).toBeGreaterThanOrEqual(1);
    expect(config.rule).toBe("distance-window");
  });
});

describe("farsight eval / bench", () => {
  it("prints one JSON object with metrics (means and _std) and the config", async () => {
    const io = capture();
    expect(await evalCommand.run(["--env", "synthetic", "--agent", "random", "--episodes", "200", "--seed", "3", "--mode", "NX_10", "--json"], io)).toBe(0);
    expect(io.out).toHaveLength(1);
    const { metrics, config } = JSON.parse(io.out[0]!);
    expect(metrics.len).toBe(10);
    expect(metrics.len_std).toBe(0);
    expect(typeof metrics.r_traj_std).toBe("number");
    expect(config).toMatchObject({ env: "synthetic", agent: "random", episodes: 200, mode: "NX_10", seeds: [3] });
  });

  it("rejects unknown agents, presets and modes with usage errors", async () => {
    await expect(evalCommand.run(["--agent", "psychic"], capture())).rejects.toThrow(/unknown agent "psychic"; known: random/);
    await expect(evalCommand.run(["--env", "mars"], capture())).rejects.toThrow(/--env must be one of/);
    await expect(evalCommand.run(["--mode", "NX_5"], capture())).rejects.toThrow(/--mode must be one of FB, NX_0, NX_10/);
  });

  it("bench env reports user-steps per second for each batch size", async () => {
    const io = capture();
    expect(await benchCommand.run(["env", "--seconds", "0.05", "--presets", "synthetic", "--json"], io)).toBe(0);
    const r = JSON.parse(io.out.join(""));
    expect(r.results.map((x: { batch: number }) => x.batch)).toEqual([1, 64, 1024]);
    for (const x of r.results) expect(x.steps_per_sec).toBeGreaterThan(0);
    await expect(benchCommand.run(["nothing"], capture())).rejects.toThrow(/unknown target "nothing"/);
  });
});
