import type { Catalog, CategoryId, Item, ItemId } from "./types.js";

export interface CatalogInit {
  /** Categories of each item, primary first. Every item needs at least one. */
  readonly itemCategories: readonly (readonly CategoryId[])[];
  /** Category names; defaults to `category <id>`. */
  readonly categoryNames?: readonly string[];
  readonly itemTitles?: readonly string[];
  /** Number of categories; defaults to 1 + the largest id used. */
  readonly numCategories?: number;
}

/** Builds a {@link Catalog} and checks it: every item has a category in range, titles match items. */
export function createCatalog(init: CatalogInit): Catalog {
  const numItems = init.itemCategories.length;
  let maxCategory = -1;
  let total = 0;
  init.itemCategories.forEach((cats, item) => {
    if (cats.length === 0) throw new Error(`createCatalog: item ${item} has no category; every item needs at least one`);
    for (const c of cats) {
      if (!Number.isInteger(c) || c < 0) throw new Error(`createCatalog: item ${item} has invalid category id ${c}`);
      if (c > maxCategory) maxCategory = c;
    }
    total += cats.length;
  });
  const numCategories = init.numCategories ?? init.categoryNames?.length ?? maxCategory + 1;
  if (maxCategory >= numCategories) {
    throw new Error(`createCatalog: category id ${maxCategory} is out of range for ${numCategories} categories`);
  }
  if (init.categoryNames && init.categoryNames.length !== numCategories) {
    throw new Error(`createCatalog: ${init.categoryNames.length} category names for ${numCategories} categories`);
  }
  if (init.itemTitles && init.itemTitles.length !== numItems) {
    throw new Error(`createCatalog: ${init.itemTitles.length} titles for ${numItems} items`);
  }
  const itemCategory = new Int32Array(numItems);
  const categoryOffsets = new Int32Array(numItems + 1);
  const categoryIndex = new Int32Array(total);
  let k = 0;
  for (let i = 0; i < numItems; i++) {
    const cats = init.itemCategories[i]!;
    itemCategory[i] = cats[0]!;
    categoryOffsets[i] = k;
    for (const c of cats) categoryIndex[k++] = c;
  }
  categoryOffsets[numItems] = k;
  return {
    numItems,
    numCategories,
    itemCategory,
    categoryOffsets,
    categoryIndex,
    categoryNames: init.categoryNames ?? Array.from({ length: numCategories }, (_, c) => `category ${c}`),
    ...(init.itemTitles ? { itemTitles: init.itemTitles } : {}),
  };
}

/** Every category of an item, primary first. */
export function categoriesOf(catalog: Catalog, item: ItemId): CategoryId[] {
  const out: CategoryId[] = [];
  for (let k = catalog.categoryOffsets[item]!; k < catalog.categoryOffsets[item + 1]!; k++) out.push(catalog.categoryIndex[k]!);
  return out;
}

/** The LLM-facing view of one item. */
export function itemOf(catalog: Catalog, item: ItemId): Item {
  if (!Number.isInteger(item) || item < 0 || item >= catalog.numItems) {
    throw new RangeError(`item ${item} is not in the catalogue (0..${catalog.numItems - 1})`);
  }
  const title = catalog.itemTitles?.[item];
  return {
    id: item,
    category: catalog.itemCategory[item]!,
    categories: categoriesOf(catalog, item),
    ...(title !== undefined ? { title } : {}),
  };
}

/** Items whose primary category is in `categories`, ascending. */
export function itemsInCategories(catalog: Catalog, categories: Iterable<CategoryId>): Int32Array {
  const wanted = new Uint8Array(catalog.numCategories);
  for (const c of categories) if (c >= 0 && c < catalog.numCategories) wanted[c] = 1;
  let n = 0;
  for (let i = 0; i < catalog.numItems; i++) if (wanted[catalog.itemCategory[i]!]) n++;
  const out = new Int32Array(n);
  n = 0;
  for (let i = 0; i < catalog.numItems; i++) if (wanted[catalog.itemCategory[i]!]) out[n++] = i;
  return out;
}

/** A 0/1 mask over items: 1 where the item's primary category is in `categories`. */
export function categoryItemMask(catalog: Catalog, categories: Iterable<CategoryId>, out?: Uint8Array): Uint8Array {
  const mask = out ?? new Uint8Array(catalog.numItems);
  const wanted = new Uint8Array(catalog.numCategories);
  for (const c of categories) if (c >= 0 && c < catalog.numCategories) wanted[c] = 1;
  for (let i = 0; i < catalog.numItems; i++) mask[i] = wanted[catalog.itemCategory[i]!]!;
  return mask;
}
