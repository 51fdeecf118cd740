export { main, helpText, version } from "./main.js";
export { UsageError, parseFlags, type ParsedFlags, type LazyCommand, type CommandEntry, intFlag, numberFlag, choiceFlag, listFlag, exclusiveFlags, type FlagRange, type Command, type CliIO } from "./command.js";
export { commands } from "./commands/index.js";
export { captureIO } from "./capture-io.js";
