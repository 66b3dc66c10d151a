/**
 * Parsing `sourceTimestamp`. The grammar is ours (stricter than luxon's ISO parser, which
 * takes lower-case letters, week and ordinal dates, and no offsets with seconds); luxon
 * knows the month lengths and turns the fields into a wall-clock number (`DateTime.utc`).
 */
import { DateTime } from "luxon";
import { DateInputError } from "../shared/errors";
import { daysInMonth } from "./format";

// Strict ISO 8601 extended format, RFC 3339 profile: upper-case T and Z, a '.' before
// the fraction, seconds optional, offset Z / +HH:MM / +HHMM / +HH (and +HH:MM:SS, which
// computedValue itself writes for historic offsets) or none.
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2})(?::(\d{2})(?::(\d{2}))?)?|([+-])(\d{2})(\d{2})(\d{2})?)?$/;

// A year of five or more digits, or signed (ISO 8601's expanded years, which the engine's
// own range messages write, e.g. +010000), before an otherwise well-formed timestamp.
const OTHER_YEAR = /^([+-]\d{4,}|\d{5,})(-.*)$/;

export const EXAMPLE_TIMESTAMP = "2024-02-29T15:30:00.000Z";

const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_SECOND = 1_000;

export interface ParsedTimestamp {
  local: number; // the wall clock written in the string
  offset: number | undefined; // ms; undefined when the string has none
}

/** What the user wrote, for messages about values that are not even strings. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return `a value of type ${Array.isArray(value) ? "array" : typeof value}`;
}

export function parseTimestamp(text: unknown): ParsedTimestamp {
  if (typeof text !== "string") {
    throw new DateInputError(
      "sourceTimestamp",
      `sourceTimestamp must be a string such as ${EXAMPLE_TIMESTAMP}, not ${describeValue(text)}`,
    );
  }
  const m = TIMESTAMP.exec(text);
  if (m === null) throw new DateInputError("sourceTimestamp", explainBadTimestamp(text));
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  // Digits past milliseconds are dropped, never rounded: .9999999 is .999.
  const millisecond = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  const bad = (why: string): never => {
    throw new DateInputError("sourceTimestamp", `sourceTimestamp ${text} ${why}`);
  };
  if (year === 0) bad(`has year 0000, outside years 0001-9999; give a timestamp inside that range`);
  if (month < 1 || month > 12) bad(`has month ${m[2]}; write a month from 01 to 12`);
  if (day < 1 || (day > 28 && day > daysInMonth(year, month))) {
    const note = month === 2 && day === 29 ? ` (${m[1]} is not a leap year)` : "";
    bad(`has day ${m[3]}; ${m[1]}-${m[2]} has days 01 to ${daysInMonth(year, month)}${note}`);
  }
  // luxon would take 24:00:00 as the next day's midnight; the spec does not.
  if (hour > 23) {
    bad(`has hour ${m[4]}; write 00 to 23 (for the end of a day, write 00:00 of the next day)`);
  }
  if (minute > 59) bad(`has minute ${m[5]}; write 00 to 59`);
  if (second > 59) {
    bad(`has second ${m[6]}; write 00 to 59 (leap seconds cannot be represented; write :59)`);
  }
  // Every field checked, so luxon gives a valid DateTime (never throws, even under Settings.throwOnInvalid).
  const local = DateTime.utc(year, month, day, hour, minute, second, millisecond).toMillis();
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
  const otherYear = OTHER_YEAR.exec(text);
  if (otherYear !== null && TIMESTAMP.test(`2000${otherYear[2]}`)) {
    const year = Number(otherYear[1]);
    if (year >= 1 && year <= 9999) {
      return `${start} writes the year ${otherYear[1]} in ISO 8601's expanded form; write it with four digits: ${`${year}`.padStart(4, "0")}${otherYear[2]}`;
    }
    return `${start} has year ${otherYear[1]}, outside years 0001-9999; give a timestamp inside that range`;
  }
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
