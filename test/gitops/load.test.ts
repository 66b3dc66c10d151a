/**
 * loadDeclarations: the file format (version, defaults, list or map of entries), the same
 * validation as `check`, and every problem located as file:line:column: entry.field: reason.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { loadDeclarations, type Declaration } from "../../provider/gitops";
import { problemsOf } from "../helpers/declarations";
import { tempDir, writeFile } from "../helpers/files";
import { validateActionInputs } from "../../provider/index";

const EXAMPLE = path.join(__dirname, "..", "..", "examples", "gitops", "actions.yaml");

const ENTRY = `    actionName: Production_Date_Processor
    sourceTimestamp: "2024-02-29T15:30:00.000Z"
    targetTimezone: America/New_York
    operation: ADD_OFFSET
    offsetMinutes: 120`;

describe("the format", () => {
  test("the shipped example loads: names in file order, defaults merged under entries, values computed", () => {
    const declarations = loadDeclarations(EXAMPLE);
    assert.deepEqual(
      declarations.map((d) => [d.name, d.line, d.column]),
      [
        ["production-date-processor", 14, 3],
        ["staging-date-processor", 20, 3],
        ["sydney-month-end", 28, 3],
      ],
    );
    const [prod, staging, sydney] = declarations;
    // targetTimezone and operation come from defaults; the entry's own inputs win over them.
    assert.deepEqual(prod.args, {
      targetTimezone: "America/New_York",
      operation: "ADD_OFFSET",
      actionName: "Production_Date_Processor",
      sourceTimestamp: "2024-02-29T15:30:00.000Z",
      offsetMinutes: 120,
      deleteBehavior: "restore",
    });
    assert.equal(staging.args.targetTimezone, "Europe/London");
    assert.equal(prod.written, "2024-02-29T12:30:00.000-05:00");
    assert.equal(staging.written, "2024-03-10T07:30:00+00:00");
    // valueFormat utc: CXone receives computedValueUtc.
    assert.equal(sydney.written, "2024-02-28T22:00:00.000Z");
    assert.equal(sydney.computed.computedValue, "2024-02-29T09:00:00.000+11:00");
    for (const d of declarations) assert.deepEqual(validateActionInputs(d.args as unknown as Record<string, unknown>), [], `${d.name} passes check`);
  });

  test("a list of named entries and a map of entries declare the same resources", () => {
    const list = loadDeclarations(`version: 1\nactions:\n  - name: prod\n${ENTRY}\n  - name: two\n${ENTRY.replace("Production", "Other")}\n`);
    const map = loadDeclarations(`version: 1\nactions:\n  prod:\n${ENTRY}\n  two:\n${ENTRY.replace("Production", "Other")}\n`);
    const shape = (ds: Declaration[]) => ds.map((d) => ({ name: d.name, args: d.args, written: d.written }));
    assert.deepEqual(shape(list), shape(map));
    assert.deepEqual(list.map((d) => d.name), ["prod", "two"]);
  });

  test("defaults: every input but the action's identity, triggers merged key by key, null unsets", () => {
    const [a, b] = loadDeclarations(`version: 1
defaults:
  targetTimezone: Europe/London
  operation: CONVERT
  webhookUrl: https://hooks.example.com/cxone
  deleteBehavior: disable
  triggers: { release: "1", region: eu }
actions:
  a:
    actionName: A
    sourceTimestamp: "2024-02-29T15:30:00Z"
    triggers: { release: "2" }
  b:
    actionName: B
    sourceTimestamp: "2024-02-29T15:30:00Z"
    webhookUrl: null
`);
    assert.deepEqual(a.args.triggers, { release: "2", region: "eu" });
    assert.equal(a.args.webhookUrl, "https://hooks.example.com/cxone");
    assert.equal(a.args.deleteBehavior, "disable");
    assert.equal(b.args.webhookUrl, null, "an entry's null keeps it without the default's webhook");
    assert.equal(a.written, "2024-02-29T15:30:00.000+00:00");
  });

  test("the webhookUrl option (the stack's) goes under entries, over defaults, never over an entry's own", () => {
    const text = `version: 1
defaults:
  webhookUrl: https://file.example.com/hook
  webhookRequired: true
actions:
  a:
${ENTRY}
  b:
${ENTRY.replace("Production", "B")}
    webhookUrl: https://own.example.com/hook
`;
    const [a, b] = loadDeclarations(text, { webhookUrl: "https://stack.example.com/hook" });
    assert.equal(a.args.webhookUrl, "https://stack.example.com/hook");
    assert.equal(b.args.webhookUrl, "https://own.example.com/hook");
    // webhookRequired with the URL only in the stack passes: the rule sees the merged inputs.
    const required = `version: 1\nactions:\n  a:\n${ENTRY}\n    webhookRequired: true\n`;
    assert.equal(loadDeclarations(required, { webhookUrl: "https://stack.example.com/hook" })[0].args.webhookRequired, true);
    assert.match(problemsOf(() => loadDeclarations(required))[0], /^<text>:9:22: a\.webhookRequired: webhookRequired is true but webhookUrl is not set/);
    const bad = problemsOf(() => loadDeclarations(required, { webhookUrl: "ftp://stack.example.com/token-123", webhookUrlOrigin: "stack config webhookUrl" }));
    assert.equal(bad.length, 1);
    assert.match(bad[0], /^stack config webhookUrl: webhookUrl: webhookUrl uses "ftp:".* \(given for entries without their own; entry a\)$/);
    assert.ok(!bad[0].includes("token-123"), "the URL's path is never echoed");
  });
});

describe("sources", () => {
  test("a path, a directory (its .yaml and .yml files in name order) and several paths form one set", (t) => {
    const dir = tempDir(t, "cxone-decl-");
    // Each entry manages an action of its own (two entries on one action are refused).
    const entry = (action: string) => ENTRY.replace("Production_Date_Processor", action);
    writeFile(dir, "decl/b.yml", `version: 1\nactions:\n  second:\n${entry("Action_0002")}\n`);
    writeFile(dir, "decl/a.yaml", `version: 1\nactions:\n  first:\n${entry("Action_0001")}\n`);
    writeFile(dir, "decl/notes.txt", "not a declaration file");
    const extra = writeFile(dir, "extra.yaml", `version: 1\nactions:\n  third:\n${entry("Action_0003")}\n`);
    assert.deepEqual(loadDeclarations(path.join(dir, "decl")).map((d) => [d.name, path.basename(d.file)]), [
      ["first", "a.yaml"],
      ["second", "b.yml"],
    ]);
    assert.deepEqual(loadDeclarations([path.join(dir, "decl"), extra]).map((d) => d.name), ["first", "second", "third"]);
    assert.deepEqual(loadDeclarations(extra).map((d) => d.name), ["third"]);
  });

  test("an entry name used in two files is refused at the second, naming the first", (t) => {
    const dir = tempDir(t, "cxone-decl-");
    const a = writeFile(dir, "a.yaml", `version: 1\nactions:\n  prod:\n${ENTRY}\n`);
    const b = writeFile(dir, "b.yaml", `version: 1\nactions:\n  other:\n${ENTRY.replace("Production_Date_Processor", "Staging_Date_Processor")}\n  prod:\n${ENTRY}\n`);
    assert.deepEqual(problemsOf(() => loadDeclarations(dir)), [
      `${b}:9:3: prod: the entry name prod is already used at ${a}:3:3; entry names are Pulumi resource names and must be unique`,
    ]);
  });

  test("two entries that manage one action (the same name, or the same pinned id, across files too) are refused at the second", (t) => {
    const dir = tempDir(t, "cxone-decl-");
    const a = writeFile(dir, "a.yaml", `version: 1\nactions:\n  prod:\n${ENTRY}\n  pinned:\n${ENTRY.replace("Production_Date_Processor", "Label one")}\n    actionId: da-000124\n`);
    const b = writeFile(dir, "b.yaml", `version: 1\nactions:\n  prod-again:\n${ENTRY}\n  pinned-again:\n${ENTRY.replace("Production_Date_Processor", "Label two")}\n    actionId: da-000124\n`);
    assert.deepEqual(problemsOf(() => loadDeclarations(dir)), [
      `${b}:3:3: prod-again: prod-again manages the same Data Action (actionName "Production_Date_Processor") as prod at ${a}:3:3; an action has one owner, or each apply would undo the other's: remove one entry, or point it at another action`,
      `${b}:9:3: pinned-again: pinned-again manages the same Data Action (actionId "da-000124") as pinned at ${a}:9:3; an action has one owner, or each apply would undo the other's: remove one entry, or point it at another action`,
    ]);
  });

  test("unreadable sources are problems that name the path", (t) => {
    const dir = tempDir(t, "cxone-decl-");
    const missing = path.join(dir, "nope.yaml");
    assert.deepEqual(problemsOf(() => loadDeclarations(missing)), [`${missing}: cannot be read: no such file or directory`]);
    mkdirSync(path.join(dir, "empty"));
    assert.deepEqual(problemsOf(() => loadDeclarations(path.join(dir, "empty"))), [
      `${path.join(dir, "empty")}: cannot be read: is a directory without any .yaml or .yml file`,
    ]);
    const big = writeFile(dir, "big.yaml", `# ${"x".repeat(1024 * 1024)}\nversion: 1\n`);
    assert.match(problemsOf(() => loadDeclarations(big))[0], /more than the 1048576 bytes a declaration file may have/);
  });
});

/** Each bad document and exactly the problem lines it gives, in reading order. */
const BAD: { name: string; yaml: string; problems: (string | RegExp)[] }[] = [
  {
    name: "no version",
    yaml: `actions:\n  prod:\n${ENTRY}\n`,
    problems: [`bad.yaml:1:1: version: version is required: write "version: 1" at the top of the file`],
  },
  {
    name: "a version from the future",
    yaml: `version: 2\nactions:\n  prod:\n${ENTRY}\n`,
    problems: [`bad.yaml:1:10: version: version 2 is not a format this package reads; write "version: 1"`],
  },
  {
    name: "an unknown top-level key",
    yaml: `version: 1\nactoins: {}\nactions:\n  prod:\n${ENTRY}\n`,
    problems: [`bad.yaml:2:1: actoins: actoins is not a key of a declaration file; the keys are version, defaults and actions`],
  },
  {
    name: "a key written twice",
    yaml: `version: 1\nactions:\n  prod:\n${ENTRY}\n    offsetMinutes: 90\n`,
    problems: [`bad.yaml:9:5: the key offsetMinutes is written twice in the same map; keep one (YAML would silently use only one of them)`],
  },
  {
    name: "an entry name used twice in a list",
    yaml: `version: 1\nactions:\n  - name: prod\n${ENTRY}\n  - name: prod\n${ENTRY}\n`,
    problems: [`bad.yaml:9:11: prod: the entry name prod is already used at bad.yaml:3:11; entry names are Pulumi resource names and must be unique`],
  },
  {
    name: "a misspelled zone, shown at its value, and a misspelled input at its key, in two entries",
    yaml: `version: 1\nactions:\n  prod:\n${ENTRY.replace("America/New_York", "America/New_Yrok")}\n  stage:\n${ENTRY}\n    precison: 0\n`,
    problems: [
      /^bad\.yaml:6:21: prod\.targetTimezone: targetTimezone "America\/New_Yrok" is not an IANA time zone; did you mean "America\/New_York"/,
      `bad.yaml:15:5: stage.precison: precison is not an input of CxoneDateAction; did you mean precision?`,
    ],
  },
  {
    name: "a bad default: one problem at the default, naming every entry it reaches",
    yaml: `version: 1\ndefaults:\n  disambiguation: latest\nactions:\n  a:\n${ENTRY}\n  b:\n${ENTRY}\n`,
    problems: [
      `bad.yaml:3:19: defaults.disambiguation: disambiguation "latest" is not one of "compatible", "earlier", "later" or "reject"; did you mean "later"? (set in defaults; entries a, b)`,
    ],
  },
  {
    name: "keys defaults can never hold, reported once",
    yaml: `version: 1\ndefaults:\n  actionName: Shared\n  clientSecret: hunter2\nactions:\n  a:\n${ENTRY}\n  b:\n${ENTRY}\n`,
    problems: [
      `bad.yaml:3:3: defaults.actionName: actionName picks one Data Action, so it cannot be a default; set it in each entry`,
      /^bad\.yaml:4:3: defaults\.clientSecret: clientSecret is provider configuration, not a resource input .*pulumi config set --secret cxone:clientSecret/,
    ],
  },
  {
    name: "a required input set nowhere, and a rule between inputs, shown at the entry",
    yaml: `version: 1\nactions:\n  prod:\n    actionName: P\n    sourceTimestamp: "2024-02-29T15:30:00Z"\n    operation: ADD_OFFSET\n`,
    problems: [
      /^bad\.yaml:3:3: prod\.targetTimezone: targetTimezone is required: /,
      /^bad\.yaml:3:3: prod\.offset: operation ADD_OFFSET needs an offset/,
    ],
  },
  {
    name: "list entries without a name or with one that cannot be a resource name",
    yaml: `version: 1\nactions:\n  - actionName: X\n  - name: "no spaces"\n${ENTRY}\n`,
    problems: [
      `bad.yaml:3:5: actions[0].name: name is required: the entry's stable logical name (e.g. production-date-processor)`,
      /^bad\.yaml:4:11: actions\[1\]\.name: name "no spaces" must start with a letter or digit and hold only letters, digits/,
    ],
  },
  {
    name: "a map entry whose name cannot be a resource name, and one that is not a map",
    yaml: `version: 1\nactions:\n  "-prod":\n${ENTRY}\n  other: 5\n`,
    problems: [/^bad\.yaml:3:3: -prod: the entry name "-prod" must start with a letter or digit/, `bad.yaml:9:10: other: other must be a map of CxoneDateAction inputs, got number`],
  },
  { name: "no entries", yaml: "version: 1\nactions: []\n", problems: ["bad.yaml:2:10: actions: actions lists no entries; declare at least one action"] },
  { name: "no entries in a map", yaml: "version: 1\nactions: {}\n", problems: ["bad.yaml:2:10: actions: actions lists no entries; declare at least one action"] },
  {
    name: "actions neither a list nor a map",
    yaml: "version: 1\nactions: every one\n",
    problems: ["bad.yaml:2:10: actions: actions must be a list of entries (each with a name) or a map from entry name to its inputs"],
  },
  { name: "no actions", yaml: "version: 1\n", problems: [/^bad\.yaml:1:1: actions: actions is required: /] },
  { name: "an empty file", yaml: "# nothing yet\n", problems: [/^bad\.yaml:1:1: is empty; write "version: 1"/] },
  { name: "not YAML", yaml: "version: 1\nactions: [\n  - name: x\n", problems: [/^bad\.yaml:3:3: not valid YAML: Block collections are not allowed/, /^bad\.yaml:4:1: not valid YAML: /] },
  { name: "not a map", yaml: "- version: 1\n", problems: [/^bad\.yaml:1:1: a declaration file must be a map with version, defaults and actions/] },
];

describe("problems", () => {
  test("every bad document gives exactly its problems, located, and never echoes a secret value", () => {
    for (const c of BAD) {
      const lines = problemsOf(() => loadDeclarations(c.yaml, { file: "bad.yaml" }));
      assert.equal(lines.length, c.problems.length, `${c.name}: ${lines.join("\n")}`);
      c.problems.forEach((expected, i) =>
        typeof expected === "string" ? assert.equal(lines[i], expected, c.name) : assert.match(lines[i], expected, c.name),
      );
      assert.ok(!lines.join("\n").includes("hunter2"), `${c.name}: no secret value`);
    }
  });

  test("one error lists the problems of every file and entry at once", (t) => {
    const dir = tempDir(t, "cxone-decl-");
    writeFile(dir, "a.yaml", `version: 1\nactions:\n  a:\n${ENTRY.replace("ADD_OFFSET", "ADD")}\n`);
    writeFile(dir, "b.yaml", `version: 2\nactions:\n  b:\n${ENTRY.replace("120", '"120"')}\n  c:\n${ENTRY.replace("America/New_York", "Mars/Olympus")}\n`);
    const lines = problemsOf(() => loadDeclarations(dir));
    assert.deepEqual(
      lines.map((line) => line.slice(dir.length + 1).split(": ").slice(0, 2).join(": ")),
      // In reading order, whichever check found them.
      ["a.yaml:7:16: a.operation", "b.yaml:1:10: version", "b.yaml:8:20: b.offsetMinutes", "b.yaml:12:21: c.targetTimezone"],
    );
  });
});
