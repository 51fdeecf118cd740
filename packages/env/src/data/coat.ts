/**
 * Coat (Schnabel et al., ICML 2016): 290 users x 300 coats. train.ascii holds self-selected ratings, test.ascii
 * ratings of random items, coat_pseudoGT_ratingM.ascii the completed matrix EasyRL4Rec pays as reward
 * (from BetsyHJ/RL4Rec). The category of an item is its jacket type (item_features.ascii one-hot columns
 * named `jackettype:*` in item_features_map.txt); the 33 one-hot item features become the item embeddings.
 * The 14 one-hot user features (gender, age, location, fashion interest) are read when the folder has them
 * (copies fetched before they were pinned lack them); with the item features they are DeepFM's fields.
 * propensities.ascii (the creators' learned P(rated), 290 x 300, values in (0, 1]) is read when present: the
 * `deepfm-ips` user model weighs each rating by its inverse.
 * Declared values: ratings are integers 0..5 (0 = not rated), pseudo-GT cells integers 1..5, item features 0/1.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createCatalog } from "@farsight/core";
import { dataError, lines, logFromDense, readDenseMatrix, readText, type Dataset } from "./dataset.js";

type Matrix = ReturnType<typeof readDenseMatrix>;

/**
 * The three user x item matrices must have one shape. When they differ, the odd one out is blamed (a
 * truncated train.ascii is train.ascii's fault, not test.ascii's for disagreeing with it).
 */
function checkShapes(named: [file: string, m: Matrix][]): void {
  const shape = (m: Matrix) => `${m.rows} x ${m.cols}`;
  const counts = new Map<string, number>();
  for (const [, m] of named) counts.set(shape(m), (counts.get(shape(m)) ?? 0) + 1);
  if (counts.size === 1) return;
  const [majority, n] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
  const odd = named.filter(([, m]) => shape(m) !== majority);
  const all = named.map(([f, m]) => `${f} ${shape(m)}`).join(", ");
  if (n > 1 && odd.length === 1) {
    const [file, m] = odd[0]!;
    throw dataError(file, undefined, `has ${shape(m)} users x items where the other Coat matrices have ${majority} (${all}): this file looks truncated or damaged; fetch it again`);
  }
  throw dataError(named[0]![0], undefined, `the Coat matrices disagree in shape (${all})`);
}

export function loadCoat(dir: string): Dataset {
  const hint = "Coat is expected as the original files (train.ascii, test.ascii, coat_pseudoGT_ratingM.ascii, user_item_features/); get them with `farsight data fetch coat`";
  const rating = { min: 0, max: 5, integer: true };
  const files = ["train.ascii", "test.ascii", "coat_pseudoGT_ratingM.ascii"].map((f) => join(dir, f));
  const train = readDenseMatrix(files[0]!, undefined, undefined, rating, hint);
  const test = readDenseMatrix(files[1]!, undefined, undefined, rating, hint);
  const gt = readDenseMatrix(files[2]!, undefined, undefined, { min: 1, max: 5, integer: true }, hint);
  checkShapes([[files[0]!, train], [files[1]!, test], [files[2]!, gt]]);
  const { rows: numUsers, cols: numItems } = train;
  const mapFile = join(dir, "user_item_features", "item_features_map.txt");
  const names: string[] = [];
  for (const [line] of lines(readText(mapFile, hint))) names.push(line.trim());
  const typeColumns = names.flatMap((n, j) => (n.startsWith("jackettype:") ? [j] : []));
  if (typeColumns.length === 0) throw dataError(mapFile, undefined, "no `jackettype:` feature; cannot assign categories");
  const featFile = join(dir, "user_item_features", "item_features.ascii");
  const feats = readDenseMatrix(featFile, numItems, names.length, { min: 0, max: 1, integer: true }, hint);
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
  const users = readUserFeatures(dir, numUsers, hint);
  const propensities = readPropensities(dir, numUsers, numItems, hint);
  return {
    name: "coat",
    numUsers,
    catalog,
    train: logFromDense(train.values, numUsers, numItems),
    test: logFromDense(test.values, numUsers, numItems),
    groundTruth: gt.values,
    ...(propensities ? { propensities } : {}),
    itemFeatures: feats.values,
    itemFeatureDim: names.length,
    itemFeatureNames: names,
    ...users,
  };
}

/** user_features.ascii with its column names, or nothing when the folder has neither file. */
function readUserFeatures(dir: string, numUsers: number, hint: string): { userFeatures: Float32Array; userFeatureDim: number; userFeatureNames: string[] } | Record<string, never> {
  const mapFile = join(dir, "user_item_features", "user_features_map.txt");
  const featFile = join(dir, "user_item_features", "user_features.ascii");
  if (!existsSync(mapFile) && !existsSync(featFile)) return {};
  const names: string[] = [];
  for (const [line] of lines(readText(mapFile, hint))) names.push(line.trim());
  const feats = readDenseMatrix(featFile, numUsers, names.length, { min: 0, max: 1, integer: true }, hint);
  return { userFeatures: feats.values, userFeatureDim: names.length, userFeatureNames: names };
}

/** propensities.ascii, or nothing when the folder lacks it; a zero (an impossible rating) is named by line. */
function readPropensities(dir: string, numUsers: number, numItems: number, hint: string): Float32Array | undefined {
  const file = join(dir, "propensities.ascii");
  if (!existsSync(file)) return undefined;
  const m = readDenseMatrix(file, numUsers, numItems, { min: 0, max: 1, integer: false }, hint);
  const zero = m.values.findIndex((p) => !(p > 0));
  if (zero >= 0) throw dataError(file, Math.floor(zero / numItems) + 1, `propensity of item ${zero % numItems} is ${m.values[zero]}; a propensity is a probability in (0, 1]`);
  return m.values;
}
