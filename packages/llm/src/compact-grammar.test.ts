import { describe, expect, it } from "vitest";
import { compactJsonGrammar } from "./compact-grammar.js";

// What node-llama-cpp 3.22 writes for {categories: enum list, rationale: string} (copied from its output).
const PRETTY = String.raw`root ::= "{" whitespace-b-1-4-rule "\"categories\"" ":" [ ]? rule1 comma-whitespace-b-1-4-rule "\"rationale\"" ":" [ ]? string-0-20-rule whitespace-b-0-4-rule "}" "\n\n\n\n" [\n]*
rule0 ::= ( "0" | "1" | "2" )
comma-whitespace-b-2-4-rule ::= "," ([\n] (" "{8} | "\t\t") | [ ]?)
whitespace-b-2-4-rule ::= [\n] (" "{8} | "\t\t") | [ ]?
whitespace-b-1-4-rule ::= [\n] ("    " | "\t") | [ ]?
rule1 ::= "[" whitespace-b-2-4-rule rule0 ( comma-whitespace-b-2-4-rule rule0 ){0,2} whitespace-b-1-4-rule "]"
comma-whitespace-b-1-4-rule ::= "," ([\n] ("    " | "\t") | [ ]?)
string-char-rule ::= [^"\\\x7F\x00-\x1F] | "\\" ["\\/bfnrt] | "\\u" [0-9a-fA-F]{4}
string-0-20-rule ::= "\"" ( string-char-rule ){0,20} "\""
whitespace-b-0-4-rule ::= [\n] | [ ]?`;

describe("compactJsonGrammar", () => {
  it("leaves whitespace rules at most one space and every other rule as it was", () => {
    const compact = compactJsonGrammar(PRETTY);
    const rules = (text: string) => Object.fromEntries(text.split("\n").map((l) => l.split(" ::= ") as [string, string]));
    const before = rules(PRETTY);
    const after = rules(compact);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(after["whitespace-b-2-4-rule"]).toBe("[ ]?");
    expect(after["whitespace-b-1-4-rule"]).toBe("[ ]?");
    expect(after["whitespace-b-0-4-rule"]).toBe("[ ]?");
    expect(after["comma-whitespace-b-2-4-rule"]).toBe('"," [ ]?');
    expect(after["comma-whitespace-b-1-4-rule"]).toBe('"," [ ]?');
    for (const name of ["root", "rule0", "rule1", "string-char-rule", "string-0-20-rule"]) expect(after[name]).toBe(before[name]);
    // No newline is left anywhere in the answer's rules; the root's end-of-answer newlines (the stop trigger) stay.
    expect(Object.entries(after).filter(([name, body]) => name !== "root" && body.includes("[\\n]"))).toEqual([]);
    expect(after.root).toContain('"\\n\\n\\n\\n"');
  });
});
