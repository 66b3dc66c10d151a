/**
 * Each input's own schema: its type, its value rules and the message for each mistake.
 * Value rules are superRefine checks, never zod's built-in checks: those abort the object
 * (`continue: false`) and would hide the cross-input rules in schema.ts.
 */
import { z } from "zod";
import { explainInvalidDuration, parseIsoDuration } from "../dates/duration";
import { canonicalZone, ianaVersion, suggestZones } from "../dates/zones";
import { isValidTimeZone } from "../dates/timezone";
import {
  DELETE_BEHAVIORS,
  DISAMBIGUATIONS,
  INPUT_DEFAULTS,
  MAX_OFFSET_MINUTES,
  OPERATIONS,
  PRECISIONS,
  VALUE_FORMATS,
} from "./inputs";
import { closestName, CONTROL_CHARACTER, got, orList, quote, unquoteHint } from "./messages";
import { DEFAULTS } from "../shared/defaults";
import { isLoopback, TENANT_NAME } from "../cxone/config";

const EXAMPLE_URL = "https://scheduler.example.com/hooks/cxone";

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
      return `${name} ${quote(zone)} is another name (an alias, kept for old files) of the IANA time zone ${quote(canonical)}, and the name is written to CXone as given; write ${quote(canonical)}`;
    }
    if (zone.trim() === "") return `${name} is empty; write an IANA time zone such as "America/New_York" or "UTC"`;
    if (isValidTimeZone(zone)) {
      // Node's ICU keeps names the IANA database has dropped (SystemV/EST5 since 2020b).
      const close = suggestZones(zone);
      return `${name} ${quote(zone)} is not in the IANA time zone database (release ${ianaVersion()}), though this Node still knows it; write a current zone name${close.length > 0 ? `, such as ${orList(close)}` : ' such as "America/New_York"'}`;
    }
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

/** "true" in quotes is a string; so are YAML 1.1's yes/no/on/off, which YAML 1.2 reads as text. */
function boolHint(text: string): string {
  if (/^(?:true|false)$/i.test(text.trim())) return `; write ${text.trim().toLowerCase()} without quotes`;
  const meant = /^(?:y|yes|on)$/i.test(text.trim()) ? "true" : /^(?:n|no|off)$/i.test(text.trim()) ? "false" : undefined;
  return meant === undefined ? "" : `; write ${meant} (${quote(text)} is text, not a boolean, in YAML 1.2 and JSON)`;
}

function flag(name: string, meaning: string) {
  return z.boolean({
    error: (iss) =>
      `${name} must be true or false (${meaning}), got ${got(iss.input)}${typeof iss.input === "string" ? boolHint(iss.input) : ""}`,
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
  // As for cxone:baseUrl: the delivery (the audit, its signature) and the URL's path and query,
  // often a token, would cross the network in the clear. Loopback stays open for local receivers.
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    return (
      "webhookUrl uses plain http: to a host off this machine, so every delivery and the URL's path and query (often a token) " +
      "would travel unencrypted; write it with https:, or use http: only for a receiver on this machine (127.0.0.1, ::1, localhost)"
    );
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

/**
 * Where a string holds a control character (C0, DEL, C1, or a Unicode line or paragraph separator),
 * the first one named by code point and position. Every string input is checked: a line break in
 * a value reaches the CI log that prints it, where it could start a line such as a workflow command.
 */
function controlCharacter(name: string): Rule<string> {
  return (value) => {
    const chars = [...value];
    const at = chars.findIndex((c) => CONTROL_CHARACTER.test(c));
    if (at === -1) return undefined;
    const code = (chars[at].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, "0");
    return `${name} holds the control character U+${code} at position ${at + 1}; no ${name} has one: remove it`;
  };
}

function bounded(name: string): Rule<string> {
  return (value) =>
    value.length > DEFAULTS.identifierMaxChars ? `${name} is ${value.length} characters long; at most ${DEFAULTS.identifierMaxChars} are allowed` : undefined;
}

/**
 * An id goes into the request path as one segment (cxone-api.md: ids are opaque text without
 * `/`, never `.` or `..`). A `%` would be decoded by a proxy into another path: refused too.
 */
const pathSegment: Rule<string> = (id) => {
  if (id === "." || id === "..") return `actionId ${quote(id)} is not an id: it would address another path than one Data Action`;
  const bad = [...id].find((c) => c === "/" || c === "\\" || c === "%" || c === "?" || c === "#");
  return bad === undefined ? undefined : `actionId ${quote(id)} holds ${quote(bad)}, which no Data Action id has (the id is one segment of the request path): write the id as CXone shows it`;
};

function all<T>(...rules: Rule<T>[]): Rule<T> {
  return (value) => rules.map((rule) => rule(value)).find((reason) => reason !== undefined);
}

export const fields = {
  actionName: requiredString("actionName", 'the exact, case-sensitive name of the existing CXone Data Action, e.g. "Production_Date_Processor"').superRefine(
    holds(all(trimmed("actionName", "the exact, case-sensitive name of the existing CXone Data Action"), controlCharacter("actionName"), bounded("actionName"))),
  ),
  actionId: optional(
    optionalString("actionId", 'the Data Action\'s id, e.g. "da-000123"; leave it out to find the action by actionName')
      .superRefine(
        holds(
          all(
            trimmed("actionId", 'the Data Action\'s id, e.g. "da-000123", or leave actionId out to find the action by actionName'),
            controlCharacter("actionId"),
            bounded("actionId"),
            pathSegment,
          ),
        ),
      )
      .nullable()
      .default(INPUT_DEFAULTS.actionId),
  ),
  // Its syntax is checked by the date engine itself (see crossRules), so both agree on it.
  sourceTimestamp: requiredString(
    "sourceTimestamp",
    'an ISO 8601 date-time such as "2024-02-29T15:30:00.000Z", "2024-02-29T10:30:00-05:00", or "2024-02-29T10:30:00" read in sourceTimezone',
  ).superRefine(holds(all(controlCharacter("sourceTimestamp"), timestampLengthRule))),
  sourceTimezone: optional(
    optionalString("sourceTimezone", 'the IANA time zone of a sourceTimestamp without offset, e.g. "Europe/London"')
      .superRefine(holds(all(controlCharacter("sourceTimezone"), zoneRule("sourceTimezone"))))
      .default(INPUT_DEFAULTS.sourceTimezone),
  ),
  targetTimezone: requiredString("targetTimezone", 'the IANA time zone the value is expressed in, e.g. "America/New_York" or "UTC"').superRefine(
    holds(all(controlCharacter("targetTimezone"), zoneRule("targetTimezone"))),
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
      .superRefine(holds(all(controlCharacter("offset"), durationRule)))
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
      .superRefine(holds(all(controlCharacter("sourceField"), trimmed("sourceField", `the field name, e.g. "${INPUT_DEFAULTS.sourceField}" (the default)`))))
      .default(INPUT_DEFAULTS.sourceField),
  ),
  targetField: optional(
    optionalString("targetField", "the field name written into dateProcessing")
      .superRefine(holds(all(controlCharacter("targetField"), trimmed("targetField", `the field name, e.g. "${INPUT_DEFAULTS.targetField}" (the default)`))))
      .default(INPUT_DEFAULTS.targetField),
  ),
  dstAdjustment: optional(flag("dstAdjustment", "written into dateProcessing").default(INPUT_DEFAULTS.dstAdjustment)),
  enabled: optional(flag("enabled", "the Data Action's enabled flag").default(INPUT_DEFAULTS.enabled)),
  webhookUrl: optional(
    optionalString("webhookUrl", `the http(s) endpoint notified after each apply, e.g. "${EXAMPLE_URL}"`)
      .superRefine(holds(all(controlCharacter("webhookUrl"), urlRule)))
      .nullable()
      .default(INPUT_DEFAULTS.webhookUrl),
  ),
  webhookRequired: optional(flag("webhookRequired", "whether a failed delivery fails the apply").default(INPUT_DEFAULTS.webhookRequired)),
  deleteBehavior: optional(choice("deleteBehavior", DELETE_BEHAVIORS).default(INPUT_DEFAULTS.deleteBehavior)),
  tenant: optional(
    optionalString("tenant", 'the name of an entry of the stack config cxone:tenants, e.g. "eu"; leave it out for the stack\'s own cxone:* settings')
      .superRefine(
        holds((name) =>
          TENANT_NAME.test(name)
            ? undefined
            : `tenant ${quote(name)} is not a tenant name: write the key of its entry in the stack config cxone:tenants (letters, digits, ".", "_", "-"; up to 64), e.g. "eu"`,
        ),
      )
      .nullable()
      .default(INPUT_DEFAULTS.tenant),
  ),
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
      .superRefine((triggers, ctx) => {
        for (const [key, value] of Object.entries(triggers)) {
          const reason = controlCharacter(`the key of triggers[${quote(key)}]`)(key) ?? controlCharacter(`triggers[${quote(key)}]`)(value);
          if (reason !== undefined) ctx.addIssue({ code: "custom", message: reason });
        }
      })
      .default(() => ({})),
  ),
};
