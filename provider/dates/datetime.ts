/**
 * The pure date engine: parse a timestamp, express it in a time zone, add an ISO 8601
 * duration with the meaning of TC39 Temporal's `ZonedDateTime.add`, truncate, format.
 * No clock, no I/O. Time zone offsets come from the ICU data in Node's Intl, read through
 * one cached `Intl.DateTimeFormat` per zone. docs/dates.md explains the semantics.
 *
 * Internally a wall-clock time is a "local" number: the milliseconds since 1970-01-01T00:00
 * of the wall-clock fields read as if they were UTC. An instant is epoch milliseconds.
 * For an instant t in a zone with offset o: local = t + o.
 */
import {
  type Duration,
  durationFromMinutes,
  explainInvalidDuration,
  isExactOnly,
  negateDuration,
  parseIsoDuration,
} from "./duration";
import { DateInputError } from "../shared/errors";

export type Operation = "ADD_OFFSET" | "SUBTRACT_OFFSET" | "CONVERT";
export type Disambiguation = "compatible" | "earlier" | "later" | "reject";

export interface DateSpec {
  sourceTimestamp: string;
  sourceTimezone?: string; // default "UTC"
  targetTimezone: string;
  operation: Operation;
  offsetMinutes?: number; // integer; the duration PT{n}M
  offset?: string; // ISO 8601 duration
  disambiguation?: Disambiguation; // default "compatible"
  precision?: number; // 0..3, default 3
}

export interface DateResult {
  computedValue: string;
  computedValueUtc: string;
  computedEpochMs: number;
}

const OPERATIONS: readonly Operation[] = ["ADD_OFFSET", "SUBTRACT_OFFSET", "CONVERT"];
const DISAMBIGUATIONS: readonly Disambiguation[] = ["compatible", "earlier", "later", "reject"];

const MS_PER_SECOND = 1_000;
const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

/** The IANA time zone database version in Node's ICU, e.g. "2025c". */
export function tzdbVersion(): string {
  return process.versions.tz ?? "unknown";
}

// ---------------------------------------------------------------------------------------
// Proleptic Gregorian calendar arithmetic (the ISO 8601 calendar), valid for any year.

/** Days from 1970-01-01 to y-m-d (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shiftedMonth = month > 2 ? month - 3 : month + 9; // March-based, so Feb 29 ends the year
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Wall-clock fields of a local number. One scratch record, refilled per call, to keep the
 *  hot path free of allocations. */
interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

function splitLocal(local: number, out: Fields): Fields {
  const days = Math.floor(local / MS_PER_DAY);
  let rest = local - days * MS_PER_DAY;
  // H. Hinnant's civil_from_days.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  out.day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  out.month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  out.year = yearOfEra + era * 400 + (out.month <= 2 ? 1 : 0);
  out.hour = Math.floor(rest / MS_PER_HOUR);
  rest -= out.hour * MS_PER_HOUR;
  out.minute = Math.floor(rest / MS_PER_MINUTE);
  rest -= out.minute * MS_PER_MINUTE;
  out.second = Math.floor(rest / MS_PER_SECOND);
  out.millisecond = rest - out.second * MS_PER_SECOND;
  return out;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** First and last millisecond (as local numbers) of years 0001-9999. */
const MIN_LOCAL = daysFromCivil(1, 1, 1) * MS_PER_DAY;
const MAX_LOCAL = daysFromCivil(10_000, 1, 1) * MS_PER_DAY - 1;
// Intermediate wall-clock times (after calendar arithmetic, before exact units) may leave
// 0001-9999 and come back; they must stay where Date/Intl still work, with a day to spare
// for the +-1 day offset probes. Temporal's own limit is the same +-10^8 days.
const MAX_INTERMEDIATE_DAYS = 100_000_000 - 2;

// ---------------------------------------------------------------------------------------
// Time zone offsets from Intl.

const FORMAT_OPTIONS: Intl.DateTimeFormatOptions = {
  // h23 so midnight reads 00, never 24; era so years <= 0 (1 BC) read correctly.
  hourCycle: "h23",
  era: "short",
  year: "numeric",
  month: "numeric",
  day: "numeric",
  hour: "numeric",
  minute: "numeric",
  second: "numeric",
  numberingSystem: "latn",
};

/** Where each number sits in the formatted string, learned once from formatToParts so the
 *  hot path can use the 3x cheaper format() and scan digits. */
const LAYOUT = (() => {
  const probe = new Intl.DateTimeFormat("en-US", { ...FORMAT_OPTIONS, timeZone: "UTC" });
  const numeric = ["year", "month", "day", "hour", "minute", "second"];
  const parts = probe.formatToParts(Date.UTC(-1, 0, 1)); // year -1 is 2 BC
  const order = parts.filter((p) => numeric.includes(p.type)).map((p) => p.type);
  const era = parts.find((p) => p.type === "era");
  if (order.length !== 6 || era === undefined) {
    throw new Error(`Intl.DateTimeFormat gave an unexpected layout: ${JSON.stringify(parts)}`);
  }
  return {
    year: order.indexOf("year"),
    month: order.indexOf("month"),
    day: order.indexOf("day"),
    hour: order.indexOf("hour"),
    minute: order.indexOf("minute"),
    second: order.indexOf("second"),
    beforeChrist: era.value,
  };
})();

/** A zone: its formatter, or null for UTC, whose offset is always zero. */
type Zone = Intl.DateTimeFormat | null;

const zones = new Map<string, Zone>();
const digits = [0, 0, 0, 0, 0, 0];

function lookupZone(name: string): Zone | undefined {
  const cached = zones.get(name);
  if (cached !== undefined || zones.has(name)) return cached;
  // Offsets ("+05:30") are not IANA names; newer Intl versions accept them, so refuse them
  // here to behave the same on every Node version.
  if (name === "" || name.startsWith("+") || name.startsWith("-")) return undefined;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", { ...FORMAT_OPTIONS, timeZone: name });
  } catch {
    return undefined; // unknown names are not cached: the map stays bounded by valid names
  }
  const zone = format.resolvedOptions().timeZone === "UTC" ? null : format;
  zones.set(name, zone);
  return zone;
}

/** True when `zone` is an IANA time zone name this Node's ICU knows (links such as
 *  US/Eastern included; names are matched case-insensitively, as Intl does). */
export function isValidTimeZone(zone: string): boolean {
  return typeof zone === "string" && lookupZone(zone) !== undefined;
}

/** The zone's UTC offset at an instant, in ms. */
function offsetAt(zone: Zone, epochMs: number): number {
  if (zone === null) return 0;
  const text = zone.format(epochMs);
  let index = 0;
  let value = 0;
  let inNumber = false;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit >= 0 && digit <= 9) {
      value = value * 10 + digit;
      inNumber = true;
    } else if (inNumber) {
      digits[index++] = value;
      value = 0;
      inNumber = false;
    }
  }
  if (inNumber) digits[index] = value;
  const shownYear = digits[LAYOUT.year];
  const year = text.includes(LAYOUT.beforeChrist) ? 1 - shownYear : shownYear;
  // Intl shows whole seconds; the instant's own milliseconds complete the local time.
  const millisecond = epochMs - Math.floor(epochMs / MS_PER_SECOND) * MS_PER_SECOND;
  const local =
    daysFromCivil(year, digits[LAYOUT.month], digits[LAYOUT.day]) * MS_PER_DAY +
    digits[LAYOUT.hour] * MS_PER_HOUR +
    digits[LAYOUT.minute] * MS_PER_MINUTE +
    digits[LAYOUT.second] * MS_PER_SECOND +
    millisecond;
  return local - epochMs;
}

// ---------------------------------------------------------------------------------------
// Wall-clock time to instant, with Temporal's GetPossibleEpochNanoseconds and
// DisambiguatePossibleEpochNanoseconds.

/** What a wall-clock time that is not exactly one instant looks like, for messages. */
interface Ambiguity {
  kind: "gap" | "overlap";
  offsetBefore: number;
  offsetAfter: number;
}

/** Instants (ascending) whose wall clock in `zone` is `local`: none in a gap, two in an
 *  overlap. Like Temporal, it probes the offsets one day either side and tries both. */
function possibleInstants(zone: Zone, local: number, out: number[]): number[] {
  out.length = 0;
  const before = offsetAt(zone, local - MS_PER_DAY);
  const after = offsetAt(zone, local + MS_PER_DAY);
  if (offsetAt(zone, local - before) === before) out.push(local - before);
  if (after !== before && offsetAt(zone, local - after) === after) out.push(local - after);
  // Only a shift of more than a day between the probes (none in tzdb) could misorder them.
  if (out.length === 2 && out[0] > out[1]) out.reverse();
  return out;
}

const candidates: number[] = [];

/**
 * The instant for wall-clock `local` in `zone`. A gap time moves by the gap's length
 * (forward for compatible/later, backward for earlier); an overlap takes the earlier
 * instant (compatible/earlier) or the later one; `reject` calls `onReject`.
 */
function resolveLocal(
  zone: Zone,
  local: number,
  disambiguation: Disambiguation,
  onReject: (ambiguity: Ambiguity) => never,
): number {
  if (zone === null) return local;
  const found = possibleInstants(zone, local, candidates);
  if (found.length === 1) return found[0];
  const offsetBefore = offsetAt(zone, local - MS_PER_DAY);
  const offsetAfter = offsetAt(zone, local + MS_PER_DAY);
  if (disambiguation === "reject") {
    onReject({ kind: found.length === 0 ? "gap" : "overlap", offsetBefore, offsetAfter });
  }
  if (found.length === 2) return disambiguation === "later" ? found[1] : found[0];
  // In a gap: shift the wall clock by the gap's length, then read it again (Temporal's
  // steps). Shifting back lands before the gap (the instant with the offset after it);
  // shifting forward lands after it (the instant with the offset before it).
  const gap = offsetAfter - offsetBefore;
  if (disambiguation === "earlier") {
    const shifted = possibleInstants(zone, local - gap, candidates);
    return shifted.length > 0 ? shifted[0] : local - offsetAfter;
  }
  const shifted = possibleInstants(zone, local + gap, candidates);
  return shifted.length > 0 ? shifted[shifted.length - 1] : local - offsetBefore;
}

/** The transition between the two probes, found by bisection (messages only). */
function transitionNear(zone: Zone, local: number, offsetBefore: number): number {
  let low = local - MS_PER_DAY;
  let high = local + MS_PER_DAY;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (offsetAt(zone, middle) === offsetBefore) low = middle;
    else high = middle;
  }
  return high;
}

function describeAmbiguity(zone: Zone, zoneName: string, local: number, a: Ambiguity): string {
  const at = transitionNear(zone, local, a.offsetBefore);
  const from = at + a.offsetBefore;
  const to = at + offsetAt(zone, at);
  const sameDay = Math.floor(from / MS_PER_DAY) === Math.floor(to / MS_PER_DAY);
  const show = (value: number): string => (sameDay ? formatClock(value) : formatLocal(value, 3, true));
  if (a.kind === "gap") {
    return `does not exist in ${zoneName} (the clocks skip from ${show(from)} to ${show(to)})`;
  }
  return (
    `occurs twice in ${zoneName} (the clocks go back from ${show(from)} to ${show(to)}; ` +
    `it is both ${formatOffset(a.offsetBefore)} and ${formatOffset(a.offsetAfter)})`
  );
}

// ---------------------------------------------------------------------------------------
// Formatting.

const scratch: Fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, millisecond: 0 };

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function formatYear(year: number): string {
  if (year >= 0 && year <= 9999) return `${year}`.padStart(4, "0");
  // ISO 8601 expanded years, only ever seen in messages about out-of-range results.
  return `${year < 0 ? "-" : "+"}${`${Math.abs(year)}`.padStart(6, "0")}`;
}

/** `YYYY-MM-DDTHH:mm:ss[.fff]` with exactly `precision` fractional digits; with
 *  `trimFraction`, the fraction is left out when it is zero (for messages). */
function formatLocal(local: number, precision: number, trimFraction = false): string {
  const f = splitLocal(local, scratch);
  let text = `${formatYear(f.year)}-${pad2(f.month)}-${pad2(f.day)}T${pad2(f.hour)}:${pad2(f.minute)}:${pad2(f.second)}`;
  if (precision > 0 && !(trimFraction && f.millisecond === 0)) {
    text += `.${`${f.millisecond}`.padStart(3, "0").slice(0, precision)}`;
  }
  return text;
}

/** `HH:mm`, with `:ss` only when the seconds are not zero (for messages). */
function formatClock(local: number): string {
  const f = splitLocal(local, scratch);
  return `${pad2(f.hour)}:${pad2(f.minute)}${f.second === 0 ? "" : `:${pad2(f.second)}`}`;
}

/**
 * `+HH:MM`, or `+HH:MM:SS` when the offset has seconds (local mean time before a zone
 * adopted standard time, e.g. New York's -04:56:02 before 1883). Temporal's toString
 * rounds such offsets to minutes, which makes the string name a different instant; the
 * seconds keep computedValue exact and re-parseable (Temporal parses them too).
 */
function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? "-" : "+";
  const total = Math.abs(offsetMs) / MS_PER_SECOND;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return `${sign}${pad2(hours)}:${pad2(minutes)}${seconds === 0 ? "" : `:${pad2(seconds)}`}`;
}

// ---------------------------------------------------------------------------------------
// Parsing sourceTimestamp.

// Strict ISO 8601 extended format, RFC 3339 profile: upper-case T and Z, a '.' before
// the fraction, seconds optional, offset Z / +HH:MM / +HHMM / +HH (and +HH:MM:SS, which
// computedValue itself writes for historic offsets) or none.
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2})(?::(\d{2})(?::(\d{2}))?)?|([+-])(\d{2})(\d{2})(\d{2})?)?$/;

const EXAMPLE_TIMESTAMP = "2024-02-29T15:30:00.000Z";

interface ParsedTimestamp {
  local: number; // the wall clock written in the string
  offset: number | undefined; // ms; undefined when the string has none
}

function parseTimestamp(text: unknown): ParsedTimestamp {
  if (typeof text !== "string") {
    throw new DateInputError(
      "sourceTimestamp",
      `sourceTimestamp must be a string such as ${EXAMPLE_TIMESTAMP}, not ${describeValue(text)}`,
    );
  }
  const m = TIMESTAMP.exec(text);
  if (m === null) throw new DateInputError("sourceTimestamp", explainBadTimestamp(text));
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  // Digits past milliseconds are dropped, never rounded: .9999999 is .999.
  const millisecond = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  const bad = (why: string): never => {
    throw new DateInputError("sourceTimestamp", `sourceTimestamp ${text} ${why}`);
  };
  if (year === 0) bad("has year 0000; years 0001-9999 are supported");
  if (month < 1 || month > 12) bad(`has month ${m[2]}; write a month from 01 to 12`);
  if (day < 1 || day > daysInMonth(year, month)) {
    const note = month === 2 && day === 29 ? ` (${m[1]} is not a leap year)` : "";
    bad(`has day ${m[3]}; ${m[1]}-${m[2]} has days 01 to ${daysInMonth(year, month)}${note}`);
  }
  if (hour > 23) {
    bad(`has hour ${m[4]}; write 00 to 23 (for the end of a day, write 00:00 of the next day)`);
  }
  if (minute > 59) bad(`has minute ${m[5]}; write 00 to 59`);
  if (second > 59) {
    bad(`has second ${m[6]}; write 00 to 59 (leap seconds cannot be represented; write :59)`);
  }
  const local =
    daysFromCivil(year, month, day) * MS_PER_DAY +
    hour * MS_PER_HOUR + minute * MS_PER_MINUTE + second * MS_PER_SECOND + millisecond;
  return { local, offset: m[8] === undefined ? undefined : parseOffset(text, m) };
}

function parseOffset(text: string, m: RegExpExecArray): number {
  if (m[8] === "Z") return 0;
  const extended = m[9] !== undefined;
  const sign = extended ? m[9] : m[13];
  const hours = Number(extended ? m[10] : m[14]);
  const minutes = Number((extended ? m[11] : m[15]) ?? "0");
  const seconds = Number((extended ? m[12] : m[16]) ?? "0");
  if (hours > 23 || minutes > 59 || seconds > 59) {
    throw new DateInputError(
      "sourceTimestamp",
      `sourceTimestamp ${text} has the offset ${m[8]}, which is not a UTC offset; write one from -23:59 to +23:59, e.g. -05:00`,
    );
  }
  // "-00:00" is RFC 3339's "UTC, local offset unknown": the instant is the same as Z.
  const magnitude = hours * MS_PER_HOUR + minutes * MS_PER_MINUTE + seconds * MS_PER_SECOND;
  return sign === "-" && magnitude !== 0 ? -magnitude : magnitude;
}

/** The most useful thing to say about a timestamp the pattern refused. */
function explainBadTimestamp(text: string): string {
  const start = `sourceTimestamp ${JSON.stringify(text)}`;
  const bracket = text.indexOf("[");
  if (bracket > 0 && TIMESTAMP.test(text.slice(0, bracket))) {
    return `${start} carries a bracketed annotation; write ${text.slice(0, bracket)} and put the zone in sourceTimezone`;
  }
  const fixed = text
    .trim()
    .replace(/^(\d{4}-\d{2}-\d{2})[ t_]/, "$1T")
    .replace(/(\d),(\d)/, "$1.$2")
    .replace(/z$/, "Z");
  if (fixed !== text && TIMESTAMP.test(fixed)) {
    return `${start} is not in the accepted form (upper-case T between date and time, '.' before the fraction, upper-case Z, no surrounding spaces); write ${fixed}`;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    return `${start} has no time of day; write ${text}T00:00:00 (plus Z or an offset if it is not in sourceTimezone)`;
  }
  if (/\.\d{10,}/.test(text)) {
    return `${start} has more than 9 fractional second digits; write at most 9 (digits past milliseconds are dropped anyway)`;
  }
  if (/^\d{8}T\d{4}/.test(text)) {
    return `${start} is in the ISO 8601 basic format; write the extended format with '-' and ':', e.g. ${EXAMPLE_TIMESTAMP}`;
  }
  return `${start} is not an ISO 8601 date-time; write YYYY-MM-DDTHH:mm[:ss[.fff]] followed by Z, an offset such as -05:00, or nothing (then sourceTimezone applies), e.g. ${EXAMPLE_TIMESTAMP}`;
}

// ---------------------------------------------------------------------------------------
// Checking the other inputs.

function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return `a value of type ${Array.isArray(value) ? "array" : typeof value}`;
}

function zoneInput(property: "sourceTimezone" | "targetTimezone", name: unknown): Zone {
  if (typeof name === "string") {
    const zone = lookupZone(name);
    if (zone !== undefined) return zone;
  }
  throw new DateInputError(property, explainBadZone(property, name));
}

function explainBadZone(property: string, name: unknown): string {
  const start = `${property} ${describeValue(name)}`;
  if (typeof name !== "string") return `${start} is not a time zone; write an IANA name such as America/New_York or UTC`;
  if (name.trim() === "") return `${start} is empty; write an IANA time zone name such as America/New_York or UTC`;
  if (/^[+-]\d/.test(name)) {
    return `${start} is a UTC offset, not an IANA time zone; write a zone name such as America/New_York or Asia/Kolkata (fixed whole-hour offsets exist as Etc/GMT-5 and the like, with the sign inverted)`;
  }
  // Closest-name suggestions are the check layer's (provider/zones.ts, which builds on
  // isValidTimeZone); this message stands on its own for direct callers.
  return `${start} is not an IANA time zone known to this Node.js (tz data ${tzdbVersion()}); write a name such as America/New_York, Europe/London or UTC, spelled as in the IANA database`;
}

interface DurationInput {
  duration: Duration;
  property: "offset" | "offsetMinutes";
  text: string; // the duration as the user wrote it, for messages
}

const ZERO = durationFromMinutes(0);

function durationInput(spec: DateSpec): DurationInput {
  const { operation, offset, offsetMinutes } = spec;
  if (!OPERATIONS.includes(operation)) {
    throw new DateInputError(
      "operation",
      `operation ${describeValue(operation)} is not one of ${OPERATIONS.join(", ")}`,
    );
  }
  if (offset !== undefined && offsetMinutes !== undefined) {
    throw new DateInputError(
      "offset",
      `offset ${describeValue(offset)} and offsetMinutes ${describeValue(offsetMinutes)} are both set; set only one (offsetMinutes ${describeValue(offsetMinutes)} is the same as offset PT${describeValue(offsetMinutes)}M)`,
    );
  }
  let input: DurationInput;
  if (offset !== undefined) {
    if (typeof offset !== "string") {
      throw new DateInputError("offset", `offset must be an ISO 8601 duration string such as PT2H or P1D, not ${describeValue(offset)}`);
    }
    const duration = parseIsoDuration(offset);
    if (duration === null) {
      throw new DateInputError("offset", `offset ${JSON.stringify(offset)} ${explainInvalidDuration(offset)}`);
    }
    input = { duration, property: "offset", text: offset };
  } else if (offsetMinutes !== undefined) {
    if (typeof offsetMinutes !== "number" || !Number.isSafeInteger(offsetMinutes)) {
      throw new DateInputError(
        "offsetMinutes",
        `offsetMinutes ${describeValue(offsetMinutes)} is not a whole number of minutes; write an integer such as 120 or -90, or use offset for other units (e.g. PT90S)`,
      );
    }
    input = { duration: durationFromMinutes(offsetMinutes), property: "offsetMinutes", text: String(offsetMinutes) };
  } else if (operation === "CONVERT") {
    input = { duration: ZERO, property: "offset", text: "" };
  } else {
    throw new DateInputError(
      "offset",
      `operation ${operation} needs an offset; set offset (an ISO 8601 duration such as PT2H or P1D) or offsetMinutes, or use operation CONVERT`,
    );
  }
  // CONVERT adds nothing; a given offset is still checked above so typos surface.
  if (operation === "CONVERT") return { ...input, duration: ZERO };
  if (operation === "SUBTRACT_OFFSET") {
    return { ...input, duration: negateDuration(input.duration), text: `${input.text} (subtracted)` };
  }
  return input;
}

function disambiguationInput(value: unknown): Disambiguation {
  if (value === undefined) return "compatible";
  if (DISAMBIGUATIONS.includes(value as Disambiguation)) return value as Disambiguation;
  throw new DateInputError(
    "disambiguation",
    `disambiguation ${describeValue(value)} is not one of ${DISAMBIGUATIONS.map((d) => `'${d}'`).join(", ")}; 'compatible' (the default) moves a time in a DST gap forward and takes the first of two repeated times`,
  );
}

function precisionInput(value: unknown): number {
  if (value === undefined) return 3;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 3) return value;
  throw new DateInputError(
    "precision",
    `precision ${describeValue(value)} is not allowed; write 0, 1, 2 or 3 (the fractional-second digits kept: 3 is milliseconds, 0 whole seconds)`,
  );
}

// ---------------------------------------------------------------------------------------
// The computation.

const TRUNCATION_STEP = [1000, 100, 10, 1];

/**
 * Computes the value the resource writes. See docs/dates.md. Throws DateInputError
 * naming the input at fault.
 */
export function computeDateManipulation(spec: DateSpec): DateResult {
  const source = parseTimestamp(spec.sourceTimestamp);
  const sourceZone = zoneInput("sourceTimezone", spec.sourceTimezone ?? "UTC");
  const targetZone = zoneInput("targetTimezone", spec.targetTimezone);
  const { duration, property, text } = durationInput(spec);
  const disambiguation = disambiguationInput(spec.disambiguation);
  const precision = precisionInput(spec.precision);
  const targetName = spec.targetTimezone;

  // 1. The instant: an offset in the string wins over sourceTimezone.
  const start =
    source.offset !== undefined
      ? source.local - source.offset
      : resolveLocal(sourceZone, source.local, disambiguation, (ambiguity) => {
          const zoneName = spec.sourceTimezone ?? "UTC";
          throw new DateInputError(
            "sourceTimestamp",
            `sourceTimestamp ${spec.sourceTimestamp} ${describeAmbiguity(sourceZone, zoneName, source.local, ambiguity)} and disambiguation is 'reject'; ` +
              (ambiguity.kind === "gap"
                ? "set disambiguation to 'compatible', 'earlier' or 'later', or give a time outside the gap"
                : `set disambiguation to 'earlier' or 'later' ('compatible' takes the earlier), or write the offset into the timestamp, e.g. ${spec.sourceTimestamp}${formatOffset(ambiguity.offsetBefore)}`),
          );
        });

  // 2-3. Calendar units move the wall clock in the target zone; like Temporal, a duration
  // without them is pure elapsed time and the wall clock is never re-read.
  let instant = start;
  if (!isExactOnly(duration)) {
    const moved = addCalendarUnits(start + offsetAt(targetZone, start), duration);
    if (moved === undefined) throw rangeError(property, text, start, targetZone, targetName);
    instant = resolveLocal(targetZone, moved, disambiguation, (ambiguity) => {
      throw new DateInputError(
        property,
        `${property} ${text} moves ${formatLocal(start + offsetAt(targetZone, start), 3, true)}${formatOffset(offsetAt(targetZone, start))} ` +
          `to ${formatLocal(moved, 3, true)}, which ${describeAmbiguity(targetZone, targetName, moved, ambiguity)}, and disambiguation is 'reject'; ` +
          "set disambiguation to 'compatible', 'earlier' or 'later', or express the offset in exact units (e.g. PT24H instead of P1D), which add elapsed time and never land in a gap",
      );
    });
  }
  const exact =
    duration.hours * MS_PER_HOUR + duration.minutes * MS_PER_MINUTE +
    duration.seconds * MS_PER_SECOND + duration.milliseconds;
  instant += exact;
  if (!Number.isSafeInteger(exact) || !(Math.abs(instant) <= MAX_INTERMEDIATE_DAYS * MS_PER_DAY)) {
    throw rangeError(property, text, start, targetZone, targetName);
  }

  // 4. Truncate (towards the past, so the written digits are cut, never rounded).
  const step = TRUNCATION_STEP[precision];
  const truncated = instant - (((instant % step) + step) % step);
  const offset = offsetAt(targetZone, truncated);
  const local = truncated + offset;
  if (!inRange(local) || !inRange(truncated)) {
    // Blame the offset only when the source itself still fits in the target zone.
    const startFits = inRange(start) && inRange(start + offsetAt(targetZone, start));
    if (startFits && !isZero(duration)) throw rangeError(property, text, start, targetZone, targetName, truncated);
    throw rangeError("sourceTimestamp", text, start, targetZone, targetName, startFits ? truncated : start);
  }
  return {
    computedValue: formatLocal(local, precision) + formatOffset(offset),
    computedValueUtc: `${formatLocal(truncated, precision)}Z`,
    computedEpochMs: truncated,
  };
}

function isZero(d: Duration): boolean {
  return isExactOnly(d) && d.hours === 0 && d.minutes === 0 && d.seconds === 0 && d.milliseconds === 0;
}

function inRange(local: number): boolean {
  return local >= MIN_LOCAL && local <= MAX_LOCAL;
}

/** Years, months (clamping the day to the month's end), then weeks and days, on the
 *  wall clock; undefined when the date leaves the computable range. */
function addCalendarUnits(local: number, d: Duration): number | undefined {
  const f = splitLocal(local, scratch);
  const timeOfDay = f.hour * MS_PER_HOUR + f.minute * MS_PER_MINUTE + f.second * MS_PER_SECOND + f.millisecond;
  const monthIndex = f.month - 1 + d.months;
  const year = f.year + d.years + Math.floor(monthIndex / 12);
  const month = monthIndex - Math.floor(monthIndex / 12) * 12 + 1;
  if (!(Math.abs(year) <= 270_000)) return undefined; // keeps the day count below exact
  const day = Math.min(f.day, daysInMonth(year, month));
  const epochDay = daysFromCivil(year, month, day) + d.weeks * 7 + d.days;
  if (!(Math.abs(epochDay) <= MAX_INTERMEDIATE_DAYS)) return undefined;
  return epochDay * MS_PER_DAY + timeOfDay;
}

function rangeError(
  property: "sourceTimestamp" | "offset" | "offsetMinutes",
  text: string,
  start: number,
  zone: Zone,
  zoneName: string,
  result?: number,
): DateInputError {
  if (result === undefined) {
    return new DateInputError(
      property,
      `${property} ${text} takes ${formatLocal(start, 3, true)}Z beyond the range that can be computed, far outside years 0001-9999; use a smaller ${property}`,
    );
  }
  const shown = `${formatLocal(result + offsetAt(zone, result), 3, true)}${formatOffset(offsetAt(zone, result))} in ${zoneName} (${formatLocal(result, 3, true)}Z)`;
  if (property === "sourceTimestamp") {
    return new DateInputError(
      "sourceTimestamp",
      `sourceTimestamp ${formatLocal(start, 3, true)}Z comes out as ${shown}, outside years 0001-9999; give a timestamp inside that range`,
    );
  }
  return new DateInputError(
    property,
    `${property} ${text} takes ${formatLocal(start, 3, true)}Z to ${shown}, outside years 0001-9999; use a smaller ${property}`,
  );
}
