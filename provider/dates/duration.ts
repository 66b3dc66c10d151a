/**
 * ISO 8601 durations (`P1Y2M3W4DT5H6M7.5S`) as the date engine uses them: whole
 * calendar units (years, months, weeks, days) and exact units (hours, minutes,
 * seconds, milliseconds), all carrying the same sign. luxon's `Duration.fromISO` reads
 * the values once our stricter grammar has accepted the text.
 */
import { Duration as LuxonDuration } from "luxon";

export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
  milliseconds: number;
}

// One sign for the whole duration (ISO 8601-2 / Temporal), designators in the fixed
// order Y M W D T H M S, and a fraction only on seconds: a fraction on any other
// unit would need a rule for carrying it into the next unit, which ISO leaves open.
const DURATION =
  /^[+-]?P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d{1,9})?S)?)?$/;

/**
 * Parses an ISO 8601 duration, or returns null. Fractional seconds keep at most
 * 9 digits and are truncated (never rounded) to milliseconds. Each component must
 * be a safe integer. Use `explainInvalidDuration` for a message when this is null.
 */
export function parseIsoDuration(text: string): Duration | null {
  // ISO 8601 wants at least one component, and a "T" must be followed by a time one.
  if (!DURATION.test(text) || /^[+-]?PT?$/.test(text) || text.endsWith("T")) return null;
  // The grammar is ours (above); luxon's is looser: a sign on each unit, fractions on every
  // unit, a decimal comma. luxon reads the values: no leading '+' (it has none) and no
  // leading zeros (it takes at most 20 digits a component, and 007 is 7).
  const parsed = luxonDuration(text.replace(/^\+/, "").replace(/(?<![.\d])0+(?=\d)/g, ""));
  if (parsed === undefined) return null;
  // luxon truncates the fraction to milliseconds (Math.floor of a positive number): 7.9999S is 7 s 999 ms.
  const { years, months, weeks, days, hours, minutes, seconds, milliseconds } = parsed;
  const d = { years, months, weeks, days, hours, minutes, seconds, milliseconds };
  if (!Object.values(d).every(Number.isSafeInteger)) return null;
  return applySign(d, 1);
}

/** luxon's reading, or undefined. A program sharing this luxon may set
 *  `Settings.throwOnInvalid`, and then luxon throws instead of returning it invalid. */
function luxonDuration(text: string): LuxonDuration | undefined {
  try {
    const parsed = LuxonDuration.fromISO(text);
    return parsed.isValid ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Why `text` is not a duration, phrased to complete "offset X ...". */
export function explainInvalidDuration(text: string): string {
  const upper = text.toUpperCase();
  if (text !== upper && parseIsoDuration(upper) !== null) {
    return `uses lower-case designators; write ${upper}`;
  }
  if (text.includes(",") && parseIsoDuration(text.replace(",", ".")) !== null) {
    return `uses a decimal comma; write ${text.replace(",", ".")}`;
  }
  if (/^[+-]?PT?$/.test(text)) {
    return "names no component; write at least one, e.g. PT0S for no change";
  }
  if (text.endsWith("T")) {
    return "has a T with no hours, minutes or seconds after it; drop the T or add a time unit";
  }
  if (/\d[.,]\d*[YMWDH]/.test(text) || /\d[.,]\d*M$/.test(text)) {
    return "has a fraction on a unit other than seconds; only seconds may have one (write PT90M, not PT1.5H)";
  }
  if (/[.,]\d{10,}S$/.test(text)) {
    return "has more than 9 fractional second digits";
  }
  if (DURATION.test(text)) {
    return "has a component too large to compute with";
  }
  return "is not an ISO 8601 duration; write P[nY][nM][nW][nD][T[nH][nM][n[.fff]S]] with an optional leading '-', e.g. PT2H, P1D, P1M or -P1Y2M3W4DT5H6M7.5S";
}

/** The same duration pointing the other way. */
export function negateDuration(d: Duration): Duration {
  return applySign(d, -1);
}

/** True when the duration has no calendar units, so it is a plain elapsed time. */
export function isExactOnly(d: Duration): boolean {
  return d.years === 0 && d.months === 0 && d.weeks === 0 && d.days === 0;
}

/** The original design's `offsetMinutes`, as the duration PT{n}M. */
export function durationFromMinutes(minutes: number): Duration {
  return { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes, seconds: 0, milliseconds: 0 };
}

/** The duration times `sign`, every zero a positive zero. */
function applySign(d: Duration, sign: 1 | -1): Duration {
  // Keep zeros positive: -0 would leak into results and surprise strict equality checks.
  const s = (n: number): number => (n === 0 ? 0 : n * sign);
  return {
    years: s(d.years),
    months: s(d.months),
    weeks: s(d.weeks),
    days: s(d.days),
    hours: s(d.hours),
    minutes: s(d.minutes),
    seconds: s(d.seconds),
    milliseconds: s(d.milliseconds),
  };
}
