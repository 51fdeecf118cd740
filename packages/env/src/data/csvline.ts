/** Splits one CSV line (RFC 4180 quotes: "a, b" and "" inside quotes). */
export function splitCsv(line: string, sep = ","): string[] {
  if (!line.includes('"')) return line.split(sep);
  const out: string[] = [];
  let cur = "", quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === sep) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Column index of `name` in a header row, or an error naming the file and the columns it has. */
export function column(header: string[], name: string, file: string, onError: (file: string, line: number, problem: string) => Error): number {
  const j = header.findIndex((h) => h.trim() === name);
  if (j < 0) throw onError(file, 1, `missing column "${name}" (columns: ${header.join(", ")})`);
  return j;
}
