/**
 * Side features of users and items, grouped into fields for factorisation models (DeepFM): a field is one
 * categorical attribute (Coat's `color`, `age`...), whose columns are its values. A row's field embedding is
 * the feature-weighted sum of its columns' embeddings (one-hot: the embedding of the value it has).
 */
import { FarsightError, type Catalog } from "@farsight/core";
import type { Dataset } from "./data/dataset.js";

/** Feature rows of one side (users or items), row-major, with the field of every column. */
export interface FeatureTable {
  /** rows x dim values (0/1 for one-hot attributes; any finite weight otherwise). */
  readonly values: Float32Array;
  readonly dim: number;
  /** Field index of every column (0-based, dense), dim entries. */
  readonly fields: Int32Array;
  /** Field names, one per field index. */
  readonly fieldNames: readonly string[];
}

/** User and item side features; either may be absent (the ids are always fields). */
export interface SideFeatures {
  readonly user?: FeatureTable;
  readonly item?: FeatureTable;
}

/**
 * Groups columns named `group:value` into one field per group (in order of first appearance); a column
 * without a colon is its own field.
 */
export function featureTable(values: Float32Array, dim: number, names?: readonly string[]): FeatureTable {
  if (dim <= 0 || values.length % dim !== 0) throw new FarsightError("env/bad-features", `feature values (${values.length}) are not a whole number of rows of ${dim} columns`, { dim, length: values.length });
  for (let j = 0; j < values.length; j++) {
    if (!Number.isFinite(values[j]!)) throw new FarsightError("env/bad-features", `feature value at row ${Math.floor(j / dim)}, column ${j % dim} is ${values[j]}`, { row: Math.floor(j / dim), column: j % dim });
  }
  const fieldNames: string[] = [];
  const index = new Map<string, number>();
  const fields = Int32Array.from({ length: dim }, (_v, c) => {
    const name = names?.[c];
    const group = name === undefined ? `column${c}` : name.includes(":") ? name.slice(0, name.indexOf(":")) : name;
    let f = index.get(group);
    if (f === undefined) {
      f = fieldNames.length;
      index.set(group, f);
      fieldNames.push(group);
    }
    return f;
  });
  return { values, dim, fields, fieldNames };
}

/** The item categories of a catalogue as one multi-hot field (for datasets without item features). */
export function categoryFeatures(catalog: Catalog): FeatureTable {
  const dim = catalog.numCategories;
  const values = new Float32Array(catalog.numItems * dim);
  for (let i = 0; i < catalog.numItems; i++) {
    const from = catalog.categoryOffsets[i]!, to = catalog.categoryOffsets[i + 1]!;
    for (let j = from; j < to; j++) values[i * dim + catalog.categoryIndex[j]!] = 1 / (to - from);
  }
  return { values, dim, fields: new Int32Array(dim), fieldNames: ["category"] };
}

/** A dataset's side features: its user and item features where it has them, else its item categories. */
export function datasetFeatures(ds: Pick<Dataset, "catalog" | "itemFeatures" | "itemFeatureDim" | "itemFeatureNames" | "userFeatures" | "userFeatureDim" | "userFeatureNames">): SideFeatures {
  const item = ds.itemFeatures && ds.itemFeatureDim ? featureTable(ds.itemFeatures, ds.itemFeatureDim, ds.itemFeatureNames) : categoryFeatures(ds.catalog);
  const user = ds.userFeatures && ds.userFeatureDim ? featureTable(ds.userFeatures, ds.userFeatureDim, ds.userFeatureNames) : undefined;
  return { item, ...(user ? { user } : {}) };
}
