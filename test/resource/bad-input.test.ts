/**
 * Generated bad input, through Pulumi's real dynamic-provider host (check and diff over gRPC,
 * diff against the state of one real create) and, many more times, in-process against
 * schema.ts `checkInputs` and implementation.ts `diff`: random strings, wrong types both ways,
 * huge numbers, NaN-like strings, unknown zones, malformed durations and timestamps, and
 * Pulumi's unknown-value sentinel anywhere, triggers included. Whatever comes in:
 *
 * - check never throws, and every failure names a real input (or the offending key) with a reason;
 * - diff never throws and always answers a boolean `changes` (over gRPC: never DIFF_UNKNOWN);
 * - a value that is only unknown passes check and shows as a change;
 * - credential-like values are never quoted back;
 * - neither makes a network request: the emulator, which the provider is configured for both in
 *   the host and in-process, sees nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import * as implementation from "../../provider/resource/implementation";
import { INPUT_NAMES, UNKNOWN, checkInputs, containsUnknown } from "../../provider/resource/schema";
import type { ResourceState } from "../../harness/engine";
import { applyOne, countLeaked, startFleet, type Fleet } from "../../harness/fleet";
import { VALID_INPUTS } from "../../harness/fixtures";

type Props = Record<string, unknown>;

const GRPC_RUNS = 150;
const IN_PROCESS_RUNS = 2000;
// Planted only in credential-like keys and in a webhook URL's userinfo: never to be echoed.
const MARKER = `planted-credential-${process.pid}`;

/** Valid user inputs: the starting point most generated inputs are mutations of. */
const VALID: Props = {
  ...VALID_INPUTS,
};

let fleet: Fleet;
let prior: ResourceState; // the state of one real create, what every diff compares against

after(() => fleet?.close());

before(async () => {
  fleet = await startFleet("bad-input");
  const created = await applyOne(fleet.host, "fuzz", { ...fleet.base, ...VALID });
  assert.equal(created.kind, "ok", created.kind === "failed" ? created.error.message : "");
  if (created.kind === "ok") prior = created.state;
  // In-process too, the provider talks to this emulator: a request from check or diff would show.
  await implementation.configure({
    config: {
      get: (key: string) =>
        ({ "cxone:baseUrl": fleet.emulator.url, "cxone:clientId": fleet.clientId, "cxone:clientSecret": fleet.clientSecret })[key],
    },
  });
  fleet.emulator.reset();
});

// ---------------------------------------------------------------------------------------------
// Generators. JSON-representable unless named otherwise: Struct.fromJavaScript carries no
// undefined, functions, NaN or Infinity, and neither does the engine.

const zone = fc.constantFrom(
  "America/New_Yrok", "Mars/Olympus_Mons", "EST5EDT", "+05:00", "UTC+5", "GMT-3", "Etc/GMT+5", "europe/london", "Europe/Kyiv",
  "Asia/Calcutta", "US/Pacific", "", " UTC", "utc", "Z", "Local", "America/New York", "Africa/Timbuktu", "America/Argentina/Buenos_Aires",
);
const duration = fc.oneof(
  fc.constantFrom(
    "PT", "P", "PT2", "2H", "pt2h", "P1.5D", "PT1,5S", "P-1D", "-P1D", "+PT1M", "P1DT", "PT0S", "-PT90M", "P1Y2M3W4DT5H6M7.5S",
    "PT99999999999999999999H", "PT1.1234567891S", "P1M1Y", "PT-5M", "P 1D", "PT2H ",
  ),
  fc.stringMatching(/^[+-]?P[0-9YMWDTHS.,]{0,14}$/),
);
const timestamp = fc.oneof(
  fc.constantFrom(
    "2024-02-30T00:00:00Z", "2024-02-29T24:00:00Z", "0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z",
    "2024-03-10T02:30:00", "2024-02-29", "2024-02-29T15:30:00.0000000000Z", "2024-02-29T15:30:00+25:00", "+275760-09-13T00:00:00Z",
    "2024-W09-4T00:00:00Z", "1709227800000", "2024-02-29T15:30:00.000z", "2024-02-29 15:30:00Z", "T15:30:00Z", "NaN",
  ),
  fc.stringMatching(/^[+-]?\d{4,6}-\d{1,2}-\d{1,2}(T\d{1,2}:\d{2}(:\d{2}(\.\d{0,12})?)?)?(Z|z|[+-]\d{2}(:?\d{2}(:\d{2})?)?)?$/),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);
const numberLikeText = fc.constantFrom("NaN", "Infinity", "-Infinity", "1e309", "0x10", " 12 ", "", "null", "undefined", "true", "120", "-90", "1.5", "3", "-0");
const hugeNumber = fc.constantFrom(
  1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MAX_SAFE_INTEGER + 2, 2 ** 53, 1e21, -0, 5e-324, 9999 * 366 * 24 * 60 + 1, 0.5,
);
const words = fc.constantFrom(
  "ADD_OFFSET", "add_offset", "SUBTRACT_OFFSET", "CONVERT", "SUBTRACT", "compatible", "reject", "earliest", "utc", "UTC", "offset",
  "retain", "restore", "disable", "delete", "true", "false", "yes",
);
const url = fc.oneof(
  fc.webUrl(),
  fc.constantFrom("https://user:pass@example.com/hook", `https://hook:${MARKER}@example.com/x`, "ftp://example.com/x", "http://", "javascript:alert(1)", "example.com/hook", "/relative"),
);
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 20 }), fc.constantFrom(" padded ", "\t", "\u0000", "Production_Date_Processor "));
const unknownSomewhere = fc.constantFrom<unknown>(UNKNOWN, [UNKNOWN], { v: UNKNOWN }, { a: { b: [1, UNKNOWN] } });
const triggers = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), fc.constant(UNKNOWN), fc.integer(), fc.constant(null), unknownSomewhere), {
    maxKeys: 4,
    noNullPrototype: true, // the JSON a program sends has plain objects (null prototypes are in the in-process cases)
  }),
  unknownSomewhere,
);
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.oneof(text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)) },
  { weight: 2, arbitrary: fc.oneof(numberLikeText, hugeNumber, zone, duration, timestamp, words) },
  { weight: 1, arbitrary: unknownSomewhere },
  // No "__proto__" key: the host decodes a protobuf Struct by assignment, so such a key arrives
  // as a prototype (the key is lost) before our code runs; no program can send one over gRPC.
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).filter((v) => !JSON.stringify(v).includes('"__proto__"')) },
);

/** Values aimed at one input: its own kind of wrong, or anything at all. */
function valueFor(key: string): fc.Arbitrary<unknown> {
  const aimed: Record<string, fc.Arbitrary<unknown>> = {
    sourceTimezone: zone,
    targetTimezone: zone,
    offset: fc.oneof(duration, fc.integer()),
    sourceTimestamp: fc.oneof(timestamp, fc.integer()),
    offsetMinutes: fc.oneof(hugeNumber, numberLikeText, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    precision: fc.oneof(fc.integer({ min: -3, max: 6 }), numberLikeText, hugeNumber),
    operation: words,
    disambiguation: words,
    valueFormat: words,
    deleteBehavior: words,
    dstAdjustment: fc.oneof(fc.boolean(), words, fc.constantFrom(0, 1)),
    enabled: fc.oneof(fc.boolean(), words, fc.constantFrom(0, 1)),
    webhookRequired: fc.oneof(fc.boolean(), words, fc.constantFrom(0, 1)),
    webhookUrl: url,
    triggers,
    actionName: text,
    actionId: text,
    sourceField: text,
    targetField: text,
  };
  return fc.oneof(aimed[key] ?? anyJson, anyJson, unknownSomewhere);
}

const CREDENTIAL_KEYS = ["clientSecret", "client_secret", "password", "apiToken", "accessKey", "webhookSecret", "Authorization"];
const OTHER_KEYS = ["targetTimeZone", "offset_minutes", "ActionName", "computedValue", "audit", "applied", "region", "baseUrl", "x", ""];

type Edit = { key: string; value: unknown } | { key: string; remove: true };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...INPUT_NAMES).chain((key) => valueFor(key).map((value) => ({ key, value }))) },
  { weight: 2, arbitrary: fc.constantFrom(...INPUT_NAMES).map((key) => ({ key, remove: true as const })) },
  { weight: 1, arbitrary: fc.constantFrom(...CREDENTIAL_KEYS).map((key) => ({ key, value: `${MARKER}-${key}` })) },
  { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constantFrom(...OTHER_KEYS), fc.string({ maxLength: 10 })), anyJson).map(([key, value]) => ({ key, value })) },
);

/** Mostly a valid set of inputs with a few edits; sometimes edits on nothing at all. */
const inputs: fc.Arbitrary<Props> = fc
  .tuple(fc.boolean(), fc.array(edit, { minLength: 1, maxLength: 5 }))
  .map(([fromValid, edits]) => {
    const news: Props = fromValid || edits.length > 3 ? { ...VALID } : {};
    for (const e of edits) {
      // Keys starting with "__" are Pulumi's (the host needs its own `__provider`).
      if (e.key.startsWith("__")) continue;
      if ("remove" in e) delete news[e.key];
      else news[e.key] = e.value;
    }
    return news;
  });

/** A valid set where only some inputs are not known yet: what `pulumi preview` sends. */
const onlyUnknown: fc.Arbitrary<Props> = fc
  .subarray([...INPUT_NAMES], { minLength: 1 })
  .chain((keys) => fc.tuple(fc.constant(keys), fc.array(unknownSomewhere, { minLength: keys.length, maxLength: keys.length })))
  .map(([keys, values]) => {
    const news: Props = { ...VALID };
    keys.forEach((key, i) => {
      news[key] = key === "triggers" ? { configVersion: values[i] } : values[i];
    });
    return news;
  });

// ---------------------------------------------------------------------------------------------
// What must hold, whoever answers.

interface Checked {
  inputs: Props;
  failures: { property: string; reason: string }[];
}

function assertCheckSane(news: Props, result: Checked): void {
  assert.ok(Array.isArray(result.failures), "failures is a list");
  const named = new Set<string>([...INPUT_NAMES, ...Object.keys(news)]);
  for (const f of result.failures) {
    assert.equal(typeof f.property, "string");
    assert.ok(named.has(f.property), `failure names ${JSON.stringify(f.property)}, which is neither an input nor a key given`);
    assert.equal(typeof f.reason, "string");
    assert.ok(f.reason.length > 0 && f.reason.length < 2000, `a short, non-empty reason for ${f.property}`);
    assert.ok(!f.reason.includes(MARKER), `the reason for ${f.property} quotes a credential back`);
  }
  if (result.failures.length > 0) return;
  if (containsUnknown(news)) {
    assert.equal(result.inputs.computedValue, undefined, "an unknown input leaves the computed value unknown");
    return;
  }
  const { computedValue, computedValueUtc, computedEpochMs } = result.inputs;
  assert.equal(typeof computedValue, "string", "valid inputs show the computed value");
  assert.ok(Number.isSafeInteger(computedEpochMs), "computedEpochMs is an integer");
  // What check accepts, the PUT must carry: CXone's contract (and the emulator) takes Z or ±hh:mm
  // and answers 400 to anything else, such as a local-mean-time offset like -04:56:02.
  assert.match(computedValue as string, /(?:Z|[+-]\d{2}:\d{2})$/, "computedValue ends in Z or an ±hh:mm offset CXone accepts");
  assert.equal(Date.parse(computedValue as string), computedEpochMs, "computedValue re-parses to the same instant");
  assert.equal(Date.parse(computedValueUtc as string), computedEpochMs, "computedValueUtc is the same instant");
}

const REPLACEABLE = new Set(["actionName", "actionId", "tenant"]);

function assertDiffSane(replaces: string[], changes: boolean): void {
  for (const name of replaces) assert.ok(REPLACEABLE.has(name), `${name} does not force a replacement`);
  if (replaces.length > 0) assert.equal(changes, true, "a replacement is a change");
}

function assertNoRequest(): void {
  assert.deepEqual(
    fleet.emulator.requests.map((r) => `${r.method} ${r.path}`),
    [],
    "check and diff made no HTTP request",
  );
}

// ---------------------------------------------------------------------------------------------

describe("through the dynamic-provider host over gRPC", () => {
  test("the prior state is a real, current create", async () => {
    assert.equal(prior.outputs.actionId, prior.id);
    const checked = await fleet.host.check("fuzz", prior.inputs, { ...fleet.base, ...VALID });
    const same = await fleet.host.diff("fuzz", prior.id, prior.outputs, checked.inputs);
    assert.equal(same.changes, "none", "diff is not blind: the same inputs are no change");
    assertNoRequest();
  });

  test(`check and diff of generated inputs (${GRPC_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(inputs, async (news) => {
        const sent = { ...news, __provider: fleet.base.__provider };
        const checked = await fleet.host.check("fuzz", prior.inputs, sent);
        assertCheckSane(news, checked);
        for (const key of Object.keys(news)) assert.deepEqual(checked.inputs[key], news[key], `check returns ${key} as given`);
        // The engine diffs what check returned; a diff of the raw inputs must hold up too.
        for (const candidate of [checked.inputs, sent]) {
          const diff = await fleet.host.diff("fuzz", prior.id, prior.outputs, candidate);
          assert.notEqual(diff.changes, "unknown", "diff answered a boolean");
          assertDiffSane(diff.replaces, diff.changes === "some");
        }
      }),
      { numRuns: GRPC_RUNS, includeErrorInReport: true },
    );
    assertNoRequest();
    const hostOutput = [...fleet.host.stdout, ...fleet.host.stderr];
    assert.equal(countLeaked(hostOutput, [MARKER, fleet.clientSecret]), 0, "the host printed a planted credential or the client secret");
  });

  test("inputs that are only unknown pass check and show as a change", async () => {
    await fc.assert(
      fc.asyncProperty(onlyUnknown, async (news) => {
        const sent = { ...news, __provider: fleet.base.__provider };
        const checked = await fleet.host.check("fuzz", prior.inputs, sent);
        assert.deepEqual(checked.failures, []);
        assert.equal(checked.inputs.computedValue, undefined);
        const diff = await fleet.host.diff("fuzz", prior.id, prior.outputs, checked.inputs);
        assert.equal(diff.changes, "some", "what is not known yet cannot be shown as no change");
      }),
      { numRuns: 50, includeErrorInReport: true },
    );
    assertNoRequest();
  });
});

describe("in-process: schema.ts checkInputs and implementation.ts diff", () => {
  test(`generated JSON inputs (${IN_PROCESS_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(inputs, async (news) => {
        const checked = checkInputs(news);
        assertCheckSane(news, checked);
        for (const key of Object.keys(news)) assert.ok(Object.is(checked.inputs[key], news[key]), `check returns ${key} as given`);
        for (const candidate of [checked.inputs, news]) {
          const diff = await implementation.diff(prior.id, prior.outputs, candidate);
          assert.equal(typeof diff.changes, "boolean");
          assertDiffSane(diff.replaces, diff.changes);
        }
        if (checked.failures.length === 0 && containsUnknown(news)) {
          assert.equal((await implementation.diff(prior.id, prior.outputs, checked.inputs)).changes, true, "an unknown input is a change");
        }
      }),
      {
        numRuns: IN_PROCESS_RUNS,
        // Always tried: a result before New York adopted standard time (local mean time, -04:56:02).
        examples: [[{ ...VALID, offsetMinutes: -73781191 }]],
        includeErrorInReport: true,
      },
    );
    assertNoRequest();
  });

  test("values no JSON can carry: NaN, Infinity, undefined, bigint, symbols, functions, dates, maps, lone surrogates", async () => {
    const exotic = fc.oneof(
      fc.constantFrom<unknown>(Number.NaN, Infinity, -Infinity, undefined, 10n, Symbol("s"), () => "f", new Date(Number.NaN), "\uD800", "a\uDC00b"),
      fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withBoxedValues: true, withTypedArray: true, withSparseArray: true, maxDepth: 2 }),
      fc.string({ unit: "binary", maxLength: 30 }),
    );
    const news = fc.tuple(fc.array(fc.tuple(fc.oneof(fc.constantFrom(...INPUT_NAMES), fc.string({ maxLength: 8 })), exotic), { minLength: 1, maxLength: 4 })).map(([pairs]) => {
      const out: Props = { ...VALID };
      for (const [key, value] of pairs) if (!key.startsWith("__")) out[key] = value;
      return out;
    });
    await fc.assert(
      fc.asyncProperty(news, async (raw) => {
        const checked = checkInputs(raw);
        const named = new Set<string>([...INPUT_NAMES, ...Object.keys(raw)]);
        for (const f of checked.failures) assert.ok(named.has(f.property) && f.reason.length > 0, `failure names ${String(f.property)}`);
        const diff = await implementation.diff(prior.id, prior.outputs, raw);
        assert.equal(typeof diff.changes, "boolean");
        assertDiffSane(diff.replaces, diff.changes);
      }),
      { numRuns: 1000, includeErrorInReport: true },
    );
    assertNoRequest();
  });

  test("inputs that are only unknown pass check and show as a change", async () => {
    await fc.assert(
      fc.asyncProperty(onlyUnknown, async (news) => {
        const checked = checkInputs(news);
        assert.deepEqual(checked.failures, []);
        assert.equal(checked.inputs.computedValue, undefined);
        assert.equal((await implementation.diff(prior.id, prior.outputs, checked.inputs)).changes, true);
      }),
      { numRuns: 500, includeErrorInReport: true },
    );
    assertNoRequest();
  });

  test("diff against a prior state whose recorded fields are damaged (hand-edited, or from another version)", async () => {
    // State is only what was written to it: `pulumi state edit`, an import or an older provider
    // can leave any JSON in `applied`, `original`, `audit` or an input. Diff must still answer.
    const damaged = fc
      .array(fc.tuple(fc.constantFrom("applied", "original", "audit", "actionId", ...INPUT_NAMES), fc.oneof(anyJson, fc.constant(null))), { minLength: 1, maxLength: 3 })
      .map((pairs) => {
        const olds: Props = structuredClone(prior.outputs);
        for (const [key, value] of pairs) olds[key] = value;
        return olds;
      });
    await fc.assert(
      fc.asyncProperty(damaged, inputs, async (olds, news) => {
        const diff = await implementation.diff(prior.id, olds, news);
        assert.equal(typeof diff.changes, "boolean");
        assertDiffSane(diff.replaces, diff.changes);
      }),
      // Always tried: `applied` recorded as null.
      { numRuns: 1000, examples: [[{ ...prior.outputs, applied: null }, VALID]], includeErrorInReport: true },
    );
    assertNoRequest();
  });
});

describe("control characters in any string input", () => {
  // [property, a value with one control character, where it is (1-based), its code point]
  const table: Array<[string, unknown, number, string]> = [
    ["actionName", "Production\n::stop-commands::x", 11, "000A"],
    ["actionId", "da-1\r::add-mask::x", 5, "000D"],
    ["sourceTimestamp", "2024-02-29T15:30:00.000Z\u0000", 25, "0000"],
    ["sourceTimezone", "Europe/London\u001b[31m", 14, "001B"],
    ["targetTimezone", "\u0085America/New_York", 1, "0085"],
    ["offset", "PT2H\u2028", 5, "2028"],
    ["sourceField", "input\u007fdatetime", 6, "007F"],
    ["targetField", "out\tput", 4, "0009"],
    ["webhookUrl", "https://hooks.example.test/x\n::error::forged", 29, "000A"],
  ];
  for (const [property, value, position, code] of table) {
    test(`${property}: the character and its position named`, () => {
      const failures = checkInputs({ ...VALID, [property]: value }).failures.filter((f) => f.property === property);
      assert.equal(failures.length, 1, JSON.stringify(failures));
      assert.equal(failures[0].reason, `${property} holds the control character U+${code} at position ${position}; no ${property} has one: remove it`);
      assert.ok(!/[\n\r]/.test(failures[0].reason));
    });
  }

  test("triggers: a key or a value with one is refused, the key quoted with the character escaped", () => {
    const byValue = checkInputs({ ...VALID, triggers: { configVersion: "7\n::warning::x" } }).failures;
    assert.deepEqual(byValue, [{ property: "triggers", reason: 'triggers["configVersion"] holds the control character U+000A at position 2; no triggers["configVersion"] has one: remove it' }]);
    const byKey = checkInputs({ ...VALID, triggers: { "a\u2029b": "1" } }).failures;
    assert.equal(byKey.length, 1);
    assert.match(byKey[0].reason, /^the key of triggers\["a\\u2029b"\] holds the control character U\+2029 at position 2/);
  });
});
