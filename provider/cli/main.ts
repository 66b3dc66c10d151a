#!/usr/bin/env node
/**
 * `cxone-date`: computes the value a CxoneDateAction would write, without deploying, through
 * the same validation `check` uses. Prints the computed values as JSON (exit 0), or one
 * `property: reason` line per failure on stderr (exit 2). `cxone-date lint` checks declaration
 * files (lint.ts).
 */
import { parseArgs } from "node:util";
import { UNKNOWN, validateInputs } from "../resource/schema";
import { packageVersion, withSuggestion } from "./args";
import { lint } from "./lint";

/** Flags and the inputs they set; the names mirror the resource's inputs. */
const FLAGS = {
  "source-timestamp": "sourceTimestamp",
  "source-timezone": "sourceTimezone",
  "target-timezone": "targetTimezone",
  operation: "operation",
  "offset-minutes": "offsetMinutes",
  offset: "offset",
  disambiguation: "disambiguation",
  precision: "precision",
} as const;

/** Inputs that are numbers; flags arrive as text. */
const NUMERIC = new Set<string>(["offsetMinutes", "precision"]);

/** The CLI only computes, so no Data Action is named; the schema still requires a name. */
const PLACEHOLDER_ACTION_NAME = "cxone-date-cli";

const USAGE = `Usage: cxone-date --source-timestamp <ISO 8601> --target-timezone <IANA zone> --operation <operation> [options]
       cxone-date lint [--format text|github|json] FILE|DIRECTORY...   (see cxone-date lint --help)

Computes the value a CxoneDateAction writes to CXone, without deploying.

  --source-timestamp <text>   e.g. 2024-02-29T15:30:00.000Z; without Z or an offset it is read in --source-timezone
  --source-timezone <zone>    IANA zone for a timestamp without offset (default UTC)
  --target-timezone <zone>    IANA zone the value is expressed in, e.g. America/New_York
  --operation <operation>     ADD_OFFSET, SUBTRACT_OFFSET or CONVERT
  --offset-minutes <n>        offset in whole minutes, e.g. 120 or -90
  --offset <duration>         ISO 8601 duration, e.g. PT2H, -P1D, P1Y2M3W4DT5H6M7.5S (not with --offset-minutes)
  --disambiguation <mode>     compatible (default), earlier, later or reject: DST gaps and overlaps
  --precision <digits>        fractional-second digits kept, 0 to 3 (default 3)
  -h, --help                  show this help
  --version                   print the package version

Prints {"computedValue", "computedValueUtc", "computedEpochMs"} as JSON and exits 0;
otherwise prints one "input: reason" line per problem on stderr and exits 2.
`;

const OPTIONS = {
  ...Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: "string" as const }])),
  help: { type: "boolean" as const, short: "h" },
  version: { type: "boolean" as const },
};

/** A number when the text is one, else the text itself so the schema names what is wrong. */
function asNumber(text: string): number | string {
  const value = Number(text);
  return text.trim() !== "" && Number.isFinite(value) ? value : text;
}

/**
 * parseArgs takes "--offset-minutes -90" for a flag without its value; a negative number or
 * duration ("-90", "-PT2H") after a flag is its value, so it is joined as "--flag=-90".
 */
function joinNegativeValues(argv: string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    const takesValue = argv[i].startsWith("--") && Object.hasOwn(FLAGS, argv[i].slice(2));
    if (takesValue && next !== undefined && /^-(?:\d|P)/.test(next)) {
      joined.push(`${argv[i]}=${next}`);
      i++;
    } else {
      joined.push(argv[i]);
    }
  }
  return joined;
}

function main(argv: string[]): number {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: joinNegativeValues(argv), options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    const message = withSuggestion(error instanceof Error ? error.message : String(error), Object.keys(OPTIONS), ["lint"]);
    process.stderr.write(`cxone-date: ${message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version === true) {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const inputs: Record<string, unknown> = { actionName: PLACEHOLDER_ACTION_NAME };
  for (const [flag, input] of Object.entries(FLAGS)) {
    const text = values[flag];
    if (typeof text === "string") inputs[input] = NUMERIC.has(input) ? asNumber(text) : text;
  }
  const result = validateInputs(inputs);
  if (result.ok === true) {
    process.stdout.write(`${JSON.stringify(result.computed, null, 2)}\n`);
    return 0;
  }
  // "unknown" only arises when a flag carries Pulumi's placeholder text; name it as a failure.
  const failures =
    result.ok === "unknown"
      ? Object.keys(inputs)
          .filter((input) => inputs[input] === UNKNOWN)
          .map((property) => ({ property, reason: `${property} is Pulumi's unknown-value placeholder; pass the real value` }))
      : result.failures;
  for (const failure of failures) process.stderr.write(`${failure.property}: ${failure.reason}\n`);
  return 2;
}

const argv = process.argv.slice(2);
process.exitCode =
  argv[0] === "lint"
    ? lint(argv.slice(1), (text) => process.stdout.write(text), (text) => process.stderr.write(text))
    : main(argv);
