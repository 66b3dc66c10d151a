import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, test } from "node:test";

const ROOT = join(__dirname, "..", "..");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source, as `node --import tsx provider/cli/main.ts ...`. */
function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", "provider/cli/main.ts", ...args], { cwd: ROOT, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== "number") {
        reject(error);
        return;
      }
      resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}

const EXAMPLE = [
  "--source-timestamp",
  "2024-02-29T15:30:00.000Z",
  "--target-timezone",
  "America/New_York",
  "--operation",
  "ADD_OFFSET",
];

// Each run starts a Node process; two at a time keeps the file fast on a 2-core machine.
describe("cxone-date", { concurrency: 2 }, () => {
  test("prints the original design's example as JSON", async () => {
    const run = await cli(...EXAMPLE, "--offset-minutes", "120");
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
    assert.deepEqual(JSON.parse(run.stdout), {
      computedValue: "2024-02-29T12:30:00.000-05:00",
      computedValueUtc: "2024-02-29T17:30:00.000Z",
      computedEpochMs: Date.parse("2024-02-29T17:30:00.000Z"),
    });
  });

  test("negative values and the remaining flags reach the computation", async () => {
    const run = await cli(
      "--source-timestamp",
      "2024-03-10T01:30:00",
      "--source-timezone",
      "America/New_York",
      "--target-timezone",
      "UTC",
      "--operation",
      "SUBTRACT_OFFSET",
      "--offset",
      "-PT1H",
      "--disambiguation",
      "reject",
      "--precision",
      "0",
    );
    assert.equal(run.code, 0, run.stderr);
    // 01:30 EST is 06:30Z; subtracting -1h adds an hour of elapsed time; precision 0 drops the fraction.
    assert.equal(JSON.parse(run.stdout).computedValueUtc, "2024-03-10T07:30:00Z");
  });

  test("bad inputs: one 'property: reason' line each on stderr, exit 2", async () => {
    const run = await cli("--source-timestamp", "2024-02-29T15:30:00.000Z", "--target-timezone", "America/New_Yrok", "--operation", "ADD_OFFSET", "--offset-minutes", "-1.5", "--precision", "7");
    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    const lines = run.stderr.trimEnd().split("\n");
    assert.deepEqual(lines.map((line) => line.slice(0, line.indexOf(":"))).sort(), ["offsetMinutes", "precision", "targetTimezone"]);
    assert.ok(lines.some((line) => line.startsWith('targetTimezone: targetTimezone "America/New_Yrok"') && line.includes('"America/New_York"')));
  });

  test("missing required flags are named; the placeholder action name never shows", async () => {
    const run = await cli("--offset", "PT2H");
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^sourceTimestamp: sourceTimestamp is required/m);
    assert.match(run.stderr, /^targetTimezone: targetTimezone is required/m);
    assert.match(run.stderr, /^operation: operation is required/m);
    assert.doesNotMatch(run.stderr, /actionName/);
  });

  test("the engine's verdicts come through too", async () => {
    const run = await cli("--source-timestamp", "2024-03-10T02:30:00", "--source-timezone", "America/New_York", "--target-timezone", "UTC", "--operation", "CONVERT", "--disambiguation", "reject");
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^sourceTimestamp: .*does not exist in America\/New_York/m);
  });

  test("an unknown flag prints the usage and exits 2", async () => {
    const run = await cli(...EXAMPLE, "--offset-minutes", "120", "--target-timezon", "UTC");
    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /--target-timezon/);
    assert.match(run.stderr, /Usage: cxone-date/);
  });

  test("a positional argument or a flag without its value prints the usage and exits 2", async () => {
    for (const args of [["2024-02-29T15:30:00Z"], ["--operation"]]) {
      const run = await cli(...args);
      assert.equal(run.code, 2, args.join(" "));
      assert.match(run.stderr, /Usage: cxone-date/);
    }
  });

  test("--version prints the package's version and exits 0", async () => {
    const run = await cli("--version");
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${(require(join(ROOT, "package.json")) as { version: string }).version}\n`);
  });

  // [arguments, the first line of stderr]
  const typos: Array<[string[], string]> = [
    [["lnt", "actions.yaml"], 'cxone-date: unknown command "lnt"; did you mean `cxone-date lint`?'],
    [["--sorce-timestamp", "2024-02-29T15:30:00Z"], "cxone-date: unknown option --sorce-timestamp; did you mean --source-timestamp?"],
    [["--offset-minute", "5"], "cxone-date: unknown option --offset-minute; did you mean --offset-minutes?"],
    [["--verison"], "cxone-date: unknown option --verison; did you mean --version?"],
    [["lint", "--formt", "json", "x.yaml"], "cxone-date lint: unknown option --formt; did you mean --format?"],
  ];
  for (const [args, first] of typos) {
    test(`a typo names what was meant: ${args.join(" ")}`, async () => {
      const run = await cli(...args);
      assert.equal(run.code, 2);
      assert.equal(run.stderr.split("\n")[0], first);
    });
  }

  test("nothing close: parseArgs' own words, no guess", async () => {
    const run = await cli("--zzzzzzzzzz");
    assert.equal(run.code, 2);
    assert.ok(run.stderr.startsWith("cxone-date: Unknown option '--zzzzzzzzzz'"), run.stderr);
    assert.ok(!run.stderr.includes("did you mean"));
  });

  test("--help prints the usage on stdout and exits 0", async () => {
    const run = await cli("--help");
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Usage: cxone-date/);
    for (const flag of ["--source-timestamp", "--source-timezone", "--target-timezone", "--operation", "--offset-minutes", "--offset", "--disambiguation", "--precision"]) {
      assert.ok(run.stdout.includes(flag), flag);
    }
  });
});
