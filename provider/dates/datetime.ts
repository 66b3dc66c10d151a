/**
 * The pure date engine: parse a timestamp, express it in a time zone, add an ISO 8601
 * duration with the meaning of TC39 Temporal's `ZonedDateTime.add`, truncate, format.
 * No clock, no I/O. luxon does the calendar and the zones; ours is only where luxon's
 * meaning differs from the spec (docs/dates.md explains the semantics):
 * - a wall-clock time in a gap or overlap is resolved by `disambiguation` (timezone.ts);
 * - results are truncated, never rounded, to `precision` digits (below);
 * - the input grammar is stricter than luxon's parsers (timestamp.ts, duration.ts);
 * - results must fall in years 0001-9999 (below).
 *
 * A wall-clock time is a "local" number (format.ts); an instant is epoch milliseconds.
 */
import { DateTime } from "luxon";
import { DateInputError } from "../shared/errors";
import { type Duration, isExactOnly } from "./duration";
import { formatLocal, formatOffset, plusCalendarUnits } from "./format";
import { disambiguationInput, durationInput, precisionInput, zoneInput } from "./inputs";
import { parseTimestamp } from "./timestamp";
import { describeAmbiguity, resolveLocal, ZoneOffsets } from "./timezone";


/** What `computeDateManipulation` does with the offset. */
export type Operation = "ADD_OFFSET" | "SUBTRACT_OFFSET" | "CONVERT";
// Here, not in timezone.ts: the public types must not pull luxon's (a devDependency) into users' builds.
/** How a wall-clock time in a DST gap or overlap becomes an instant (Temporal's meanings). */
export type Disambiguation = "compatible" | "earlier" | "later" | "reject";

/** The inputs of one date computation: the resource's date inputs, without CXone. */
export interface DateSpec {
  /** ISO 8601; without an offset it is read in `sourceTimezone`. */
  sourceTimestamp: string;
  /** Default "UTC". */
  sourceTimezone?: string;
  /** The IANA zone the result is expressed in. */
  targetTimezone: string;
  /** What to do with the offset. */
  operation: Operation;
  /** Integer; the duration PT{n}M. */
  offsetMinutes?: number;
  /** ISO 8601 duration. */
  offset?: string;
  /** Default "compatible". */
  disambiguation?: Disambiguation;
  /** 0..3, default 3. */
  precision?: number;
}

/** What one computation gives. */
export interface DateResult {
  /** The result in `targetTimezone` with its offset and `precision` digits. */
  computedValue: string;
  /** The same instant in UTC. */
  computedValueUtc: string;
  /** The same instant in integer milliseconds since the epoch. */
  computedEpochMs: number;
}

const MS_PER_SECOND = 1_000;
const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

/** First and last millisecond (as local numbers) of years 0001-9999: the spec's range, ours
 *  to enforce (luxon represents any year a Date can). */
const MIN_LOCAL = DateTime.utc(1, 1, 1).toMillis();
const MAX_LOCAL = DateTime.utc(9999, 12, 31, 23, 59, 59, 999).toMillis();
// Intermediate wall-clock times (after calendar arithmetic, before exact units) may leave
// 0001-9999 and come back; they must stay where Date, Intl and luxon still work, with a day
// to spare for the +-1 day offset probes. Temporal's own limit is the same +-10^8 days.
const MAX_INTERMEDIATE_DAYS = 100_000_000 - 2;

// Truncation is ours: luxon has no step that cuts an instant to 1 or 2 digits. Step per precision:
const TRUNCATION_STEP = [1000, 100, 10, 1];

/**
 * Computes the value the resource writes. See docs/dates.md. Throws DateInputError
 * naming the input at fault.
 */
export function computeDateManipulation(spec: DateSpec): DateResult {
  const source = parseTimestamp(spec.sourceTimestamp);
  const sourceZone = new ZoneOffsets(zoneInput("sourceTimezone", spec.sourceTimezone ?? "UTC"));
  const target = zoneInput("targetTimezone", spec.targetTimezone);
  // One zone, one set of lookups: a naive source's offset is then reused for the target.
  const targetZone = target === sourceZone.zone ? sourceZone : new ZoneOffsets(target);
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
    const startLocal = start + targetZone.at(start);
    const moved = plusCalendarUnits(startLocal, duration);
    if (!(Math.abs(Math.floor(moved / MS_PER_DAY)) <= MAX_INTERMEDIATE_DAYS)) {
      throw rangeError(property, text, start, targetZone, targetName);
    }
    instant = resolveLocal(targetZone, moved, disambiguation, (ambiguity) => {
      throw new DateInputError(
        property,
        `${property} ${text} moves ${formatLocal(startLocal, 3, true)}${formatOffset(targetZone.at(start))} ` +
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
  const offset = targetZone.at(truncated);
  const local = truncated + offset;
  if (!inRange(local) || !inRange(truncated)) {
    // Blame the offset only when the source itself still fits in the target zone.
    const startFits = inRange(start) && inRange(start + targetZone.at(start));
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

function rangeError(
  property: "sourceTimestamp" | "offset" | "offsetMinutes",
  text: string,
  start: number,
  zone: ZoneOffsets,
  zoneName: string,
  result?: number,
): DateInputError {
  if (result === undefined) {
    return new DateInputError(
      property,
      `${property} ${text} takes ${formatLocal(start, 3, true)}Z beyond the range that can be computed, far outside years 0001-9999; use a smaller ${property}`,
    );
  }
  const shown = `${formatLocal(result + zone.at(result), 3, true)}${formatOffset(zone.at(result))} in ${zoneName} (${formatLocal(result, 3, true)}Z)`;
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
