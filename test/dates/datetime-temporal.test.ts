/**
 * Differential test: computeDateManipulation against the TC39 Temporal polyfill on
 * thousands of generated cases, many of them at or near the DST transitions of the zones.
 *
 * The oracle is Temporal itself:
 * - the source: Instant.from (Z or numeric offset) or PlainDateTime.from(...).toZonedDateTime
 *   (no offset) with the case's disambiguation;
 * - the arithmetic: ZonedDateTime.add, which always resolves the calendar step with
 *   'compatible'. For 'earlier', 'later' and 'reject' the contract applies the chosen
 *   disambiguation to that step, which is Temporal's own algorithm with the option swapped:
 *   PlainDateTime.add(date part).toZonedDateTime(zone, {disambiguation}).add(time part).
 *   For 'compatible' the test checks that this route and ZonedDateTime.add agree;
 * - the output: the instant truncated with BigInt floor division, printed by Temporal.
 *
 * The oracle runs on every Temporal at hand: the polyfill always, and the running Node's own
 * `globalThis.Temporal` where it has one (Node 26: V8's implementation of the same spec),
 * each on its own generated cases; the test names and diagnostics say which ran.
 *
 * Two documented choices are applied to the oracle's input rather than tested against it:
 * durations are truncated to milliseconds when parsed (the engine has no sub-millisecond
 * arithmetic), and computedValue writes an offset with seconds (historic local mean time)
 * in full where Temporal's toString rounds it to minutes (ZonedDateTime.offset is used).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { Temporal as Polyfill } from "@js-temporal/polyfill";
import { computeDateManipulation, type DateResult, type DateSpec, type Disambiguation } from "../../provider/dates/datetime";
import { DateInputError } from "../../provider/shared/errors";

const ZONES = [
  "America/New_York",
  "Europe/London",
  "Australia/Sydney",
  "Australia/Lord_Howe", // 30-minute DST shift
  "Pacific/Chatham", // +12:45 / +13:45
  "Europe/Dublin", // negative DST in tzdb: winter is the "daylight" time
  "America/Santiago",
  "Asia/Kolkata",
  "Asia/Kathmandu", // +05:45
  "America/St_Johns", // -03:30 with DST
  "Pacific/Apia", // skipped 2011-12-30 entirely
  "Africa/Casablanca", // DST suspended each Ramadan (until 2026 in tzdata 2026c; the oracle reads the same data)
  "America/Havana", // transitions at midnight
  "Antarctica/Troll", // two-hour DST shift
  "UTC",
];

const DISAMBIGUATIONS: Disambiguation[] = ["compatible", "earlier", "later", "reject"];
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
// Sources stay two days inside 0001-9999 so every source string has a four-digit year;
// results may still leave the range (through the target zone or the duration).
const FIRST_INSTANT = Date.parse("0001-01-03T00:00:00Z");
const LAST_INSTANT = Date.parse("9999-12-29T00:00:00Z");

/** Adds 0-9 fractional digits: the instant's milliseconds, then arbitrary sub-ms digits. */
function withFraction(wall: string, local: number, digits: number, subMs: string, dropZeroSeconds: boolean): string {
  const ms = ((local % 1000) + 1000) % 1000;
  if (digits === 0) return dropZeroSeconds && wall.endsWith(":00") ? wall.slice(0, -3) : wall;
  return `${wall}.${(`${ms}`.padStart(3, "0") + subMs).slice(0, digits)}`;
}

interface Case {
  sourceZone: string;
  targetZone: string;
  focusOnSource: boolean; // whose transitions the instant is drawn near
  place: { kind: "transition"; index: number; delta: number } | { kind: "anywhere"; at: number };
  form: "Z" | "offset" | "naive";
  numericOffsetMinutes: number;
  offsetStyle: "extended" | "basic" | "hours";
  probeShift: number; // naive sources: wall clock built with the offset this far away, to land in gaps/overlaps
  wallSkew: number; // naive sources near a source-zone transition: wall clock this far from it
  aim: null | { days: number; skew: number }; // source this many days before a target-zone transition, offset P{days}D
  fractionDigits: number;
  subMs: string;
  dropZeroSeconds: boolean;
  operation: "ADD_OFFSET" | "SUBTRACT_OFFSET" | "CONVERT";
  duration: { useMinutes: true; minutes: number } | { useMinutes: false; text: string };
  disambiguation: Disambiguation;
  precision: number;
}

const smallCount = (max: number) => fc.oneof(fc.constant(0), fc.integer({ min: 0, max }));

const durationText = fc
  .record({
    negative: fc.boolean(),
    years: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.integer({ min: 5, max: 400 }) }),
    months: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 25 }) }),
    weeks: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }) }),
    days: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 40 }) }),
    hours: smallCount(60),
    minutes: smallCount(200),
    seconds: smallCount(5000),
    fraction: fc.oneof(fc.constant(""), fc.stringMatching(/^[0-9]{1,9}$/)),
  })
  .map((d) => {
    const date = `${d.years ? `${d.years}Y` : ""}${d.months ? `${d.months}M` : ""}${d.weeks ? `${d.weeks}W` : ""}${d.days ? `${d.days}D` : ""}`;
    const seconds = d.seconds || d.fraction ? `${d.seconds}${d.fraction ? `.${d.fraction}` : ""}S` : "";
    const time = `${d.hours ? `${d.hours}H` : ""}${d.minutes ? `${d.minutes}M` : ""}${seconds}`;
    const body = date === "" && time === "" ? "T0S" : `${date}${time === "" ? "" : `T${time}`}`;
    return `${d.negative ? "-" : ""}P${body}`;
  });

const caseArbitrary: fc.Arbitrary<Case> = fc.record({
  sourceZone: fc.constantFrom(...ZONES),
  targetZone: fc.constantFrom(...ZONES),
  focusOnSource: fc.boolean(),
  place: fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant("transition" as const),
        index: fc.nat(),
        delta: fc.oneof(
          fc.integer({ min: -3 * MS_PER_HOUR, max: 3 * MS_PER_HOUR }),
          fc.integer({ min: -45 * MS_PER_DAY, max: 45 * MS_PER_DAY }),
          // A whole number of days before a transition plus a little: P{n}D lands near it.
          fc.record({ days: fc.integer({ min: -40, max: 40 }), skew: fc.integer({ min: -2 * MS_PER_HOUR, max: 2 * MS_PER_HOUR }) }).map((r) => r.days * MS_PER_DAY + r.skew),
        ),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("anywhere" as const), at: fc.integer({ min: Date.parse("1900-01-01T00:00:00Z"), max: Date.parse("2100-01-01T00:00:00Z") }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("anywhere" as const), at: fc.integer({ min: FIRST_INSTANT, max: LAST_INSTANT }) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("anywhere" as const),
        at: fc.oneof(fc.integer({ min: FIRST_INSTANT, max: FIRST_INSTANT + 3 * MS_PER_DAY }), fc.integer({ min: LAST_INSTANT - 3 * MS_PER_DAY, max: LAST_INSTANT })),
      }),
    },
  ),
  form: fc.constantFrom("Z" as const, "offset" as const, "naive" as const),
  numericOffsetMinutes: fc.oneof(fc.integer({ min: -14 * 60, max: 14 * 60 }), fc.constantFrom(0, -300, 330, 345, 60, -210)),
  offsetStyle: fc.constantFrom("extended" as const, "basic" as const, "hours" as const),
  probeShift: fc.constantFrom(0, -4 * MS_PER_HOUR, 4 * MS_PER_HOUR),
  wallSkew: fc.integer({ min: -90 * 60_000, max: 90 * 60_000 }),
  aim: fc.oneof(
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.record({ days: fc.integer({ min: 1, max: 40 }), skew: fc.integer({ min: -90 * 60_000, max: 90 * 60_000 }) }) },
  ),
  fractionDigits: fc.integer({ min: 0, max: 9 }),
  subMs: fc.stringMatching(/^[0-9]{6}$/),
  dropZeroSeconds: fc.boolean(),
  operation: fc.constantFrom("ADD_OFFSET" as const, "SUBTRACT_OFFSET" as const, "CONVERT" as const),
  duration: fc.oneof(
    { weight: 1, arbitrary: fc.record({ useMinutes: fc.constant(true as const), minutes: fc.integer({ min: -200_000, max: 200_000 }) }) },
    { weight: 4, arbitrary: fc.record({ useMinutes: fc.constant(false as const), text: durationText }) },
  ),
  disambiguation: fc.constantFrom(...DISAMBIGUATIONS),
  precision: fc.integer({ min: 0, max: 3 }),
});

function clamp(at: number): number {
  return Math.min(LAST_INSTANT, Math.max(FIRST_INSTANT, at));
}

/** Whether the case aims a whole-day calendar offset at a target-zone transition. */
function aimed(c: Case): c is Case & { aim: { days: number; skew: number } } {
  return c.aim !== null && c.place.kind === "transition" && c.operation !== "CONVERT" && !c.duration.useMinutes;
}

type Expected = { value: DateResult } | { rejected: "sourceTimestamp" | "offset" } | { outOfRange: true };

const NUM_RUNS = 15_000;

/** Registers the differential test against one Temporal implementation. */
function differential(Temporal: typeof Polyfill, implementation: string): void {
  /** Every transition of each zone from 1850 (local mean time included) to 2040, by Temporal. */
  function transitionsOf(zone: string): number[] {
    const found: number[] = [];
    const end = Date.parse("2040-01-01T00:00:00Z");
    let z: Polyfill.ZonedDateTime | null = Temporal.Instant.from("1850-01-01T00:00:00Z").toZonedDateTimeISO(zone);
    while (z !== null && z.epochMilliseconds < end) {
      z = z.getTimeZoneTransition("next");
      if (z !== null) found.push(z.epochMilliseconds);
    }
    return found;
  }
  const TRANSITIONS = new Map(ZONES.map((zone) => [zone, transitionsOf(zone)]));

  function offsetMsAt(zone: string, epochMs: number): number {
    return Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(zone).offsetNanoseconds / 1e6;
  }

  /** `YYYY-MM-DDTHH:mm:ss` of a local number (wall-clock fields read as UTC). */
  function wallText(local: number): string {
    return Temporal.Instant.fromEpochMilliseconds(local).toZonedDateTimeISO("UTC").toPlainDateTime().toString({ smallestUnit: "second" });
  }

  /** The transition the case is placed near, if any (zones without one use mid-2024). */
  function transitionOf(zone: string, index: number): number {
    const list = TRANSITIONS.get(zone) ?? [];
    return list.length === 0 ? Date.parse("2024-06-01T00:00:00Z") : list[index % list.length];
  }

  function instantOf(c: Case): number {
    if (c.place.kind === "anywhere") return clamp(c.place.at);
    if (aimed(c)) return clamp(transitionOf(c.targetZone, c.place.index) + c.aim.skew - c.aim.days * MS_PER_DAY);
    return clamp(transitionOf(c.focusOnSource ? c.sourceZone : c.targetZone, c.place.index) + c.place.delta);
  }

  /** A naive wall clock near a source-zone transition: in, before or after its gap/overlap. */
  function wallNearTransition(c: Case & { place: { index: number } }): number {
    const at = transitionOf(c.sourceZone, c.place.index);
    return clamp(at) + offsetMsAt(c.sourceZone, at - 1) + c.wallSkew;
  }

  function specOf(c: Case): DateSpec {
    const instant = instantOf(c);
    let sourceTimestamp: string;
    if (c.form === "naive") {
      const local =
        c.place.kind === "transition" && c.focusOnSource && !aimed(c)
          ? wallNearTransition({ ...c, place: c.place })
          : instant + offsetMsAt(c.sourceZone, instant + c.probeShift);
      sourceTimestamp = withFraction(wallText(local), local, c.fractionDigits, c.subMs, c.dropZeroSeconds);
    } else if (c.form === "Z") {
      sourceTimestamp = `${withFraction(wallText(instant), instant, c.fractionDigits, c.subMs, c.dropZeroSeconds)}Z`;
    } else {
      const minutes = c.offsetStyle === "hours" ? Math.trunc(c.numericOffsetMinutes / 60) * 60 : c.numericOffsetMinutes;
      const local = instant + minutes * 60_000;
      const sign = minutes < 0 ? "-" : "+";
      const hh = `${Math.floor(Math.abs(minutes) / 60)}`.padStart(2, "0");
      const mm = `${Math.abs(minutes) % 60}`.padStart(2, "0");
      const offset = c.offsetStyle === "hours" ? `${sign}${hh}` : c.offsetStyle === "basic" ? `${sign}${hh}${mm}` : `${sign}${hh}:${mm}`;
      sourceTimestamp = `${withFraction(wallText(local), local, c.fractionDigits, c.subMs, c.dropZeroSeconds)}${offset}`;
    }
    const spec: DateSpec = {
      sourceTimestamp,
      sourceTimezone: c.sourceZone,
      targetTimezone: c.targetZone,
      operation: c.operation,
      disambiguation: c.disambiguation,
      precision: c.precision,
    };
    if (c.duration.useMinutes) spec.offsetMinutes = c.duration.minutes;
    else if (aimed(c)) spec.offset = `${c.operation === "SUBTRACT_OFFSET" ? "-" : ""}P${c.aim.days}D`;
    else spec.offset = c.duration.text;
    return spec;
  }

  /** Counts of what the generated cases exercised, so a weak generator shows up. */
  const seen = { cases: 0, values: 0, rejected: 0, outOfRange: 0, naive: 0, calendar: 0, gapOrOverlap: 0 };

  /** Resolves a wall clock with the case's disambiguation, counting gap and overlap times. */
  function toZoned(wall: Polyfill.PlainDateTime, zone: string, disambiguation: Disambiguation): Polyfill.ZonedDateTime {
    try {
      wall.toZonedDateTime(zone, { disambiguation: "reject" });
    } catch {
      seen.gapOrOverlap++;
    }
    return wall.toZonedDateTime(zone, { disambiguation });
  }

  /** The duration as Temporal reads it, after the engine's documented truncation to ms. */
  function temporalDuration(spec: DateSpec): Polyfill.Duration {
    const duration =
      spec.offsetMinutes !== undefined
        ? Temporal.Duration.from({ minutes: spec.offsetMinutes })
        : Temporal.Duration.from((spec.offset ?? "PT0S").replace(/\.(\d{1,3})\d*S$/, ".$1S"));
    if (spec.operation === "CONVERT") return new Temporal.Duration();
    return spec.operation === "SUBTRACT_OFFSET" ? duration.negated() : duration;
  }

  function temporalExpected(spec: DateSpec, naive: boolean): Expected {
    const disambiguation = spec.disambiguation ?? "compatible";
    const target = spec.targetTimezone;
    let zoned: Polyfill.ZonedDateTime;
    if (!naive) {
      zoned = Temporal.Instant.from(spec.sourceTimestamp).toZonedDateTimeISO(target);
    } else {
      try {
        zoned = toZoned(Temporal.PlainDateTime.from(spec.sourceTimestamp), spec.sourceTimezone ?? "UTC", disambiguation).withTimeZone(target);
      } catch (error) {
        assert.ok(error instanceof RangeError && disambiguation === "reject", `Temporal failed unexpectedly: ${String(error)}`);
        return { rejected: "sourceTimestamp" };
      }
    }
    const duration = temporalDuration(spec);
    const datePart = new Temporal.Duration(duration.years, duration.months, duration.weeks, duration.days);
    const timePart = new Temporal.Duration(0, 0, 0, 0, duration.hours, duration.minutes, duration.seconds, duration.milliseconds);
    let result: Polyfill.ZonedDateTime;
    if (datePart.blank) {
      result = zoned.add(timePart);
    } else {
      let intermediate: Polyfill.ZonedDateTime;
      try {
        intermediate = toZoned(zoned.toPlainDateTime().add(datePart), target, disambiguation);
      } catch (error) {
        assert.ok(error instanceof RangeError && disambiguation === "reject", `Temporal failed unexpectedly: ${String(error)}`);
        return { rejected: "offset" };
      }
      result = intermediate.add(timePart);
      if (disambiguation === "compatible") {
        // The oracle's route for the other modes is ZonedDateTime.add with the option swapped.
        assert.equal(result.epochNanoseconds, zoned.add(duration).epochNanoseconds, "oracle self-check");
      }
    }

    const step = 10n ** BigInt(9 - (spec.precision ?? 3));
    const ns = result.epochNanoseconds;
    const floored = ns - (((ns % step) + step) % step);
    const truncated = Temporal.Instant.fromEpochNanoseconds(floored).toZonedDateTimeISO(target);
    const utc = truncated.withTimeZone("UTC");
    if (truncated.year < 1 || truncated.year > 9999 || utc.year < 1 || utc.year > 9999) return { outOfRange: true };
    const digits = (spec.precision ?? 3) as 0 | 1 | 2 | 3;
    const computedValue =
      truncated.offsetNanoseconds % 60e9 === 0
        ? truncated.toString({ fractionalSecondDigits: digits, timeZoneName: "never", calendarName: "never" })
        : truncated.toPlainDateTime().toString({ fractionalSecondDigits: digits }) + truncated.offset;
    return {
      value: {
        computedValue,
        computedValueUtc: truncated.toInstant().toString({ fractionalSecondDigits: digits }),
        computedEpochMs: Number(floored / 1_000_000n),
      },
    };
  }

  test(`computeDateManipulation agrees with ${implementation} on ${NUM_RUNS} generated cases`, (t) => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const spec = specOf(c);
        const expected = temporalExpected(spec, c.form === "naive");
        let actual: DateResult | DateInputError;
        try {
          actual = computeDateManipulation(spec);
        } catch (error) {
          if (!(error instanceof DateInputError)) throw error;
          actual = error;
        }
        seen.cases++;
        if (c.form === "naive") seen.naive++;
        if (spec.offset !== undefined && /^-?P\d/.test(spec.offset)) seen.calendar++;
        if ("value" in expected) {
          seen.values++;
          assert.ok(!(actual instanceof DateInputError), `engine threw: ${actual instanceof Error ? actual.message : ""}`);
          assert.deepEqual(actual, expected.value);
        } else if ("rejected" in expected) {
          seen.rejected++;
          assert.ok(actual instanceof DateInputError, "Temporal rejected this wall-clock time but the engine did not");
          assert.equal(actual.property, expected.rejected);
          assert.match(actual.message, /disambiguation is 'reject'/);
        } else {
          seen.outOfRange++;
          assert.ok(actual instanceof DateInputError, "the result is outside 0001-9999 but the engine did not fail");
          assert.match(actual.message, /outside years 0001-9999/);
        }
      }),
      { numRuns: NUM_RUNS, includeErrorInReport: true },
    );
    t.diagnostic(`${implementation}: generated cases: ${JSON.stringify(seen)}`);
    // The generators must actually reach the interesting branches.
    assert.equal(seen.cases, NUM_RUNS);
    assert.ok(seen.gapOrOverlap > NUM_RUNS / 20, "too few wall-clock times in gaps or overlaps generated");
    assert.ok(seen.rejected > NUM_RUNS / 100, "too few reject cases generated");
    assert.ok(seen.outOfRange > 5, "too few out-of-range cases generated");
  });

}

const POLYFILL_VERSION = (
  JSON.parse(readFileSync(path.join(path.dirname(require.resolve("@js-temporal/polyfill")), "..", "package.json"), "utf8")) as { version: string }
).version;
// Node 26 ships Temporal natively; older Nodes have none, and then only the polyfill runs.
const native = (globalThis as { Temporal?: typeof Polyfill }).Temporal;
const implementations: [typeof Polyfill, string][] = [[Polyfill, `the Temporal polyfill (@js-temporal/polyfill ${POLYFILL_VERSION})`]];
if (native !== undefined) implementations.push([native, `native Temporal (Node ${process.version}, V8 ${process.versions.v8})`]);

test("the Temporal implementations compared", (t) => {
  t.diagnostic(`compared against: ${implementations.map(([, name]) => name).join("; ")}`);
  if (native === undefined) t.diagnostic(`Node ${process.version} has no globalThis.Temporal: the native comparison runs on Node 26 and later`);
  // Node 26 ships Temporal unflagged: there a missing one would silently drop the native run.
  if (Number(process.versions.node.split(".")[0]) >= 26) assert.ok(native !== undefined, `Node ${process.version} should have globalThis.Temporal`);
});
for (const [Temporal, name] of implementations) differential(Temporal, name);
