/**
 * The bench's one table: a row per figure, with the target and PASS/MISS next to the value.
 * Printed as a Markdown table so a run can be pasted into BENCHMARKS.md as it is.
 */

export type Verdict = "PASS" | "MISS" | "";

/** A measured value, and whether it meets its target ("" when the row has no target). */
export interface Cell {
  text: string;
  verdict: Verdict;
}

export interface Row {
  figure: string;
  target: string;
  main: Cell; // N resources
  large: Cell; // 4N resources, fresh host
  baseline: Cell; // the original design's client, N resources
}

export const NONE: Cell = { text: "-", verdict: "" };

export function cell(text: string, pass?: boolean): Cell {
  return { text, verdict: pass === undefined ? "" : pass ? "PASS" : "MISS" };
}

function show(c: Cell): string {
  return c.verdict === "" ? c.text : `${c.text} ${c.verdict}`;
}

export function renderTable(rows: Row[], headers: [string, string, string, string, string]): string {
  const lines = [headers, ...rows.map((r) => [r.figure, r.target, show(r.main), show(r.large), show(r.baseline)])];
  const widths = headers.map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  const format = (l: string[]) => `| ${l.map((text, c) => text.padEnd(widths[c])).join(" | ")} |`;
  return [format(lines[0]), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...lines.slice(1).map(format)].join("\n");
}

/** Every MISS in the table, named by row and column, for the summary line. */
export function misses(rows: Row[], columns: [string, string, string]): string[] {
  return rows.flatMap((r) =>
    ([["main", columns[0]], ["large", columns[1]], ["baseline", columns[2]]] as const)
      .filter(([key]) => r[key].verdict === "MISS")
      .map(([key, name]) => `${r.figure} (${name}: ${r[key].text})`),
  );
}
