/** HTML tables of the report: the comparison table and the run's configuration. */
import type { ResultColumn, ResultsTable, RunConfig } from "../run-dir/run-dir.js";
import { esc } from "./svg.js";

/** Formats a table value: numbers to 3 significant digits (integers as they are), the rest as text. */
export function fmtCell(v: unknown): string {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(2) : Number(v.toPrecision(3)).toString();
  }
  if (v === null || v === undefined) return "–";
  return typeof v === "string" ? v : JSON.stringify(v);
}

function column(c: string | ResultColumn): ResultColumn {
  return typeof c === "string" ? { key: c } : c;
}

/**
 * The rows holding the best value of a column: every row that ties with the best as printed (two agents at
 * 30.000 are both best), empty when the column has no direction or no numbers.
 */
function bestRows(rows: ResultsTable["rows"], col: ResultColumn): Set<number> {
  if (!col.better) return new Set();
  const values = rows.map((r) => r[col.key]).map((v) => (typeof v === "number" && Number.isFinite(v) ? v : undefined));
  const present = values.filter((v): v is number => v !== undefined);
  if (present.length === 0) return new Set();
  const bestText = fmtCell(col.better === "higher" ? Math.max(...present) : Math.min(...present));
  return new Set(values.flatMap((v, i) => (v !== undefined && fmtCell(v) === bestText ? [i] : [])));
}

/**
 * The comparison table: agent, then one column per result column with "mean ± std" when the row has a
 * `<key>_std`. The best value of a column with a direction is bold (every row that ties with it as printed).
 */
export function resultsTable(results: ResultsTable): string {
  const cols = results.columns.map(column).filter((c) => c.key !== "agent");
  const best = cols.map((c) => bestRows(results.rows, c));
  const head = `<tr><th scope="col">agent</th>${cols
    .map((c) => `<th scope="col">${esc(c.label ?? c.key)}${c.better ? ` <span class="dir" title="${c.better} is better">${c.better === "higher" ? "↑" : "↓"}</span>` : ""}</th>`)
    .join("")}</tr>`;
  const body = results.rows
    .map((r, ri) => {
      const cells = cols.map((c, ci) => {
        const std = r[`${c.key}_std`];
        const text = esc(fmtCell(r[c.key])) + (std !== undefined ? `<span class="std"> ± ${esc(fmtCell(std))}</span>` : "");
        return `<td class="num">${best[ci]!.has(ri) ? `<strong>${text}</strong>` : text}</td>`;
      });
      return `<tr><th scope="row">${esc(r.agent)}</th>${cells.join("")}</tr>`;
    })
    .join("\n");
  const note = (results.spread ? `<p class="note">± = ${esc(results.spread)}.</p>` : "") + (results.note ? `<p class="note">${esc(results.note)}</p>` : "");
  return `<table class="results"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>${note}`;
}

/** Flattens nested config into dotted keys: { ppo: { lr: 3e-4 } } -> [["ppo.lr", 3e-4]]. Short arrays of plain values stay one value. */
export function flattenConfig(value: unknown, prefix = ""): [string, unknown][] {
  const plain = (v: unknown) => v === null || typeof v !== "object";
  if (Array.isArray(value) && (value.length === 0 || (value.every(plain) && value.length <= 20))) return [[prefix, value]];
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    if (entries.length === 0) return [[prefix, value]];
    return entries.flatMap(([k, v]) => flattenConfig(v, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, value]];
}

/** The configuration as a two-column table of dotted keys and JSON values. */
export function configTable(config: RunConfig): string {
  const rows = flattenConfig(config)
    .map(([k, v]) => `<tr><th scope="row"><code>${esc(k)}</code></th><td><code>${esc(typeof v === "string" ? v : JSON.stringify(v))}</code></td></tr>`)
    .join("\n");
  return `<table class="config"><thead><tr><th scope="col">key</th><th scope="col">value</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}
