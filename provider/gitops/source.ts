/**
 * Reading declaration files into YAML documents that keep every node's position, and the
 * problems found in them. Pure apart from the bounded file reads; no Pulumi.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import * as path from "node:path";
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { MAX_FILE_BYTES } from "./format";

/** One problem, located in its file. `line`/`column` are 1-based; absent for a whole-file problem. */
export interface DeclarationProblem {
  file: string;
  line?: number;
  column?: number;
  /** Where in the file's data: `entry.field`, `defaults.field`, `version`, ... */
  path: string;
  reason: string;
}

export function formatProblem(p: DeclarationProblem): string {
  const at = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  return `${at}: ${p.path === "" ? "" : `${p.path}: `}${p.reason}`;
}

/** Every problem of a declaration set, in file order; its message lists them one per line. */
export class DeclarationError extends Error {
  readonly code = "CXONE_DECLARATIONS_INVALID";
  constructor(readonly problems: DeclarationProblem[]) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`the declarations are not valid (${count}); fix them and run cxone-date lint again:\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`);
    this.name = "DeclarationError";
  }
}

/** A parsed file: its document and a way to turn a node into a position. */
export interface SourceFile {
  file: string;
  doc: Document.Parsed;
  at(node: Node | null | undefined, fallback?: Node | null): { line: number; column: number };
}

/** `fatal` when the text cannot be read as data at all; a repeated key is a problem, yet the
 *  rest of the file is still checked. */
export function parseSource(file: string, text: string): { source: SourceFile; problems: DeclarationProblem[]; fatal: boolean } {
  const lineCounter = new LineCounter();
  // uniqueKeys: a key written twice is an error, not "the last one wins" (yaml's default too,
  // stated here because silently dropping an input is the worst outcome of a declaration file).
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const source: SourceFile = {
    file,
    doc,
    at(node, fallback) {
      const range = node?.range ?? fallback?.range;
      return range ? position(range[0]) : { line: 1, column: 1 };
    },
  };
  const problems = doc.errors.map((error) => {
    const reason =
      error.code === "DUPLICATE_KEY"
        ? `the key ${/^[^:\n]*/.exec(text.slice(error.pos[0]))?.[0].trim()} is written twice in the same map; keep one (YAML would silently use only one of them)`
        : `not valid YAML: ${error.message}`;
    return { file, ...position(error.pos[0]), path: "", reason };
  });
  return { source, problems, fatal: doc.errors.some((error) => error.code !== "DUPLICATE_KEY") };
}

/** The text of a file, refusing anything that is not a regular file or is too large to be one. */
export function readBounded(file: string): string {
  const stats = statSync(file);
  if (!stats.isFile()) throw new Error("is not a regular file");
  if (stats.size > MAX_FILE_BYTES) throw new Error(`is ${stats.size} bytes, more than the ${MAX_FILE_BYTES} bytes a declaration file may have`);
  const buffer = Buffer.alloc(stats.size);
  const fd = openSync(file, "r");
  try {
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break; // shrank while being read: parse what is there
      read += n;
    }
    return buffer.subarray(0, read).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** The files a path stands for: itself, or a directory's *.yaml and *.yml files in name order. */
export function expandPath(p: string): string[] {
  if (!statSync(p).isDirectory()) return [p];
  const files = readdirSync(p)
    .filter((name) => /\.ya?ml$/i.test(name))
    .sort()
    .map((name) => path.join(p, name));
  if (files.length === 0) throw new Error("is a directory without any .yaml or .yml file");
  return files;
}

/** The node under `key` in a map node (aliases followed), and the key's own node. */
export function child(doc: Document.Parsed, node: unknown, key: string | number): { value: Node | null; key: Node | null } {
  const map = isAlias(node) ? node.resolve(doc) : node;
  if (isSeq(map) && typeof key === "number") {
    const item = map.items[key];
    return { value: (isAlias(item) ? item.resolve(doc) : item) as Node | null, key: null };
  }
  if (!isMap(map)) return { value: null, key: null };
  const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
  if (pair === undefined) return { value: null, key: null };
  const value = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
  return { value: (value ?? null) as Node | null, key: pair.key as Node };
}
