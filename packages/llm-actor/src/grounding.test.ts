import { describe, expect, it } from "vitest";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { createCatalog, Rng } from "@farsight/core";
import { TitleGrounder } from "./grounding.js";
import { boundedLevenshtein, editSimilarity, normaliseTitle, tokenDice } from "./text.js";

const catalog = createCatalog({
  itemCategories: [[0], [0], [1], [1], [2]],
  categoryNames: ["RPG", "Strategy", "Racing"],
  itemTitles: ["The Witcher 3: Wild Hunt", "Dark Souls", "Civilization V", "Stellaris", "Forza Horizon 4"],
});

/** Bag-of-character-trigram embeddings: similar strings get similar vectors, with no model. */
class TrigramEmbeddings implements EmbeddingsInterface {
  calls = 0;
  private vector(text: string): number[] {
    const v = new Array<number>(64).fill(0);
    const t = `  ${text.toLowerCase()}  `;
    for (let i = 0; i + 3 <= t.length; i++) {
      let h = 0;
      for (let j = i; j < i + 3; j++) h = (h * 31 + t.charCodeAt(j)) % 64;
      v[h]! += 1;
    }
    return v;
  }
  async embedDocuments(texts: string[]): Promise<number[][]> {
    this.calls++;
    return texts.map((t) => this.vector(t));
  }
  async embedQuery(text: string): Promise<number[]> {
    return this.vector(text);
  }
}

describe("text helpers", () => {
  it("normalise case, accents and punctuation", () => {
    expect(normaliseTitle("  Pokémon: Let's GO!  ")).toBe("pokemon let s go");
    expect(normaliseTitle("Salt & Sanctuary")).toBe("salt and sanctuary");
  });
  it("compute edit distance with an early exit", () => {
    expect(boundedLevenshtein("kitten", "sitting")).toBe(3);
    expect(boundedLevenshtein("kitten", "sitting", 1)).toBe(2);
    expect(editSimilarity("abcd", "abcf")).toBeCloseTo(0.75);
    expect(tokenDice(["a", "b"], ["b", "c"])).toBeCloseTo(0.5);
  });
});

describe("TitleGrounder", () => {
  it("grounds exact and normalised titles without calling them replacements", async () => {
    const g = new TitleGrounder({ catalog });
    expect(await g.ground("Dark Souls")).toMatchObject({ item: 1, method: "exact", replaced: false });
    expect(await g.ground("the witcher 3 wild hunt")).toMatchObject({ item: 0, method: "normalised", replaced: false });
    expect(g.counts).toMatchObject({ total: 2, exact: 1, normalised: 1, replaced: 0 });
  });

  it("grounds misspellings and partial titles fuzzily and counts the replacement", async () => {
    const g = new TitleGrounder({ catalog });
    const typo = await g.ground("Civilisation V");
    expect(typo).toMatchObject({ item: 2, method: "fuzzy", replaced: true });
    expect(typo.score).toBeGreaterThan(0.8);
    expect(await g.ground("Forza Horizon")).toMatchObject({ item: 4, method: "fuzzy" });
    expect(g.counts.replaced).toBe(2);
  });

  it("reports an unknown title as unmatched when there are no embeddings", async () => {
    const g = new TitleGrounder({ catalog });
    expect(await g.ground("Half-Life 3")).toMatchObject({ item: null, method: "none", reason: "unknown title" });
    expect(await g.ground("   ")).toMatchObject({ item: null, reason: "empty answer" });
    expect(g.counts.none).toBe(2);
  });

  it("falls back to the embedding nearest neighbour, embedding the catalogue once", async () => {
    const embeddings = new TrigramEmbeddings();
    const g = new TitleGrounder({ catalog, embeddings });
    const r = await g.ground("Stellaris Galaxy Edition Deluxe");
    expect(r).toMatchObject({ item: 3, method: "embedding", replaced: true });
    await g.ground("Dark Soulz Remastered Collection");
    expect(embeddings.calls).toBe(1);
  });

  it("an embedding service failure degrades to unmatched and is counted", async () => {
    const broken: EmbeddingsInterface = {
      embedDocuments: async () => { throw new Error("503"); },
      embedQuery: async () => { throw new Error("503"); },
    };
    const g = new TitleGrounder({ catalog, embeddings: broken });
    expect((await g.ground("Half-Life 3")).item).toBeNull();
    expect(g.counts.embeddingErrors).toBe(1);
  });

  it("skips excluded items and items outside the allowed set, saying why", async () => {
    const g = new TitleGrounder({ catalog, fuzzyThreshold: 0.3 });
    const r = await g.ground("Dark Souls", { exclude: new Set([1]) });
    expect(r.item).not.toBe(1);
    expect(r.reason).toBe("already recommended");
    expect(r.replaced).toBe(r.item !== null);
    const out = await g.ground("Forza Horizon 4", { allowed: new Set([0, 1]) });
    expect(out.item === null || out.item <= 1).toBe(true);
    expect(out.reason).toBe("outside the plan");
  });

  it("prunes the fuzzy scan without losing the best match (against a brute-force scan)", async () => {
    const rng = new Rng(5, "fuzzy-property");
    const word = () => Array.from({ length: 3 + rng.int(6) }, () => "abcdefghij"[rng.int(10)]).join("");
    const titles = Array.from({ length: 300 }, () => Array.from({ length: 1 + rng.int(3) }, word).join(" "));
    const g = new TitleGrounder({ catalog: createCatalog({ itemCategories: titles.map(() => [0]), itemTitles: titles }), fuzzyThreshold: 0.3 });
    for (let q = 0; q < 60; q++) {
      // Queries: mutated titles (one substitution, deletion or insertion per word) and random strings.
      const base = titles[rng.int(titles.length)]!;
      const query = q % 2 === 0 ? base.split(" ").map((w) => w.slice(0, -1) + "z").join(" ") : `${word()} ${word()}`;
      const norm = normaliseTitle(query);
      let bestScore = 0;
      for (const t of titles) bestScore = Math.max(bestScore, tokenDice(norm.split(" "), t.split(" ")), editSimilarity(norm, t));
      const r = await g.ground(query);
      const got = r.item === null ? 0 : r.score;
      expect(got).toBeCloseTo(bestScore >= 0.3 || r.method === "exact" ? bestScore : 0, 10);
    }
  });

  it("gives untitled catalogues placeholder titles", async () => {
    const g = new TitleGrounder({ catalog: createCatalog({ itemCategories: [[0], [0]] }) });
    expect(await g.ground("item 1")).toMatchObject({ item: 1, method: "exact" });
  });
});
