/**
 * Declaration files as an attacker writes them in a pull request: YAML dialects and tags, alias
 * bombs, deep nesting, several documents, bytes that are not UTF-8, reserved keys, and directory
 * trees with links out, dangling links and loops. Each is a located DeclarationError (never a
 * crash), and every other file is still checked.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { symlinkSync } from "node:fs";
import * as path from "node:path";
import { describe, test, type TestContext } from "node:test";
import { loadDeclarations } from "../../provider/gitops";
import { LIMITS } from "../../provider/gitops/format";
import { problemsOf } from "../helpers/declarations";
import { tempDir, writeFile } from "../helpers/files";

const ENTRY = `    actionName: Production_Date_Processor
    sourceTimestamp: "2024-02-29T15:30:00.000Z"
    targetTimezone: America/New_York
    operation: ADD_OFFSET
    offsetMinutes: 120`;
const GOOD = `version: 1\nactions:\n  prod:\n${ENTRY}\n`;

describe("YAML dialects: 1.2 core schema only", () => {
  // [case, text, the one problem (or its start)]
  const table: Array<[string, string, RegExp]> = [
    ["a %YAML 1.1 directive", `%YAML 1.1\n---\n${GOOD}`, /^<text>:1:1: the file asks for YAML 1\.1 \(%YAML 1\.1\), which reads values differently \(off as false, 1:30 as 90\); remove the directive/],
    ["an unknown %YAML version", `%YAML 1.3\n---\n${GOOD}`, /^<text>:1:7: a directive here is not YAML 1\.2 \(Unsupported YAML version 1\.3\)/],
    ["!!js/function", `${GOOD}    sourceField: !!js/function 'function () {}'\n`, /^<text>:9:18: the tag !!js\/function is not one of YAML 1\.2's core schema/],
    ["a local tag", `${GOOD}    sourceField: !foo bar\n`, /^<text>:9:18: the tag !foo is not one of YAML 1\.2's core schema/],
    ["!!binary (YAML 1.1)", `${GOOD}    sourceField: !!binary aGk=\n`, /^<text>:9:18: the tag !!binary is not one of/],
    ["!!timestamp (YAML 1.1)", `version: 1\nactions:\n  prod:\n${ENTRY.replace('"2024-02-29T15:30:00.000Z"', "!!timestamp 2024-02-29")}\n`, /^<text>:5:22: the tag !!timestamp is not one of/],
    ["a %TAG handle", `%TAG !e! tag:example.com,2000:\n---\n${GOOD}    sourceField: !e!x 1\n`, /^<text>:11:18: the tag tag:example\.com,2000:x is not one of/],
    ["two documents", `${GOOD}---\n${GOOD}`, /^<text>:9:1: holds more than one YAML document \(a second "---"\); a declaration file is one document/],
  ];
  for (const [name, text, problem] of table) {
    test(name, () => {
      const problems = problemsOf(() => loadDeclarations(text));
      assert.equal(problems.length, 1, problems.join("\n"));
      assert.match(problems[0], problem);
    });
  }

  test("core-schema tags stay allowed, and 1.1 spellings are plain strings that check refuses by name", () => {
    assert.equal(loadDeclarations(`${GOOD}    sourceField: !!str 5\n`)[0].args.sourceField, "5");
    // YAML 1.1 would read these as 90 and false; 1.2 reads strings, which check names.
    const problems = problemsOf(() => loadDeclarations(GOOD.replace("offsetMinutes: 120", "offsetMinutes: 1:30\n    dstAdjustment: off")));
    assert.deepEqual(problems, [
      '<text>:8:20: prod.offsetMinutes: offsetMinutes must be a number of minutes such as 120 or -90, got the string "1:30"',
      '<text>:9:20: prod.dstAdjustment: dstAdjustment must be true or false (written into dateProcessing), got the string "off"; write false ("off" is text, not a boolean, in YAML 1.2 and JSON)',
    ]);
  });
});

describe("aliases, depth and size: limits that are problems, never a crash", () => {
  test("a real file that reuses one anchor hundreds of times still loads", () => {
    const text = `version: 1\ndefaults:\n  targetTimezone: &zone America/New_York\nactions:\n${Array.from({ length: 300 }, (_, i) => `  - name: e${i}\n    actionName: A${i}\n    sourceTimestamp: &ts${i} "2024-02-29T15:30:00.000Z"\n    targetTimezone: *zone\n    operation: CONVERT`).join("\n")}\n`;
    assert.equal(loadDeclarations(text).length, 300);
  });

  test("a billion-laughs file is one problem at the alias where the budget runs out", () => {
    let text = "version: 1\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i < 10; i++) text += `l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(", ")}]\n`;
    // The bound is what makes this finish at all: unbounded, it is 10^10 values.
    const problems = problemsOf(() => loadDeclarations(text));
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.match(problems[0], new RegExp(`^<text>:\\d+:\\d+: expands to more than ${LIMITS.expandedValues} values once its aliases stand for their anchors`));
  });

  test("more aliases than the limit", () => {
    const text = `version: 1\nv: &v x\nl: [${Array(LIMITS.aliases + 1).fill("*v").join(", ")}]\n`;
    const problems = problemsOf(() => loadDeclarations(text));
    assert.equal(problems.length, 1);
    assert.match(problems[0], new RegExp(`^<text>:3:${5 + 4 * LIMITS.aliases}: uses aliases \\(\\*name\\) more than ${LIMITS.aliases} times`));
  });

  test("nesting past the limit, in the text or through a chain of aliases", () => {
    const deep = `version: 1\nx: ${"[".repeat(LIMITS.depth + 1)}${"]".repeat(LIMITS.depth + 1)}\n`;
    assert.match(problemsOf(() => loadDeclarations(deep))[0], new RegExp(`^<text>:2:\\d+: nests more than ${LIMITS.depth} levels of maps and lists \\(aliases expanded\\)`));
    let chain = "version: 1\na0: &a0 [x]\n";
    for (let i = 1; i <= LIMITS.depth; i++) chain += `a${i}: &a${i} [*a${i - 1}]\n`;
    // Reported at the alias that makes it deep (a31's *a30), not inside the anchor it points at.
    assert.match(problemsOf(() => loadDeclarations(chain))[0], new RegExp(`^<text>:${LIMITS.depth + 1}:12: nests more than ${LIMITS.depth} levels of maps and lists \\(aliases expanded\\)`));
    const wild = `version: 1\nx: ${"[".repeat(100_000)}\n`;
    const problems = problemsOf(() => loadDeclarations(wild));
    assert.ok(problems.some((p) => /is nested too deeply to read|nests more than/.test(p)), problems.join("\n"));
  });

  test("a recursive alias", () => {
    const problems = problemsOf(() => loadDeclarations("version: 1\na: &a [1, *a]\n"));
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.match(problems[0], /the alias \*a refers to a value that holds it/);
  });
});

describe("bytes and keys", () => {
  test("invalid UTF-8 is a problem at the first bad byte, not U+FFFD", (t) => {
    const dir = tempDir(t, "cxone-hostile-");
    const bad = Buffer.concat([Buffer.from(GOOD.replace("Production_Date_Processor", "Production_")), Buffer.from([0xc3, 0x28]), Buffer.from("\n")]);
    writeFile(dir, "latin1.yaml", Buffer.from(GOOD.replace("America/New_York", "America/Bogot\u00e1"), "latin1"));
    writeFile(dir, "cut.yaml", bad);
    assert.deepEqual(problemsOf(() => loadDeclarations(dir), dir), [
      "cut.yaml:9:1: is not UTF-8: the byte 0xC3 here does not begin a valid UTF-8 character; save the file as UTF-8",
      "latin1.yaml:6:34: is not UTF-8: the byte 0xE1 here does not begin a valid UTF-8 character; save the file as UTF-8",
    ]);
  });

  test("a byte-order mark is fine, and a bad byte after one is still located", (t) => {
    const dir = tempDir(t, "cxone-hostile-");
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    assert.equal(loadDeclarations(writeFile(dir, "bom.yaml", Buffer.concat([bom, Buffer.from(GOOD)]))).length, 1);
    const file = writeFile(dir, "bad.yaml", Buffer.concat([bom, Buffer.from("version: 1\nx: a"), Buffer.from([0xff])]));
    assert.deepEqual(problemsOf(() => loadDeclarations(file), dir), ["bad.yaml:2:5: is not UTF-8: the byte 0xFF here does not begin a valid UTF-8 character; save the file as UTF-8"]);
  });

  // [where, text, the problem]
  const reserved: Array<[string, string, string]> = [
    ["an entry", `${GOOD}    __comment: why this exists\n`, "<text>:9:5: prod.__comment: __comment starts with"],
    ["an entry, __proto__", `${GOOD}    __proto__: { enabled: false }\n`, "<text>:9:5: prod.__proto__: __proto__ starts with"],
    ["defaults", `version: 1\ndefaults:\n  __provider: x\nactions:\n  prod:\n${ENTRY}\n`, "<text>:3:3: defaults.__provider: __provider starts with"],
    ["a list entry", `version: 1\nactions:\n  - name: prod\n    __owner: someone\n${ENTRY}\n`, "<text>:4:5: prod.__owner: __owner starts with"],
  ];
  for (const [where, text, problem] of reserved) {
    test(`a key starting with "__" is refused: ${where}`, () => {
      const problems = problemsOf(() => loadDeclarations(text));
      assert.equal(problems.length, 1, problems.join("\n"));
      assert.ok(problems[0].startsWith(problem), problems[0]);
    });
  }
});

describe("directories: recursive, stable order, links never followed out", () => {
  function tree(t: TestContext) {
    const base = tempDir(t, "cxone-hostile-");
    const root = path.join(base, "decl");
    const outside = writeFile(base, "secret/values.yaml", "version: 1\nstolen: do-not-echo-this\n");
    writeFile(root, "b.yaml", GOOD.replace("prod:", "b-entry:").replace("Production_Date_Processor", "B"));
    writeFile(root, "a/nested.yml", GOOD.replace("prod:", "nested:").replace("Production_Date_Processor", "N"));
    writeFile(root, "a/deeper/z.yaml", GOOD.replace("prod:", "deep:").replace("Production_Date_Processor", "D"));
    writeFile(root, "notes.txt", "not a declaration");
    return { base, root, outside };
  }

  test("a directory is walked recursively, by name in code-point order, depth first", (t) => {
    const { root } = tree(t);
    writeFile(root, "B.yaml", GOOD.replace("prod:", "upper:").replace("Production_Date_Processor", "U"));
    const loaded = loadDeclarations(root);
    assert.deepEqual(
      loaded.map((d) => path.relative(root, d.file)),
      ["B.yaml", path.join("a", "deeper", "z.yaml"), path.join("a", "nested.yml"), "b.yaml"],
    );
  });

  test("links: out of the root, dangling, looping and not regular are problems at the link; every other file is read", (t) => {
    const { root, outside } = tree(t);
    symlinkSync(outside, path.join(root, "0-out.yaml"));
    symlinkSync(path.dirname(outside), path.join(root, "0-outdir"));
    symlinkSync(path.join(root, "missing.yaml"), path.join(root, "1-dangling.yaml"));
    symlinkSync(path.join(root, "2-loop.yaml"), path.join(root, "2-loop.yaml"));
    symlinkSync(path.join(root, "b.yaml"), path.join(root, "3-inside.yaml")); // inside: read, and its entry is a duplicate name
    symlinkSync(root, path.join(root, "a", "up")); // a directory link back up: each real directory is read once
    execFileSync("mkfifo", [path.join(root, "4-fifo.yaml")]); // a reader that opened it would wait for a writer
    const problems = problemsOf(() => loadDeclarations(root), root);
    assert.deepEqual(problems, [
      `0-out.yaml: is a symbolic link to a path outside ${root}; declaration files are read only inside the directory given, so it is not read`,
      `0-outdir: is a symbolic link to a path outside ${root}; declaration files are read only inside the directory given, so it is not read`,
      "1-dangling.yaml: is a symbolic link to a path that does not exist (a dangling link); remove it or point it at a declaration file",
      "2-loop.yaml: is a loop of symbolic links; it is not read",
      "4-fifo.yaml: cannot be read: is not a regular file",
      // The link inside the root is read (first, by its name), so b.yaml's entry is the duplicate.
      "b.yaml:3:3: b-entry: the entry name b-entry is already used at 3-inside.yaml:3:3; entry names are Pulumi resource names and must be unique",
    ]);
    assert.ok(!problems.join("\n").includes("do-not-echo-this"));
    assert.ok(!problems.join("\n").includes("stolen"));
  });

  test("a directory reached through a linked parent is its own real root: links inside it are still inside", (t) => {
    const { base, root } = tree(t);
    // base/via -> base, so base/via/decl is decl by another path (a checkout under a linked home).
    symlinkSync(base, path.join(base, "via"));
    symlinkSync(path.join(root, "b.yaml"), path.join(root, "3-inside.yaml"));
    const problems = problemsOf(() => loadDeclarations(path.join(base, "via", "decl")), path.join(base, "via", "decl"));
    // The inner link is read (its entry is the duplicate name), not refused as a link out.
    assert.deepEqual(problems, ["b.yaml:3:3: b-entry: the entry name b-entry is already used at 3-inside.yaml:3:3; entry names are Pulumi resource names and must be unique"]);
  });

  test("a link named directly must stay beside itself; a directory link named directly is its own root", (t) => {
    const { base, root, outside } = tree(t);
    const dirLink = path.join(base, "linked");
    symlinkSync(root, dirLink);
    assert.equal(loadDeclarations(dirLink).length, 3);
    const link = path.join(root, "direct.yaml");
    symlinkSync(outside, link);
    assert.deepEqual(problemsOf(() => loadDeclarations(link)), [`${link}: is a symbolic link to a file outside its own directory; declaration files are read only where they are given`]);
  });
});

describe("found by the fuzz run (benchmarks/fuzz-declarations.ts)", () => {
  test("thousands of implicit maps on one line overflow the YAML parser's stack: a problem, not a RangeError", () => {
    // The parser recurses when the next, less indented line closes every one of those maps.
    const text = `version: 1\nactions:\n  prod:\n    offsetMinutes: ${"1: ".repeat(20_000)}1\n  next: 1\n`;
    assert.deepEqual(problemsOf(() => loadDeclarations(text)), [`<text>:1:1: is nested too deeply to read; a declaration file needs ${LIMITS.depth} levels at most`]);
  });

  test("a line that cascades into hundreds of YAML errors: the first few, then how many more", () => {
    const text = `version: 1\nactions:\n  prod:\n    offsetMinutes: ${"1: ".repeat(500)}1\n`;
    const problems = problemsOf(() => loadDeclarations(text));
    assert.equal(problems.length, LIMITS.syntaxErrors + 1);
    assert.match(problems[LIMITS.syntaxErrors], /^<text>:4:\d+: and \d+ more YAML errors after this point; fix the ones above first$/);
  });

  test("a map or a list as a key is a problem at the key, not a process warning and a stringified key", () => {
    const warnings: string[] = [];
    const listen = (w: Error) => warnings.push(w.message);
    process.on("warning", listen);
    try {
      const problems = problemsOf(() => loadDeclarations(`version: 1\nactions:\n  ? { operation: ADD_OFFSET }\n  : x\n`));
      assert.deepEqual(problems, ["<text>:3:5: a key here is a map or a list; keys in a declaration file are names: write a plain string"]);
    } finally {
      process.off("warning", listen);
    }
    assert.deepEqual(warnings, []);
  });
});
