import { describe, expect, it } from "vitest";
import { maxJsonChars, schemaTokenBudget, MAX_SCHEMA_TOKENS } from "./budget.js";

describe("schema-derived answer budgets", () => {
  it("bounds every valid answer: enums by their longest value, lists by maxItems, strings by maxLength", () => {
    const plan = {
      type: "object",
      properties: { categories: { type: "array", items: { type: "integer", enum: [0, 3, 12] }, minItems: 1, maxItems: 3 }, rationale: { type: "string", maxLength: 20 } },
      required: ["categories", "rationale"],
      additionalProperties: false,
    };
    // The longest compact answer must fit: three two-digit ids and a 20-character rationale of escapable characters.
    const longest = JSON.stringify({ categories: [12, 12, 12], rationale: '"'.repeat(10) });
    expect(maxJsonChars(plan)).toBeGreaterThanOrEqual(longest.length);
    expect(schemaTokenBudget(plan)).toBe(maxJsonChars(plan) + 32);
    // A critic's integer needs far fewer tokens than a free 256-token cap.
    expect(schemaTokenBudget({ type: "object", properties: { value: { type: "integer", enum: [-5, 5] } }, additionalProperties: false })).toBeLessThan(64);
  });

  it("gives the cap (or the fallback) for schemas without a bound", () => {
    expect(maxJsonChars({ type: "object", additionalProperties: true, properties: { a: { type: "string" } } })).toBe(Infinity);
    expect(schemaTokenBudget({ type: "object" }, { fallback: 256 })).toBe(256);
    expect(schemaTokenBudget({ type: "array", items: { type: "string", maxLength: 5000 }, maxItems: 10 })).toBe(MAX_SCHEMA_TOKENS);
  });
});
