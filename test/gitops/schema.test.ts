/**
 * The editor schema (dist/declarations.schema.json), judged as users get it: the file the
 * package exports, read from disk and compiled by ajv, must agree with loadDeclarations on every
 * document below. No expectation here comes from the code that generates it.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import Ajv from "ajv";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { DeclarationError, loadDeclarations } from "../../provider/gitops";
import { REPO_ROOT } from "../../harness/host";

// Resolved the way a user's tooling does: by the package's export.
const SHIPPED = require.resolve("pulumi-cxone-date-action/declarations.schema.json");
// Strict, so a keyword in the wrong place fails here rather than being ignored by an editor;
// strictRequired off: the conditions (an input required unless defaults sets it) name
// properties that the entry schema defines, which JSON Schema allows.
const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(JSON.parse(readFileSync(SHIPPED, "utf8")));

function loads(text: string): boolean {
  try {
    loadDeclarations(text);
    return true;
  } catch (error) {
    if (error instanceof DeclarationError) return false;
    throw error;
  }
}

const E = `actionName: P
    sourceTimestamp: "2024-02-29T15:30:00.000Z"
    targetTimezone: America/New_York
    operation: ADD_OFFSET
    offsetMinutes: 120`;
const map = (entry: string, extra = "") => `version: 1\n${extra}actions:\n  prod:\n    ${entry}\n`;
const list = (entry: string, extra = "") => `version: 1\n${extra}actions:\n  - name: prod\n    ${entry}\n`;

/** Documents both must accept, and documents both must refuse, by the kind of rule. */
const AGREE: { name: string; yaml: string; valid: boolean }[] = [
  { name: "a map entry", yaml: map(E), valid: true },
  { name: "a list entry", yaml: list(E), valid: true },
  { name: "required inputs from defaults", yaml: map("actionName: P\n    sourceTimestamp: \"2024-02-29T15:30:00Z\"", "defaults:\n  targetTimezone: UTC\n  operation: CONVERT\n"), valid: true },
  { name: "null for an optional input", yaml: map(`${E}\n    sourceTimezone:\n    precision: null`), valid: true },
  { name: "every optional input", yaml: map(`${E}\n    actionId: da-1\n    disambiguation: later\n    precision: 0\n    valueFormat: utc\n    sourceField: a\n    targetField: b\n    dstAdjustment: false\n    enabled: false\n    webhookUrl: https://h.example.com/x\n    webhookRequired: true\n    deleteBehavior: disable\n    triggers: { v: "1" }`), valid: true },
  // enums
  { name: "operation not in its enum", yaml: map(E.replace("ADD_OFFSET", "ADD")), valid: false },
  { name: "deleteBehavior not in its enum", yaml: map(`${E}\n    deleteBehavior: delete`), valid: false },
  { name: "valueFormat not in its enum", yaml: map(`${E}\n    valueFormat: iso`), valid: false },
  { name: "precision not in its enum", yaml: map(`${E}\n    precision: 4`), valid: false },
  { name: "a default not in its enum", yaml: map(E, "defaults:\n  disambiguation: latest\n"), valid: false },
  { name: "version other than 1", yaml: map(E).replace("version: 1", "version: 2"), valid: false },
  // unknown keys
  { name: "an unknown entry key", yaml: map(`${E}\n    precison: 2`), valid: false },
  { name: "an unknown list entry key", yaml: list(`${E}\n    colour: red`), valid: false },
  { name: "an unknown default", yaml: map(E, "defaults:\n  timezone: UTC\n"), valid: false },
  { name: "a credential as an input", yaml: map(`${E}\n    clientSecret: x`), valid: false },
  { name: "an unknown top-level key", yaml: `${map(E)}extra: 1\n`, valid: false },
  { name: "actionName as a default", yaml: map(E, "defaults:\n  actionName: Shared\n"), valid: false },
  // types
  { name: "a quoted number", yaml: map(E.replace("120", '"120"')), valid: false },
  { name: "a quoted boolean", yaml: map(`${E}\n    enabled: "true"`), valid: false },
  { name: "a number for a string", yaml: map(E.replace("actionName: P", "actionName: 5")), valid: false },
  { name: "a trigger that is not a string", yaml: map(`${E}\n    triggers: { v: 1 }`), valid: false },
  { name: "an entry that is not a map", yaml: "version: 1\nactions:\n  prod: 5\n", valid: false },
  { name: "actions neither list nor map", yaml: "version: 1\nactions: all\n", valid: false },
  { name: "version as a string", yaml: map(E).replace("version: 1", 'version: "1"'), valid: false },
  // required fields
  { name: "no version", yaml: map(E).replace("version: 1\n", ""), valid: false },
  { name: "no actions", yaml: "version: 1\n", valid: false },
  { name: "no entries", yaml: "version: 1\nactions: {}\n", valid: false },
  { name: "an empty list", yaml: "version: 1\nactions: []\n", valid: false },
  { name: "a list entry without a name", yaml: list(E).replace("- name: prod\n    ", "- "), valid: false },
  { name: "an entry without actionName", yaml: map(E.replace("actionName: P\n    ", "")), valid: false },
  { name: "a required input set nowhere", yaml: map(E.replace("    targetTimezone: America/New_York\n", "")), valid: false },
  { name: "a required input whose default is null", yaml: map(E.replace("    targetTimezone: America/New_York\n", ""), "defaults:\n  targetTimezone:\n"), valid: false },
  { name: "a required input null in the entry", yaml: map(E.replace("America/New_York", "null")), valid: false },
  { name: "an entry name that cannot be a resource name", yaml: map(E).replace("  prod:", '  "my prod":'), valid: false },
];

/** Rules JSON Schema cannot state: the editor accepts these, the loader (and lint) refuse them. */
const LOADER_ONLY: { name: string; yaml: string }[] = [
  { name: "a zone that does not exist", yaml: map(E.replace("America/New_York", "America/New_Yrok")) },
  { name: "both offsets", yaml: map(`${E}\n    offset: PT2H`) },
  { name: "a malformed duration", yaml: map(E.replace("offsetMinutes: 120", "offset: 2 hours")) },
  { name: "a fractional offsetMinutes", yaml: map(E.replace("120", "1.5")) },
  { name: "a DST gap with reject", yaml: map(E.replace('"2024-02-29T15:30:00.000Z"', '"2024-03-10T02:30:00"').replace("operation: ADD_OFFSET\n    offsetMinutes: 120", "operation: CONVERT\n    sourceTimezone: America/New_York\n    disambiguation: reject")) },
  { name: "a key written twice", yaml: map(`${E}\n    offsetMinutes: 90`) },
  { name: "an entry name used twice in a list", yaml: `${list(E)}  - name: prod\n    ${E}\n` },
];

describe("the editor schema", () => {
  test("agrees with loadDeclarations on enums, unknown keys, types and required fields", () => {
    for (const c of AGREE) {
      const data = parse(c.yaml);
      assert.equal(validate(data), c.valid, `${c.name}: JSON Schema ${JSON.stringify(validate.errors)}`);
      assert.equal(loads(c.yaml), c.valid, `${c.name}: loadDeclarations`);
    }
  });

  test("never refuses what the loader accepts; the rules only lint can check are the ones listed", () => {
    for (const c of LOADER_ONLY) {
      assert.equal(validate(parse(c.yaml, { uniqueKeys: false })), true, `${c.name}: the schema accepts it`);
      assert.equal(loads(c.yaml), false, `${c.name}: the loader refuses it`);
    }
    assert.equal(validate(parse(readFileSync(path.join(REPO_ROOT, "examples", "gitops", "actions.yaml"), "utf8"))), true, "the example");
  });

  test("the schema judged here is the file the package exports and the tarball carries", () => {
    assert.equal(SHIPPED, path.join(REPO_ROOT, "dist", "declarations.schema.json"));
    const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO_ROOT, encoding: "utf8" })) as { files: { path: string }[] }[];
    assert.ok(packed[0].files.some((f) => f.path === "dist/declarations.schema.json"), "in the tarball");
  });

  test("the example names the schema on its first line, at the path a copied project installs it to", () => {
    const first = readFileSync(path.join(REPO_ROOT, "examples", "gitops", "actions.yaml"), "utf8").split("\n")[0];
    const match = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    assert.ok(match, first);
    // In a project with the package installed, node_modules sits beside actions.yaml, as here
    // at the repository root (where `npm run build` links the package into node_modules).
    const resolved = path.resolve(REPO_ROOT, match[1]);
    assert.ok(existsSync(resolved), `${match[1]} exists in an installed project`);
    assert.equal(realpathSync(resolved), SHIPPED, "the file the package exports");
  });
});

/**
 * Generated documents, valid and hostile, each judged by both. A document whose only faults are
 * ones JSON Schema can state gets the same verdict from both; a document with a fault only the
 * loader can see (a zone typo, a rule between inputs, a control character) is refused by the
 * loader and may pass the schema, never the other way round.
 */
describe("the editor schema and the loader, on generated documents", () => {
  type Doc = Record<string, unknown>;
  const REQUIRED = ["actionName", "sourceTimestamp", "targetTimezone", "operation"] as const;
  const DEFAULTABLE = ["sourceTimezone", "targetTimezone", "operation", "disambiguation", "precision", "valueFormat", "sourceField", "targetField", "dstAdjustment", "enabled", "deleteBehavior"];
  // Values every rule accepts, alone and together (operation and offset are chosen as a pair).
  const good = {
    actionName: fc.constantFrom("P", "Production_Date_Processor", "Nom d'action \u00e9t\u00e9", "\u30c7\u30fc\u30bf"),
    sourceTimestamp: fc.constantFrom("2024-02-29T15:30:00.000Z", "2024-07-04T12:00:00", "2024-01-01T00:00:00+05:30"),
    sourceTimezone: fc.constantFrom("UTC", "Europe/London", "America/New_York", null),
    targetTimezone: fc.constantFrom("UTC", "Asia/Kolkata", "Europe/Amsterdam", "Pacific/Chatham"),
    disambiguation: fc.constantFrom("compatible", "earlier", "later", null),
    precision: fc.constantFrom(0, 1, 2, 3, null),
    valueFormat: fc.constantFrom("offset", "utc"),
    sourceField: fc.constantFrom("input_datetime", "a"),
    targetField: fc.constantFrom("processed_datetime", "b"),
    dstAdjustment: fc.boolean(),
    enabled: fc.boolean(),
    deleteBehavior: fc.constantFrom("retain", "restore", "disable"),
    triggers: fc.dictionary(fc.constantFrom("v", "release", "__note"), fc.constantFrom("1", "x")),
  };
  const offsets = fc.oneof(
    fc.record({ operation: fc.constantFrom("ADD_OFFSET", "SUBTRACT_OFFSET"), offsetMinutes: fc.integer({ min: -600, max: 600 }) }),
    fc.record({ operation: fc.constantFrom("ADD_OFFSET", "SUBTRACT_OFFSET"), offset: fc.constantFrom("PT2H", "P1D", "-P1M", "PT0.5S") }),
    fc.constant({ operation: "CONVERT" }),
  );
  const entry = fc.tuple(fc.record(good, { requiredKeys: ["actionName", "sourceTimestamp", "targetTimezone"] }), offsets).map(([a, b]) => ({ ...a, ...b }) as Doc);
  // Faults JSON Schema states: a wrong type, a value outside an enum, a missing or null required
  // input, an unknown or reserved key, a bad entry name, a wrong version.
  const schemaFault = fc.oneof(
    ...Object.entries({ actionName: [7, true, []], precision: ["3", 1.5, true], enabled: ["true", 1], offsetMinutes: ["120", true], triggers: ["x", [], { v: 1 }], webhookRequired: ["yes", 0] }).map(([key, values]) =>
      fc.record({ kind: fc.constant("type"), key: fc.constant(key), value: fc.constantFrom(...(values as unknown[])) }),
    ),
    fc.record({ kind: fc.constant("enum"), key: fc.constantFrom("operation", "valueFormat", "deleteBehavior", "disambiguation"), value: fc.constantFrom("ADD", "iso", "delete", "latest", "") }),
    fc.record({ kind: fc.constant("drop"), key: fc.constantFrom(...REQUIRED) }),
    fc.record({ kind: fc.constant("null"), key: fc.constantFrom(...REQUIRED) }),
    fc.record({ kind: fc.constant("key"), key: fc.oneof(fc.constantFrom("precison", "clientSecret", "name", "Operation"), fc.string({ minLength: 1, maxLength: 8 })) }),
    fc.record({ kind: fc.constant("key"), key: fc.constantFrom("__proto__", "__comment", "__provider", "__owner") }),
  );
  // Faults only the loader sees.
  const loaderFault = fc.oneof(
    fc.record({ kind: fc.constant("value"), key: fc.constant("targetTimezone"), value: fc.constantFrom("America/New_Yrok", "Europe/Kiev", "Etc/UTC") }),
    fc.record({ kind: fc.constant("value"), key: fc.constant("actionName"), value: fc.constantFrom("a\nb", " padded", "x".repeat(300)) }),
    fc.record({ kind: fc.constant("value"), key: fc.constant("offset"), value: fc.constantFrom("2 hours", "PT") }),
    fc.record({ kind: fc.constant("value"), key: fc.constant("webhookRequired"), value: fc.constant(true) }),
  );
  const ENTRY_NAME = fc.oneof({ weight: 4, arbitrary: fc.constantFrom("prod", "e-1", "a.b_c", "Z9") }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 6 }) });
  // Most entries clean, so valid documents are common enough to test that side too.
  const some = <T>(arb: fc.Arbitrary<T>, weight: number) => fc.oneof({ weight, arbitrary: fc.constant([] as T[]) }, { weight: 1, arbitrary: fc.array(arb, { minLength: 1, maxLength: 2 }) });
  const doc = fc.record({
    version: fc.oneof({ weight: 12, arbitrary: fc.constant(1 as unknown) }, { weight: 1, arbitrary: fc.constantFrom(2, "1", undefined) }),
    form: fc.constantFrom("map", "list"),
    entries: fc.array(fc.record({ name: ENTRY_NAME, inputs: entry, schemaFaults: some(schemaFault, 4), loaderFaults: some(loaderFault, 6) }), { minLength: 1, maxLength: 3 }),
    lift: fc.subarray(DEFAULTABLE), // inputs every entry shares, moved into defaults
    extraDefaults: some(fc.constantFrom("__comment", "__proto__", "timezone"), 10), // keys defaults may not have
  });

  type Generated = typeof doc extends fc.Arbitrary<infer T> ? T : never;

  /** The document as YAML text, and whether it holds a fault only the loader can see. */
  function build(g: Generated): { text: string; loaderOnly: boolean } {
    let loaderOnly = false;
    const entries = g.entries.map(({ name, inputs, schemaFaults, loaderFaults }, i) => {
      // One owner per action is the loader's rule: each entry gets an action of its own.
      const own: Doc = { ...inputs, actionName: `${String(inputs.actionName)}${i}` };
      for (const f of schemaFaults) {
        if (f.kind === "drop") delete own[f.key];
        else if (f.kind === "null") own[f.key] = null;
        else if (f.kind === "key") own[f.key] = "x";
        else own[f.key] = (f as { value: unknown }).value;
      }
      for (const f of loaderFaults) own[f.key] = f.value;
      loaderOnly ||= loaderFaults.length > 0;
      return { name, own };
    });
    // Names used twice and names JSON Schema cannot check in the map form's keys are the loader's.
    if (new Set(entries.map((e) => e.name)).size < entries.length) loaderOnly = true;
    const defaults: Doc = {};
    for (const key of g.lift) {
      const values = entries.map((e) => JSON.stringify(e.own[key]));
      if (entries.every((e) => key in e.own) && new Set(values).size === 1) {
        defaults[key] = entries[0].own[key];
        for (const e of entries) delete e.own[key];
      }
    }
    for (const key of g.extraDefaults) defaults[key] = "x";
    const actions = g.form === "map" ? Object.fromEntries(entries.map((e) => [e.name, e.own])) : entries.map((e) => ({ name: e.name, ...e.own }));
    const data: Doc = { ...(g.version === undefined ? {} : { version: g.version }), ...(Object.keys(defaults).length > 0 ? { defaults } : {}), actions };
    return { text: stringify(data), loaderOnly };
  }

  test("loader accepts => schema accepts, and the verdicts are equal without a loader-only fault", () => {
    let agreedValid = 0;
    let agreedInvalid = 0;
    fc.assert(
      fc.property(doc, (g) => {
        const { text, loaderOnly } = build(g);
        const byLoader = loads(text);
        const bySchema = validate(parse(text)) as boolean;
        if (byLoader) assert.equal(bySchema, true, `the schema refuses what the loader accepts:\n${text}\n${JSON.stringify(validate.errors)}`);
        if (!loaderOnly) assert.equal(byLoader, bySchema, `verdicts differ (loader ${byLoader}, schema ${bySchema}):\n${text}\n${JSON.stringify(validate.errors)}`);
        if (!loaderOnly && byLoader) agreedValid += 1;
        if (!loaderOnly && !byLoader) agreedInvalid += 1;
      }),
      { numRuns: 1500 },
    );
    // Both kinds were met, so the property was tried on each side.
    assert.ok(agreedValid > 20 && agreedInvalid > 20, `valid ${agreedValid}, invalid ${agreedInvalid}`);
  });
});
