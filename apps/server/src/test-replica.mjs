// A server replica for the scale-out tests: the session assistant on a small synthetic world, state in the
// storage named by argv[2]. Prints `listening <url>` when ready; SIGTERM closes it. With `--stall-at-plan K[,K2...]`
// the K-th plan (counting from 1) never finishes, so a test can kill this process (or cancel a run) in the middle
// of a run; with `--stall-user U` every plan of user U's sessions never finishes (a run in progress on demand).
import { generateSynthetic, SyntheticWorld } from "@farsight/env";
import { SaturationAwarePlanner } from "@farsight/planner";
import { TemplateReflector } from "@farsight/reflector";
import { openStorage, sessionAssistant, startServer } from "../dist/index.js";

const [spec, ...flags] = process.argv.slice(2);
const flag = (name) => (flags.includes(name) ? flags[flags.indexOf(name) + 1] : undefined);
const stallAt = new Set((flag("--stall-at-plan") ?? "").split(",").filter(Boolean).map(Number));
const stallUser = flag("--stall-user") === undefined ? undefined : Number(flag("--stall-user"));
const data = generateSynthetic({ numCategories: 5, numItems: 40, numUsers: 10, embeddingDim: 4, seed: 1 });
const inner = new SaturationAwarePlanner();
let plans = 0;
const planner = {
  name: inner.name,
  usesLlm: false,
  plan: async (requests) =>
    stallAt.has(++plans) || requests.some((r) => r.userId === stallUser) ? new Promise(() => {}) : inner.plan(requests),
};
const storage = await openStorage(spec);
const session = await sessionAssistant(
  { catalog: data.catalog, numUsers: 10, planner, scorer: new SyntheticWorld(data).scorer, reflector: new TemplateReflector(), slateSize: 2, maxSteps: 8 },
  { checkpointer: storage.checkpointer, store: storage.store, replicaId: `replica-${process.pid}` },
);
const server = await startServer({ graphs: [session], storage });
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
console.log(`listening ${server.url}`);
