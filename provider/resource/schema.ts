/**
 * `check`'s logic: the zod schema of all inputs (each input's rules in fields.ts, the rules
 * across inputs here), the computed preview values, unknown values during preview, and keys
 * that are not inputs. Every failure names the input, says what is wrong and what to write.
 */
import { z } from "zod";
import { computeDateManipulation, type DateResult, type DateSpec } from "../dates/datetime";
import { parseIsoDuration } from "../dates/duration";
import { DateInputError } from "../shared/errors";
import type { DateProcessing } from "../shared/types";
import { fields } from "./fields";
import { INPUT_NAMES, containsUnknown, type CheckFailure, type DesiredInputs, type InputName } from "./inputs";
import { closestName, errorText, quote } from "./messages";

export { INPUT_DEFAULTS, INPUT_NAMES, UNKNOWN, containsUnknown } from "./inputs";
export type { CheckFailure, DeleteBehavior, DesiredInputs, InputName, Precision, ValueFormat } from "./inputs";

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
