import { describe, expect, it } from "vitest";
import { categoriesOf, categoryItemMask, createCatalog, itemOf, itemsInCategories } from "./catalog.js";

describe("catalog", () => {
  const catalog = createCatalog({
    itemCategories: [[0], [1, 2], [2], [0, 1]],
    categoryNames: ["coats", "parkas", "vests"],
    itemTitles: ["a", "b", "c", "d"],
  });

  it("keeps primary and secondary categories", () => {
    expect(Array.from(catalog.itemCategory)).toEqual([0, 1, 2, 0]);
    expect(categoriesOf(catalog, 1)).toEqual([1, 2]);
    expect(itemOf(catalog, 3)).toEqual({ id: 3, category: 0, categories: [0, 1], title: "d" });
  });

  it("selects items by primary category", () => {
    expect(Array.from(itemsInCategories(catalog, [0, 2]))).toEqual([0, 2, 3]);
    expect(Array.from(categoryItemMask(catalog, [1]))).toEqual([0, 1, 0, 0]);
  });

  it("rejects malformed input with the item named", () => {
    expect(() => createCatalog({ itemCategories: [[0], []] })).toThrow(/item 1 has no category/);
    expect(() => createCatalog({ itemCategories: [[0], [3]], categoryNames: ["x", "y"] })).toThrow(/out of range/);
    expect(() => itemOf(catalog, 9)).toThrow(/not in the catalogue/);
  });
});
