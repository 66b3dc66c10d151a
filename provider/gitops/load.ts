/**
 * `loadDeclarations`: declaration files to validated entries, one per CxoneDateAction. Pure: no
 * Pulumi, no network. Every entry (its `defaults` merged under it) goes through the very
 * validation the provider's `check` runs, so a file that loads is a file `pulumi preview`
 * accepts; every problem of every file is reported at once, with its line and column.
 */
import type { Node } from "yaml";
import type { CxoneDateActionArgs } from "../resource/resource";
import { INPUT_NAMES, UNKNOWN, validateInputs, type CheckFailure } from "../resource/schema";
import type { DateResult } from "../dates/datetime";
import { actionList, actionMap, ACTIONS_SHAPE, EMPTY, entryName, envelopeSchema, listEntry, PER_ENTRY_INPUTS } from "./format";
import { child, DeclarationError, parseSource, type DeclarationProblem, type SourceFile } from "./source";
import { declarationFiles, readDeclaration } from "./walk";

/** One entry of a declaration file, validated: what a `CxoneDateAction` of the set receives. */
export interface Declaration {
  /** The entry's stable logical name: the Pulumi resource name. */
  name: string;
  /** The resource's inputs: the entry's own over `defaults` (and over the `webhookUrl` option). */
  args: CxoneDateActionArgs;
  /** The file it is declared in, as given (links not resolved). */
  file: string;
  /** The line of its name, from 1. */
  line: number;
  /** The column of its name, from 1. */
  column: number;
  /** What `check` computes for these inputs. */
  computed: DateResult;
  /** The value CXone receives: `computedValueUtc` for `valueFormat: utc`, else `computedValue`. */
  written: string;
}

/** Options of `loadDeclarations`. */
export interface LoadOptions {
  /** Name for text given directly (default `<text>`). */
  file?: string;
  /** A webhook URL for entries that do not set their own, over the file's `defaults` (the
   *  Set passes the stack config's value). */
  webhookUrl?: string;
  /** Where that URL came from, for problems with it (default `webhookUrl option`). */
  webhookUrlOrigin?: string;
}

type Inputs = Record<string, unknown>;

interface RawEntry {
  name: string;
  /** The entry's own inputs, and with `defaults` merged under them. */
  own: Inputs;
  inputs: Inputs;
  node: Node | null;
  nameNode: Node | null;
  defaultsNode: Node | null;
  source: SourceFile;
}

const isInputName = (key: string) => (INPUT_NAMES as readonly string[]).includes(key);

function isRecord(value: unknown): value is Inputs {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Loads and validates declarations. `pathOrText` is YAML text when it holds a line break,
 * else a file or a directory (its *.yaml and *.yml files); several paths form one set.
 * Returns the entries in file order, or throws one DeclarationError listing every problem.
 */
export function loadDeclarations(pathOrText: string | readonly string[], options: LoadOptions = {}): Declaration[] {
  const problems: DeclarationProblem[] = [];
  const texts: { file: string; text: string }[] = [];
  // Every file and every place a file was looked for, in reading order.
  const order: string[] = [];
  if (typeof pathOrText === "string" && pathOrText.includes("\n")) {
    texts.push({ file: options.file ?? "<text>", text: pathOrText });
    order.push(options.file ?? "<text>");
  } else {
    const paths = typeof pathOrText === "string" ? [pathOrText] : pathOrText;
    if (paths.length === 0) throw new DeclarationError([{ file: "(no files)", path: "", reason: "no declaration file was given; name a file or a directory" }]);
    for (const found of declarationFiles(paths)) {
      order.push("problem" in found ? found.problem.file : found.file);
      const read = "problem" in found ? found : readDeclaration(found.file, found.real);
      if ("text" in read) texts.push({ file: read.file, text: read.text });
      else problems.push(read.problem);
    }
  }
  const entries: RawEntry[] = [];
  for (const { file, text } of texts) entries.push(...readFile(file, text, problems));
  const declarations = checkEntries(entries, options, problems);
  if (problems.length > 0) {
    // In reading order: by file as given, then line and column.
    const rank = (p: DeclarationProblem) => order.indexOf(p.file);
    problems.sort((a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    throw new DeclarationError(problems);
  }
  return declarations;
}

/** The envelope of one file, and its entries with `defaults` merged under them. */
function readFile(file: string, text: string, problems: DeclarationProblem[]): RawEntry[] {
  const parsed = parseSource(file, text);
  problems.push(...parsed.problems);
  if (!("data" in parsed)) return [];
  const { source, data } = parsed;
  const root = source.doc.contents;
  const problem = (path: string, node: Node | null | undefined, reason: string) => problems.push({ file, ...source.at(node, root), path, reason });
  if (data === null || data === undefined) {
    problem("", root, `is empty; write "version: 1" and an actions list (see docs/gitops.md)`);
    return [];
  }
  const envelope = envelopeSchema.safeParse(data);
  if (!envelope.success) {
    for (const issue of envelope.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) problem(key, child(source.doc, root, key).key, `${key} is not a key of a declaration file; the keys are version, defaults and actions`);
      } else {
        const key = String(issue.path[0] ?? "");
        problem(key, child(source.doc, root, key).value, issue.message);
      }
    }
  }
  if (!isRecord(data)) return [];
  const actionsNode = child(source.doc, root, "actions");
  const defaults = isRecord(data.defaults) ? data.defaults : {};
  checkDefaults(source, defaults, problems);
  const actions = data.actions;
  if (actions === undefined) {
    problem("actions", root, `actions is required: ${ACTIONS_SHAPE}`);
    return [];
  }
  const listed = Array.isArray(actions);
  if (!listed && !isRecord(actions)) {
    problem("actions", actionsNode.value, ACTIONS_SHAPE);
    return [];
  }
  // The whole form first (not empty), then each entry alone, so one bad entry does not hide
  // the problems of the others.
  const whole = (listed ? actionList : actionMap).safeParse(actions);
  if (!whole.success && whole.error.issues.some((issue) => issue.path.length === 0)) problem("actions", actionsNode.value, `actions ${EMPTY}`);
  const entries: [string, Inputs, Node | null, Node | null][] = [];
  if (listed) {
    (actions as unknown[]).forEach((item, i) => {
      const node = child(source.doc, actionsNode.value, i).value;
      const checked = listEntry.safeParse(item);
      if (!checked.success) {
        for (const issue of checked.error.issues) {
          const field = issue.path[0];
          const where = field === undefined ? `actions[${i}]` : `actions[${i}].${String(field)}`;
          const named = issue.code === "invalid_format" && isRecord(item) ? `name ${JSON.stringify(item.name)} ${issue.message}` : issue.message;
          problem(where, field === undefined ? node : (child(source.doc, node, String(field)).value ?? node), named);
        }
        return;
      }
      const { name, ...inputs } = checked.data;
      entries.push([name, inputs, node, child(source.doc, node, "name").value]);
    });
  } else {
    for (const [name, inputs] of Object.entries(actions as Inputs)) {
      const { value, key } = child(source.doc, actionsNode.value, name);
      const badName = entryName.safeParse(name);
      if (!badName.success) problem(name, key, `the entry name ${JSON.stringify(name)} ${badName.error.issues[0].message}`);
      else if (!isRecord(inputs)) problem(name, value ?? key, `${name} must be a map of CxoneDateAction inputs, got ${inputs === null ? "nothing" : typeof inputs}`);
      else entries.push([name, inputs, value, key]);
    }
  }
  const defaultsNode = child(source.doc, root, "defaults").value;
  for (const [name, inputs, node] of entries) {
    for (const key of Object.keys(inputs).filter(reserved)) problem(`${name}.${key}`, child(source.doc, node, key).key, reservedReason(key));
  }
  return entries.map(([name, own, node, nameNode]) => ({ name, own, inputs: merge(defaults, own), node, nameNode, defaultsNode, source }));
}

/** `defaults` under the entry; `triggers` maps are merged key by key, the entry's winning. */
function merge(defaults: Inputs, own: Inputs): Inputs {
  const shared = Object.fromEntries(Object.entries(defaults).filter(([key]) => !(PER_ENTRY_INPUTS as readonly string[]).includes(key)));
  const merged: Inputs = { ...shared, ...own };
  if (isRecord(shared.triggers) && isRecord(own.triggers)) merged.triggers = { ...shared.triggers, ...own.triggers };
  return merged;
}

/** Keys the engine and this provider keep for themselves (`__provider`, `__owner`); the resource
 *  ignores them in inputs, so a file that sets one would set nothing, silently. */
const reserved = (key: string) => key.startsWith("__");
const reservedReason = (key: string) =>
  `${key} starts with "__", which Pulumi and this provider keep for themselves (__provider, __owner), so it would be ignored; remove it (a YAML comment starts with #)`;

/** Keys of `defaults` that can never be right, reported once rather than once per entry. */
function checkDefaults(source: SourceFile, defaults: Inputs, problems: DeclarationProblem[]): void {
  const node = child(source.doc, source.doc.contents, "defaults").value;
  const at = (key: string) => source.at(child(source.doc, node, key).key, node);
  for (const key of Object.keys(defaults).filter(reserved)) problems.push({ file: source.file, ...at(key), path: `defaults.${key}`, reason: reservedReason(key) });
  for (const key of PER_ENTRY_INPUTS) {
    if (key in defaults) problems.push({ file: source.file, ...at(key), path: `defaults.${key}`, reason: `${key} picks one Data Action, so it cannot be a default; set it in each entry` });
  }
  // Unknown keys get the resource's own explanation (a credential, an output, a typo).
  const alone = validateInputs(defaults);
  for (const failure of alone.ok === false ? alone.failures : []) {
    if (!isInputName(failure.property)) problems.push({ file: source.file, ...at(failure.property), path: `defaults.${failure.property}`, reason: failure.reason });
  }
}

/** Validates every entry as `check` would and names each problem's file, line and column. */
function checkEntries(raw: RawEntry[], options: LoadOptions, problems: DeclarationProblem[]): Declaration[] {
  const declarations: Declaration[] = [];
  const seen = new Map<string, string>();
  // A value every entry inherits (from defaults, or the webhookUrl option) is one problem, at the
  // value, naming the entries it breaks: a typo in defaults is one line, however many entries.
  const inherited = new Map<string, { problem: DeclarationProblem; reason: string; entries: string[] }>();
  const shared = (problem: DeclarationProblem, entry: string) => {
    const key = JSON.stringify([problem.file, problem.line, problem.column, problem.path, problem.reason]);
    let found = inherited.get(key);
    if (found === undefined) {
      found = { problem, reason: problem.reason, entries: [] };
      inherited.set(key, found);
      problems.push(problem);
    }
    found.entries.push(entry);
    const where = problem.path.startsWith("defaults.") ? "set in defaults" : "given for entries without their own";
    found.problem.reason = `${found.reason} (${where}; ${found.entries.length === 1 ? "entry" : "entries"} ${found.entries.join(", ")})`;
  };
  // The action each valid entry manages, as far as a file can tell: its pinned id, else its name.
  const owners = new Map<string, string>();
  for (const entry of raw) {
    const { source, name } = entry;
    const start = source.at(entry.nameNode, entry.node);
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push({ file: source.file, ...start, path: name, reason: `the entry name ${name} is already used at ${first}; entry names are Pulumi resource names and must be unique` });
      continue;
    }
    seen.set(name, `${source.file}:${start.line}:${start.column}`);
    const inputs = { ...entry.inputs };
    const fromOption = options.webhookUrl !== undefined && !("webhookUrl" in entry.own);
    if (fromOption) inputs.webhookUrl = options.webhookUrl;
    const result = validateInputs(inputs);
    if (result.ok === true) {
      const named = result.value.actionId !== null ? `actionId ${JSON.stringify(result.value.actionId)}` : `actionName ${JSON.stringify(result.value.actionName)}`;
      // The same id or name in two tenants is two actions.
      const target = result.value.tenant === null ? named : `${named} in tenant ${JSON.stringify(result.value.tenant)}`;
      const owner = owners.get(target);
      if (owner !== undefined) {
        problems.push({
          file: source.file,
          ...start,
          path: name,
          reason: `${name} manages the same Data Action (${target}) as ${owner}; an action has one owner, or each apply would undo the other's: remove one entry, or point it at another action`,
        });
        continue;
      }
      owners.set(target, `${name} at ${source.file}:${start.line}:${start.column}`);
      const written = result.value.valueFormat === "utc" ? result.computed.computedValueUtc : result.computed.computedValue;
      declarations.push({ name, args: inputs as unknown as CxoneDateActionArgs, file: source.file, ...start, computed: result.computed, written });
      continue;
    }
    const failures: CheckFailure[] =
      result.ok === "unknown"
        ? Object.keys(inputs)
            .filter((key) => JSON.stringify(inputs[key])?.includes(UNKNOWN))
            .map((property) => ({ property, reason: `${property} holds Pulumi's unknown-value placeholder; write the real value` }))
        : result.failures;
    for (const { property, reason } of failures) {
      const path = `${name}.${property}`;
      if (property in entry.own) {
        // An unknown key is shown at the key, a bad value at the value.
        const { value, key } = child(source.doc, entry.node, property);
        problems.push({ file: source.file, ...source.at(isInputName(property) ? (value ?? key) : key, entry.node), path, reason });
      } else if (property === "webhookUrl" && fromOption) {
        shared({ file: options.webhookUrlOrigin ?? "webhookUrl option", path: property, reason }, name);
      } else if (property in entry.inputs) {
        // Reported by checkDefaults already when the key itself is wrong.
        if (!isInputName(property)) continue;
        const { value, key } = child(source.doc, entry.defaultsNode, property);
        shared({ file: source.file, ...source.at(value ?? key, entry.defaultsNode), path: `defaults.${property}`, reason }, name);
      } else {
        // Required and set nowhere (or a rule between inputs): reported at the entry.
        problems.push({ file: source.file, ...start, path, reason });
      }
    }
  }
  return declarations;
}
