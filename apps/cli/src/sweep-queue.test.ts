import { FarsightError } from "@farsight/core";
import { describe, expect, it } from "vitest";
import { loadSweepQueue } from "./sweep-queue.js";

describe("the optional @farsight/sweep-postgres peer", () => {
  it("is loaded when installed (the workspace has it)", async () => {
    expect(typeof (await loadSweepQueue()).enqueueSweep).toBe("function");
  });

  it("missing: cli/sweep-queue-missing naming the package to install; any other load failure is thrown as it is", async () => {
    const missing = Object.assign(new Error("Cannot find package '@farsight/sweep-postgres'"), { code: "ERR_MODULE_NOT_FOUND" });
    const err = await loadSweepQueue(() => Promise.reject(missing)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FarsightError);
    expect((err as FarsightError).code).toBe("cli/sweep-queue-missing");
    expect((err as Error).message).toMatch(/npm install @farsight\/sweep-postgres/);
    const broken = new SyntaxError("Unexpected token in pg-boss");
    await expect(loadSweepQueue(() => Promise.reject(broken))).rejects.toBe(broken);
  });
});
