/**
 * Conformance suite for critics (`@farsight/critic`'s `Critic` interface, or anything shaped like it).
 * Every implementation runs it from its own tests:
 *
 *   criticConformance("LlmCritic", { usesModel: true, create: ({ catalog, answer }) =>
 *     new LlmCritic({ model: new ScriptedChatModel({ responses: answer }), catalog }) });
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
  /** What is wrong with a value (empty when nothing): finite and inside the critic's range. */
  const rangeProblem = (critic: ConformanceCritic, value: number): string =>
    Number.isFinite(value) && value >= critic.range[0] && value <= critic.range[1] ? "" : `value ${value} outside [${critic.range.join(", ")}]`;

  describe(`critic conformance: ${name}`, () => {
    it("declares a finite, ordered range", async () => {
      const critic = await make(() => "2");
      expect(Number.isFinite(critic.range[0]) && Number.isFinite(critic.range[1])).toBe(true);
      expect(critic.range[0]).toBeLessThan(critic.range[1]);
    });

    // Every implementation: whatever the model says (or if there is no model), the value is finite and in range.
    for (const answer of ["Value: 3", "12", "-40", "999999999999", "2.6", "The user seems happy.", "", "NaN", "Infinity"]) {
      it(`returns an in-range value after the answer ${JSON.stringify(answer)}`, async () => {
        const critic = await make(() => answer);
        expect(rangeProblem(critic, (await critic.evaluate({ observation: observation([1, 2, 3]) })).value)).toBe("");
      });
    }

    // Model-backed implementations: valid answers are used, out-of-range ones clamped, unusable ones replaced.
    describe.runIf(options.usesModel)("handling of what the model answered", () => {
      it("takes a valid integer", async () => {
        const critic = await make(() => "Value: 3");
        expect(await critic.evaluate({ observation: observation([0, 4, 8]) })).toMatchObject({ value: 3, source: { kind: "llm" } });
      });

      it("clamps out-of-range answers to the nearest bound", async () => {
        const values: number[] = [];
        for (const answer of ["12", "-40"]) values.push((await (await make(() => answer)).evaluate({ observation: observation([1, 2]) })).value);
        const critic = await make(() => "0");
        expect(values).toEqual([critic.range[1], critic.range[0]]);
      });

      it("says it fell back after non-numeric and empty answers", async () => {
        const kinds: string[] = [];
        for (const answer of ["The user seems happy.", "", "NaN", "Infinity"]) {
          kinds.push((await (await make(() => answer)).evaluate({ observation: observation([5, 6]) })).source.kind);
        }
        expect(kinds).toEqual(["fallback", "fallback", "fallback", "fallback"]);
      });
    });

    it("values an empty history", async () => {
      const critic = await make(() => "0");
      expect(rangeProblem(critic, (await critic.evaluate({ observation: observation([]) })).value)).toBe("");
    });

    it("is deterministic under a seed", async () => {
      const prompts: string[][] = [[], []];
      const valueFourStates = async (runIndex: number) => {
        const critic = await make((prompt, call) => {
          prompts[runIndex]!.push(prompt);
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
      expect(await valueFourStates(0)).toEqual(await valueFourStates(1));
      expect(prompts[0]).toEqual(prompts[1]);
    });

    it("stays in range after learning from extreme or missing targets", async () => {
      const critic = await make(() => "1");
      const obs = observation([2, 6]);
      for (const target of [-1000, 1e9, Number.NaN, 7.5]) critic.learn?.({ observation: obs, target });
      expect(rangeProblem(critic, (await critic.evaluate({ observation: obs })).value)).toBe("");
    });
  });
}
