import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isValidTimeZone } from "../../provider/dates/timezone";
import { INPUT_NAMES, UNKNOWN, checkInputs, normalizeDesired, validateInputs, type CheckFailure } from "../../provider/resource/schema";
import { editDistance } from "../../provider/shared/distance";
import { canonicalZone, suggestZones } from "../../provider/dates/zones";
import { createRequire } from "node:module";
import { VALID_INPUTS } from "../../harness/fixtures";

const require = createRequire(__filename);

/** The original design's example: valid, every optional input left out. */
const BASE = {
  ...VALID_INPUTS,
};

const COMPUTED_KEYS = ["computedValue", "computedValueUtc", "computedEpochMs"];

function failuresOf(raw: Record<string, unknown>): CheckFailure[] {
  const result = checkInputs(raw);
  for (const key of COMPUTED_KEYS) assert.equal(key in result.inputs, key in raw, `${key} added despite failures`);
  return result.failures;
}

/** raw inputs -> the failure expected on `property`, whose reason holds every fragment. */
interface Row {
  name: string;
  raw: Record<string, unknown>;
  property: string;
  fragments: string[];
}

const { offsetMinutes: _minutes, ...WITHOUT_OFFSET } = BASE;
const { actionName: _name, ...WITHOUT_NAME } = BASE;
const { sourceTimestamp: _ts, ...WITHOUT_TIMESTAMP } = BASE;
const { targetTimezone: _tz, ...WITHOUT_TARGET } = BASE;
const { operation: _op, ...WITHOUT_OPERATION } = BASE;

const ROWS: Row[] = [
  // required inputs
  { name: "actionName missing", raw: WITHOUT_NAME, property: "actionName", fragments: ["actionName is required", "case-sensitive name"] },
  { name: "actionName null", raw: { ...BASE, actionName: null }, property: "actionName", fragments: ["actionName is required"] },
  { name: "actionName not a string", raw: { ...BASE, actionName: 5 }, property: "actionName", fragments: ["actionName must be a string", "got the number 5"] },
  { name: "actionName empty", raw: { ...BASE, actionName: "  " }, property: "actionName", fragments: ["actionName is empty", "write the exact"] },
  { name: "actionName padded", raw: { ...BASE, actionName: " Prod " }, property: "actionName", fragments: ["leading or trailing whitespace", 'write "Prod"'] },
  { name: "sourceTimestamp missing", raw: WITHOUT_TIMESTAMP, property: "sourceTimestamp", fragments: ["sourceTimestamp is required", "2024-02-29T15:30:00.000Z"] },
  { name: "sourceTimestamp not a string", raw: { ...BASE, sourceTimestamp: 1709220600000 }, property: "sourceTimestamp", fragments: ["sourceTimestamp must be a string", "got the number 1709220600000"] },
  { name: "sourceTimestamp with a space", raw: { ...BASE, sourceTimestamp: "2024-02-29 15:30:00Z" }, property: "sourceTimestamp", fragments: ["sourceTimestamp", "write 2024-02-29T15:30:00Z"] },
  { name: "sourceTimestamp not a date", raw: { ...BASE, sourceTimestamp: "29/02/2024" }, property: "sourceTimestamp", fragments: ["is not an ISO 8601 date-time"] },
  { name: "sourceTimestamp far too long", raw: { ...BASE, sourceTimestamp: `2024-02-29T15:30:00.000${"0".repeat(40)}Z` }, property: "sourceTimestamp", fragments: ["is 64 characters long, longer than any ISO 8601 date-time"] },
  { name: "sourceTimestamp Feb 30", raw: { ...BASE, sourceTimestamp: "2024-02-30T00:00:00Z" }, property: "sourceTimestamp", fragments: ["has day 30"] },
  { name: "targetTimezone missing", raw: WITHOUT_TARGET, property: "targetTimezone", fragments: ["targetTimezone is required", "America/New_York"] },
  { name: "targetTimezone not a string", raw: { ...BASE, targetTimezone: -5 }, property: "targetTimezone", fragments: ["targetTimezone must be a string", "got the number -5"] },
  { name: "operation missing", raw: WITHOUT_OPERATION, property: "operation", fragments: ["operation is required", '"ADD_OFFSET", "SUBTRACT_OFFSET" or "CONVERT"'] },
  { name: "operation not a string", raw: { ...BASE, operation: 3 }, property: "operation", fragments: ["operation must be one of", "got the number 3"] },
  { name: "operation lower case", raw: { ...BASE, operation: "add_offset" }, property: "operation", fragments: ['operation "add_offset" is not one of', 'did you mean "ADD_OFFSET"?'] },
  { name: "operation abbreviated", raw: { ...BASE, operation: "SUBTRACT" }, property: "operation", fragments: ['did you mean "SUBTRACT_OFFSET"?'] },
  { name: "operation unrelated", raw: { ...BASE, operation: "MULTIPLY" }, property: "operation", fragments: ['operation "MULTIPLY" is not one of "ADD_OFFSET", "SUBTRACT_OFFSET" or "CONVERT"'] },

  // time zones
  { name: "targetTimezone misspelt", raw: { ...BASE, targetTimezone: "America/New_Yrok" }, property: "targetTimezone", fragments: ['targetTimezone "America/New_Yrok" is not an IANA time zone; did you mean "America/New_York"'] },
  { name: "targetTimezone lower case", raw: { ...BASE, targetTimezone: "europe/london" }, property: "targetTimezone", fragments: ['targetTimezone "europe/london"', 'did you mean "Europe/London"?'] },
  { name: "targetTimezone empty", raw: { ...BASE, targetTimezone: "" }, property: "targetTimezone", fragments: ["targetTimezone is empty", "UTC"] },
  { name: "targetTimezone an offset", raw: { ...BASE, targetTimezone: "+05:00" }, property: "targetTimezone", fragments: ["is a UTC offset, not an IANA time zone", "Etc/GMT+5"] },
  { name: "targetTimezone nothing close", raw: { ...BASE, targetTimezone: "Qqqqq/Zzzzzzzz" }, property: "targetTimezone", fragments: ["is not an IANA time zone; write one such as"] },
  { name: "sourceTimezone misspelt", raw: { ...BASE, sourceTimezone: "Europe/Londn" }, property: "sourceTimezone", fragments: ['sourceTimezone "Europe/Londn"', '"Europe/London"'] },
  { name: "sourceTimezone not a string", raw: { ...BASE, sourceTimezone: true }, property: "sourceTimezone", fragments: ["sourceTimezone must be a string", "got the boolean true"] },

  // offsets
  { name: "offsetMinutes quoted", raw: { ...BASE, offsetMinutes: "120" }, property: "offsetMinutes", fragments: ['got the string "120"; write 120 without quotes'] },
  { name: "offsetMinutes not a number", raw: { ...BASE, offsetMinutes: "two hours" }, property: "offsetMinutes", fragments: ["offsetMinutes must be a number of minutes", 'got the string "two hours"'] },
  { name: "offsetMinutes fractional", raw: { ...BASE, offsetMinutes: 1.5 }, property: "offsetMinutes", fragments: ["offsetMinutes 1.5 is not a whole number of minutes", "PT1M30S"] },
  { name: "offsetMinutes too large", raw: { ...BASE, offsetMinutes: 6e9 }, property: "offsetMinutes", fragments: ["9999 years of minutes", "write a smaller offset"] },
  { name: "offset a number", raw: { ...WITHOUT_OFFSET, offset: 120 }, property: "offset", fragments: ["offset must be an ISO 8601 duration string", "use offsetMinutes"] },
  { name: "offset malformed", raw: { ...WITHOUT_OFFSET, offset: "2 hours" }, property: "offset", fragments: ['offset "2 hours" is not an ISO 8601 duration', "e.g. PT2H"] },
  { name: "offset lower case", raw: { ...WITHOUT_OFFSET, offset: "pt2h" }, property: "offset", fragments: ["write PT2H"] },
  { name: "ADD_OFFSET without offset", raw: WITHOUT_OFFSET, property: "offset", fragments: ["operation ADD_OFFSET needs an offset", "offsetMinutes"] },
  { name: "SUBTRACT_OFFSET without offset", raw: { ...WITHOUT_OFFSET, operation: "SUBTRACT_OFFSET" }, property: "offset", fragments: ["operation SUBTRACT_OFFSET needs an offset"] },
  { name: "offset and offsetMinutes", raw: { ...BASE, offset: "PT2H" }, property: "offset", fragments: ["are both set; keep one of them"] },
  { name: "CONVERT with offset", raw: { ...WITHOUT_OFFSET, operation: "CONVERT", offset: "PT2H" }, property: "offset", fragments: ['"CONVERT" adds nothing, but offset is "PT2H"', "ADD_OFFSET"] },
  { name: "CONVERT with offsetMinutes", raw: { ...BASE, operation: "CONVERT" }, property: "offsetMinutes", fragments: ["but offsetMinutes is 120; remove offsetMinutes"] },

  // the engine's verdicts
  { name: "gap with reject", raw: { ...WITHOUT_OFFSET, operation: "CONVERT", sourceTimestamp: "2024-03-10T02:30:00", sourceTimezone: "America/New_York", disambiguation: "reject" }, property: "sourceTimestamp", fragments: ["does not exist in America/New_York", "disambiguation"] },
  { name: "offset with seconds in valueFormat offset", raw: { ...WITHOUT_OFFSET, operation: "CONVERT", sourceTimestamp: "1880-06-01T12:00:00Z" }, property: "targetTimezone", fragments: ["1880-06-01T07:03:58.000-04:56:02", 'valueFormat "utc"', "1880-06-01T12:00:00.000Z"] },
  { name: "overlap with reject", raw: { ...WITHOUT_OFFSET, operation: "CONVERT", sourceTimestamp: "2024-11-03T01:30:00", sourceTimezone: "America/New_York", disambiguation: "reject" }, property: "sourceTimestamp", fragments: ["occurs twice in America/New_York"] },
  { name: "calendar offset into a gap with reject", raw: { ...WITHOUT_OFFSET, sourceTimestamp: "2024-03-09T07:30:00Z", offset: "P1D", disambiguation: "reject" }, property: "offset", fragments: ["offset P1D", "disambiguation is 'reject'"] },
  { name: "result after year 9999", raw: { ...BASE, sourceTimestamp: "9999-12-31T23:00:00Z" }, property: "offsetMinutes", fragments: ["outside years 0001-9999"] },
  { name: "source before year 0001", raw: { ...WITHOUT_OFFSET, operation: "CONVERT", sourceTimestamp: "0001-01-01T00:30:00+01:00", targetTimezone: "UTC" }, property: "sourceTimestamp", fragments: ["outside years 0001-9999"] },

  // optional inputs
  { name: "actionId not a string", raw: { ...BASE, actionId: 123 }, property: "actionId", fragments: ["actionId must be a string", "got the number 123"] },
  { name: "actionId empty", raw: { ...BASE, actionId: "" }, property: "actionId", fragments: ["actionId is empty", "leave actionId out"] },
  { name: "actionId padded", raw: { ...BASE, actionId: "da-1 " }, property: "actionId", fragments: ['write "da-1"'] },
  { name: "disambiguation unknown", raw: { ...BASE, disambiguation: "latest" }, property: "disambiguation", fragments: ['disambiguation "latest" is not one of "compatible", "earlier", "later" or "reject"'] },
  { name: "precision quoted", raw: { ...BASE, precision: "3" }, property: "precision", fragments: ["precision must be the number 0, 1, 2 or 3", "write 3 without quotes"] },
  { name: "precision too many digits", raw: { ...BASE, precision: 6 }, property: "precision", fragments: ["precision 6 is not 0, 1, 2 or 3"] },
  { name: "precision fractional", raw: { ...BASE, precision: 1.5 }, property: "precision", fragments: ["precision 1.5 is not 0, 1, 2 or 3"] },
  { name: "valueFormat upper case", raw: { ...BASE, valueFormat: "UTC" }, property: "valueFormat", fragments: ['did you mean "utc"?'] },
  { name: "sourceField not a string", raw: { ...BASE, sourceField: ["a"] }, property: "sourceField", fragments: ["sourceField must be a string", "got a list"] },
  { name: "sourceField empty", raw: { ...BASE, sourceField: "" }, property: "sourceField", fragments: ["sourceField is empty", "input_datetime"] },
  { name: "targetField padded", raw: { ...BASE, targetField: "out " }, property: "targetField", fragments: ['write "out"'] },
  { name: "dstAdjustment quoted", raw: { ...BASE, dstAdjustment: "true" }, property: "dstAdjustment", fragments: ["dstAdjustment must be true or false", "write true without quotes"] },
  { name: "enabled a number", raw: { ...BASE, enabled: 1 }, property: "enabled", fragments: ["enabled must be true or false", "got the number 1"] },
  { name: "webhookRequired an object", raw: { ...BASE, webhookRequired: {} }, property: "webhookRequired", fragments: ["webhookRequired must be true or false", "got an object"] },
  { name: "webhookRequired without webhookUrl", raw: { ...BASE, webhookRequired: true }, property: "webhookRequired", fragments: ["webhookUrl is not set"] },
  { name: "webhookUrl not a string", raw: { ...BASE, webhookUrl: 8080 }, property: "webhookUrl", fragments: ["webhookUrl must be a string"] },
  { name: "webhookUrl relative", raw: { ...BASE, webhookUrl: "/hooks/cxone" }, property: "webhookUrl", fragments: ["webhookUrl is not an absolute URL", "https://"] },
  { name: "webhookUrl not http", raw: { ...BASE, webhookUrl: "ftp://example.com/x" }, property: "webhookUrl", fragments: ['uses "ftp:"', "only http: and https:"] },
  { name: "deleteBehavior unknown", raw: { ...BASE, deleteBehavior: "delete" }, property: "deleteBehavior", fragments: ['"retain", "restore" or "disable"'] },
  { name: "triggers a list", raw: { ...BASE, triggers: ["a"] }, property: "triggers", fragments: ["triggers must be a map of strings", "got a list"] },
  { name: "triggers a string", raw: { ...BASE, triggers: "v7" }, property: "triggers", fragments: ["triggers must be a map of strings"] },
  { name: "triggers value a number", raw: { ...BASE, triggers: { configVersion: 7 } }, property: "triggers", fragments: ['triggers["configVersion"] must be a string, got the number 7'] },

  // keys that are not inputs
  { name: "input name in the wrong case", raw: { ...BASE, targetTimeZone: "UTC" }, property: "targetTimeZone", fragments: ["targetTimeZone is not an input of CxoneDateAction; did you mean targetTimezone?"] },
  { name: "input name misspelt", raw: { ...BASE, ofsetMinutes: 5 }, property: "ofsetMinutes", fragments: ["did you mean offsetMinutes?"] },
  { name: "unrelated key", raw: { ...BASE, color: "blue" }, property: "color", fragments: ["color is not an input of CxoneDateAction; the inputs are actionName, actionId"] },
  { name: "output as input", raw: { ...BASE, computedValue: "2024-02-29T12:30:00.000-05:00" }, property: "computedValue", fragments: ["computedValue is an output of CxoneDateAction, not an input; remove it"] },
  { name: "audit as input", raw: { ...BASE, audit: {} }, property: "audit", fragments: ["audit is an output"] },
  { name: "client secret as input", raw: { ...BASE, clientSecret: "hunter2-secret" }, property: "clientSecret", fragments: ["provider configuration", "pulumi config set --secret cxone:clientSecret", "CXONE_CLIENT_SECRET"] },
  { name: "client id as input", raw: { ...BASE, clientId: "my-client" }, property: "clientId", fragments: ["pulumi config set cxone:clientId", "CXONE_CLIENT_ID"] },
  { name: "webhook secret as input", raw: { ...BASE, webhookSecret: "whsec" }, property: "webhookSecret", fragments: ["pulumi config set --secret cxone:webhookSecret"] },
  { name: "region as input", raw: { ...BASE, region: "eu" }, property: "region", fragments: ["provider configuration", "cxone:region"] },
  { name: "password as input", raw: { ...BASE, password: "hunter2" }, property: "password", fragments: ["looks like a credential", "cxone:clientSecret"] },
  { name: "access token as input", raw: { ...BASE, access_token: "eyJhbGciOi" }, property: "access_token", fragments: ["looks like a credential", "never resource inputs"] },
  { name: "signing secret as input", raw: { ...BASE, signingSecret: "s" }, property: "signingSecret", fragments: ["cxone:webhookSecret"] },
];

describe("check failures", () => {
  for (const row of ROWS) {
    test(row.name, () => {
      const failures = failuresOf(row.raw);
      const match = failures.find((f) => f.property === row.property && row.fragments.every((fragment) => f.reason.includes(fragment)));
      assert.ok(match, `expected a failure on ${row.property} with ${JSON.stringify(row.fragments)}, got ${JSON.stringify(failures, null, 2)}`);
      // Every failure names a real property and a reason that mentions it.
      for (const failure of failures) {
        assert.notEqual(failure.property, "");
        assert.ok(failure.reason.includes(failure.property), `reason does not name ${failure.property}: ${failure.reason}`);
      }
    });
  }

  test("secrets are never quoted back", () => {
    const secret = "hunter2-do-not-print";
    const failures = failuresOf({
      ...BASE,
      clientSecret: secret,
      password: secret,
      token: secret,
      webhookUrl: `https://hooks:${secret}@example.com/x`,
    });
    assert.deepEqual(failures.map((f) => f.property).sort(), ["clientSecret", "password", "token", "webhookUrl"]);
    for (const failure of failures) assert.ok(!failure.reason.includes(secret), failure.reason);
    assert.match(failures.find((f) => f.property === "webhookUrl")?.reason ?? "", /carries credentials.*cxone:webhookSecret/);
  });

  test("userinfo before the host is refused in any form, and the reason quotes no part of the URL", () => {
    const token = "tok3n-in-userinfo";
    for (const url of [
      `https://${token}@hooks.example.com/x`,
      `https://:${token}@hooks.example.com/x`,
      `https://user:${token}@hooks.example.com/x`,
      `HTTPS://${token}@hooks.example.com`,
      `https:\\\\${token}@hooks.example.com/x`,
      `https:${token}@hooks.example.com/x`,
      "https://@hooks.example.com/x", // empty, yet still "@" before the host as typed
    ]) {
      const failure = failuresOf({ ...BASE, webhookUrl: url }).find((f) => f.property === "webhookUrl");
      assert.ok(failure, url);
      assert.match(failure.reason, /^webhookUrl carries credentials before its host \(user:password@ or token@\)/, url);
      assert.ok(failure.reason.includes("pulumi config set --secret cxone:webhookSecret") && failure.reason.includes("pulumi.secret"), url);
      assert.ok(!failure.reason.includes(token) && !failure.reason.includes("hooks.example.com"), failure.reason);
    }
    // An "@" in the path or the query is no userinfo.
    for (const url of ["https://hooks.example.com/p@th", "https://hooks.example.com/x?to=a@b.c"]) {
      assert.deepEqual(checkInputs({ ...BASE, webhookUrl: url }).failures, [], url);
    }
  });

  test("plain http is refused off loopback, with the way out; https anywhere and http on loopback pass", () => {
    for (const url of ["http://scheduler.example.com/hooks?token=abc", "http://10.0.0.7/x", "HTTP://hooks.example.com", "http://[2001:db8::1]/x"]) {
      const failure = failuresOf({ ...BASE, webhookUrl: url }).find((f) => f.property === "webhookUrl");
      assert.ok(failure, url);
      assert.match(failure.reason, /^webhookUrl uses plain http: to a host off this machine.*write it with https:/, url);
      assert.ok(!failure.reason.includes("token=abc") && !failure.reason.includes("example.com"), failure.reason);
    }
    for (const url of ["https://scheduler.example.com/hooks?token=abc", "http://127.0.0.1:8080/hooks", "http://localhost/x", "http://[::1]:9/x"]) {
      assert.deepEqual(checkInputs({ ...BASE, webhookUrl: url }).failures, [], url);
    }
  });

  test("every problem is reported at once, cross-input rules included", () => {
    const failures = failuresOf({ ...WITHOUT_OFFSET, targetTimezone: "Europe/Pariss", precision: 9, sourceTimestamp: "2024-13-01T00:00:00Z", extra: 1 });
    assert.deepEqual(failures.map((f) => f.property).sort(), ["extra", "offset", "precision", "sourceTimestamp", "targetTimezone"]);
    assert.match(failures.find((f) => f.property === "sourceTimestamp")?.reason ?? "", /month 13/);
  });

  test("valid combinations pass", () => {
    const passing: Record<string, unknown>[] = [
      BASE,
      { ...WITHOUT_OFFSET, offset: "P1Y2M3W4DT5H6M7.5S" },
      { ...WITHOUT_OFFSET, operation: "CONVERT" },
      { ...BASE, operation: "CONVERT", offsetMinutes: 0 }, // a zero offset does not contradict CONVERT
      { ...WITHOUT_OFFSET, operation: "CONVERT", offset: "PT0S" },
      { ...BASE, sourceTimestamp: "2024-02-29T10:30:00-05:00", sourceTimezone: "Asia/Tokyo" }, // the offset wins
      { ...BASE, actionId: "da-000123", precision: 0, valueFormat: "utc", disambiguation: "reject", deleteBehavior: "restore" },
      { ...BASE, webhookUrl: "http://127.0.0.1:8080/hook?token=abc", webhookRequired: true, triggers: { v: "7" } },
      { ...BASE, sourceField: "in", targetField: "out", dstAdjustment: false, enabled: false },
      { ...BASE, sourceTimezone: "Europe/Amsterdam", targetTimezone: "Asia/Kolkata" },
      { ...BASE, offsetMinutes: -90 },
    ];
    for (const raw of passing) {
      const result = checkInputs(raw);
      assert.deepEqual(result.failures, [], JSON.stringify(raw));
      assert.equal(typeof result.inputs.computedValue, "string");
    }
  });
});

describe("computed values", () => {
  test("the original design's example is added to the inputs, which are otherwise untouched", () => {
    const news = { ...BASE, sourceTimestamp: "2024-02-29T15:30:00Z", sourceTimezone: null, __provider: "serialized-provider-text" };
    const result = checkInputs(news);
    assert.deepEqual(result.failures, []);
    assert.deepEqual(result.inputs, {
      ...news, // raw spellings, null and __provider kept; no defaults injected
      computedValue: "2024-02-29T12:30:00.000-05:00",
      computedValueUtc: "2024-02-29T17:30:00.000Z",
      computedEpochMs: Date.parse("2024-02-29T17:30:00.000Z"),
    });
    assert.ok(!("precision" in result.inputs));
  });

  test("validateInputs applies every default as plain JSON and computes the value", () => {
    const result = validateInputs(BASE);
    assert.equal(result.ok, true);
    if (result.ok !== true) return;
    assert.deepEqual(result.value, {
      ...BASE,
      actionId: null,
      sourceTimezone: "UTC",
      offset: null,
      disambiguation: "compatible",
      precision: 3,
      valueFormat: "offset",
      sourceField: "input_datetime",
      targetField: "processed_datetime",
      dstAdjustment: true,
      enabled: true,
      webhookUrl: null,
      webhookRequired: false,
      deleteBehavior: "retain",
      triggers: {},
      tenant: null,
    });
    assert.deepEqual(Object.keys(result.value).sort(), [...INPUT_NAMES].sort());
    assert.ok(Object.values(result.value).every((v) => v !== undefined));
    // 2024-02-29T15:30Z plus 120 minutes, in New York's winter time (UTC-5).
    assert.deepEqual(result.computed, {
      computedValue: "2024-02-29T12:30:00.000-05:00",
      computedValueUtc: "2024-02-29T17:30:00.000Z",
      computedEpochMs: Date.UTC(2024, 1, 29, 17, 30),
    });
  });

  test("null means not set: the default applies", () => {
    const result = validateInputs({ ...BASE, precision: null, sourceTimezone: null, webhookUrl: null, triggers: null, offset: null });
    assert.equal(result.ok, true);
    if (result.ok !== true) return;
    assert.equal(result.value.precision, 3);
    assert.equal(result.value.sourceTimezone, "UTC");
    assert.deepEqual(result.value.triggers, {});
  });

  test("normalizeDesired writes the form valueFormat asks for", () => {
    for (const valueFormat of ["offset", "utc"] as const) {
      const result = validateInputs({ ...BASE, valueFormat, precision: 1, dstAdjustment: false, enabled: false, sourceField: "a", targetField: "b" });
      assert.equal(result.ok, true);
      if (result.ok !== true) return;
      assert.deepEqual(normalizeDesired(result.value, result.computed), {
        dateProcessing: {
          sourceField: "a",
          targetField: "b",
          computedValue: valueFormat === "utc" ? result.computed.computedValueUtc : result.computed.computedValue,
          timezone: "America/New_York",
          dstAdjustment: false,
          precision: 1,
        },
        enabled: false,
      });
      assert.equal(result.computed.computedValueUtc, "2024-02-29T17:30:00.0Z");
    }
  });
});

describe("unknown values during preview", () => {
  /** A valid value for every input, so each one can be made unknown in turn. */
  const FULL: Record<string, unknown> = {
    ...BASE,
    actionId: "da-000123",
    sourceTimezone: "UTC",
    disambiguation: "compatible",
    precision: 3,
    valueFormat: "offset",
    sourceField: "input_datetime",
    targetField: "processed_datetime",
    dstAdjustment: true,
    enabled: true,
    webhookUrl: "https://example.com/hook",
    webhookRequired: false,
    deleteBehavior: "retain",
    triggers: { v: "1" },
  };

  test("the full set is valid to begin with", () => {
    assert.equal(validateInputs(FULL).ok, true);
  });

  for (const name of INPUT_NAMES) {
    test(`unknown ${name} passes without failure and leaves the computed values out`, () => {
      const news = { ...FULL, [name]: UNKNOWN };
      if (name === "offset") delete news.offsetMinutes; // one offset at a time
      assert.equal(validateInputs(news).ok, "unknown");
      const result = checkInputs(news);
      assert.deepEqual(result.failures, []);
      assert.deepEqual(result.inputs, news);
    });
  }

  test("an unknown trigger value, or unknown triggers, pass", () => {
    for (const triggers of [{ a: UNKNOWN, b: "known" }, UNKNOWN]) {
      const result = checkInputs({ ...BASE, triggers });
      assert.deepEqual(result.failures, []);
      assert.ok(!("computedValue" in result.inputs));
    }
  });

  test("known bad inputs next to an unknown one still fail", () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...BASE, targetTimezone: UNKNOWN, precision: 9 }, "precision", /precision 9/],
      [{ ...BASE, targetTimezone: UNKNOWN, sourceTimestamp: "2024-02-30T10:00:00" }, "sourceTimestamp", /has day 30/],
      [{ ...BASE, operation: UNKNOWN, offset: "PT2H" }, "offset", /both set/],
      [{ ...BASE, actionName: UNKNOWN, webhookRequired: true }, "webhookRequired", /webhookUrl is not set/],
      [{ ...BASE, sourceTimezone: UNKNOWN, targetTimezone: "America/New_Yrok" }, "targetTimezone", /America\/New_York/],
      [{ ...BASE, triggers: { a: UNKNOWN, b: 3 } }, "triggers", /triggers\["b"\] must be a string/],
      [{ ...BASE, clientSecret: UNKNOWN }, "clientSecret", /cxone:clientSecret/],
      [{ ...BASE, actionId: UNKNOWN, offsetMinutes: 1e10 }, "offsetMinutes", /9999 years/],
    ];
    for (const [news, property, reason] of cases) {
      const result = validateInputs(news);
      assert.equal(result.ok, false, JSON.stringify(news));
      if (result.ok !== false) continue;
      assert.deepEqual(result.failures.map((f) => f.property), [property], JSON.stringify(result.failures));
      assert.match(result.failures[0].reason, reason);
      assert.ok(!("computedValue" in checkInputs(news).inputs));
    }
  });

  test("a rule that reads an unknown input waits for it", () => {
    // The operation may turn out to be CONVERT, and the offset may turn out to be absent.
    assert.equal(validateInputs({ ...WITHOUT_OFFSET, operation: UNKNOWN }).ok, "unknown");
    assert.equal(validateInputs({ ...WITHOUT_OFFSET, operation: "CONVERT", offset: UNKNOWN }).ok, "unknown");
    assert.equal(validateInputs({ ...BASE, webhookRequired: true, webhookUrl: UNKNOWN }).ok, "unknown");
  });

  test("the engine still checks the date when only other inputs are unknown", () => {
    const result = validateInputs({
      ...WITHOUT_OFFSET,
      actionId: UNKNOWN,
      operation: "CONVERT",
      sourceTimestamp: "2024-03-10T02:30:00",
      sourceTimezone: "America/New_York",
      disambiguation: "reject",
    });
    assert.equal(result.ok, false);
    if (result.ok === false) assert.match(result.failures[0].reason, /does not exist in America\/New_York/);
  });
});

describe("never throws", () => {
  const garbage: unknown[] = [
    null,
    undefined,
    42,
    "inputs",
    [],
    [BASE],
    { ...BASE, actionName: Symbol("x") },
    { ...BASE, offsetMinutes: 10n },
    { ...BASE, precision: Number.NaN, offsetMinutes: Number.POSITIVE_INFINITY },
    { ...BASE, triggers: { deep: { deeper: { deepest: [1, { x: null }] } } } },
    { ...BASE, sourceTimestamp: "9".repeat(100_000) },
    { ...BASE, targetTimezone: "\u0000\u{1F600}/\uD800" },
    Object.create(null),
  ];
  for (const [i, raw] of garbage.entries()) {
    test(`garbage #${i} gives failures that name a property`, () => {
      const result = checkInputs(raw as Record<string, unknown>);
      assert.ok(result.failures.length > 0);
      for (const f of result.failures) {
        assert.equal(typeof f.property, "string");
        assert.notEqual(f.property, "");
        assert.ok(f.reason.length < 2_000, "reasons stay short whatever the value");
      }
    });
  }

  test("a circular triggers map", () => {
    const triggers: Record<string, unknown> = { a: "1" };
    triggers.self = triggers;
    const failures = checkInputs({ ...BASE, triggers }).failures;
    assert.deepEqual(failures.map((f) => f.property), ["triggers"]);
  });

  test("a value that throws when read is blamed on its own key", () => {
    const news = { ...BASE };
    Object.defineProperty(news, "targetTimezone", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
    const result = checkInputs(news);
    assert.deepEqual(result.failures.map((f) => f.property), ["targetTimezone"]);
    assert.equal(result.inputs, news, "the inputs come back as given");
  });

  test("a value that throws only when the schema reads it is blamed on its key", () => {
    let reads = 0;
    const triggers = {
      get v() {
        reads += 1;
        if (reads > 1) throw new Error("boom");
        return "1";
      },
    };
    const failures = checkInputs({ ...BASE, triggers }).failures;
    assert.deepEqual(failures.map((f) => f.property), ["triggers"]);
    assert.match(failures[0].reason, /could not be validated/);
  });

  test("inputs whose keys cannot be listed", () => {
    const news = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("boom");
        },
      },
    );
    const failures = checkInputs(news).failures;
    assert.equal(failures.length, 1);
    assert.equal(failures[0].property, "actionName");
  });
});

describe("zone suggestions", () => {
  test("misspellings, case and bare cities find the IANA name", () => {
    assert.equal(suggestZones("America/New_Yrok")[0], "America/New_York");
    assert.equal(suggestZones("New_Yrok")[0], "America/New_York");
    assert.equal(suggestZones("america/new_york")[0], "America/New_York");
    assert.equal(suggestZones("new york")[0], "America/New_York");
    assert.equal(suggestZones("europe/london")[0], "Europe/London");
    assert.equal(suggestZones("Londn")[0], "Europe/London");
    assert.equal(suggestZones("Asia/Kolkatta")[0], "Asia/Kolkata"); // the current name, not only ICU's Asia/Calcutta
    assert.equal(suggestZones("utc")[0], "UTC");
  });

  test("at most n, all valid, nothing for unrelated text", () => {
    assert.equal(suggestZones("Europe/Pariss", 2).length, 2);
    assert.deepEqual(suggestZones("Europe/Pariss", 0), []);
    assert.ok(suggestZones("Europe/Pariss").length <= 3);
    for (const name of suggestZones("Europe/Pariss", 10)) assert.ok(isValidTimeZone(name), name);
    assert.deepEqual(suggestZones("xyz"), []);
    assert.deepEqual(suggestZones(""), []);
  });

  // [as typed, the one spelling: the same when it is accepted]
  const ZONES: Array<[string, string]> = [
    ["Europe/London", "Europe/London"],
    ["europe/london", "Europe/London"],
    ["EUROPE/LONDON", "Europe/London"],
    ["America/New_York", "America/New_York"],
    ["US/Eastern", "America/New_York"], // an alias
    ["us/eastern", "America/New_York"], // an alias in another case: refused like its sibling, not written as typed
    ["UTC", "UTC"],
    ["utc", "UTC"],
    ["Etc/UTC", "UTC"], // every UTC name is one zone, spelled as the spec's default
    ["GMT", "UTC"],
    ["Zulu", "UTC"],
    ["Asia/Kolkata", "Asia/Kolkata"], // the current IANA name
    ["Asia/Calcutta", "Asia/Kolkata"], // a backward link, though Node's ICU lists it as its id
    ["asia/kolkata", "Asia/Kolkata"],
    ["Europe/Kiev", "Europe/Kyiv"],
    ["Europe/Kyiv", "Europe/Kyiv"],
    ["Pacific/Enderbury", "Pacific/Kanton"],
    ["America/Godthab", "America/Nuuk"],
    ["Iceland", "Atlantic/Reykjavik"], // IANA links it to Africa/Abidjan, which ICU counts as another zone
    ["Europe/Amsterdam", "Europe/Amsterdam"], // linked to Europe/Brussels by IANA (same since 1970), its own zone to ICU
    ["Atlantic/Reykjavik", "Atlantic/Reykjavik"],
    ["Etc/GMT+5", "Etc/GMT+5"], // not in Intl's list, but its own canonical id
    ["etc/gmt+5", "Etc/GMT+5"],
  ];
  for (const property of ["sourceTimezone", "targetTimezone"] as const) {
    test(`${property}: one spelling per zone, the same rule on both inputs`, () => {
      for (const [typed, canonical] of ZONES) {
        assert.equal(canonicalZone(typed), canonical, typed);
        const raw = { ...WITHOUT_OFFSET, operation: "CONVERT", sourceTimestamp: "2024-02-29T15:30:00", [property]: typed };
        const failure = checkInputs(raw).failures.find((f) => f.property === property);
        if (typed === canonical) {
          assert.equal(failure, undefined, `${typed} is accepted`);
          const result = validateInputs(raw);
          assert.equal(result.ok, true);
          if (result.ok === true && property === "targetTimezone") {
            assert.equal(normalizeDesired(result.value, result.computed).dateProcessing.timezone, typed, "written as typed");
          }
        } else {
          assert.ok(failure, `${typed} is refused`);
          assert.ok(failure.reason.startsWith(`${property} "${typed}" is `), failure.reason);
          assert.ok(failure.reason.includes(`"${canonical}"`), `${typed}: ${failure.reason}`);
          // The suggestion itself passes: copying it fixes the input.
          assert.deepEqual(checkInputs({ ...raw, [property]: canonical }).failures, [], canonical);
        }
      }
    });
  }

  test("a name Node's ICU still knows but the IANA database has dropped is refused, naming the release", () => {
    assert.equal(isValidTimeZone("SystemV/EST5"), true, "the premise: ICU accepts it");
    assert.equal(canonicalZone("SystemV/EST5"), undefined);
    const failure = checkInputs({ ...WITHOUT_OFFSET, operation: "CONVERT", sourceTimestamp: "2024-02-29T15:30:00", targetTimezone: "SystemV/EST5" }).failures;
    assert.equal(failure.length, 1);
    assert.match(failure[0].reason, /^targetTimezone "SystemV\/EST5" is not in the IANA time zone database \(release 20\d\d[a-z]\)/);
  });

  test("every zone name the data holds has one canonical spelling that is its own canonical spelling", () => {
    // Computed for all of them: a rule that maps a name to a name it would itself refuse leaves
    // the user going round in circles.
    const all: string[] = Object.keys((require("tzdata") as { zones: Record<string, unknown> }).zones);
    for (const name of all) {
      const canonical = canonicalZone(name);
      if (canonical === undefined) continue;
      assert.equal(canonicalZone(canonical), canonical, `${name} -> ${canonical}`);
    }
  });

  test("Damerau-Levenshtein distance", () => {
    assert.equal(editDistance("", ""), 0);
    assert.equal(editDistance("abc", ""), 3);
    assert.equal(editDistance("new_york", "new_yrok"), 1); // one transposition
    assert.equal(editDistance("kitten", "sitting"), 3);
    assert.equal(editDistance("ca", "abc"), 3); // optimal string alignment, not unrestricted
    // With a limit the answer is capped at limit + 1, and exact within it.
    assert.equal(editDistance("abcdef", "uvwxyz", 2), 3);
    assert.equal(editDistance("new_york", "new_yrok", 1), 1);
    assert.equal(editDistance("abcd", "badc", 2), 2); // two transpositions, found despite the early stop
  });
});
