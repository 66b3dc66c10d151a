/**
 * `cxone-date lint FILE...`: checks declaration files offline (no Pulumi, no credentials, no
 * network) with the validation `check` runs, and computes every entry's value. Problems print as
 * `file:line:column: entry.field: reason` (exit 1); a clean run prints what each entry writes.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadDeclarations, type Declaration } from "../gitops/load";
import { CONTROL_CHARACTER, escapeRawControls } from "../resource/messages";
import { withSuggestion } from "./args";
import { DeclarationError, formatProblem, type DeclarationProblem } from "../gitops/source";

export const LINT_USAGE = `Usage: cxone-date lint [--format text|github|json] FILE|DIRECTORY...

Checks CxoneDateAction declaration files offline, as a CxoneDateActionSet built from the same
paths would load them (a directory stands for its .yaml and .yml files; entry names must be
unique across all of them), and computes the value each entry writes to CXone.

  --format text     problems as file:line:column: entry.field: reason (default)
  --format github   problems as GitHub Actions annotations (::error file=...,line=...,col=...::...)
  --format json     {"ok", "problems", "entries"} for other tools
  -h, --help        show this help

A directory is read recursively; a symbolic link is followed only inside the directory given.
Files are YAML 1.2 (core schema): another %YAML version, a tag such as !!binary, text that is not
UTF-8, deep nesting or excessive aliases are problems at the place they occur.

Exits 0 and prints a table (entry, action, value written) when every file is valid, 1 when
any problem is found, 2 on a usage error or when the files could not be checked at all.
`;

const FORMATS = ["text", "github", "json"] as const;
type Format = (typeof FORMATS)[number];

const CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTER.source, "gu");
const NAMED_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * Every character that could end or forge a line of a CI log, shown as an escape instead: C0 and C1
 * controls, DEL and the Unicode line separators (a file name or an unknown key comes from the pull
 * request, and a runner reads a line that starts "::" or "##[" as a workflow command).
 */
function visible(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (c) => NAMED_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`);
}

/**
 * A file as printed at the start of a line: a relative path that starts with anything but a letter,
 * digit, '.', '_' or '/' gets "./" in front, so no file name ("::error::x.yaml", "##[add-mask]x")
 * is the start of a log line; editors still read the path.
 */
function shownFile(file: string): string {
  const shown = visible(file);
  return /^[A-Za-z0-9._/]/.test(shown) ? shown : `./${shown}`;
}

/** The JSON document, nothing in it a log viewer acts on. */
function asciiJson(value: unknown): string {
  return escapeRawControls(JSON.stringify(value, null, 2));
}

/** A problem as text, one line whatever the file holds. */
function textLine(p: DeclarationProblem): string {
  return formatProblem({ ...p, file: shownFile(p.file), path: visible(p.path), reason: visible(p.reason) });
}

/** GitHub's workflow-command escaping: data escapes %, CR, LF; properties also ':' and ','. */
function escapeData(text: string): string {
  return visible(text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A"));
}
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/** Annotation paths are read relative to the checkout; lint may run from a subdirectory. */
function workspacePath(file: string): string {
  const workspace = process.env.GITHUB_WORKSPACE;
  return workspace === undefined || workspace === "" ? file : path.relative(workspace, path.resolve(file));
}

function annotation(p: DeclarationProblem): string {
  const where = [`file=${escapeProperty(workspacePath(p.file))}`];
  if (p.line !== undefined) where.push(`line=${p.line}`, `col=${p.column ?? 1}`);
  where.push("title=cxone-date lint");
  return `::error ${where.join(",")}::${escapeData(p.path === "" ? p.reason : `${p.path}: ${p.reason}`)}`;
}

function actionOf(d: Declaration): string {
  const id = d.args.actionId;
  return typeof id === "string" ? `${String(d.args.actionName)} (id ${id})` : String(d.args.actionName);
}

function table(declarations: Declaration[]): string {
  // Check refuses control characters in every input; shown escaped all the same, as every field printed is.
  const rows = [["ENTRY", "ACTION", "VALUE WRITTEN"], ...declarations.map((d) => [d.name, actionOf(d), d.written].map(visible))];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ")).join("\n");
}

function entryJson(d: Declaration) {
  return {
    name: d.name,
    file: d.file,
    line: d.line,
    column: d.column,
    actionName: d.args.actionName,
    actionId: d.args.actionId ?? null,
    valueFormat: d.args.valueFormat ?? "offset",
    written: d.written,
    ...d.computed,
  };
}

export function lint(argv: string[], out: (text: string) => void, err: (text: string) => void): number {
  let values: { format?: string; help?: boolean };
  let files: string[];
  try {
    ({ values, positionals: files } = parseArgs({
      args: argv,
      options: { format: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: true,
    }));
  } catch (error) {
    err(`cxone-date lint: ${withSuggestion((error as Error).message, ["format", "help"])}\n\n${LINT_USAGE}`);
    return 2;
  }
  if (values.help === true) {
    out(LINT_USAGE);
    return 0;
  }
  const format = (values.format ?? "text") as Format;
  if (!FORMATS.includes(format)) {
    err(`cxone-date lint: --format ${JSON.stringify(values.format)} is not one of ${FORMATS.join(", ")}\n\n${LINT_USAGE}`);
    return 2;
  }
  if (files.length === 0) {
    err(`cxone-date lint: name at least one declaration file or directory\n\n${LINT_USAGE}`);
    return 2;
  }
  let declarations: Declaration[] = [];
  let problems: DeclarationProblem[] = [];
  try {
    declarations = loadDeclarations(files);
  } catch (error) {
    if (!(error instanceof DeclarationError)) {
      // Not a problem of the files but of reading them (a directory that vanished mid-walk, no
      // memory): exit 2 as for usage, and --format json still prints a document.
      const message = visible((error as Error)?.message ?? String(error));
      if (format === "json") out(`${asciiJson({ ok: false, error: message, problems: [], entries: [] })}\n`);
      err(`cxone-date lint: could not check the files: ${message}\n`);
      return 2;
    }
    problems = error.problems;
  }
  if (format === "json") {
    out(`${asciiJson({ ok: problems.length === 0, problems, entries: declarations.map(entryJson) })}\n`);
  } else if (problems.length > 0) {
    out(`${problems.map(format === "github" ? annotation : textLine).join("\n")}\n`);
  } else {
    out(`${table(declarations)}\n`);
  }
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  if (problems.length > 0) err(`cxone-date lint: ${count}; nothing was deployed or contacted\n`);
  return problems.length > 0 ? 1 : 0;
}
