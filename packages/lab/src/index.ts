/**
 * @farsight/lab: the experiment layer shared by scripts, the `farsight` CLI and the server.
 * Statistics over seeds live in ./stats; experiments, run directories, sweeps and the report join them.
 */
export * from "./stats/index.js";
