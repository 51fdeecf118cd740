/**
 * Coat (Schnabel et al., ICML 2016): 290 users x 300 coats. train.ascii holds self-selected ratings, test.ascii
 * ratings of random items, coat_pseudoGT_ratingM.ascii the completed matrix EasyRL4Rec pays as reward
 * (from BetsyHJ/RL4Rec). The category of an item is its jacket type (item_features.ascii one-hot columns
 * named `jackettype:*` in item_features_map.txt); the 33 one-hot item features become the item embeddings.
 */
import { join } from "node:path";
import { createCatalog } from "@farsight/core";
import { dataError, lines, logFromDense, readDenseMatrix, readText, type Dataset } from "./dataset.js";

export function loadCoat(dir: string): Dataset {
  const hint = "Coat is expected as the original files (train.ascii, test.ascii, coat_pseudoGT_ratingM.ascii, user_item_features/)";
  readText(join(dir, "train.ascii"), hint);
  const train = readDenseMatrix(join(dir, "train.ascii"));
  const { rows: numUsers, cols: numItems } = train;
  const test = readDenseMatrix(join(dir, "test.ascii"), numUsers, numItems);
  const gt = readDenseMatrix(join(dir, "coat_pseudoGT_ratingM.ascii"), numUsers, numItems);
  const mapFile = join(dir, "user_item_features", "item_features_map.txt");
  const names: string[] = [];
  for (const [line] of lines(readText(mapFile, hint))) names.push(line.trim());
  const typeColumns = names.flatMap((n, j) => (n.startsWith("jackettype:") ? [j] : []));
  if (typeColumns.length === 0) throw dataError(mapFile, undefined, "no `jackettype:` feature; cannot assign categories");
  const featFile = join(dir, "user_item_features", "item_features.ascii");
  const feats = readDenseMatrix(featFile, numItems, names.length);
  const itemCategories: number[][] = [];
  for (let i = 0; i < numItems; i++) {
    const cats = typeColumns.flatMap((j, c) => (feats.values[i * names.length + j] === 1 ? [c] : []));
    if (cats.length === 0) throw dataError(featFile, i + 1, `item ${i} has no jacket type set`);
    itemCategories.push(cats);
  }
  const catalog = createCatalog({
    itemCategories,
    categoryNames: typeColumns.map((j) => names[j]!.slice("jackettype:".length)),
    itemTitles: itemCategories.map((c, i) => `${names[typeColumns[c[0]!]!]!.slice("jackettype:".length)} jacket #${i}`),
  });
  return {
    name: "coat",
    numUsers,
    catalog,
    train: logFromDense(train.values, numUsers, numItems),
    test: logFromDense(test.values, numUsers, numItems),
    groundTruth: gt.values,
    itemFeatures: feats.values,
    itemFeatureDim: names.length,
  };
}
