/**
 * The resource's inputs: one zod schema that validates them and applies the spec's defaults,
 * and `check`'s logic on top of it (unknown values during preview, the computed preview values).
 * Every failure names the input, says what is wrong and what to write instead.
 */
import { z } from "zod";
import { computeDateManipulation, type DateResult, type DateSpec, type Disambiguation, type Operation } from "../dates/datetime";
import { explainInvalidDuration, parseIsoDuration } from "../dates/duration";
import { DateInputError } from "../shared/errors";
import type { DateProcessing } from "../shared/types";
import { editDistance } from "../shared/distance";
import { canonicalZone, suggestZones } from "../dates/zones";

/** Pulumi's unknown-value sentinel: an input whose value is not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface CheckFailure {
  property: string;
  reason: string;
}

export type ValueFormat = "offset" | "utc";
export type DeleteBehavior = "retain" | "restore" | "disable";
export type Precision = 0 | 1 | 2 | 3;

/** The inputs with the spec's defaults applied; plain JSON (null, never undefined). */
export interface DesiredInputs {
  actionName: string;
  actionId: string | null;
  sourceTimestamp: string;
  sourceTimezone: string;
  targetTimezone: string;
  operation: Operation;
  offsetMinutes: number | null;
  offset: string | null;
  disambiguation: Disambiguation;
  precision: Precision;
  valueFormat: ValueFormat;
  sourceField: string;
  targetField: string;
  dstAdjustment: boolean;
  enabled: boolean;
  webhookUrl: string | null;
  webhookRequired: boolean;
  deleteBehavior: DeleteBehavior;
  triggers: Record<string, string>;
}

export const INPUT_NAMES = [
  "actionName",
  "actionId",
  "sourceTimestamp",
  "sourceTimezone",
  "targetTimezone",
  "operation",
  "offsetMinutes",
  "offset",
  "disambiguation",
  "precision",
  "valueFormat",
  "sourceField",
  "targetField",
  "dstAdjustment",
  "enabled",
  "webhookUrl",
  "webhookRequired",
  "deleteBehavior",
  "triggers",
] as const satisfies readonly (keyof DesiredInputs)[];

export type InputName = (typeof INPUT_NAMES)[number];

/**
 * The spec's defaults for optional inputs. They are part of the resource's public contract,
 * not provider tunables, so they live here next to the schema rather than in DEFAULTS.
 */
export const INPUT_DEFAULTS = {
  actionId: null,
  sourceTimezone: "UTC", // IANA zone of a sourceTimestamp without offset
  offsetMinutes: null,
  offset: null,
  disambiguation: "compatible",
  precision: 3, // fractional-second digits kept
  valueFormat: "offset",
  sourceField: "input_datetime",
  targetField: "processed_datetime",
  dstAdjustment: true,
  enabled: true,
  webhookUrl: null,
  webhookRequired: false,
  deleteBehavior: "retain",
} as const satisfies Partial<DesiredInputs>;

const OPERATIONS = ["ADD_OFFSET", "SUBTRACT_OFFSET", "CONVERT"] as const satisfies readonly Operation[];
const DISAMBIGUATIONS = ["compatible", "earlier", "later", "reject"] as const satisfies readonly Disambiguation[];
const VALUE_FORMATS = ["offset", "utc"] as const satisfies readonly ValueFormat[];
const DELETE_BEHAVIORS = ["retain", "restore", "disable"] as const satisfies readonly DeleteBehavior[];
const PRECISIONS = [0, 1, 2, 3] as const satisfies readonly Precision[];

/** 9999 years of minutes, counting every year as a leap year: no larger offset can keep a
 *  result inside years 0001-9999, so it is refused before the engine is asked. */
const MAX_OFFSET_MINUTES = 9999 * 366 * 24 * 60;

/** Outputs of the resource; passing one as an input is a mistake with its own message. */
const OUTPUT_NAMES = new Set(["computedValue", "computedValueUtc", "computedEpochMs", "audit", "applied", "original"]);

/** Provider configuration (cxone-api.md, "Configuration") by lower-case key: given as a
 *  resource input it would land in stack state, so the failure says where it belongs. */
const CONFIG_KEYS = new Map(
  (
    [
      ["clientId", "CXONE_CLIENT_ID", false],
      ["clientSecret", "CXONE_CLIENT_SECRET", true],
      ["region", "CXONE_REGION", false],
      ["baseUrl", "CXONE_BASE_URL", false],
      ["tokenUrl", "CXONE_TOKEN_URL", false],
      ["webhookSecret", "CXONE_WEBHOOK_SECRET", true],
    ] as const
  ).map(([name, env, secret]) => [name.toLowerCase(), { name, env, secret }]),
);

/** Other key names that look like credentials, compared lower-case without separators. */
const CREDENTIAL_KEY = /secret|password|passwd|passphrase|token|apikey|credential|accesskey|authorization|bearer|privatekey/;

const EXAMPLE_URL = "https://scheduler.example.com/hooks/cxone";

// ---------------------------------------------------------------------------------------
// Message helpers. They never throw, whatever the value: check must not.

const MAX_SHOWN = 60; // characters of a user's string quoted in a message

function quote(text: string): string {
  return JSON.stringify(text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text);
}

/** What a wrong value is, for "got ...". Strings are quoted and cut short. */
function got(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return `the string ${quote(value)}`;
    case "number":
    case "boolean":
    case "bigint":
      return `the ${typeof value} ${String(value)}`;
    case "object":
      return "an object";
    default:
      return `a ${typeof value}`;
  }
}

/** `"a"`, `"a" or "b"`, `"a", "b" or "c"`. */
function orList(items: readonly (string | number)[]): string {
  const shown = items.map((item) => (typeof item === "string" ? JSON.stringify(item) : String(item)));
  return shown.length <= 1 ? shown.join("") : `${shown.slice(0, -1).join(", ")} or ${shown[shown.length - 1]}`;
}

/** The name in `names` the user most likely meant: same letters in another case, the only
 *  name the text starts, or a near spelling. */
function closestName(typed: string, names: readonly string[]): string | undefined {
  const lower = typed.toLowerCase();
  const sameCase = names.find((name) => name.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  const started = names.filter((name) => lower.length >= 3 && name.toLowerCase().startsWith(lower));
  if (started.length === 1) return started[0];
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(typed.length / 4)) + 1;
  for (const name of names) {
    const distance = editDistance(lower, name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** A quoted number the user probably meant as a number. */
function unquoteHint(value: unknown): string {
  return typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))
    ? `; write ${value.trim()} without quotes`
    : "";
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : "a non-Error value was thrown";
}

// ---------------------------------------------------------------------------------------
// Field schemas. Value rules are superRefine checks, never zod's built-in checks: those
// abort the object (`continue: false`) and would hide the cross-input rules below.

type Rule<T> = (value: T) => string | undefined;

function holds<T>(rule: Rule<T>) {
  return (value: T, ctx: z.RefinementCtx<T>): void => {
    const reason = rule(value);
    if (reason !== undefined) ctx.addIssue({ code: "custom", message: reason });
  };
}

/** null counts as "not set": YAML and JSON programs write it for an omitted input. */
function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value: unknown) => (value === null ? undefined : value), schema);
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null;
}

function requiredString(name: string, meaning: string) {
  return z.string({
    error: (iss) =>
      isMissing(iss.input) ? `${name} is required: ${meaning}` : `${name} must be a string (${meaning}), got ${got(iss.input)}`,
  });
}

function optionalString(name: string, meaning: string) {
  return z.string({ error: (iss) => `${name} must be a string (${meaning}), got ${got(iss.input)}` });
}

function trimmed(name: string, whatToWrite: string): Rule<string> {
  return (value) => {
    if (value.trim() === "") return `${name} is empty; write ${whatToWrite}`;
    if (value.trim() !== value) {
      return `${name} ${quote(value)} has leading or trailing whitespace, and CXone compares it exactly; write ${quote(value.trim())}`;
    }
    return undefined;
  };
}

function zoneRule(name: string): Rule<string> {
  return (zone) => {
    // One spelling per zone, the same rule for sourceTimezone and targetTimezone: the name is
    // written to CXone as given, and nothing in the API contract says CXone folds case or knows
    // every alias. So a case variant or an alias is refused with the one spelling to write, never
    // accepted as typed (while "europe/london" is refused, "us/eastern" must not pass).
    const canonical = canonicalZone(zone);
    if (canonical === zone) return undefined;
    if (canonical !== undefined && canonical.toLowerCase() === zone.toLowerCase()) {
      return `${name} ${quote(zone)} is not spelled as in the IANA time zone database, and the name is written to CXone as given; did you mean ${quote(canonical)}?`;
    }
    if (canonical !== undefined) {
      return `${name} ${quote(zone)} is another name (an alias) of the IANA time zone ${quote(canonical)}, and the name is written to CXone as given; write ${quote(canonical)}`;
    }
    if (zone.trim() === "") return `${name} is empty; write an IANA time zone such as "America/New_York" or "UTC"`;
    if (/^(?:utc|gmt)?\s*[+-]\d/i.test(zone)) {
      return (
        `${name} ${quote(zone)} is a UTC offset, not an IANA time zone; write a zone name such as "America/New_York" so ` +
        `daylight saving time is followed (a fixed offset is written "Etc/GMT+5" for UTC-05:00, sign inverted)`
      );
    }
    const close = suggestZones(zone);
    const advice = close.length > 0 ? `did you mean ${orList(close)}?` : `write one such as "America/New_York", "Europe/London" or "UTC"`;
    return `${name} ${quote(zone)} is not an IANA time zone; ${advice}`;
  };
}

function choice<const T extends readonly [string, ...string[]]>(name: string, options: T) {
  return z.enum(options, {
    error: (iss) => {
      if (isMissing(iss.input)) return `${name} is required: write one of ${orList(options)}`;
      if (typeof iss.input !== "string") return `${name} must be one of ${orList(options)}, got ${got(iss.input)}`;
      const meant = closestName(iss.input, options);
      return `${name} ${quote(iss.input)} is not one of ${orList(options)}${meant === undefined ? "" : `; did you mean ${JSON.stringify(meant)}?`}`;
    },
  });
}

function flag(name: string, meaning: string) {
  return z.boolean({
    error: (iss) =>
      `${name} must be true or false (${meaning}), got ${got(iss.input)}${typeof iss.input === "string" ? "; write it without quotes" : ""}`,
  });
}

const minutesRule: Rule<number> = (minutes) => {
  if (!Number.isInteger(minutes)) {
    return `offsetMinutes ${minutes} is not a whole number of minutes; write an integer such as 120 or -90, or use offset for seconds, e.g. "PT1M30S"`;
  }
  if (Math.abs(minutes) > MAX_OFFSET_MINUTES) {
    return `offsetMinutes ${minutes} is beyond ±${MAX_OFFSET_MINUTES} (9999 years of minutes), so no result could stay within years 0001-9999; write a smaller offset`;
  }
  return undefined;
};

/** The longest form the engine reads, "2024-02-29T15:30:00.123456789+05:30:00", has 38
 *  characters. A longer text is refused here: the engine quotes the text it refuses whole. */
const MAX_TIMESTAMP_LENGTH = 38;

const timestampLengthRule: Rule<string> = (text) =>
  text.length > MAX_TIMESTAMP_LENGTH
    ? `sourceTimestamp ${quote(text)} is ${text.length} characters long, longer than any ISO 8601 date-time; write one such as "2024-02-29T15:30:00.000Z"`
    : undefined;

const durationRule: Rule<string> = (text) =>
  parseIsoDuration(text) === null ? `offset ${quote(text)} ${explainInvalidDuration(text)}` : undefined;

const urlRule: Rule<string> = (text) => {
  // The URL itself is never quoted back: webhook URLs often carry a secret path or token.
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `webhookUrl is not an absolute URL; write one with its scheme and host, e.g. ${quote(EXAMPLE_URL)}`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return `webhookUrl uses ${quote(url.protocol)}, but only http: and https: endpoints can be notified; write one such as ${quote(EXAMPLE_URL)}`;
  }
  // Userinfo in any form: user:password@, token@, :token@, even an empty "@". The parsed URL
  // drops an empty one, so the text before the host is checked as typed: the webhookUrl output
  // stores the text as typed, in plain text unless it is a secret.
  const authority = /^[a-z][a-z\d+.-]*:[/\\]*([^/\\?#]*)/i.exec(text)?.[1] ?? "";
  if (url.username !== "" || url.password !== "" || authority.includes("@")) {
    return (
      "webhookUrl carries credentials before its host (user:password@ or token@), which the webhookUrl output would store " +
      "in stack state in plain text; remove them. To authenticate deliveries, have them signed: " +
      "pulumi config set --secret cxone:webhookSecret <secret> (or CXONE_WEBHOOK_SECRET); if the receiver needs a token, put it " +
      "in the path or query and pass the URL as a secret (pulumi.secret(...)) so the output stays encrypted"
    );
  }
  return undefined;
};

const fields = {
  actionName: requiredString("actionName", 'the exact, case-sensitive name of the existing CXone Data Action, e.g. "Production_Date_Processor"').superRefine(
    holds(trimmed("actionName", "the exact, case-sensitive name of the existing CXone Data Action")),
  ),
  actionId: optional(
    optionalString("actionId", 'the Data Action\'s id, e.g. "da-000123"; leave it out to find the action by actionName')
      .superRefine(holds(trimmed("actionId", 'the Data Action\'s id, e.g. "da-000123", or leave actionId out to find the action by actionName')))
      .nullable()
      .default(INPUT_DEFAULTS.actionId),
  ),
  // Its syntax is checked by the date engine itself (see crossRules), so both agree on it.
  sourceTimestamp: requiredString(
    "sourceTimestamp",
    'an ISO 8601 date-time such as "2024-02-29T15:30:00.000Z", "2024-02-29T10:30:00-05:00", or "2024-02-29T10:30:00" read in sourceTimezone',
  ).superRefine(holds(timestampLengthRule)),
  sourceTimezone: optional(
    optionalString("sourceTimezone", 'the IANA time zone of a sourceTimestamp without offset, e.g. "Europe/London"')
      .superRefine(holds(zoneRule("sourceTimezone")))
      .default(INPUT_DEFAULTS.sourceTimezone),
  ),
  targetTimezone: requiredString("targetTimezone", 'the IANA time zone the value is expressed in, e.g. "America/New_York" or "UTC"').superRefine(
    holds(zoneRule("targetTimezone")),
  ),
  operation: choice("operation", OPERATIONS),
  offsetMinutes: optional(
    z
      .number({ error: (iss) => `offsetMinutes must be a number of minutes such as 120 or -90, got ${got(iss.input)}${unquoteHint(iss.input)}` })
      .superRefine(holds(minutesRule))
      .nullable()
      .default(INPUT_DEFAULTS.offsetMinutes),
  ),
  offset: optional(
    z
      .string({
        error: (iss) =>
          `offset must be an ISO 8601 duration string such as "PT2H" or "P1D", got ${got(iss.input)}` +
          (typeof iss.input === "number" ? "; for a number of minutes use offsetMinutes" : ""),
      })
      .superRefine(holds(durationRule))
      .nullable()
      .default(INPUT_DEFAULTS.offset),
  ),
  disambiguation: optional(choice("disambiguation", DISAMBIGUATIONS).default(INPUT_DEFAULTS.disambiguation)),
  precision: optional(
    z
      .literal(PRECISIONS, {
        error: (iss) =>
          typeof iss.input === "number"
            ? `precision ${iss.input} is not ${orList(PRECISIONS)}; write the number of fractional-second digits to keep (3 keeps milliseconds, 0 whole seconds)`
            : `precision must be the number 0, 1, 2 or 3 (fractional-second digits kept), got ${got(iss.input)}${unquoteHint(iss.input)}`,
      })
      .default(INPUT_DEFAULTS.precision),
  ),
  valueFormat: optional(choice("valueFormat", VALUE_FORMATS).default(INPUT_DEFAULTS.valueFormat)),
  sourceField: optional(
    optionalString("sourceField", "the field name written into dateProcessing")
      .superRefine(holds(trimmed("sourceField", `the field name, e.g. "${INPUT_DEFAULTS.sourceField}" (the default)`)))
      .default(INPUT_DEFAULTS.sourceField),
  ),
  targetField: optional(
    optionalString("targetField", "the field name written into dateProcessing")
      .superRefine(holds(trimmed("targetField", `the field name, e.g. "${INPUT_DEFAULTS.targetField}" (the default)`)))
      .default(INPUT_DEFAULTS.targetField),
  ),
  dstAdjustment: optional(flag("dstAdjustment", "written into dateProcessing").default(INPUT_DEFAULTS.dstAdjustment)),
  enabled: optional(flag("enabled", "the Data Action's enabled flag").default(INPUT_DEFAULTS.enabled)),
  webhookUrl: optional(
    optionalString("webhookUrl", `the http(s) endpoint notified after each apply, e.g. "${EXAMPLE_URL}"`)
      .superRefine(holds(urlRule))
      .nullable()
      .default(INPUT_DEFAULTS.webhookUrl),
  ),
  webhookRequired: optional(flag("webhookRequired", "whether a failed delivery fails the apply").default(INPUT_DEFAULTS.webhookRequired)),
  deleteBehavior: optional(choice("deleteBehavior", DELETE_BEHAVIORS).default(INPUT_DEFAULTS.deleteBehavior)),
  triggers: optional(
    z
      .record(
        z.string(),
        z.string({
          error: (iss) => {
            const key = String(iss.path?.[iss.path.length - 1] ?? "");
            return `triggers[${quote(key)}] must be a string, got ${got(iss.input)}; trigger values are compared as text, so write it as a string`;
          },
        }),
        { error: (iss) => `triggers must be a map of strings such as { configVersion: "7" }, got ${got(iss.input)}` },
      )
      .default(() => ({})),
  ),
};

// ---------------------------------------------------------------------------------------
// Rules across inputs, and the computation itself.

/** True when `value` is, or holds anywhere inside it, the unknown sentinel. */
export function containsUnknown(value: unknown, seen = new Set<object>()): boolean {
  if (value === UNKNOWN) return true;
  if (typeof value !== "object" || value === null || seen.has(value)) return false;
  seen.add(value);
  return Object.values(value).some((inner) => containsUnknown(inner, seen));
}

const DATE_INPUTS = ["sourceTimestamp", "sourceTimezone", "targetTimezone", "operation", "offsetMinutes", "offset", "disambiguation", "precision"] as const;

function dateSpec(value: DesiredInputs): DateSpec {
  return {
    sourceTimestamp: value.sourceTimestamp,
    sourceTimezone: value.sourceTimezone,
    targetTimezone: value.targetTimezone,
    operation: value.operation,
    disambiguation: value.disambiguation,
    precision: value.precision,
    ...(value.offsetMinutes === null ? {} : { offsetMinutes: value.offsetMinutes }),
    ...(value.offset === null ? {} : { offset: value.offset }),
  };
}

/** Runs the engine; its DateInputError becomes a failure on the input it names. */
function evaluate(spec: DateSpec): { computed: DateResult } | { failure: CheckFailure } {
  try {
    return { computed: computeDateManipulation(spec) };
  } catch (error) {
    if (error instanceof DateInputError) return { failure: { property: error.property, reason: error.message } };
    // The engine checks everything it reads, so this is a bug in it; the failure still names
    // the input the computation starts from, because check must never throw.
    return {
      failure: {
        property: "sourceTimestamp",
        reason: `computing the value from sourceTimestamp ${quote(spec.sourceTimestamp)} failed unexpectedly (${errorText(error)}); this is a bug in pulumi-cxone-date-action, please report it with these inputs`,
      },
    };
  }
}

function isZeroOffset(value: DesiredInputs): boolean {
  if (value.offsetMinutes !== null) return value.offsetMinutes === 0;
  const duration = value.offset === null ? null : parseIsoDuration(value.offset);
  return duration !== null && Object.values(duration).every((n) => n === 0);
}

/**
 * Rules between inputs, and the engine's own verdict (DST gap with `reject`, years outside
 * 0001-9999, the timestamp's syntax). Each rule runs only when the inputs it reads are
 * settled: valid on their own and known. So a typo in one input does not hide a problem in
 * another, and an unknown input (preview) never causes a failure.
 */
function crossRules(value: DesiredInputs, ctx: z.RefinementCtx<DesiredInputs>): void {
  const failed = new Set(ctx.issues.map((issue) => issue.path?.[0]));
  const settled = (...names: InputName[]) => names.every((name) => !failed.has(name) && !containsUnknown(value[name]));
  const fail = (property: InputName, reason: string) => ctx.addIssue({ code: "custom", path: [property], message: reason });
  let offsetsValid = true;

  if (settled("offset", "offsetMinutes") && value.offset !== null && value.offsetMinutes !== null) {
    offsetsValid = false;
    fail(
      "offset",
      `offset ${quote(value.offset)} and offsetMinutes ${value.offsetMinutes} are both set; keep one of them (offsetMinutes ${value.offsetMinutes} is the same as offset "PT${value.offsetMinutes}M")`,
    );
  }
  if (settled("operation", "offset", "offsetMinutes")) {
    const given = value.offset !== null ? "offset" : value.offsetMinutes !== null ? "offsetMinutes" : null;
    if (value.operation !== "CONVERT" && given === null) {
      offsetsValid = false;
      fail(
        "offset",
        `operation ${value.operation} needs an offset; set offset to an ISO 8601 duration (e.g. "PT2H" or "P1D") or offsetMinutes to a number of minutes (e.g. 120), or use operation "CONVERT"`,
      );
    }
    // CONVERT adds nothing. A non-zero offset next to it is contradictory: failing beats
    // silently ignoring what the user wrote. A zero offset asks for nothing either, so it
    // passes (a template that always sets offsetMinutes can keep 0 for CONVERT).
    if (value.operation === "CONVERT" && given !== null && !isZeroOffset(value)) {
      offsetsValid = false;
      const shown = given === "offset" ? quote(value.offset ?? "") : String(value.offsetMinutes);
      fail(
        given,
        `operation "CONVERT" adds nothing, but ${given} is ${shown}; remove ${given}, or use operation "ADD_OFFSET" or "SUBTRACT_OFFSET" to apply it`,
      );
    }
  }
  if (settled("webhookRequired", "webhookUrl") && value.webhookRequired && value.webhookUrl === null) {
    fail("webhookRequired", "webhookRequired is true but webhookUrl is not set; set webhookUrl to the endpoint to notify, or remove webhookRequired");
  }

  if (offsetsValid && settled(...DATE_INPUTS)) {
    const result = evaluate(dateSpec(value));
    if ("failure" in result) fail(result.failure.property as InputName, result.failure.reason);
    // Before a zone adopted standard time its offset has seconds (-04:56:02). That is the exact
    // local time, but CXone takes only Z or ±hh:mm, so the PUT would be refused with a 400.
    else if (settled("valueFormat") && value.valueFormat === "offset" && /[+-]\d{2}:\d{2}:\d{2}$/.test(result.computed.computedValue)) {
      fail(
        "targetTimezone",
        `targetTimezone ${value.targetTimezone} gives the result ${result.computed.computedValue}, from before the zone used a whole-minute offset, and CXone accepts only Z or ±hh:mm offsets; set valueFormat "utc" to write ${result.computed.computedValueUtc}, or use a later sourceTimestamp`,
      );
    }
  } else if (settled("sourceTimestamp")) {
    // The full computation cannot run yet, but the timestamp's syntax and calendar can be
    // checked alone: read in UTC and converted to UTC. Years 0001 and 9999 are skipped, as
    // there only the full computation can tell whether the result stays in range.
    const year = /^\d{4}/.exec(value.sourceTimestamp)?.[0];
    if (year !== "0001" && year !== "9999") {
      const alone = evaluate({ sourceTimestamp: value.sourceTimestamp, targetTimezone: "UTC", operation: "CONVERT" });
      if ("failure" in alone && alone.failure.property === "sourceTimestamp") fail("sourceTimestamp", alone.failure.reason);
    }
  }
}

/** Every input of the spec, with its defaults; unknown keys are refused. */
export const inputSchema: z.ZodType<DesiredInputs> = z.strictObject(fields).superRefine(crossRules, {
  // Run the cross-input rules even when some input failed on its own (crossRules skips
  // those inputs), so one check reports everything at once.
  when: (payload) => typeof payload.value === "object" && payload.value !== null && !Array.isArray(payload.value),
});

// ---------------------------------------------------------------------------------------
// check.

/** Why a key that is not an input was given, and what to write instead. Values of such
 *  keys are never echoed: they may be the credential itself. */
function keyProblem(key: string): string {
  if (OUTPUT_NAMES.has(key)) return `${key} is an output of CxoneDateAction, not an input; remove it`;
  const bare = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  const config = CONFIG_KEYS.get(bare);
  if (config !== undefined) {
    return (
      `${key} is provider configuration, not a resource input (inputs are stored in stack state${config.secret ? " in plain text" : ""}); ` +
      `remove it and run pulumi config set ${config.secret ? "--secret " : ""}cxone:${config.name} <value> (or set ${config.env})`
    );
  }
  if (CREDENTIAL_KEY.test(bare)) {
    const how = /webhook|signing|hmac/.test(bare)
      ? "deliveries are signed with pulumi config set --secret cxone:webhookSecret <secret> (or CXONE_WEBHOOK_SECRET)"
      : "the provider authenticates with pulumi config set cxone:clientId <id> and pulumi config set --secret cxone:clientSecret <secret> (or CXONE_CLIENT_ID and CXONE_CLIENT_SECRET)";
    return `${key} looks like a credential, and credentials are never resource inputs (inputs are stored in stack state in plain text); remove it: ${how}`;
  }
  const meant = closestName(key, INPUT_NAMES);
  return meant !== undefined
    ? `${key} is not an input of CxoneDateAction; did you mean ${meant}?`
    : `${key} is not an input of CxoneDateAction; the inputs are ${INPUT_NAMES.join(", ")}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function valueAt(inputs: Record<string, unknown>, path: readonly PropertyKey[]): unknown {
  let value: unknown = inputs;
  for (const key of path) value = isRecord(value) && typeof key === "string" ? value[key] : undefined;
  return value;
}

/** The input whose own schema throws, so even an internal error names a property. */
function blame(inputs: Record<string, unknown>): string {
  const keys = Object.keys(inputs);
  for (const key of keys) {
    try {
      const field = (fields as Record<string, z.ZodType | undefined>)[key];
      field?.safeParse(inputs[key]);
    } catch {
      return key;
    }
  }
  return keys[0] ?? "actionName";
}

/** The inputs without Pulumi's "__" keys, and whether any holds an unknown. Values are
 *  read one by one so a value that cannot even be read is blamed on its own key. */
function readInputs(raw: unknown): { inputs: Record<string, unknown>; anyUnknown: boolean } | { failure: CheckFailure } {
  const inputs: Record<string, unknown> = {};
  let anyUnknown = false;
  if (!isRecord(raw)) return { inputs, anyUnknown };
  let keys: string[];
  try {
    keys = Object.keys(raw);
  } catch (error) {
    // No key to blame: name the first input, so the failure still points somewhere.
    return { failure: { property: INPUT_NAMES[0], reason: `the inputs could not be listed (${errorText(error)}); pass a plain object of inputs` } };
  }
  for (const key of keys) {
    if (key.startsWith("__")) continue;
    try {
      inputs[key] = raw[key];
      anyUnknown ||= containsUnknown(inputs[key]);
    } catch (error) {
      return { failure: { property: key, reason: `${key} could not be read (${errorText(error)}); pass a plain JSON value` } };
    }
  }
  return { inputs, anyUnknown };
}

export type Validation =
  | { ok: true; value: DesiredInputs; computed: DateResult }
  | { ok: false; failures: CheckFailure[] }
  | { ok: "unknown"; failures: CheckFailure[] };

/**
 * Validates inputs as check sees them. Keys starting with "__" (Pulumi's `__provider`) are
 * not inputs and are skipped. Inputs holding the unknown sentinel are not validated and make
 * the result `unknown` unless a known input fails: any failure gives `ok: false` (so an
 * `unknown` result always has an empty `failures`). Never throws.
 */
export function validateInputs(raw: Record<string, unknown>): Validation {
  const read = readInputs(raw);
  if ("failure" in read) return { ok: false, failures: [read.failure] };
  const { inputs, anyUnknown } = read;
  let parsed: ReturnType<typeof inputSchema.safeParse>;
  try {
    parsed = inputSchema.safeParse(inputs);
  } catch (error) {
    const property = blame(inputs);
    return { ok: false, failures: [{ property, reason: `${property} could not be validated (${errorText(error)}); pass a plain JSON value` }] };
  }
  if (parsed.success) {
    if (anyUnknown) return { ok: "unknown", failures: [] };
    const result = evaluate(dateSpec(parsed.data));
    return "computed" in result ? { ok: true, value: parsed.data, computed: result.computed } : { ok: false, failures: [result.failure] };
  }
  const failures: CheckFailure[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) failures.push({ property: key, reason: keyProblem(key) });
      continue;
    }
    // An unknown value is checked once it is known; whatever zod made of the sentinel is
    // moot. The issue's own value is looked at, so a known bad trigger next to an unknown
    // one still fails.
    if (containsUnknown(valueAt(inputs, issue.path))) continue;
    const property = String(issue.path[0] ?? "");
    failures.push({ property: property === "" ? blame(inputs) : property, reason: issue.message });
  }
  if (failures.length > 0) return { ok: false, failures };
  return { ok: "unknown", failures: [] };
}

/**
 * What the provider's `check` returns: the user's inputs unchanged (raw spellings, `__`
 * keys, no defaults injected) plus, when every input is known and valid, the computed
 * values so `pulumi preview` shows them.
 */
export function checkInputs(news: Record<string, unknown>): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
  const result = validateInputs(news);
  const inputs = isRecord(news) ? news : {};
  if (result.ok === true) return { inputs: { ...inputs, ...result.computed }, failures: [] };
  return { inputs, failures: result.failures };
}

/** The owned part of the Data Action these inputs ask for; diff and create compare it. */
export function normalizeDesired(value: DesiredInputs, computed: DateResult): { dateProcessing: DateProcessing; enabled: boolean } {
  return {
    dateProcessing: {
      sourceField: value.sourceField,
      targetField: value.targetField,
      computedValue: value.valueFormat === "utc" ? computed.computedValueUtc : computed.computedValue,
      timezone: value.targetTimezone,
      dstAdjustment: value.dstAdjustment,
      precision: value.precision,
    },
    enabled: value.enabled,
  };
}
