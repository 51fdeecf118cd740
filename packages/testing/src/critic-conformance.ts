/**
 * Conformance suite for critics (`@farsight/critic`'s `Critic` interface, or anything shaped like it).
 * Every implementation runs it from its own tests:
 *
 *   criticConformance("LlmCritic", { usesModel: true, create: ({ catalog, answer }) =>
 *     new LlmCritic(new ScriptedChatModel({ responses: answer }), catalog) });
 *
 * Structural: it does not import `@farsight/critic`. LLM critics build a scripted model from `answer`.
 */
import { describe, expect, it } from "vitest";
import type { Catalog, ItemId, Observation, Provenance } from "@farsight/core";
import { conformanceCatalog } from "./actor-conformance.js";

/** The part of the Critic interface the suite exercises. */
export interface ConformanceCritic {
  readonly name: string;
  /** Inclusive value range every judgement must fall in (BiLLP: [-5, 5]). */
  readonly range: readonly [number, number];
  evaluate(request: { observation: Observation }): Promise<{ readonly value: number; readonly source: Provenance }>;
  learn?(experience: { observation: Observation; target: number }): void;
}

export interface CriticConformanceContext {
  /** The same 12-item, 3-category catalogue as the actor suite (users 0 and 1). */
  readonly catalog: Catalog;
  readonly seed: number;
  readonly answer: (prompt: string, callIndex: number) => string;
}

export interface CriticConformanceOptions {
  readonly usesModel: boolean;
  create(context: CriticConformanceContext): ConformanceCritic | Promise<ConformanceCritic>;
}

function observation(history: ItemId[], feedback = 4): Observation {
  return {
    sessionId: "critic-conformance",
    userId: 1,
    step: history.length,
    history: history.map((item, step) => ({ item, category: Math.floor(item / 4), feedback, step })),
    returnSoFar: feedback * history.length,
  };
}

/** Registers the critic conformance tests for one implementation. */
export function criticConformance(name: string, options: CriticConformanceOptions): void {
  const catalog = conformanceCatalog();
  const make = (answer: CriticConformanceContext["answer"], seed = 3) => options.create({ catalog, seed, answer });
  const inRange = (critic: ConformanceCritic, value: number) => {
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThanOrEqual(critic.range[0]);
    expect(value).toBeLessThanOrEqual(critic.range[1]);
  };

  describe(`critic conformance: ${name}`, () => {
    it("declares a finite, ordered range", async () => {
      const critic = await make(() => "2");
      expect(Number.isFinite(critic.range[0]) && Number.isFinite(critic.range[1])).toBe(true);
      expect(critic.range[0]).toBeLessThan(critic.range[1]);
    });

    it("returns the model's value when it is a valid integer", async () => {
      const critic = await make(() => "Value: 3");
      const { value, source } = await critic.evaluate({ observation: observation([0, 4, 8]) });
      inRange(critic, value);
      if (options.usesModel) {
        expect(value).toBe(3);
        expect(source.kind).toBe("llm");
      }
    });

    it("keeps out-of-range answers inside the range", async () => {
      for (const answer of ["12", "-40", "999999999999", "2.6"]) {
        const critic = await make(() => answer);
        const { value } = await critic.evaluate({ observation: observation([1, 2, 3]) });
        inRange(critic, value);
        if (options.usesModel && answer === "12") expect(value).toBe(critic.range[1]);
        if (options.usesModel && answer === "-40") expect(value).toBe(critic.range[0]);
      }
    });

    it("survives non-numeric and empty answers and says it fell back", async () => {
      for (const answer of ["The user seems happy.", "", "NaN", "Infinity"]) {
        const critic = await make(() => answer);
        const { value, source } = await critic.evaluate({ observation: observation([5, 6]) });
        inRange(critic, value);
        if (options.usesModel) expect(source.kind).toBe("fallback");
      }
    });

    it("values an empty history", async () => {
      const critic = await make(() => "0");
      inRange(critic, (await critic.evaluate({ observation: observation([]) })).value);
    });

    it("is deterministic under a seed", async () => {
      const prompts: string[][] = [[], []];
      const run = async (run: number) => {
        const critic = await make((prompt, call) => {
          prompts[run]!.push(prompt);
          return String((call % 11) - 5);
        }, 5);
        const values: number[] = [];
        for (const h of [[0], [0, 5], [0, 5, 9], [0, 5]]) {
          const obs = observation(h);
          values.push((await critic.evaluate({ observation: obs })).value);
          critic.learn?.({ observation: obs, target: values[values.length - 1]! + 1 });
        }
        return values;
      };
      expect(await run(0)).toEqual(await run(1));
      expect(prompts[0]).toEqual(prompts[1]);
    });

    it("stays in range after learning from extreme or missing targets", async () => {
      const critic = await make(() => "1");
      if (!critic.learn) return;
      const obs = observation([2, 6]);
      for (const target of [-1000, 1e9, Number.NaN, 7.5]) critic.learn({ observation: obs, target });
      inRange(critic, (await critic.evaluate({ observation: obs })).value);
    });
  });
}
