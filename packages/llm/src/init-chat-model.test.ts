import { describe, expect, it } from "vitest";
import { initChatModel } from "./clients.js";
import { FarsightError } from "@farsight/core";

/** A loader for a project that did not install the optional `langchain` peer. */
const withoutLangchain = async (specifier: string) => (specifier.startsWith("langchain") ? null : import(specifier));

/** The provider client behind a model (`initChatModel` of langchain wraps it in a ConfigurableModel). */
async function client(model: unknown): Promise<Record<string, unknown>> {
  const m = model as { _getModelInstance?: () => Promise<Record<string, unknown>> } & Record<string, unknown>;
  return m._getModelInstance ? await m._getModelInstance() : m;
}

describe("initChatModel with and without the optional langchain peer", () => {
  const cases = [
    { model: "gpt-4o-mini", fields: { modelProvider: "openai" as const, apiKey: "k", temperature: 0, maxRetries: 0 }, cls: "ChatOpenAI", keys: ["model", "temperature", "maxRetries"] },
    { model: "llama3.1", fields: { modelProvider: "ollama" as const, baseUrl: "http://127.0.0.1:1", temperature: 0, maxRetries: 0 }, cls: "ChatOllama", keys: ["model", "baseUrl", "temperature"] },
  ];
  for (const c of cases) {
    it(`builds the same ${c.cls} either way`, async () => {
      const viaLangchain = await client(await initChatModel(c.model, c.fields));
      const direct = await client(await initChatModel(c.model, c.fields, withoutLangchain));
      expect(viaLangchain.constructor.name).toBe(c.cls);
      expect(direct.constructor.name).toBe(c.cls);
      for (const k of c.keys) expect(direct[k], `${c.cls}.${k}`).toEqual(viaLangchain[k]);
    });
  }
});

describe("a provider package that is not installed", () => {
  it("fails with llm/provider-missing naming the package to install, not a TypeError", async () => {
    const nothing = async () => null;
    for (const [provider, pkg] of [["openai", "@langchain/openai"], ["ollama", "@langchain/ollama"]] as const) {
      const err = await initChatModel("m", { modelProvider: provider }, nothing).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FarsightError);
      expect((err as FarsightError).code).toBe("llm/provider-missing");
      expect((err as Error).message).toContain(`npm install ${pkg}`);
    }
  });
});
