/**
 * Wall-clock times as luxon DateTimes, and the strings the engine writes.
 *
 * A wall-clock time is a "local" number: the milliseconds since 1970-01-01T00:00 of the
 * wall-clock fields read as if they were UTC (for an instant t in a zone with offset o,
 * local = t + o). As a luxon DateTime in UTC its fields are that wall clock, so luxon does
 * the calendar: fields, month lengths, month-end clamping and ISO formatting.
 */
import { DateTime, FixedOffsetZone, type ToISOTimeOptions } from "luxon";

const UTC = FixedOffsetZone.utcInstance;
const MS_PER_SECOND = 1_000;

/** The wall clock of a local number, as a luxon DateTime whose fields are that wall clock. */
export function wallClock(local: number): DateTime {
  return DateTime.fromMillis(local, { zone: UTC });
}

/** The wall clock after years and months (day clamped to the month's end), then weeks and
 *  days: luxon's `plus` in that order, which is Temporal's. NaN outside Date's range. On the
 *  UTC wall clock, not in the target zone: there luxon would resolve a gap or overlap its way. */
export function plusCalendarUnits(local: number, d: { years: number; months: number; weeks: number; days: number }): number {
  return wallClock(local).plus({ years: d.years, months: d.months, weeks: d.weeks, days: d.days }).toMillis();
}

/** Days in a month of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  return DateTime.utc(year, month, 1).daysInMonth ?? 0;
}

function iso(local: number, options: ToISOTimeOptions): string {
  const text = wallClock(local).toISO({ includeOffset: false, ...options });
  // Unreachable for the engine's values (they stay within +-10^8 days); stated, not assumed.
  if (text === null) throw new RangeError(`${local} ms is outside the dates luxon represents`);
  return text;
}

/**
 * `YYYY-MM-DDTHH:mm:ss[.fff]` with exactly `precision` fractional digits; with
 * `trimFraction`, the fraction is left out when it is zero (for messages). Years outside
 * 0000-9999 come out in ISO 8601's expanded form (+010000), only ever seen in messages.
 */
export function formatLocal(local: number, precision: number, trimFraction = false): string {
  if (trimFraction) return iso(local, { suppressMilliseconds: true });
  if (precision === 0) return iso(local, { precision: "second" });
  const text = iso(local, {}); // ends in .fff; the value is already truncated, so cut
  return text.slice(0, text.length - 3 + precision);
}

/** `HH:mm`, with `:ss` only when the seconds are not zero (for messages). */
export function formatClock(local: number): string {
  const text = wallClock(local).toISOTime({ includeOffset: false, suppressSeconds: true, suppressMilliseconds: true });
  return text ?? "";
}

/**
 * `+HH:MM`, or `+HH:MM:SS` when the offset has seconds (local mean time before a zone
 * adopted standard time, e.g. New York's -04:56:02 before 1883). Ours, not luxon's: luxon's
 * offset formats drop the seconds. Temporal's toString rounds them to minutes, which makes
 * the string name a different instant; the seconds keep computedValue exact and re-parseable.
 */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? "-" : "+";
  const total = Math.abs(offsetMs) / MS_PER_SECOND;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad2 = (n: number): string => `${n}`.padStart(2, "0");
  return `${sign}${pad2(hours)}:${pad2(minutes)}${seconds === 0 ? "" : `:${pad2(seconds)}`}`;
}
