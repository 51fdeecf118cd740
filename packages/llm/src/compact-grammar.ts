/**
 * Compact JSON under a grammar. node-llama-cpp's JSON-schema grammar lets the model put a newline and the scope's
 * indentation before every element, and SmolLM2 does: a plan's list of 20 ids came out one id per line, 274 tokens
 * where the compact answer takes about 100 (measured on 4 LERL plan prompts: 1,315 answer tokens pretty, 412
 * compact, CPU per plan 8.7 s -> 4.6 s). Answer tokens are the slow part of a local model's answer (each is a
 * forward pass), and the schema-derived budget (`schemaTokenBudget`) counts compact JSON, so a pretty answer
 * could outgrow it. This rewrite keeps the grammar's rules and makes every whitespace rule allow nothing but the
 * single optional space: the answers parse exactly as before, written on one line.
 */

/** Whitespace rules of node-llama-cpp's JSON-schema grammar: `whitespace-...-rule` and `comma-whitespace-...-rule`. */
const WHITESPACE_RULE = /^((comma-)?whitespace-[\w-]+-rule) ::= .*$/gm;

/**
 * The GBNF text with every whitespace rule reduced to at most one space (a comma rule to the comma and at most
 * one space). Other rules, the root and the end-of-answer newlines the grammar's stop trigger waits for are kept.
 */
export function compactJsonGrammar(gbnf: string): string {
  return gbnf.replace(WHITESPACE_RULE, (_line, name: string, comma?: string) => `${name} ::= ${comma ? '"," [ ]?' : "[ ]?"}`);
}
