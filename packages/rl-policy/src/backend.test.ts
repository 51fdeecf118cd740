import { FarsightError } from "@farsight/core";
import { describe, expect, it } from "vitest";
import { tinyContext } from "./fixtures.js";
import { createPpoPolicy, Discriminator, initBackend } from "./tf.js";

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

describe("backend choice", () => {
  it("tries tfjs-node first, says why it was skipped when it is not installed, and honours FARSIGHT_TF_BACKEND", async () => {
    const report = await initBackend(["tensorflow", "wasm", "cpu"]);
    // This repository does not install the optional @tensorflow/tfjs-node peer: the report names the skip.
    expect(report.skipped[0]).toMatchObject({ backend: "tensorflow", reason: "@tensorflow/tfjs-node not installed" });
    expect(report.backend).toBe("wasm");
    expect(report.summary).toMatch(/^TF\.js backend: wasm \(tensorflow skipped: @tensorflow\/tfjs-node not installed\)$/);
    process.env["FARSIGHT_TF_BACKEND"] = "cpu";
    try {
      expect((await initBackend()).backend).toBe("cpu");
    } finally {
      delete process.env["FARSIGHT_TF_BACKEND"];
    }
    expect((await initBackend(["wasm"])).backend).toBe("wasm");
  });
});
