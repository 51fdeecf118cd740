/**
 * Small, seeded stand-ins for KuaiRec 2.0 and KuaiRand-Pure in their published layouts: the same folder
 * names, file names, column names and order, value formats (quoted `"[27, 9]"` tag lists, `"(0,10]"` ranges,
 * empty cells where the published files have NaN) and archive structure (`KuaiRec.zip` holding
 * `KuaiRec 2.0/data/...`, `KuaiRand-Pure.tar.gz` holding `KuaiRand-Pure/data/...`). Column layouts follow the
 * datasets' READMEs (github.com/chongminggao/KuaiRec, github.com/chongminggao/KuaiRand).
 *
 * The feedback comes from a seeded low-rank model plus noise, not uniform noise: users and items have latent
 * vectors, items of a tag share a centre, so the logs carry learnable structure and a policy that knows the
 * users beats a random one, as on the real data. The returned facts are computed from the rows written, so
 * tests compare a loader with the files, not with the generator's model.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Rng } from "@farsight/core";
import { writeTar, writeZip, type ArchiveMember } from "./archive-writers.js";

export interface KuaiFixtureOptions {
  readonly seed?: number;
  /** Users of the dense part (KuaiRec's small matrix; every KuaiRand-Pure user). Default 60. */
  readonly users?: number;
  /** Items of the dense part (KuaiRec's small matrix; KuaiRand-Pure's candidate pool). Default 90. */
  readonly items?: number;
  /** Tags (KuaiRec has 31). Default 31. */
  readonly tags?: number;
  /** Latent rank of the preference model. Default 4. */
  readonly rank?: number;
}

/** Facts of a generated KuaiRec, read off the rows written. */
export interface KuaiRecFacts {
  /** user ids of small_matrix.csv, in first-appearance order; likewise video ids. */
  readonly smallUsers: readonly number[];
  readonly smallVideos: readonly number[];
  /** watch_ratio of every small_matrix.csv row, by "user,video". */
  readonly small: ReadonlyMap<string, number>;
  /** small-matrix cells left out (users who blocked a video). */
  readonly missingSmall: number;
  readonly cappedSmall: number;
  /** big_matrix.csv rows whose user and video are both in the small matrix, and how many of those exceed 5. */
  readonly bigRowsInSmall: number;
  readonly cappedBigInSmall: number;
  /** Tags of each video, as written in item_categories.csv. */
  readonly tags: ReadonlyMap<number, readonly number[]>;
}

/** Facts of a generated KuaiRand-Pure. */
export interface KuaiRandFacts {
  readonly users: readonly number[];
  readonly videos: readonly number[];
  /** Rows of the two standard logs (in file-name order) and of the random log. */
  readonly standardRows: number;
  readonly randomRows: number;
  /** is_click of the standard logs, in file order; likewise for the random log. */
  readonly standardClicks: readonly number[];
  readonly randomClicks: readonly number[];
  /** Tags of each video ("" = untagged), as written in video_features_basic_pure.csv. */
  readonly tags: ReadonlyMap<number, string>;
}

interface Model {
  readonly userVec: Float64Array[];
  readonly itemVec: Float64Array[];
  readonly itemTags: number[][];
  score(u: number, i: number): number;
}

/** Latent preferences: items of a tag share a centre, so tags carry signal about what a user likes. */
function lowRankModel(rng: Rng, users: number, items: number, tags: number, rank: number): Model {
  const centres = Array.from({ length: tags }, () => Float64Array.from({ length: rank }, () => rng.normal()));
  const userVec = Array.from({ length: users }, () => Float64Array.from({ length: rank }, () => rng.normal()));
  const itemTags: number[][] = [];
  const itemVec = Array.from({ length: items }, (_, i) => {
    const t = rng.int(tags);
    itemTags[i] = rng.bernoulli(0.35) ? [t, (t + 1 + rng.int(tags - 1)) % tags] : [t];
    return Float64Array.from(centres[t]!, (c) => c + 0.5 * rng.normal());
  });
  const norm = Math.sqrt(rank);
  return {
    userVec,
    itemVec,
    itemTags,
    score: (u, i) => {
      let s = 0;
      for (let k = 0; k < rank; k++) s += userVec[u]![k]! * itemVec[i]![k]!;
      return s / norm;
    },
  };
}

/** `n` distinct ids from [0, spread * n), sorted: real ids are re-indexed but not contiguous per file. */
function ids(rng: Rng, n: number, spread = 3): number[] {
  return rng.sample(spread * n, n).sort((a, b) => a - b);
}

const csvField = (v: string | number) => (typeof v === "string" && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
const csvRow = (fields: readonly (string | number)[]) => fields.map(csvField).join(",");
const round = (x: number, d = 6) => Number(x.toFixed(d));

export const KUAIREC_MATRIX_COLUMNS = ["user_id", "video_id", "play_duration", "video_duration", "time", "date", "timestamp", "watch_ratio"] as const;
export const KUAI_USER_FEATURE_COLUMNS = [
  "user_id", "user_active_degree", "is_lowactive_period", "is_live_streamer", "is_video_author", "follow_user_num", "follow_user_num_range",
  "fans_user_num", "fans_user_num_range", "friend_user_num", "friend_user_num_range", "register_days", "register_days_range",
  ...Array.from({ length: 18 }, (_, k) => `onehot_feat${k}`),
] as const;
const DAILY_COUNTS = [
  "show_cnt", "show_user_num", "play_cnt", "play_user_num", "play_duration", "complete_play_cnt", "complete_play_user_num", "valid_play_cnt",
  "valid_play_user_num", "long_time_play_cnt", "long_time_play_user_num", "short_time_play_cnt", "short_time_play_user_num", "play_progress",
  "comment_stay_duration", "like_cnt", "like_user_num", "click_like_cnt", "double_click_cnt", "cancel_like_cnt", "cancel_like_user_num",
  "comment_cnt", "comment_user_num", "direct_comment_cnt", "reply_comment_cnt", "delete_comment_cnt", "delete_comment_user_num",
  "comment_like_cnt", "comment_like_user_num", "follow_cnt", "follow_user_num", "cancel_follow_cnt", "cancel_follow_user_num", "share_cnt",
  "share_user_num", "download_cnt", "download_user_num", "report_cnt", "report_user_num", "reduce_similar_cnt", "reduce_similar_user_num",
  "collect_cnt", "collect_user_num", "cancel_collect_cnt", "cancel_collect_user_num",
] as const;
export const KUAIREC_ITEM_DAILY_COLUMNS = [
  "video_id", "date", "author_id", "video_type", "upload_dt", "upload_type", "visible_status", "video_duration", "video_width", "video_height",
  "music_id", "video_tag_id", "video_tag_name", ...DAILY_COUNTS,
] as const;
export const KUAIRAND_LOG_COLUMNS = [
  "user_id", "video_id", "date", "hourmin", "time_ms", "is_click", "is_like", "is_follow", "is_comment", "is_forward", "is_hate", "long_view",
  "play_time_ms", "duration_ms", "profile_stay_time", "comment_stay_time", "is_profile_enter", "is_rand", "tab",
] as const;
export const KUAIRAND_VIDEO_BASIC_COLUMNS = [
  "video_id", "author_id", "video_type", "upload_dt", "upload_type", "visible_status", "video_duration", "server_width", "server_height",
  "music_id", "music_type", "tag",
] as const;
export const KUAIRAND_VIDEO_STATISTIC_COLUMNS = [
  "video_id", "counts", ...DAILY_COUNTS, "direct_comment_user_num", "reply_comment_user_num", "share_all_cnt", "share_all_user_num", "outsite_share_all_cnt",
] as const;

function userFeatureRows(rng: Rng, users: readonly number[]): string[] {
  const degrees = ["high_active", "full_active", "middle_active", "UNKNOWN"];
  const follow = ["0", "(0,10]", "(10,50]", "(50,100]", "(100,150]", "(150,250]", "(250,500]", "500+"];
  const fans = ["0", "[1,10)", "[10,100)", "[100,1k)", "[1k,5k)", "[5k,1w)", "[1w,10w)"];
  const friends = ["0", "[1,5)", "[5,30)", "[30,60)", "[60,120)", "[120,250)", "250+"];
  const days = ["15-30", "31-60", "61-90", "91-180", "181-365", "366-730", "730+"];
  const rows = [KUAI_USER_FEATURE_COLUMNS.join(",")];
  for (const u of users) {
    const onehot = Array.from({ length: 18 }, (_, k) => (k === 3 && rng.bernoulli(0.05) ? "" : rng.int(k < 2 ? 2 : 7)));
    rows.push(csvRow([u, rng.choice(degrees), rng.int(2), rng.int(2), rng.int(2), rng.int(400), rng.choice(follow), rng.int(5000), rng.choice(fans), rng.int(60), rng.choice(friends), 15 + rng.int(3000), rng.choice(days), ...onehot]));
  }
  return rows;
}

function timeFields(rng: Rng, day: number): { time: string; date: number; ts: number } {
  const ts = Date.UTC(2020, 6, day, rng.int(24) - 8, rng.int(60), rng.int(60), rng.int(1000)) / 1000;
  const local = new Date(ts * 1000 + 8 * 3600_000).toISOString().replace("T", " ").slice(0, 23);
  return { time: local, date: Number(local.slice(0, 10).replace(/-/g, "")), ts };
}

/** The members of `KuaiRec.zip` (a top folder `KuaiRec 2.0/`), and what they hold. */
export function kuaiRecMembers(options: KuaiFixtureOptions = {}): { members: ArchiveMember[]; facts: KuaiRecFacts } {
  const rng = new Rng(options.seed ?? 0, "kuairec-fixture");
  const nSmallU = options.users ?? 60, nSmallI = options.items ?? 90, tags = options.tags ?? 31;
  const nBigU = Math.round(nSmallU * 1.6), nBigI = Math.round(nSmallI * 1.5);
  const userIds = ids(rng, nBigU), videoIds = ids(rng, nBigI);
  const model = lowRankModel(rng, nBigU, nBigI, tags, options.rank ?? 4);
  const smallU = rng.sample(nBigU, nSmallU).sort((a, b) => a - b), smallI = rng.sample(nBigI, nSmallI).sort((a, b) => a - b);
  const inSmallU = new Set(smallU), inSmallI = new Set(smallI);
  const duration = videoIds.map(() => 3000 + rng.int(60_000));
  // Watch ratio: log-normal around the user's affinity; values above 5 occur, as in the published data.
  const watch = (u: number, i: number) => Math.max(0, Math.exp(0.7 * model.score(u, i) - 0.2 + 0.25 * rng.normal()));
  const matrixRow = (u: number, i: number, day: number, stamped: boolean) => {
    const w = round(watch(u, i));
    const play = Math.round(w * duration[i]!);
    if (!stamped) return { w, row: csvRow([userIds[u]!, videoIds[i]!, play, duration[i]!, "", "", "", w]) };
    const t = timeFields(rng, day);
    // `date` is written as a float: pandas turns an int column with missing cells into float64.
    return { w, row: csvRow([userIds[u]!, videoIds[i]!, play, duration[i]!, t.time, `${t.date}.0`, t.ts.toFixed(3), w]) };
  };
  const small = new Map<string, number>();
  const smallRows = [KUAIREC_MATRIX_COLUMNS.join(",")];
  let missingSmall = 0, cappedSmall = 0;
  for (const u of smallU) {
    for (const i of smallI) {
      if (rng.bernoulli(0.004)) {
        missingSmall++;
        continue;
      }
      const { w, row } = matrixRow(u, i, 5 + rng.int(30), !rng.bernoulli(0.01));
      small.set(`${userIds[u]},${videoIds[i]}`, w);
      if (w > 5) cappedSmall++;
      smallRows.push(row);
    }
  }
  const bigRows = [KUAIREC_MATRIX_COLUMNS.join(",")];
  let bigRowsInSmall = 0, cappedBigInSmall = 0;
  for (let u = 0; u < nBigU; u++) {
    for (let i = 0; i < nBigI; i++) {
      // The big matrix is sparse (13.4% dense); duplicates are kept, as in the published file.
      if (!rng.bernoulli(0.15)) continue;
      const copies = rng.bernoulli(0.02) ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        const { w, row } = matrixRow(u, i, 5 + rng.int(60), !rng.bernoulli(0.05));
        bigRows.push(row);
        if (inSmallU.has(u) && inSmallI.has(i)) {
          bigRowsInSmall++;
          if (w > 5) cappedBigInSmall++;
        }
      }
    }
  }
  const tagMap = new Map<number, number[]>();
  const catRows = ["video_id,feat"];
  for (let i = 0; i < nBigI; i++) {
    tagMap.set(videoIds[i]!, model.itemTags[i]!);
    catRows.push(csvRow([videoIds[i]!, `[${model.itemTags[i]!.join(", ")}]`]));
  }
  const social = ["user_id,friend_list"];
  for (const u of rng.sample(nBigU, Math.max(2, Math.round(nBigU / 15)))) {
    social.push(csvRow([userIds[u]!, `[${rng.sample(nBigU, 1 + rng.int(3)).map((f) => userIds[f]).join(",")}]`]));
  }
  const tagNames = ["美食", "游戏", "音乐", "体育", "搞笑", "宠物"];
  const daily = [KUAIREC_ITEM_DAILY_COLUMNS.join(",")];
  for (let i = 0; i < nBigI; i++) {
    for (const date of [20200705, 20200706]) {
      const t = model.itemTags[i]![0]!;
      const counts = DAILY_COUNTS.map((c) => (c === "play_progress" ? round(rng.float(), 3) : rng.int(c.startsWith("show") ? 500 : 50)));
      daily.push(csvRow([videoIds[i]!, date, rng.int(9000), rng.bernoulli(0.95) ? "NORMAL" : "AD", "2020-06-2" + rng.int(10), "ShortImport", "public", duration[i]!.toFixed(1), 720, 1280, rng.bernoulli(0.2) ? "" : 1e8 + rng.int(9e8), t, tagNames[t % tagNames.length]!, ...counts]));
    }
  }
  const top = "KuaiRec 2.0";
  const members: ArchiveMember[] = [
    { path: `${top}/` },
    { path: `${top}/data/` },
    { path: `${top}/data/big_matrix.csv`, data: bigRows.join("\n") + "\n" },
    { path: `${top}/data/small_matrix.csv`, data: smallRows.join("\n") + "\n" },
    { path: `${top}/data/social_network.csv`, data: social.join("\n") + "\n" },
    { path: `${top}/data/item_categories.csv`, data: catRows.join("\n") + "\n" },
    { path: `${top}/data/user_features.csv`, data: userFeatureRows(rng, userIds).join("\n") + "\n" },
    { path: `${top}/data/item_daily_features.csv`, data: daily.join("\n") + "\n" },
    { path: `${top}/loaddata.py`, data: "# fixture stand-in for the dataset's pandas loading script\n" },
    { path: `${top}/LICENSE`, data: "fixture stand-in: the published data is CC BY-SA 4.0\n" },
  ];
  const facts: KuaiRecFacts = {
    smallUsers: [...new Set([...small.keys()].map((k) => Number(k.split(",")[0])))],
    smallVideos: smallI.map((i) => videoIds[i]!).filter((v) => [...small.keys()].some((k) => k.endsWith(`,${v}`))),
    small,
    missingSmall,
    cappedSmall,
    bigRowsInSmall,
    cappedBigInSmall,
    tags: tagMap,
  };
  return { members, facts };
}

/** The members of `KuaiRand-Pure.tar.gz` (a top folder `KuaiRand-Pure/`), and what they hold. */
export function kuaiRandPureMembers(options: KuaiFixtureOptions = {}): { members: ArchiveMember[]; facts: KuaiRandFacts } {
  const rng = new Rng(options.seed ?? 0, "kuairand-fixture");
  const nU = options.users ?? 60, nI = options.items ?? 90, tags = options.tags ?? 31;
  const users = Array.from({ length: nU }, (_, u) => u); // KuaiRand re-indexes users from 0
  const videos = ids(rng, nI, 2);
  const model = lowRankModel(rng, nU, nI, tags, options.rank ?? 4);
  const durations = videos.map(() => 3000 + rng.int(120_000));
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  const logRow = (u: number, i: number, day: Date, isRand: number) => {
    const click = rng.bernoulli(sigmoid(1.6 * model.score(u, i) - 0.4)) ? 1 : 0;
    const play = click ? Math.round(durations[i]! * (0.3 + rng.float() * 1.5)) : rng.int(3000);
    const longView = play >= Math.min(durations[i]!, 18_000) ? 1 : 0;
    const like = click && rng.bernoulli(0.05) ? 1 : 0;
    const date = Number(day.toISOString().slice(0, 10).replace(/-/g, ""));
    const hourmin = rng.int(24) * 100;
    return { click, row: csvRow([u, videos[i]!, date, hourmin, day.getTime() + rng.int(3_600_000), click, like, 0, rng.bernoulli(0.01) ? 1 : 0, 0, rng.bernoulli(0.005) ? 1 : 0, longView, play, durations[i]!, 0, click ? rng.int(5000) : 0, 0, isRand, rng.int(15)]) };
  };
  const logFile = (from: [number, number], days: number, perUser: number, random: boolean) => {
    const rows = [KUAIRAND_LOG_COLUMNS.join(",")];
    const clicks: number[] = [];
    for (let d = 0; d < days; d++) {
      const day = new Date(Date.UTC(2022, from[0] - 1, from[1] + d));
      for (const u of users) {
        const k = Math.max(0, Math.round(perUser / days + rng.normal() * 0.5));
        // The standard feed shows what the production recommender expected the user to like; the random log is uniform.
        const weights = Array.from({ length: nI }, (_, i) => (random ? 1 : Math.exp(0.8 * model.score(u, i))));
        for (let j = 0; j < k; j++) {
          const { click, row } = logRow(u, rng.categorical(weights), day, random ? 1 : 0);
          rows.push(row);
          clicks.push(click);
        }
      }
    }
    return { text: rows.join("\n") + "\n", clicks };
  };
  const early = logFile([4, 8], 14, 30, false), late = logFile([4, 22], 17, 10, false), rand = logFile([4, 22], 17, 12, true);
  const tagMap = new Map<number, string>();
  const basic = [KUAIRAND_VIDEO_BASIC_COLUMNS.join(",")];
  const stats = [KUAIRAND_VIDEO_STATISTIC_COLUMNS.join(",")];
  for (let i = 0; i < nI; i++) {
    // A few videos have no tag in the published file.
    const tag = rng.bernoulli(0.03) ? "" : model.itemTags[i]!.join(",");
    tagMap.set(videos[i]!, tag);
    basic.push(csvRow([videos[i]!, rng.int(9_000_000), "NORMAL", `2022-0${1 + rng.int(4)}-1${rng.int(10)}`, "ShortImport", 1, rng.bernoulli(0.02) ? "" : durations[i]!.toFixed(1), 720, 1280, rng.int(1e9), 4, tag]));
    stats.push(csvRow([videos[i]!, 1 + rng.int(60), ...DAILY_COUNTS.map(() => round(rng.float() * 50, 3)), ...[0, 0, 0, 0, 0].map(() => round(rng.float(), 3))]));
  }
  const top = "KuaiRand-Pure";
  const members: ArchiveMember[] = [
    { path: `${top}/` },
    { path: `${top}/data/` },
    { path: `${top}/data/log_random_4_22_to_5_08_pure.csv`, data: rand.text },
    { path: `${top}/data/log_standard_4_08_to_4_21_pure.csv`, data: early.text },
    { path: `${top}/data/log_standard_4_22_to_5_08_pure.csv`, data: late.text },
    { path: `${top}/data/user_features_pure.csv`, data: userFeatureRows(rng, users).join("\n") + "\n" },
    { path: `${top}/data/video_features_basic_pure.csv`, data: basic.join("\n") + "\n" },
    { path: `${top}/data/video_features_statistic_pure.csv`, data: stats.join("\n") + "\n" },
    { path: `${top}/load_data_pure.py`, data: "# fixture stand-in for the dataset's pandas loading script\n" },
  ];
  const facts: KuaiRandFacts = {
    users,
    videos,
    standardRows: early.clicks.length + late.clicks.length,
    randomRows: rand.clicks.length,
    standardClicks: [...early.clicks, ...late.clicks],
    randomClicks: rand.clicks,
    tags: tagMap,
  };
  return { members, facts };
}

/** Writes archive members as files under `dir` (directories created, directory members skipped). */
export function writeMembers(dir: string, members: readonly ArchiveMember[]): void {
  for (const m of members) {
    if (m.data === undefined) continue;
    const target = join(dir, m.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, m.data);
  }
}

/** Unpacked KuaiRec under `dir` (as `dir/KuaiRec 2.0/data/...`). */
export function writeKuaiRecFixture(dir: string, options: KuaiFixtureOptions = {}): KuaiRecFacts {
  const { members, facts } = kuaiRecMembers(options);
  writeMembers(dir, members);
  return facts;
}

/** Unpacked KuaiRand-Pure under `dir` (as `dir/KuaiRand-Pure/data/...`). */
export function writeKuaiRandPureFixture(dir: string, options: KuaiFixtureOptions = {}): KuaiRandFacts {
  const { members, facts } = kuaiRandPureMembers(options);
  writeMembers(dir, members);
  return facts;
}

/** `KuaiRec.zip` as published (deflated entries under `KuaiRec 2.0/`). */
export function writeKuaiRecZip(file: string, options: KuaiFixtureOptions & { zip64?: boolean } = {}): KuaiRecFacts {
  const { members, facts } = kuaiRecMembers(options);
  writeZip(file, members, { zip64: options.zip64 ?? false });
  return facts;
}

/** `KuaiRand-Pure.tar.gz` as published (entries under `KuaiRand-Pure/`). */
export function writeKuaiRandPureTarGz(file: string, options: KuaiFixtureOptions = {}): KuaiRandFacts {
  const { members, facts } = kuaiRandPureMembers(options);
  writeTar(file, members);
  return facts;
}
