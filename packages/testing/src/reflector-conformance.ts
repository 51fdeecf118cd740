/**
 * Conformance suite for reflectors (`@farsight/reflector`'s `Reflector` interface, or anything shaped like it).
 * Every implementation runs it from its own tests:
 *
 *   reflectorConformance("LlmReflector", { usesModel: true, maxWords: 20, create: ({ answer, stats }) =>
 *     new LlmReflector({ model: new ScriptedChatModel({ responses: answer }), stats }) });
 *
 * Structural (it does not import `@farsight/reflector`). LLM reflectors build a scripted model from `answer`
 * and record fallbacks into `stats`; non-LLM reflectors ignore both.
 */
import { describe, expect, it } from "vitest";
import { Rng, type CategoryId, type EndReason, type Episode, type Reflection } from "@farsight/core";
import { LlmStats } from "@farsight/llm";

/** The part of the Reflector interface the suite exercises. */
export interface ConformanceReflector {
  readonly name: string;
  reflect(episode: Episode, context?: { categoryNames?: readonly string[]; itemTitles?: readonly string[]; signal?: AbortSignal }): Promise<Reflection>;
}

export interface ReflectorConformanceContext {
  readonly seed: number;
  readonly answer: (prompt: string, callIndex: number) => string;
  readonly stats: LlmStats;
}

export interface ReflectorConformanceOptions {
  /** True for reflectors that call a model built from `answer`. */
  readonly usesModel: boolean;
  /** Word limit every reflection text must respect, if the implementation promises one (LERL: 20). */
  readonly maxWords?: number;
  create(context: ReflectorConformanceContext): ConformanceReflector | Promise<ConformanceReflector>;
}

/** A sensible answer, in every field an LLM reflector may read; `words` pads the text to test word limits. */
export function reflectorAnswer(words = 0): string {
  const pad = Array.from({ length: words }, (_, i) => `word${i}`).join(" ");
  return JSON.stringify({
    reflection: `Drama repeated three steps before leaving; rotate to Comedy sooner. ${pad}`.trim(),
    diagnosis: "The user saw Drama at every step and got bored.",
    plan: `Alternate Drama with Comedy and Jazz. ${pad}`.trim(),
  });
}

export const GARBAGE_REFLECTOR_ANSWERS: readonly string[] = ["", "lol", '{"reflection": 42}', "[]", '{"diagnosis": ""}', "```json\n{ reflection: \n```"];

const REASONS: readonly EndReason[] = ["quit", "max-steps", "budget", "forced-length"];

/** A random finished episode over `numCategories` categories. */
export function randomEpisode(rng: Rng, id: string, numCategories: number, maxSteps = 15): Episode {
  const length = rng.intBetween(1, maxSteps);
  const size = rng.intBetween(1, 6);
  const ratings = rng.bernoulli(0.5);
  const steps = Array.from({ length }, () => {
    const slate = Array.from({ length: size }, () => rng.int(50));
    const categories = slate.map(() => rng.int(numCategories));
    const feedback = slate.map(() => (ratings ? rng.intBetween(1, 5) : rng.int(2)));
    return { slate, categories, feedback, reward: feedback.reduce((a, b) => a + b, 0) / size };
  });
  return {
    sessionId: id,
    userId: rng.int(100),
    steps,
    return: steps.reduce((a, s) => a + s.reward, 0),
    length,
    endReason: REASONS[rng.int(REASONS.length)]!,
  };
}

function firstSeen(episode: Episode): CategoryId[] {
  const out: CategoryId[] = [];
  for (const s of episode.steps) for (const c of s.categories) if (!out.includes(c)) out.push(c);
  return out;
}

function expectValidReflection(r: Reflection, episode: Episode, maxWords?: number): void {
  expect(typeof r.text).toBe("string");
  expect(r.text.trim().length).toBeGreaterThan(0);
  expect(r.return).toBeCloseTo(episode.return, 10);
  expect(r.length).toBe(episode.length);
  // The reflection describes the session that ended, not the user who replaces it.
  expect(r.categories).toEqual(firstSeen(episode));
  if (r.sessionId !== undefined) expect(r.sessionId).toBe(episode.sessionId);
  if (r.userId !== undefined) expect(r.userId).toBe(episode.userId);
  expect(["llm", "heuristic", "learned", "fallback", "cache", "human"]).toContain(r.source.kind);
  if (maxWords !== undefined) expect(r.text.trim().split(/\s+/).length).toBeLessThanOrEqual(maxWords);
}

/** Registers the reflector conformance tests for one implementation. */
export function reflectorConformance(name: string, options: ReflectorConformanceOptions): void {
  const make = (answer: ReflectorConformanceContext["answer"], seed = 7, stats = new LlmStats()) => options.create({ seed, answer, stats });
  const names = ["Action", "Puzzle", "Racing", "Drama", "Comedy", "Jazz"];

  describe(`reflector conformance: ${name}`, () => {
    it("reflects on random finished episodes with the episode's own numbers", async () => {
      const rng = new Rng(2024, "reflector-conformance");
      const reflector = await make(() => reflectorAnswer());
      for (let trial = 0; trial < 6; trial++) {
        const episode = randomEpisode(rng, `s${trial}`, rng.intBetween(1, 6));
        const r = await reflector.reflect(episode, trial % 2 ? { categoryNames: names } : undefined);
        expectValidReflection(r, episode, options.maxWords);
        if (options.usesModel) expect(r.source.kind).toBe("llm");
      }
    });

    it("handles an episode that ended before any step, and a one-step episode", async () => {
      const reflector = await make(() => reflectorAnswer());
      const empty: Episode = { sessionId: "empty", userId: 3, steps: [], return: 0, length: 0, endReason: "budget" };
      expectValidReflection(await reflector.reflect(empty), empty, options.maxWords);
      const one = randomEpisode(new Rng(4, "one"), "one", 3, 1);
      expectValidReflection(await reflector.reflect(one, { categoryNames: names }), one, options.maxWords);
    });

    it("reflects on a single-category session", async () => {
      const reflector = await make(() => reflectorAnswer());
      const episode = randomEpisode(new Rng(5, "single"), "single", 1);
      const r = await reflector.reflect(episode, { categoryNames: ["Only"] });
      expectValidReflection(r, episode, options.maxWords);
      expect(r.categories).toEqual([0]);
    });

    it("is deterministic under a seed", async () => {
      const episode = randomEpisode(new Rng(6, "det"), "det", 4);
      const run = async () => {
        const prompts: string[] = [];
        const reflector = await make((prompt) => {
          prompts.push(prompt);
          return reflectorAnswer();
        }, 11);
        const r = await reflector.reflect(episode, { categoryNames: names });
        return { text: r.text, kind: r.source.kind, prompts };
      };
      expect(await run()).toEqual(await run());
    });

    it.runIf(options.usesModel && options.maxWords !== undefined)("cuts an over-long answer to the word limit", async () => {
      const reflector = await make(() => reflectorAnswer(80));
      const episode = randomEpisode(new Rng(7, "long"), "long", 3);
      expectValidReflection(await reflector.reflect(episode), episode, options.maxWords);
    });

    it.runIf(options.usesModel)("answers garbage through the fallback and counts every fallback", async () => {
      const episode = randomEpisode(new Rng(8, "garbage"), "garbage", 4);
      for (const garbage of GARBAGE_REFLECTOR_ANSWERS) {
        const stats = new LlmStats();
        const reflector = await make(() => garbage, 7, stats);
        const r = await reflector.reflect(episode, { categoryNames: names });
        expectValidReflection(r, episode, options.maxWords);
        expect(r.source.kind, `answer ${JSON.stringify(garbage)}`).toBe("fallback");
        expect(stats.fallbacks, `answer ${JSON.stringify(garbage)}`).toBe(1);
      }
    });
  });
}
