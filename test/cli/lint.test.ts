/**
 * `cxone-date lint`, run as the built bin a user gets from `npx cxone-date lint`: offline,
 * every problem located, GitHub annotations, JSON, and the table of values a clean run prints.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, test, type TestContext } from "node:test";
import { lint } from "../helpers/bin";
import { tempDir, writeFile } from "../helpers/files";
import { REPO_ROOT } from "../../harness/host";

const EXAMPLE = path.join(REPO_ROOT, "examples", "gitops", "actions.yaml");
const dir = (t: TestContext) => tempDir(t);

const ENTRY = `    actionName: Production_Date_Processor
    sourceTimestamp: "2024-02-29T15:30:00.000Z"
    targetTimezone: America/New_York
    operation: ADD_OFFSET
    offsetMinutes: 120`;
// Two problems: a zone typo (at its value) and an unknown key (at the key).
const BAD = `version: 1\nactions:\n  prod:\n${ENTRY.replace("America/New_York", "America/New_Yrok")}\n  stage:\n${ENTRY}\n    precison: 0\n`;

describe("cxone-date lint", { concurrency: 2 }, () => {
  test("a clean file: a table of entry, action and the value written (computedValueUtc for utc), exit 0", async () => {
    const run = await lint(["examples/gitops/actions.yaml"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
    assert.equal(
      run.stdout,
      [
        "ENTRY                      ACTION                     VALUE WRITTEN",
        "production-date-processor  Production_Date_Processor  2024-02-29T12:30:00.000-05:00",
        "staging-date-processor     Staging_Date_Processor     2024-03-10T07:30:00+00:00",
        "sydney-month-end           Action_0042                2024-02-28T22:00:00.000Z",
        "",
      ].join("\n"),
    );
  });

  test("problems: one file:line:column: entry.field: reason line each, exit 1", async (t) => {
    const file = path.join(dir(t), "actions.yaml");
    writeFileSync(file, BAD);
    const run = await lint([file]);
    assert.equal(run.code, 1);
    const lines = run.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 2, run.stdout);
    assert.match(lines[0], new RegExp(`^${file}:6:21: prod\\.targetTimezone: targetTimezone "America/New_Yrok" is not an IANA time zone; did you mean "America/New_York"\\?`));
    assert.equal(lines[1], `${file}:15:5: stage.precison: precison is not an input of CxoneDateAction; did you mean precision?`);
    assert.equal(run.stderr, "cxone-date lint: 2 problems; nothing was deployed or contacted\n");
  });

  test("--format github: one ::error annotation per problem, paths from the workspace, properties escaped", async (t) => {
    const workspace = dir(t);
    const file = path.join(workspace, "decl,prod.yaml");
    writeFileSync(file, BAD);
    const run = await lint(["--format", "github", "decl,prod.yaml"], { cwd: workspace, env: { GITHUB_WORKSPACE: workspace } });
    assert.equal(run.code, 1);
    const lines = run.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^::error file=decl%2Cprod\.yaml,line=6,col=21,title=cxone-date lint::prod\.targetTimezone: targetTimezone "America\/New_Yrok" is not/);
    assert.equal(lines[1], "::error file=decl%2Cprod.yaml,line=15,col=5,title=cxone-date lint::stage.precison: precison is not an input of CxoneDateAction; did you mean precision?");
    // Run from a subdirectory, the annotation still names the file from the checkout's root.
    mkdirSync(path.join(workspace, "sub"));
    const sub = await lint(["--format", "github", path.join("..", "decl,prod.yaml")], { cwd: path.join(workspace, "sub"), env: { GITHUB_WORKSPACE: workspace } });
    assert.match(sub.stdout, /^::error file=decl%2Cprod\.yaml,line=6,col=21,/);
  });

  test("--format json: ok, located problems, and every entry's computed values", async (t) => {
    const clean = JSON.parse((await lint(["--format", "json", EXAMPLE])).stdout);
    assert.equal(clean.ok, true);
    assert.deepEqual(clean.problems, []);
    assert.deepEqual(clean.entries[2], {
      name: "sydney-month-end",
      file: EXAMPLE,
      line: 28,
      column: 3,
      actionName: "Action_0042",
      actionId: null,
      valueFormat: "utc",
      written: "2024-02-28T22:00:00.000Z",
      computedValue: "2024-02-29T09:00:00.000+11:00",
      computedValueUtc: "2024-02-28T22:00:00.000Z",
      computedEpochMs: Date.parse("2024-02-28T22:00:00.000Z"),
    });
    const file = path.join(dir(t), "bad.yaml");
    writeFileSync(file, BAD);
    const run = await lint(["--format", "json", file]);
    assert.equal(run.code, 1);
    const bad = JSON.parse(run.stdout);
    assert.equal(bad.ok, false);
    assert.deepEqual(bad.problems[1], { file, line: 15, column: 5, path: "stage.precison", reason: "precison is not an input of CxoneDateAction; did you mean precision?" });
  });

  test("several paths and directories are one set: a name used in two files is a problem", async (t) => {
    const d = dir(t);
    writeFileSync(path.join(d, "a.yaml"), `version: 1\nactions:\n  prod:\n${ENTRY}\n`);
    writeFileSync(path.join(d, "b.yml"), `version: 1\nactions:\n  prod:\n${ENTRY}\n`);
    const run = await lint([d]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, `${path.join(d, "b.yml")}:3:3: prod: the entry name prod is already used at ${path.join(d, "a.yaml")}:3:3; entry names are Pulumi resource names and must be unique\n`);
    // Apart from the example, whose entries manage other actions than this one.
    writeFileSync(path.join(d, "c.yaml"), `version: 1\nactions:\n  prod:\n${ENTRY.replace("Production_Date_Processor", "Action_0100")}\n`);
    const apart = await lint([path.join(d, "c.yaml"), EXAMPLE]);
    assert.equal(apart.code, 0, apart.stdout);
    assert.equal(apart.stdout.split("\n").length, 6, "a heading and four entries");
  });

  test("offline: no Pulumi, no network, no credentials", async (t) => {
    const preload = path.join(dir(t), "offline.js");
    writeFileSync(
      preload,
      `const Module = require("node:module");
       const load = Module._load;
       Module._load = function (request, ...rest) {
         if (/^@pulumi\\//.test(request)) throw new Error("lint loaded " + request);
         return load.call(this, request, ...rest);
       };
       const net = require("node:net");
       net.Socket.prototype.connect = function () { throw new Error("lint opened a connection"); };
       globalThis.fetch = () => { throw new Error("lint fetched"); };`,
    );
    const run = await lint(["examples/gitops/actions.yaml"], { preload });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^sydney-month-end {11}Action_0042 {16}2024-02-28T22:00:00\.000Z$/m);
  });

  test("usage errors exit 2 and say what to do", async () => {
    for (const [args, message] of [
      [[], "name at least one declaration file or directory"],
      [["--format", "sarif", "x.yaml"], '--format "sarif" is not one of text, github, json'],
      [["--fix", "x.yaml"], "Unknown option '--fix'"],
    ] as const) {
      const run = await lint([...args]);
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.ok(run.stderr.includes(message), run.stderr);
      assert.ok(run.stderr.includes("Usage: cxone-date lint"), "shows the usage");
    }
    const help = await lint(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--format github/);
  });
});

/**
 * The lines of a job log as the Actions runner splits them (CR, LF or CRLF), and those it would
 * read as a workflow command: "::name ...::" or the older "##[name]", leading whitespace allowed.
 */
function commandLines(output: string): string[] {
  return output.split(/\r\n|\r|\n/).filter((line) => /^\s*(?:::|##\[)/.test(line));
}
const OURS = /^::error file=[^\r\n:,]*,(?:line=\d+,col=\d+,)?title=cxone-date lint::/;

describe("cxone-date lint against files built to inject", { concurrency: 2 }, () => {
  /** A declaration tree whose names, keys and values each try to start a log line with a command. */
  function hostileTree(t: TestContext): string {
    const root = dir(t);
    const value = (s: string) => JSON.stringify(s);
    // actionName and actionId with line breaks, an unknown key with CR and U+2028, a value with NEL.
    writeFile(root, "::stop-commands::pwn.yaml", `version: 1\nactions:\n  prod:\n${ENTRY.replace("Production_Date_Processor", value("x\n::add-mask::y\r##[error]z"))}\n    actionId: ${value("da-1\n::warning::forged")}\n    ${value("bad\r::error::key\u2028::notice::k")}: 1\n    sourceField: ${value("a\u0085::debug::b")}\n`);
    writeFile(root, "a\n::error file=x::name.yaml", `version: 1\nactions:\n  ${value("::error::entry")}:\n${ENTRY}\n`);
    writeFile(root, "##[add-mask]x.yaml", `version: 1\nactions: [ ${value("::set-output name=x::y")} ]\n`);
    return root;
  }

  for (const format of ["text", "github", "json"] as const) {
    test(`--format ${format}: no line the runner would read as a command except our own annotations`, async (t) => {
      // Run from the tree with a relative path, as a workflow does: file names start the lines.
      const root = hostileTree(t);
      const run = await lint(["--format", format, "."], { cwd: root });
      assert.equal(run.code, 1, run.stderr);
      const forged = commandLines(run.stdout + run.stderr).filter((line) => format !== "github" || !OURS.test(line));
      assert.deepEqual(forged, []);
      // Nor any other character a log viewer may act on (ANSI escapes, NEL, line separators).
      assert.doesNotMatch(run.stdout + run.stderr, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/u);
      if (format === "github") {
        const ours = commandLines(run.stdout);
        assert.equal(ours.length, 6, run.stdout); // 4 in the first file, 1 in each other
        assert.equal(ours.length, run.stdout.trimEnd().split("\n").length, "every stdout line is one annotation");
      }
      if (format === "text") {
        // Every problem line starts with a file shown as a path, never with the file's raw name.
        // A file name that would start a command is shown as ./name; the newline in the other is escaped.
        const starts = run.stdout.trimEnd().split("\n").map((line) => line.slice(0, line.indexOf(".yaml:") + 6));
        assert.deepEqual([...new Set(starts)], ["./##[add-mask]x.yaml:", "./::stop-commands::pwn.yaml:", "a\\n::error file=x::name.yaml:"]);
      }
      if (format === "json") assert.equal(JSON.parse(run.stdout).ok, false);
    });
  }

  test("a clean run's table shows each field on its line, escaped", async (t) => {
    const root = dir(t);
    writeFile(root, "::error::clean.yaml", `version: 1\nactions:\n  prod:\n${ENTRY}\n`);
    const run = await lint(["."], { cwd: root });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(commandLines(run.stdout), []);
  });

  test("an alias bomb and a file that cannot be walked: exit 1 with the problem, exit 2 for I/O, a JSON document either way", async (t) => {
    const root = dir(t);
    let bomb = "version: 1\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i < 10; i++) bomb += `l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(", ")}]\n`;
    writeFile(root, "bomb.yaml", bomb);
    const json = await lint(["--format", "json", root]);
    assert.equal(json.code, 1, json.stderr);
    assert.match(JSON.parse(json.stdout).problems[0].reason, /expands to more than \d+ values/);
    assert.ok(!/ReferenceError|    at /.test(json.stdout + json.stderr), json.stderr);

    // readdir failing mid-walk is not a problem of the files: exit 2, and JSON still prints.
    const preload = path.join(dir(t), "eio.js");
    writeFileSync(preload, `const fs = require("node:fs"); fs.readdirSync = () => { const e = new Error("EIO: i/o error, scandir"); e.code = "EIO"; throw e; };`);
    const io = await lint(["--format", "json", root], { preload });
    assert.equal(io.code, 2, io.stderr);
    assert.deepEqual(JSON.parse(io.stdout), { ok: false, error: "EIO: i/o error, scandir", problems: [], entries: [] });
    assert.match(io.stderr, /^cxone-date lint: could not check the files: EIO: i\/o error, scandir\n$/);
  });
});
