/**
 * `--help` text generated from a command's flag table (flag-table.ts): usage lines, description, one aligned
 * entry per flag with its default, grouped, and notes; wrapped to the terminal (at most 100 columns).
 */
import { defaultText, placeholderOf, type ChoiceFlagSpec, type CommandSpec, type FlagSpec, type ListFlagSpec } from "./flag-table.js";

/** The help's width: the terminal's when stdout is one (at least 60), else 100 columns. */
export function helpWidth(): number {
  const cols = process.stdout.isTTY ? process.stdout.columns : undefined;
  return cols ? Math.max(60, Math.min(100, cols)) : 100;
}

/** Words of `text` in lines of at most `width` columns (a longer word gets a line of its own). */
export function wrapWords(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

/**
 * A paragraph: wrapped, unless it holds a line break. Then it is a list (`  name   what it is`), printed as
 * written except that a line too long wraps under its second column.
 */
export function paragraph(text: string, width = helpWidth()): string[] {
  if (!text.includes("\n")) return wrapWords(text, width);
  return text.split("\n").flatMap((line) => {
    const m = /^(\s*\S.*?\s{2,}|\s+)(\S.*)$/.exec(line);
    if (line.length <= width || !m) return [line];
    const pad = " ".repeat(m[1]!.length);
    const [first, ...rest] = wrapWords(m[2]!, width - pad.length);
    return [m[1]! + (first ?? ""), ...rest.map((l) => pad + l)];
  });
}

function aliasesOf(f: ChoiceFlagSpec | ListFlagSpec, choice: string): string[] {
  return Object.entries(f.aliases ?? {}).filter(([, v]) => v === choice).map(([k]) => k);
}

function named(f: ChoiceFlagSpec | ListFlagSpec, choice: string): string {
  const a = aliasesOf(f, choice);
  return a.length ? `${choice} (alias ${a.join(", ")})` : choice;
}

/** The entry's text after the flag column: help, choices, default, required. */
function entryText(f: FlagSpec): { text: string; choiceLines: string[] } {
  let text = f.help;
  const choiceLines: string[] = [];
  if ((f.kind === "choice" || f.kind === "list") && f.choices) {
    if (f.choiceHelp) for (const c of f.choices) choiceLines.push(`${named(f, c)}: ${f.choiceHelp[c] ?? ""}`.replace(/: $/, ""));
    else text += ` One of: ${f.choices.map((c) => named(f, c)).join(", ")}.`;
  }
  const d = defaultText(f);
  if (f.required) text += " (required)";
  else if (d !== undefined) text += ` (default: ${d})`;
  return { text, choiceLines };
}

/** The flag column of an entry: `--name PLACEHOLDER`. */
export function flagColumn(name: string, f: FlagSpec): string {
  const ph = f.placeholder ?? placeholderOf(f);
  return `--${name}${ph ? ` ${ph}` : ""}`;
}

/** The full `--help` text of a command, from its table. */
export function renderHelp(spec: CommandSpec, width = helpWidth()): string {
  const lines: string[] = [];
  const forms = spec.forms?.length ? spec.forms : [""];
  forms.forEach((form, i) => lines.push(`${i === 0 ? "Usage: " : "       "}farsight ${spec.command}${form ? ` ${form}` : ""} [flags]`));
  for (const p of spec.description ?? []) lines.push("", ...paragraph(p, width));
  const entries = Object.entries(spec.flags);
  // The flag column is as wide as its entries, up to 26 columns; a longer flag puts its text on the next line.
  const col = Math.min(26, Math.max(...entries.map(([n, f]) => flagColumn(n, f).length))) + 4;
  const groups = [...new Set(entries.map(([, f]) => f.group ?? "Flags"))];
  for (const group of groups) {
    lines.push("", `${group}:`);
    for (const [name, f] of entries.filter(([, f]) => (f.group ?? "Flags") === group)) {
      const head = `  ${flagColumn(name, f)}`;
      const { text, choiceLines } = entryText(f);
      const body = wrapWords(text, width - col);
      const pad = " ".repeat(col);
      if (head.length + 2 <= col) lines.push(head.padEnd(col) + (body[0] ?? ""), ...body.slice(1).map((l) => pad + l));
      else lines.push(head, ...body.map((l) => pad + l));
      for (const c of choiceLines) {
        const [first, ...rest] = wrapWords(c, width - col - 2);
        lines.push(`${pad}  ${first}`, ...rest.map((l) => `${pad}    ${l}`));
      }
    }
  }
  for (const x of spec.exclusive ?? []) {
    lines.push("", ...wrapWords(`Not together: ${x.flags.map((f) => `--${f}`).join(", ")}${x.why ? ` (${x.why})` : ""}.`, width));
  }
  for (const p of spec.notes ?? []) lines.push("", ...paragraph(p, width));
  return lines.join("\n") + "\n";
}
