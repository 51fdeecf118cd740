import { describe, expect, it } from "vitest";
import { FarsightError, importWithPeers } from "./index.js";

describe("importWithPeers", () => {
  it("turns Node's not-found error for a listed peer into core/peer-missing with the install line", async () => {
    // A real module-not-found error from Node, for a package that does not exist.
    const load = () => import("@farsight/not-a-package-" + "for-this-test");
    const err = await importWithPeers("@farsight/demo/llm", ["@farsight/not-a-package-for-this-test", "zod"], load).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FarsightError);
    expect((err as FarsightError).code).toBe("core/peer-missing");
    expect((err as FarsightError).message).toBe(
      "@farsight/demo/llm needs @farsight/not-a-package-for-this-test, an optional peer that is not installed: npm install @farsight/not-a-package-for-this-test zod",
    );
    expect((err as FarsightError).context).toMatchObject({ entry: "@farsight/demo/llm", package: "@farsight/not-a-package-for-this-test" });
  });

  it("rethrows a not-found error for a package that is not a listed peer, and any other failure, unchanged", async () => {
    const notFound = await importWithPeers("x", ["zod"], () => import("@farsight/not-a-package-" + "at-all")).catch((e: unknown) => e);
    expect(notFound).not.toBeInstanceOf(FarsightError);
    expect((notFound as { code?: string }).code).toBe("ERR_MODULE_NOT_FOUND");
    const boom = new Error("boom");
    await expect(importWithPeers("x", ["zod"], () => Promise.reject(boom))).rejects.toBe(boom);
  });

  it("returns what the loader returns when every peer is there", async () => {
    await expect(importWithPeers("x", ["zod"], async () => ({ ok: 1 }))).resolves.toEqual({ ok: 1 });
  });
});
