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

/** What is wrong with a reflection of `episode` (empty when valid); the suite asserts `toEqual([])`. */
export function reflectionProblems(r: Reflection, episode: Episode, maxWords?: number): string[] {
  const problems: string[] = [];
  if (typeof r.text !== "string" || r.text.trim().length === 0) problems.push("text is empty");
  if (!(Math.abs(r.return - episode.return) < 1e-9)) problems.push(`return ${r.return} is not the episode's ${episode.return}`);
  if (r.length !== episode.length) problems.push(`length ${r.length} is not the episode's ${episode.length}`);
  // The reflection describes the session that ended, not the user who replaces it.
  const seen = firstSeen(episode);
  if (JSON.stringify(r.categories) !== JSON.stringify(seen)) problems.push(`categories ${JSON.stringify(r.categories)}, expected ${JSON.stringify(seen)}`);
  if (r.sessionId !== undefined && r.sessionId !== episode.sessionId) problems.push(`sessionId ${r.sessionId} is another session's`);
  if (r.userId !== undefined && r.userId !== episode.userId) problems.push(`userId ${r.userId} is another user's`);
  if (!["llm", "heuristic", "learned", "fallback", "cache", "human"].includes(r.source.kind)) problems.push(`unknown source kind ${r.source.kind}`);
  const words = typeof r.text === "string" ? r.text.trim().split(/\s+/).length : 0;
  if (maxWords !== undefined && words > maxWords) problems.push(`${words} words, limit ${maxWords}`);
  return problems;
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
        expect(reflectionProblems(r, episode, options.maxWords)).toEqual([]);
        // A model reflector given a sensible answer must use it.
        expect(options.usesModel ? r.source.kind : "llm").toBe("llm");
      }
    });

    it("handles an episode that ended before any step, and a one-step episode", async () => {
      const reflector = await make(() => reflectorAnswer());
      const empty: Episode = { sessionId: "empty", userId: 3, steps: [], return: 0, length: 0, endReason: "budget" };
      expect(reflectionProblems(await reflector.reflect(empty), empty, options.maxWords)).toEqual([]);
      const one = randomEpisode(new Rng(4, "one"), "one", 3, 1);
      expect(reflectionProblems(await reflector.reflect(one, { categoryNames: names }), one, options.maxWords)).toEqual([]);
    });

    it("reflects on a single-category session", async () => {
      const reflector = await make(() => reflectorAnswer());
      const episode = randomEpisode(new Rng(5, "single"), "single", 1);
      const r = await reflector.reflect(episode, { categoryNames: ["Only"] });
      expect(reflectionProblems(r, episode, options.maxWords)).toEqual([]);
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
      expect(reflectionProblems(await reflector.reflect(episode), episode, options.maxWords)).toEqual([]);
    });

    it.runIf(options.usesModel)("answers garbage through the fallback and counts every fallback", async () => {
      const episode = randomEpisode(new Rng(8, "garbage"), "garbage", 4);
      for (const garbage of GARBAGE_REFLECTOR_ANSWERS) {
        const stats = new LlmStats();
        const reflector = await make(() => garbage, 7, stats);
        const r = await reflector.reflect(episode, { categoryNames: names });
        expect({ answer: garbage, problems: reflectionProblems(r, episode, options.maxWords), kind: r.source.kind, fallbacks: stats.fallbacks }).toEqual({
          answer: garbage,
          problems: [],
          kind: "fallback",
          fallbacks: 1,
        });
      }
    });
  });
}
