/**
 * Declaration text into YAML documents that keep every node's position, and the problems found
 * in them, under the limits of LIMITS. Pure: no I/O, no Pulumi.
 */
import { isAlias, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Alias, type Document, type Node, type YAMLError } from "yaml";
import { LIMITS } from "./format";

/** One problem, located in its file. `line`/`column` are 1-based; absent for a whole-file problem. */
export interface DeclarationProblem {
  /** The file, as given (or the place a setting came from, such as "stack config webhookUrl"). */
  file: string;
  /** The line, from 1; absent for a problem of the whole file. */
  line?: number;
  /** The column, from 1; absent for a problem of the whole file. */
  column?: number;
  /** Where in the file's data: `entry.field`, `defaults.field`, `version`, ... */
  path: string;
  /** What is wrong and what to write instead. */
  reason: string;
}

/** A problem as one line: `file:line:column: path: reason`. */
export function formatProblem(p: DeclarationProblem): string {
  const at = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  return `${at}: ${p.path === "" ? "" : `${p.path}: `}${p.reason}`;
}

/** Every problem of a declaration set, in file order; its message lists them one per line. */
export class DeclarationError extends Error {
  /** Stable, for programs: always `CXONE_DECLARATIONS_INVALID`. */
  readonly code = "CXONE_DECLARATIONS_INVALID";
  /** Every problem found, in reading order; also in the message, one per line. */
  readonly problems: DeclarationProblem[];
  constructor(problems: DeclarationProblem[]) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`the declarations are not valid (${count}); fix them and run cxone-date lint again:\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`);
    this.name = "DeclarationError";
    this.problems = problems;
  }
}

/** A parsed file: its document and a way to turn a node into a position. */
export interface SourceFile {
  file: string;
  doc: Document.Parsed;
  at(node: Node | null | undefined, fallback?: Node | null): { line: number; column: number };
}

/** The tags of YAML 1.2's core schema: any other tag is refused, not silently read as text. */
const CORE_TAGS = new Set(["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`));

/** The parser's own codes, in the words of a declaration file's author (a repeated key and an
 *  unknown tag are worded where they are met: parseSource, checkShape). */
function yamlReason(error: YAMLError): string {
  switch (error.code) {
    case "MULTIPLE_DOCS":
      return `holds more than one YAML document (a second "---"); a declaration file is one document: move the others to files of their own`;
    case "RESOURCE_EXHAUSTION":
      return `is nested too deeply to read; a declaration file needs ${LIMITS.depth} levels at most`;
    case "BAD_DIRECTIVE":
      return `a directive here is not YAML 1.2 (${error.message.split(" at line")[0]}); remove it: declaration files are YAML 1.2`;
    default:
      return `not valid YAML: ${error.message.split("\n")[0]}`;
  }
}

/**
 * Parses one file as YAML 1.2 with the core schema and the limits of LIMITS, into its document and
 * its data. `data` is undefined when the text cannot be read as data at all; a repeated key, an
 * unknown tag or a limit crossed is a problem, yet the rest of the file is still checked where it can be.
 */
export function parseSource(file: string, text: string): { source: SourceFile; problems: DeclarationProblem[]; data?: unknown } {
  const lineCounter = new LineCounter();
  // uniqueKeys: a key written twice is an error, not "the last one wins" (yaml's default too,
  // stated here because silently dropping an input is the worst outcome of a declaration file).
  // version and schema: YAML 1.1 reads `off` as false and 1:30 as 90; the core schema does not.
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: "1.2", schema: "core", strict: true });
  } catch (error) {
    // The parser recurses on some nestings (thousands of "a: b: c: ..." on one line) before its
    // own depth guard; its stack overflow is a problem of the file, not a crash.
    const reason = error instanceof RangeError ? `is nested too deeply to read; a declaration file needs ${LIMITS.depth} levels at most` : `cannot be read as YAML: ${(error as Error).message}`;
    const empty = parseDocument("", { lineCounter: new LineCounter() });
    return { source: { file, doc: empty, at: () => ({ line: 1, column: 1 }) }, problems: [{ file, line: 1, column: 1, path: "", reason }] };
  }
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
  const problems: DeclarationProblem[] = [];
  const problem = (offset: number, reason: string) => problems.push({ file, ...position(offset), path: "", reason });
  // Only a repeated key leaves data to check; counted before the report is cut short.
  let fatal = doc.errors.some((error) => error.code !== "DUPLICATE_KEY");
  for (const error of doc.errors) {
    // One broken construct can cascade into thousands of errors: the first ones locate it.
    if (problems.length === LIMITS.syntaxErrors) {
      problem(error.pos[0], `and ${doc.errors.length - LIMITS.syntaxErrors} more YAML errors after this point; fix the ones above first`);
      break;
    }
    if (error.code === "DUPLICATE_KEY") {
      const key = /^[^:\n]*/.exec(text.slice(error.pos[0]))?.[0].trim();
      problem(error.pos[0], `the key ${key} is written twice in the same map; keep one (YAML would silently use only one of them)`);
      continue;
    }
    // A stack overflow is reported once per level it unwinds: once is enough.
    if (error.code === "RESOURCE_EXHAUSTION" && problems.some((p) => p.reason === yamlReason(error))) continue;
    problem(error.pos[0], yamlReason(error));
  }
  for (const warning of doc.warnings) {
    if (warning.code !== "TAG_RESOLVE_FAILED") problem(warning.pos[0], yamlReason(warning));
  }
  const directive = doc.directives?.yaml;
  if (directive?.explicit === true && directive.version !== "1.2") {
    const at = /^%YAML/m.exec(text)?.index ?? 0;
    problem(at, `the file asks for YAML ${directive.version} (%YAML ${directive.version}), which reads values differently (off as false, 1:30 as 90); remove the directive: declaration files are YAML 1.2`);
    fatal = true;
  }
  if (fatal) return { source, problems };
  const shape = checkShape(doc, source, text, problems);
  if (!shape) return { source, problems };
  try {
    return { source, problems, data: doc.toJS({ maxAliasCount: LIMITS.expandedValues }) };
  } catch (error) {
    // checkShape bounds what toJS does; this is the last guard, never reached by a file it passed.
    problems.push({ file, ...source.at(doc.contents), path: "", reason: `cannot be read as data: ${(error as Error).message}` });
    return { source, problems };
  }
}

/**
 * Tags, nesting depth, alias count and expanded size, checked on the parsed document before any
 * data is built from it: an alias shares its anchor's value, so the data is as deep and as large
 * as the expansion, whatever the text looks like. False when the file must not become data.
 */
function checkShape(doc: Document.Parsed, source: SourceFile, text: string, problems: DeclarationProblem[]): boolean {
  const at = (node: Node, reason: string) => problems.push({ file: source.file, ...source.at(node), path: "", reason });
  // A node's range starts at its value; a tag written before it on the same line is found there.
  const atTag = (node: Node, reason: string) => {
    const start = node.range?.[0] ?? 0;
    const lineStart = text.lastIndexOf("\n", start - 1) + 1;
    const tag = /![^\s]*(?:\s+&[^\s]+)?\s+$/.exec(text.slice(lineStart, start));
    const { line, column } = source.at(node);
    problems.push({ file: source.file, line, column: tag === null ? column : column - (start - lineStart - tag.index), path: "", reason });
  };
  let ok = true;
  let aliases = 0;
  const measured = new Map<Node, Shape>();
  const pending = new Set<Node>();
  const stop = (node: Node, reason: string): Shape => {
    if (ok) at(node, reason);
    ok = false;
    return NOTHING;
  };
  // The values `node` stands for once its aliases are expanded, and how deep they nest; each
  // anchor is measured once and its alias reuses the figures.
  const resolved = (node: unknown) => (isAlias(node) ? resolveAlias(doc, node) : node);
  const measure = (node: unknown): Shape => {
    if (!ok || node === null || node === undefined) return NOTHING;
    if (isPair(node)) {
      const key = measure(node.key);
      const value = measure(node.value);
      const deeper = key.depth > value.depth ? key : value;
      return { values: key.values + value.values, depth: deeper.depth, deepest: deeper.deepest };
    }
    if (!isNode(node)) return NOTHING;
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      const tag = node.tag.replace(/^tag:yaml\.org,2002:/, "!!");
      ok = false;
      atTag(node, `the tag ${tag} is not one of YAML 1.2's core schema; declaration files hold only strings, numbers, booleans, null, maps and lists: remove the tag`);
      return NOTHING;
    }
    if (isAlias(node)) {
      if (++aliases > LIMITS.aliases) return stop(node, `uses aliases (*name) more than ${LIMITS.aliases} times; write the values out, or split the file`);
      const target = resolveAlias(doc, node);
      if (target === undefined) return NOTHING; // the parser reports an unknown anchor
      if (pending.has(target)) return stop(node, `the alias *${node.source} refers to a value that holds it; a declaration file has no recursive values`);
      // The alias is where the text makes the data deep: a problem there names the place to change.
      const shape = measured.get(target) ?? measure(target);
      return { ...shape, deepest: node };
    }
    // A map or list as a key (`? [a, b]: c`) has no JavaScript spelling: it would become "a,b".
    const collectionKey = isMap(node) ? node.items.find((pair) => isMap(resolved(pair.key)) || isSeq(resolved(pair.key))) : undefined;
    if (collectionKey !== undefined) return stop(collectionKey.key as Node, "a key here is a map or a list; keys in a declaration file are names: write a plain string");
    pending.add(node);
    const shape: Shape = { values: 1, depth: 0, deepest: node };
    for (const item of isMap(node) || isSeq(node) ? node.items : []) {
      const inner = measure(item);
      shape.values += inner.values;
      if (inner.depth + 1 > shape.depth) Object.assign(shape, { depth: inner.depth + 1, deepest: inner.deepest ?? node });
      if (ok && shape.depth > LIMITS.depth) {
        return stop(shape.deepest ?? node, `nests more than ${LIMITS.depth} levels of maps and lists (aliases expanded); a declaration file needs far fewer: flatten it`);
      }
      if (ok && shape.values > LIMITS.expandedValues) {
        return stop(node, `expands to more than ${LIMITS.expandedValues} values once its aliases stand for their anchors; write the values out, or split the file`);
      }
    }
    pending.delete(node);
    measured.set(node, shape);
    return shape;
  };
  measure(doc.contents);
  return ok;
}

interface Shape {
  values: number;
  depth: number;
  /** The node at the bottom of the deepest path (an alias when the depth comes through one). */
  deepest?: Node;
}
const NOTHING: Shape = { values: 0, depth: 0 };

const anchorIndexes = new WeakMap<Document.Parsed, Map<string, Node[]>>();

/**
 * The node an alias stands for. yaml's own `Alias.resolve` walks the whole document for each
 * alias, which makes a file of many aliases quadratic (the fuzz run found one taking seconds):
 * here the anchors are indexed once per document. An alias means the closest anchor of that
 * name before it.
 */
export function resolveAlias(doc: Document.Parsed, alias: Alias): Node | undefined {
  let index = anchorIndexes.get(doc);
  if (index === undefined) {
    const built = new Map<string, Node[]>();
    visit(doc, (_key, node) => {
      if (isNode(node) && !isAlias(node) && node.anchor !== undefined) built.set(node.anchor, [...(built.get(node.anchor) ?? []), node]);
    });
    anchorIndexes.set(doc, built);
    index = built;
  }
  const at = alias.range?.[0] ?? Infinity;
  const candidates = index.get(alias.source) ?? [];
  let found: Node | undefined;
  for (const node of candidates) if ((node.range?.[0] ?? Infinity) < at) found = node;
  return found;
}

/** The node under `key` in a map node (aliases followed), and the key's own node. */
export function child(doc: Document.Parsed, node: unknown, key: string | number): { value: Node | null; key: Node | null } {
  const map = isAlias(node) ? resolveAlias(doc, node) : node;
  if (isSeq(map) && typeof key === "number") {
    const item = map.items[key];
    return { value: (isAlias(item) ? resolveAlias(doc, item) : item) as Node | null, key: null };
  }
  if (!isMap(map)) return { value: null, key: null };
  const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
  if (pair === undefined) return { value: null, key: null };
  const value = isAlias(pair.value) ? resolveAlias(doc, pair.value) : pair.value;
  return { value: (value ?? null) as Node | null, key: pair.key as Node };
}
