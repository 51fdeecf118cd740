/**
 * Every code a {@link FarsightError} can carry, grouped by the package that throws it, with what it means.
 * One spelling: `<package>/<kebab-case-name>`. Programs branch on the code (`err.code === "env/missing-data"`);
 * the message is for people. A new error adds its code here: the constructor takes only these, so `tsc`
 * refuses a code that is not listed, and core's README shows this table.
 */
export const FARSIGHT_ERROR_CODES = {
  // @farsight/env
  "env/already-fetched": "the dataset folder exists already; a fetch never overwrites it",
  "env/bad-archive": "a downloaded archive holds an unsafe path; nothing was written",
  "env/bad-data": "a dataset file is malformed (the message names the file, the line and the problem)",
  "env/bad-matrix": "a reward matrix has the wrong number of values for its users x items",
  "env/bad-option": "an option of a simulator, session, world model or preset is out of range",
  "env/bad-slate": "a slate has the wrong size or items outside the catalogue",
  "env/bad-user": "a user id is outside the world's users",
  "env/checksum-mismatch": "a downloaded file's checksum differs from the pinned one",
  "env/download-failed": "a dataset download failed (network or HTTP error)",
  "env/empty-log": "a world model was asked to train on an empty interaction log",
  "env/missing-data": "a dataset is not found in any data directory searched",
  "env/no-users": "the simulator's user pool is empty",
  "env/session-over": "a step was taken in a session that has ended",
  "env/tfjs-missing": "TF.js, an optional peer, is needed (learned world models) and not installed",
  "env/too-large": "the dense matrix a world model trains on is too large",
  "env/unknown-preset": "no environment preset has this name",
  // @farsight/llm
  "llm/bad-archive": "a model wheel (zip) is malformed or lacks the model file",
  "llm/bad-spec": "a model spec string is not one of the accepted forms",
  "llm/cache-open": "the SQLite response cache cannot be opened (better-sqlite3 missing or the file unusable)",
  "llm/download": "a model download failed or its URL is not valid",
  "llm/gguf-missing": "no GGUF model file at the path a llama-cpp spec names",
  "llm/llama-cpp-load": "node-llama-cpp could not load the GGUF model",
  "llm/llama-cpp-missing": "llama-cpp specs need node-llama-cpp, an optional dependency that is not installed",
  "llm/llama-cpp-prompt": "a llama-cpp conversation does not end with a user message",
  "llm/model-checksum": "a downloaded model file's sha256 differs from the registry's",
  "llm/model-fetch": "every source of a model failed (or none of the kinds asked for exists)",
  "llm/model-not-fetched": "a registry model named by llama-cpp:<name> is not downloaded yet",
  "llm/no-api-key": "an openai: spec without OPENAI_API_KEY or an apiKey option",
  "llm/record-write-failed": "the file answers are recorded to cannot be written",
  "llm/scripted-exhausted": "a scripted model received more calls than it has answers",
  "llm/scripted-file": "a scripted answers file cannot be read or parsed",
  "llm/scripted-miss": "a scripted answers file has no answer for this prompt",
  "llm/timeout": "a model call did not answer within its deadline",
  "llm/unknown-model": "no model of the local registry has this name",
  // @farsight/planner
  "planner/bad-candidate": "a candidate category is not in the catalogue",
  "planner/no-candidates": "a plan request has no candidate category",
  // @farsight/reflector
  "reflector/bad-pool-size": "a reflection pool's maxSize is not an integer >= 1",
  "reflector/bad-reflection": "a reflection lacks text, a finite return and length, categories or source",
  "reflector/bad-snapshot": "a pool snapshot is not one this version reads",
  "reflector/bad-tau": "sampling by return with a temperature <= 0",
  // @farsight/llm-actor
  "llm-actor/grounding-bad-option": "a grounding option (fuzzy threshold) is out of range",
  "llm-actor/memory-bad-json": "saved actor memory is not an array of entries",
  "llm-actor/memory-bad-option": "an actor memory option (window, similarity, keys) is out of range",
  "llm-actor/no-items": "every catalogue item is excluded, so the actor has nothing to recommend",
  "llm-actor/scorer-mismatch": "the candidate scorer and the catalogue disagree on the number of items",
  "llm-actor/unknown-user": "the user id is outside the scorer's users",
  // @farsight/critic
  "critic/bad-range": "the LLM critic's score range is not two integers lo < hi",
  "critic/memory-bad-json": "saved critic memory is not an array of entries",
  "critic/memory-bad-option": "a critic memory option (window, similarity) is out of range",
  "critic/unknown-user": "the user id is outside the scorer's users",
  // @farsight/rl-policy
  "rl-policy/backend-not-initialised": "a policy was created before initBackend() chose a TF.js backend",
  "rl-policy/bad-checkpoint": "a saved policy cannot be read or does not match its manifest",
  "rl-policy/bad-option": "a policy or algorithm option is unknown or out of range",
  "rl-policy/empty-rollout": "an update was called on an empty rollout buffer",
  "rl-policy/env-mismatch": "a policy trained for other items or slate sizes was used on this environment",
  "rl-policy/history-length": "a history batch does not have the length the policy was built for",
  "rl-policy/ilrec-bad-demo": "a demonstration's slate does not fit the policy",
  "rl-policy/no-backend": "no TF.js backend could be initialised",
  "rl-policy/non-finite-checkpoint": "a checkpoint holds NaN or Infinity weights",
  "rl-policy/slate-too-large": "the slate is larger than the catalogue",
  "rl-policy/unknown-algorithm": "no algorithm has this name (ppo, a2c, dqn)",
  // @farsight/graph
  "graph/bad-checkpoint-db": "a checkpoint database cannot be read",
  "graph/billp-interrupted": "a BiLLP session stopped before its end (resume it)",
  "graph/billp-no-checkpointer": "resuming a BiLLP session without a checkpointer",
  "graph/billp-no-plan": "the planner returned no plan for a session",
  "graph/billp-no-session": "the BiLLP graph reached a step before its begin node",
  "graph/billp-runaway-session": "a session ran past the simulator's step limit",
  "graph/checkpoint-mismatch": "a checkpoint belongs to another run (other environment, seed or settings)",
  "graph/corrupt-checkpoint": "the checkpoint database is damaged",
  "graph/ilrec-bad-demo-file": "a demonstrations file has a line that is not JSON",
  "graph/ilrec-bad-demo-session": "a demonstration session is inconsistent (steps, slates, rewards)",
  "graph/ilrec-no-demo-file": "a demonstrations file cannot be read",
  "graph/ilrec-no-model": "the LLM teacher was asked for without a chat model",
  "graph/missing-chunk": "the saved graph state names a chunk whose directory is missing",
  "graph/no-recommender": "a session graph has neither a policy nor a scorer to pick items",
  "graph/nothing-to-resume": "a resume found no checkpointed run in the directory",
  "graph/run-exists": "the directory holds a checkpointed run already (resume it or choose another)",
  // @farsight/cli
  "cli/chromium-missing": "report --png / --open-check need Chromium, which is not found",
  "cli/playwright-missing": "report --png / --open-check need playwright-core, which is not installed",
  "cli/run-dir-create": "a run directory cannot be created",
  "cli/run-dir-missing": "a run directory does not exist",
  "cli/run-dir-not-dir": "a run directory path is not a directory",
  "cli/run-dir-record": "a record of a run directory is malformed",
} as const satisfies Record<`${string}/${string}`, string>;

/** The code of a {@link FarsightError}: one of {@link FARSIGHT_ERROR_CODES}. */
export type FarsightErrorCode = keyof typeof FARSIGHT_ERROR_CODES;
