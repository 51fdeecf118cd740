import { FarsightError } from "@farsight/core";
import { describe, expect, it } from "vitest";
import { tinyContext } from "./fixtures.js";
import { createPpoPolicy, Discriminator, initBackend } from "./index.js";

// This file must not call initBackend before the first test: it checks what a user who forgot it sees.
describe("a policy created before initBackend()", () => {
  it("fails with a FarsightError that names initBackend, not TF.js's internal message", () => {
    let error: unknown;
    try {
      createPpoPolicy(tinyContext());
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FarsightError);
    expect((error as FarsightError).code).toBe("rl-policy/backend-not-initialised");
    expect((error as Error).message).toMatch(/await initBackend\(\)/);
    expect(() => new Discriminator()).toThrow(/initBackend/);
  });

  it("works once initBackend() has run", async () => {
    await initBackend();
    const policy = createPpoPolicy(tinyContext());
    expect(policy.kind).toBeDefined();
    policy.dispose();
  });
});
