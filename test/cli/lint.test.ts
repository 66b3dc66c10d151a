/**
 * `cxone-date lint`, run as the built bin a user gets from `npx cxone-date lint`: offline,
 * every problem located, GitHub annotations, JSON, and the table of values a clean run prints.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, test, type TestContext } from "node:test";
import { REPO_ROOT } from "../helpers/host";

const BIN = path.join(REPO_ROOT, (require(path.join(REPO_ROOT, "package.json")) as { bin: Record<string, string> }).bin["cxone-date"]);
const EXAMPLE = path.join(REPO_ROOT, "examples", "gitops", "actions.yaml");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The bin with no credentials in its environment; `preload` runs before it (node --require). */
function lint(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; preload?: string } = {}): Promise<Run> {
  const node = options.preload === undefined ? [BIN] : ["--require", options.preload, BIN];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...node, "lint", ...args], { cwd: options.cwd ?? REPO_ROOT, env: { PATH: process.env.PATH, ...options.env }, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== "number") return reject(error);
      resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}

function dir(t: TestContext): string {
  const d = mkdtempSync(path.join(tmpdir(), "cxone-lint-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

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
